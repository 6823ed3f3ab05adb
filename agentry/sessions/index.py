"""The listing index: session summaries keyed by each file's (size, mtime, inode).

``list_sessions`` must stay fast with thousands of files, so a file is parsed only when its stat
key differs from the one recorded. The index is kept in memory and in ``.index.json`` beside the
sessions (written after a listing that parsed files, and when its manager closes or the process
exits), so a new process (the TUI starting up) does not re-parse every file either. It is only
a cache: it is rebuilt from the files whenever it is missing, unreadable or stale, and a write by
another process changes the file's stat key, so the stale entry is never used.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.sessions.ids import session_id_from_file_name
from agentry.sessions.storage import atomic_write, locked, read_regular

INDEX_NAME = ".index.json"
INDEX_LOCK = ".index"  # session ids cannot start with "." (see ids.py), so no id takes it
INDEX_VERSION = 1
# An entry is ~300 bytes: 64 MiB is 200,000 sessions; past that it is not our index.
MAX_INDEX_BYTES = 64 * 1024 * 1024

StatKey = tuple[int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _encodable(text: str) -> bool:
    """Whether the index can be written back with it (a lone surrogate cannot be UTF-8)."""
    try:
        return text.encode() is not None
    except UnicodeEncodeError:
        return False


_SUMMARY_KEYS = frozenset({"id", "created_at", "last_activity", "message_count", "title", "size"})
_ERROR_SUMMARY_KEYS = _SUMMARY_KEYS | {"error"}


def _valid_entry(name: Any, entry: Any) -> bool:
    """Whether an index entry has exactly the shape ``put`` gives one: a session file name, a
    stat key of three integers, and that session's summary with the keys and types a listing
    sorts and shows (one wrong type there broke every listing of the folder). Written out
    check by check: it runs for every entry when a process first lists (the TUI's start)."""
    if type(entry) is not list or len(entry) != 2:
        return False
    key, summary = entry
    if type(key) is not list or len(key) != 3 or type(summary) is not dict:
        return False
    if type(key[0]) is not int or type(key[1]) is not int or type(key[2]) is not int:
        return False  # (type, not isinstance: True is no integer here)
    count = summary.get("message_count")
    if count is None:  # a file that could not be read: it has an error instead
        error = summary.get("error")
        if summary.keys() != _ERROR_SUMMARY_KEYS or type(error) is not str:
            return False
        if not (error.isascii() or _encodable(error)):
            return False
    elif summary.keys() != _SUMMARY_KEYS or type(count) is not int or count < 0:
        return False
    try:  # times the listing sorts by and the TUI reads back
        datetime.fromisoformat(summary["created_at"])
        datetime.fromisoformat(summary["last_activity"])
    except (TypeError, ValueError):
        return False
    size, title = summary["size"], summary["title"]
    return (
        type(size) is int
        and size >= 0
        and type(title) is str
        and (title.isascii() or _encodable(title))
        and summary["id"] == session_id_from_file_name(name)
    )


class ListingIndex:
    def __init__(self, folder: Path) -> None:
        self._path = folder / INDEX_NAME
        self._entries: dict[str, tuple[StatKey, dict[str, Any]]] | None = None
        self._dirty = False
        # Bumped by every change to the entries, so a listing built from them can be reused.
        self.generation = 0

    def _load(self) -> dict[str, tuple[StatKey, dict[str, Any]]]:
        if self._entries is None:
            self._entries = {}
            try:
                raw, _ = read_regular(self._path, MAX_INDEX_BYTES)
                data = json.loads(raw)
            except (OSError, ValueError, RecursionError):
                return self._entries  # missing or unreadable: rebuilt from the files
            if type(data) is dict and data.get("version") == INDEX_VERSION:
                entries = data.get("entries")
                if type(entries) is dict:
                    # Only well-formed entries are trusted; the rest are parsed again.
                    self._entries = {
                        name: (tuple(entry[0]), entry[1])
                        for name, entry in entries.items()
                        if _valid_entry(name, entry)
                    }
        return self._entries

    def entries(self) -> dict[str, tuple[StatKey, dict[str, Any]]]:
        """File name → (stat key, summary); read-only for callers (``put`` changes it)."""
        return self._load()

    def put(self, name: str, key: StatKey, summary: dict[str, Any]) -> None:
        self._load()[name] = (key, summary)
        self._dirty = True
        self.generation += 1

    def retain(self, names: set[str]) -> None:
        entries = self._load()
        for name in entries.keys() - names:
            del entries[name]
            self._dirty = True
            self.generation += 1

    def flush(self) -> None:
        if not self._dirty or self._entries is None:
            return
        data = {"version": INDEX_VERSION, "entries": self._entries}
        try:
            # Under a lock like every atomic write, so its temp file is never taken for an orphan.
            with locked(self._path.parent, INDEX_LOCK):
                # A title with a lone surrogate (the session file has "?" there) as the file.
                text = json.dumps(data, ensure_ascii=False)
                atomic_write(self._path, text.encode("utf-8", "replace"))
        except OSError:
            return  # a read-only folder still lists, just without the saved index
        self._dirty = False
