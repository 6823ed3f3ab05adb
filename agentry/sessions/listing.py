"""Listing a session folder: one summary per session file, newest activity first.

A listing ``stat``s every file and parses only those whose stat key is not the indexed one (see
``ListingIndex``). It also keeps its last answer, so a listing in which nothing changed costs
the ``stat``s and no more, and one in which a few files changed re-sorts an almost sorted list.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.errors import SessionCorruptError
from agentry.sessions import fileformat
from agentry.sessions.fileformat import FormatError, SessionRecord
from agentry.sessions.ids import session_id_from_file_name
from agentry.sessions.index import INDEX_LOCK, INDEX_NAME, ListingIndex, stat_key
from agentry.sessions.storage import (
    TEMP_SUFFIX,
    locked_if_free,
    not_regular_problem,
    os_problem,
    read_head,
    read_regular,
)
from agentry.sessions.titles import session_title

# (last_activity, mtime_ns, path, the index's summary, file name, the row shown): sorting
# compares the first three only, as paths are unique.
Row = tuple[str, int, str, dict[str, Any], str, dict[str, Any]]
# (FolderListing.list hides the builtin list in the annotations of the methods after it)
Rows = list[Row]
Names = list[str]


def mtime_iso(st: os.stat_result) -> str:
    """The file's mtime, local, to the second; an mtime no datetime can hold (set by hand, or
    by a broken clock, far past year 9999) reads as the epoch rather than breaking a listing."""
    try:
        moment = datetime.fromtimestamp(st.st_mtime)
    except (OverflowError, OSError, ValueError):
        moment = datetime.fromtimestamp(0)
    return moment.replace(microsecond=0).isoformat()


def summary_of(record: SessionRecord, size: int) -> dict[str, Any]:
    """What the index keeps of a session (the listing adds its path)."""
    return {
        "id": record.session_id,
        "created_at": record.created_at,
        "last_activity": record.last_activity,
        "message_count": len(record.messages),
        "title": session_title(record.metadata, record.messages),
        "size": size,
    }


def summarise_file(session_id: str, path: Path, st: os.stat_result) -> dict[str, Any]:
    """The file's summary, parsed; one that cannot be read has an ``error`` naming its path and
    what is wrong (whatever it is: one bad file never breaks a listing)."""
    try:
        raw, _ = read_regular(path, fileformat.MAX_FILE_BYTES, st)
        return summary_of(fileformat.decode(raw, session_id, mtime_iso(st)), st.st_size)
    except OSError as exc:
        problem = os_problem(exc)
    except FormatError as exc:
        problem = str(exc)
    return error_summary(session_id, path, problem, st)


def error_summary(
    session_id: str, path: Path | str, problem: str, st: os.stat_result
) -> dict[str, Any]:
    fallback = mtime_iso(st)
    return {
        "id": session_id,
        "created_at": fallback,
        "last_activity": fallback,
        "message_count": None,
        "title": "",
        "size": st.st_size,
        "error": str(SessionCorruptError(path, problem)),
    }


def pending_summary(session_id: str, path: str, st: os.stat_result) -> dict[str, Any]:
    """What a listing that parses nothing can say of a file not (or no longer) indexed: its
    times from the header if it has ours, else from its mtime."""
    times = fileformat.peek_times(read_head(path, fileformat.PEEK_BYTES))
    when = mtime_iso(st)
    return {
        "id": session_id,
        "created_at": times.get("created_at", when),
        "last_activity": times.get("last_activity", when),
        "message_count": None,
        "title": "",
        "size": st.st_size,
        "pending": True,
    }


def _remove_if_orphaned_temp(name: str, folder: Path) -> None:
    """Remove ``name`` if it is the temp file of a save whose writer is gone. Temps are written
    only under their file's lock, so a temp whose lock is free right now belongs to nobody: a
    live writer holds the lock until its temp is renamed or removed."""
    lock_name = _temp_owner(name)
    if lock_name is None:
        return
    with locked_if_free(folder, lock_name) as free:
        if free:
            # Left for a later listing if it cannot go now: on Windows a file another process
            # (a virus scanner) has open cannot be removed; and a folder may bear the name.
            with contextlib.suppress(OSError):
                os.unlink(folder / name)


def _temp_owner(name: str) -> str | None:
    """The name of the lock held while writing a temp file ``.<file name>.<random>.tmp``: the
    session id for a session file, INDEX_LOCK for the index; None if it is no temp of ours."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return None
    stem = name[1 : -len(TEMP_SUFFIX)].rpartition(".")[0]
    return INDEX_LOCK if stem == INDEX_NAME else session_id_from_file_name(stem)


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
                    _remove_if_orphaned_temp(name, self._folder)
                    continue
                problem: str | None = None
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue  # deleted while listing (or a dangling symlink)
                except OSError as exc:  # a symlink loop, a name too long...
                    try:
                        st, problem = entry.stat(follow_symlinks=False), os_problem(exc)
                    except OSError:
                        continue
                key = stat_key(st)
                if cached is not None and cached[0] == key:
                    unchanged.append(name)
                    continue
                if problem is None and not stat.S_ISREG(st.st_mode):
                    # a folder, FIFO, device: known from the stat, never opened (could block)
                    problem = not_regular_problem(st)
                session_id = session_id_from_file_name(name)
                assert session_id is not None  # (index names passed the rule)
                # The path comes from the folder as named now, not from the index: the
                # folder may have moved, or been opened by another (relative) name.
                path = os.path.join(folder, name)
                if problem is not None or parse:
                    summary = (
                        error_summary(session_id, path, problem, st)
                        if problem is not None
                        else summarise_file(session_id, Path(path), st)
                    )
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

    def _carried_over(self, unchanged: Names, known: dict[str, tuple[Any, dict[str, Any]]]) -> Rows:
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
