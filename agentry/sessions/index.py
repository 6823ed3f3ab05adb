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
from pathlib import Path
from typing import Any

from agentry.sessions.ids import session_id_from_file_name
from agentry.sessions.storage import atomic_write

INDEX_NAME = ".index.json"
INDEX_VERSION = 1

StatKey = tuple[int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


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
                data = json.loads(self._path.read_bytes())
                if data.get("version") == INDEX_VERSION:
                    for name, (key, summary) in data["entries"].items():
                        # Only names that follow the id rule: listing trusts the index on that.
                        if session_id_from_file_name(name) is not None:
                            self._entries[name] = (tuple(key), summary)
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                self._entries = {}  # missing or unreadable: rebuilt from the files
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
            atomic_write(self._path, json.dumps(data, ensure_ascii=False).encode())
        except OSError:
            return  # a read-only folder still lists, just without the saved index
        self._dirty = False
