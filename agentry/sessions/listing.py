"""Listing a session folder: one summary per session file, newest activity first.

A listing ``stat``s every file and parses only those whose stat key is not the indexed one (see
``ListingIndex``). It also keeps its last answer, so a listing in which nothing changed costs
the ``stat``s and no more, and one in which a few files changed re-sorts an almost sorted list.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.errors import SessionCorruptError
from agentry.messages import title_of
from agentry.sessions import fileformat
from agentry.sessions.fileformat import FormatError, SessionRecord
from agentry.sessions.ids import session_id_from_file_name
from agentry.sessions.index import ListingIndex, stat_key

# A save takes milliseconds; a temp file this old was left by a process killed mid-save.
ORPHAN_TEMP_AGE_S = 3600

# (last_activity, mtime_ns, path, the index's summary, file name, the row shown): sorting
# compares the first three only, as paths are unique.
Row = tuple[str, int, str, dict[str, Any], str, dict[str, Any]]


def mtime_iso(st: os.stat_result) -> str:
    return datetime.fromtimestamp(st.st_mtime).replace(microsecond=0).isoformat()


def summary_of(record: SessionRecord, size: int) -> dict[str, Any]:
    """What the index keeps of a session (the listing adds its path)."""
    return {
        "id": record.session_id,
        "created_at": record.created_at,
        "last_activity": record.last_activity,
        "message_count": len(record.messages),
        "title": title_of(record.messages),
        "size": size,
    }


def summarise_file(session_id: str, path: Path, st: os.stat_result) -> dict[str, Any]:
    """The file's summary, parsed; one that cannot be read has an ``error`` naming its path."""
    fallback = mtime_iso(st)
    try:
        record = fileformat.decode(path.read_bytes(), session_id, fallback)
    except (FormatError, OSError) as exc:
        return {"id": session_id, "created_at": fallback, "last_activity": fallback,
                "message_count": None, "title": "", "size": st.st_size,
                "error": str(SessionCorruptError(path, str(exc)))}
    return summary_of(record, st.st_size)


def pending_summary(session_id: str, path: str, st: os.stat_result) -> dict[str, Any]:
    """What a listing that parses nothing can say of a file not (or no longer) indexed: its
    times from the header if it has ours, else from its mtime."""
    try:
        with open(path, "rb") as file:
            times = fileformat.peek_times(file.read(fileformat.PEEK_BYTES))
    except OSError:
        times = {}
    when = mtime_iso(st)
    return {"id": session_id, "created_at": times.get("created_at", when),
            "last_activity": times.get("last_activity", when), "message_count": None,
            "title": "", "size": st.st_size, "pending": True}


def _remove_if_orphaned_temp(entry: os.DirEntry[str], folder: str) -> None:
    if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
        return
    try:
        if time.time() - entry.stat().st_mtime > ORPHAN_TEMP_AGE_S:
            os.unlink(os.path.join(folder, entry.name))
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def _scanned(folder: Path) -> Iterator[Iterator[os.DirEntry[str]]]:
    """The folder's entries. Scanned through a descriptor where the system allows it, so each
    entry's ``stat`` walks one path component, not the whole path (~15% of a warm listing)."""
    if os.scandir not in os.supports_fd:
        with os.scandir(folder) as entries:
            yield entries
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with os.scandir(fd) as entries:
            yield entries
    finally:
        os.close(fd)


class FolderListing:
    """Lists one folder; not thread-safe (the manager holds its lock around ``list``)."""

    def __init__(self, folder: Path, index: ListingIndex) -> None:
        self._folder = folder
        self._index = index
        self._rows: list[Row] = []  # the last listing, sorted
        self._shown: list[dict[str, Any]] = []  # its rows as shown
        self._reusable_at: int | None = None  # index generation at which _shown is the answer

    def list(self, parse: bool) -> list[dict[str, Any]]:
        """Every session's summary with its ``path``, newest first. The dicts are this
        listing's own: callers copy them before handing them out."""
        index = self._index
        known = index.entries()
        folder = str(self._folder)
        unchanged: list[str] = []  # names whose stat key is the indexed one
        others: list[Row] = []  # new or changed files
        parsed = pending = False
        with _scanned(self._folder) as entries:
            for entry in entries:
                name = entry.name
                cached = known.get(name)
                # Names in the index were checked when they were put there (the id rule's
                # regex is a good part of a warm listing's time).
                if cached is None and session_id_from_file_name(name) is None:
                    _remove_if_orphaned_temp(entry, folder)
                    continue
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue  # deleted while listing
                key = stat_key(st)
                if cached is not None and cached[0] == key:
                    unchanged.append(name)
                    continue
                if not entry.is_file():
                    continue
                session_id = session_id_from_file_name(name)
                assert session_id is not None  # (index names passed the rule)
                # The path comes from the folder as named now, not from the index: the
                # folder may have moved, or been opened by another (relative) name.
                path = os.path.join(folder, name)
                if parse:
                    summary = summarise_file(session_id, Path(path), st)
                    index.put(name, key, summary)
                    parsed = True
                else:
                    summary = pending_summary(session_id, path, st)
                    pending = True
                others.append(_row(summary, st.st_mtime_ns, path, name))
        if others or len(unchanged) != len(known):
            index.retain({*unchanged, *(row[4] for row in others)})
        if parsed:
            index.flush()  # parsing is the work a new process should not repeat
        if not others and self._reusable_at == index.generation:
            return self._shown
        self._rows = rows = self._carried_over(unchanged, known) + others
        rows.sort(reverse=True)  # by activity, then mtime
        self._shown = [row[5] for row in rows]
        self._reusable_at = None if pending else index.generation
        return self._shown

    def _carried_over(
        self, unchanged: list[str], known: dict[str, tuple[Any, dict[str, Any]]]
    ) -> list[Row]:
        """Rows for the unchanged files: the last listing's where they still hold, in their
        sorted order (so the sort after is cheap), and new ones for the rest."""
        folder = str(self._folder)
        still = set(unchanged)
        rows = [row for row in self._rows if row[4] in still and known[row[4]][1] is row[3]]
        if len(rows) < len(still):
            kept = {row[4] for row in rows}
            rows += [
                _row(summary, key[1], os.path.join(folder, name), name)
                for name in unchanged
                if name not in kept
                for key, summary in (known[name],)
            ]
        return rows


def _row(summary: dict[str, Any], mtime_ns: int, path: str, name: str) -> Row:
    return (summary["last_activity"], mtime_ns, path, summary, name, dict(summary, path=path))
