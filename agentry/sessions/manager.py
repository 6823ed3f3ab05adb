"""SessionManager: sessions on disk, one ``<id>_chat.toon`` file each."""

from __future__ import annotations

import copy
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.errors import SessionCorruptError
from agentry.messages import title_of
from agentry.sessions import fileformat
from agentry.sessions.fileformat import FormatError, SessionRecord
from agentry.sessions.ids import file_name, session_id_from_file_name, validate_session_id
from agentry.sessions.index import ListingIndex, StatKey, stat_key
from agentry.sessions.session import AgentSession, now
from agentry.sessions.storage import atomic_write, locked

HISTORY_DIR_ENV = "AGENTRY_HISTORY_DIR"


def default_history_dir() -> Path:
    """``$AGENTRY_HISTORY_DIR``, else the user's data folder; never inside the package."""
    configured = os.environ.get(HISTORY_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("agentry", appauthor=False) / "session_history"


# A save takes milliseconds; a temp file this old was left by a process killed mid-save.
ORPHAN_TEMP_AGE_S = 3600


def _mtime(st: os.stat_result) -> str:
    return _iso(datetime.fromtimestamp(st.st_mtime).replace(microsecond=0))


def _pending_summary(session_id: str, path: str, st: os.stat_result) -> dict[str, Any]:
    """What a listing that parses nothing can say of a file not (or no longer) indexed: its
    times from the header if it has ours, else from its mtime."""
    try:
        with open(path, "rb") as file:
            times = fileformat.peek_times(file.read(fileformat.PEEK_BYTES))
    except OSError:
        times = {}
    when = _mtime(st)
    return {"id": session_id, "created_at": times.get("created_at", when),
            "last_activity": times.get("last_activity", when), "message_count": None,
            "title": "", "size": st.st_size, "pending": True}


def _remove_if_orphaned_temp(entry: os.DirEntry[str]) -> None:
    if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
        return
    try:
        if time.time() - entry.stat().st_mtime > ORPHAN_TEMP_AGE_S:
            os.unlink(entry.path)
    except FileNotFoundError:
        pass


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class SessionManager:
    def __init__(self, history_dir: str | os.PathLike[str] | None = None) -> None:
        # Absolute, so a later chdir cannot send saves somewhere else.
        folder = Path(history_dir).expanduser() if history_dir else default_history_dir()
        self.history_dir = folder.absolute()
        self.history_dir.mkdir(parents=True, exist_ok=True)
        self._index = ListingIndex(self.history_dir)
        # created_at and metadata of files this manager last read or wrote, by stat key, so a
        # save need not re-parse a large file just to keep its header.
        self._headers: dict[str, tuple[StatKey, str, dict[str, Any]]] = {}
        self._mutex = threading.Lock()  # the TUI saves from worker threads

    # -- paths ------------------------------------------------------------------------------

    def path_for(self, session_id: str) -> Path:
        return self.history_dir / file_name(session_id)

    def session_exists(self, session_id: str) -> bool:
        return self.path_for(session_id).is_file()

    # -- reading ----------------------------------------------------------------------------

    def _read(self, session_id: str) -> SessionRecord | None:
        path = self.path_for(session_id)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                raw = f.read()
        except FileNotFoundError:
            return None
        fallback = _iso(datetime.fromtimestamp(st.st_mtime).replace(microsecond=0))
        try:
            record = fileformat.decode(raw, session_id, fallback)
        except FormatError as exc:
            raise SessionCorruptError(path, str(exc)) from None
        with self._mutex:
            # A private copy: the caller gets record.metadata and may change it.
            self._headers[session_id] = (
                stat_key(st),
                record.created_at,
                copy.deepcopy(record.metadata),
            )
        return record

    def load_session(self, session_id: str) -> list[dict[str, Any]] | None:
        """The session's messages, or None if there is no such session.

        Raises SessionCorruptError (a ValueError naming the file) if the file cannot be read as a
        session; the file is never modified, renamed or deleted by loading.
        """
        record = self._read(session_id)
        return None if record is None else record.messages

    def load(self, session_id: str) -> AgentSession | None:
        """The whole session (messages, times, metadata), or None if there is no such session."""
        record = self._read(session_id)
        if record is None:
            return None
        return AgentSession(
            session_id=session_id,
            messages=record.messages,
            created_at=datetime.fromisoformat(record.created_at),
            last_activity=datetime.fromisoformat(record.last_activity),
            metadata=record.metadata,
        )

    # -- writing ----------------------------------------------------------------------------

    def save_session(
        self,
        session_id: str,
        messages: list[dict[str, Any]],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Write the session atomically. Without ``metadata`` the stored metadata is kept."""
        self._write(session_id, messages, metadata, last_activity=now(), created_at=None)

    def save(self, session: AgentSession) -> None:
        """Write an AgentSession, keeping its own last-activity time."""
        self._write(
            session.session_id,
            session.messages,
            session.metadata,
            last_activity=session.last_activity,
            created_at=session.created_at,
        )

    def _write(
        self,
        session_id: str,
        messages: list[dict[str, Any]],
        metadata: dict[str, Any] | None,
        last_activity: datetime,
        created_at: datetime | None,
    ) -> None:
        path = self.path_for(session_id)
        try:
            fileformat.validate_messages(messages)
        except FormatError as exc:
            raise ValueError(f"Cannot save session {session_id!r}: {exc}") from None
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError(f"Cannot save session {session_id!r}: metadata must be a dict")
        with locked(self.history_dir, session_id):
            stored = self._stored_header(session_id, path)
            if stored is not None:
                stored_created, stored_metadata = stored
            else:
                stored_created = _iso(created_at or now())
                stored_metadata = {}
            record = SessionRecord(
                session_id=session_id,
                created_at=stored_created,
                last_activity=_iso(last_activity),
                metadata=stored_metadata if metadata is None else metadata,
                messages=messages,
            )
            atomic_write(path, fileformat.encode(record))
            key = stat_key(path.stat())
            with self._mutex:
                # A private copy: record.metadata may be the caller's dict.
                self._headers[session_id] = (
                    key,
                    record.created_at,
                    copy.deepcopy(record.metadata),
                )
                self._index.put(path.name, key, self._summary(record, path, key[0]))

    def _stored_header(self, session_id: str, path: Path) -> tuple[str, dict[str, Any]] | None:
        """created_at and metadata of the file on disk (None if absent). A corrupt file raises,
        so it is never overwritten."""
        try:
            key = stat_key(path.stat())
        except FileNotFoundError:
            return None
        with self._mutex:
            cached = self._headers.get(session_id)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        record = self._read(session_id)
        return None if record is None else (record.created_at, record.metadata)

    def delete_session(self, session_id: str) -> bool:
        """Delete the session's file; False if there was none."""
        path = self.path_for(session_id)
        with locked(self.history_dir, session_id):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        with self._mutex:
            self._headers.pop(session_id, None)
        return True

    def rename_session(self, old_id: str, new_id: str) -> None:
        """Give a session a new id. Raises FileExistsError if ``new_id`` is taken."""
        new_path = self.path_for(new_id)
        first, second = sorted((validate_session_id(old_id), new_id))
        with locked(self.history_dir, first), locked(self.history_dir, second):
            if new_path.exists():
                raise FileExistsError(f"A session named {new_id!r} already exists.")
            record = self._read(old_id)
            if record is None:
                raise FileNotFoundError(f"No session named {old_id!r}.")
            record.session_id = new_id
            atomic_write(new_path, fileformat.encode(record))
            self.path_for(old_id).unlink()
        with self._mutex:
            self._headers.pop(old_id, None)

    # -- listing ----------------------------------------------------------------------------

    @staticmethod
    def _summary(record: SessionRecord, path: Path, size: int) -> dict[str, Any]:
        return {
            "id": record.session_id,
            "created_at": record.created_at,
            "last_activity": record.last_activity,
            "message_count": len(record.messages),
            "title": title_of(record.messages),
            "path": str(path),
            "size": size,
        }

    def list_sessions(
        self, include_corrupt: bool = False, *, parse: bool = True
    ) -> list[dict[str, Any]]:
        """Summaries of every session, newest activity first.

        Each has ``id``, ``created_at``, ``last_activity``, ``message_count``, ``title``,
        ``path`` and ``size``. Files that cannot be read are left out unless
        ``include_corrupt``; then they come with an ``error`` and a ``message_count`` of None.
        Unchanged files are not parsed again (see ``ListingIndex``).

        ``parse=False`` parses no file: one that is new or changed since it was indexed comes
        with ``pending: True``, its times from the file's mtime and a ``message_count`` of None
        (a quick first listing; a later full one fills them in).
        """
        rows: list[tuple[str, int, str, dict[str, Any]]] = []
        seen: set[str] = set()
        with self._mutex:
            index = self._index
            known = index.entries()
            with os.scandir(self.history_dir) as entries:
                for entry in entries:
                    name = entry.name
                    cached = known.get(name)
                    # Names in the index were checked when they were put there (the id rule's
                    # regex is a good part of a warm listing's time).
                    if cached is None and session_id_from_file_name(name) is None:
                        _remove_if_orphaned_temp(entry)
                        continue
                    if not entry.is_file():
                        continue
                    try:
                        st = entry.stat()
                    except FileNotFoundError:
                        continue  # deleted while listing
                    seen.add(name)
                    key = stat_key(st)
                    if cached is not None and cached[0] == key:
                        summary = cached[1]
                    elif not parse:
                        session_id = session_id_from_file_name(name)
                        assert session_id is not None  # (index names passed the rule)
                        summary = _pending_summary(session_id, entry.path, st)
                    else:
                        session_id = session_id_from_file_name(name)
                        assert session_id is not None  # (index names passed the rule)
                        summary = self._summarise_file(session_id, Path(entry.path), st)
                        index.put(name, key, summary)
                    # The path comes from the folder as named now, not from the index: the
                    # folder may have moved, or been opened by another (relative) name.
                    rows.append((summary["last_activity"], st.st_mtime_ns, entry.path, summary))
            index.retain(seen)
            index.flush()
        rows.sort(reverse=True)  # by activity, then mtime; paths are unique, so never by dict
        return [
            dict(summary, path=path)
            for _, _, path, summary in rows
            if include_corrupt or "error" not in summary
        ]

    def _summarise_file(self, session_id: str, path: Path, st: os.stat_result) -> dict[str, Any]:
        fallback = _mtime(st)
        try:
            record = fileformat.decode(path.read_bytes(), session_id, fallback)
        except (FormatError, OSError) as exc:
            return {
                "id": session_id,
                "created_at": fallback,
                "last_activity": fallback,
                "message_count": None,
                "title": "",
                "path": str(path),
                "size": st.st_size,
                "error": str(SessionCorruptError(path, str(exc))),
            }
        return self._summary(record, path, st.st_size)
