"""SessionManager: sessions on disk, one ``<id>_chat.toon`` file each."""

from __future__ import annotations

import copy
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.attachments import folder as attachments
from agentry.attachments.wire import plain_refs_in, refs_of
from agentry.errors import SessionCorruptError
from agentry.sessions import branches as tree
from agentry.sessions import fileformat
from agentry.sessions.fileformat import FormatError, SessionRecord
from agentry.sessions.ids import file_name, validate_session_id
from agentry.sessions.index import ListingIndex, StatKey, stat_key
from agentry.sessions.listing import FolderListing, mtime_iso, summary_of
from agentry.sessions.merge import MergeResult, count_new, merge_metadata, merge_tree
from agentry.sessions.search import Hit, Progress, SearchIndex
from agentry.sessions.session import AgentSession, DiskState, now
from agentry.sessions.storage import atomic_write, locked, os_problem, read_regular
from agentry.sessions.titles import MAX_TITLE, given_title, validate_title, with_title

HISTORY_DIR_ENV = "AGENTRY_HISTORY_DIR"


def default_history_dir() -> Path:
    """``$AGENTRY_HISTORY_DIR``, else the user's data folder; never inside the package."""
    configured = os.environ.get(HISTORY_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("agentry", appauthor=False) / "session_history"


def _write_index(mutex: threading.Lock, index: ListingIndex) -> None:
    with mutex:
        index.flush()


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class SyncReport:
    """What ``SessionManager.sync`` wrote, and what it found another process had written."""

    messages: list[dict[str, Any]]  # what the file holds now (``pending`` included)
    metadata: dict[str, Any]
    branches: list[dict[str, Any]] = field(default_factory=list)
    taken: int = 0  # messages of another process's that are in the file and were not ours
    conflicts: int = 0  # stretches both processes changed: both versions were kept
    adopted: DiskState | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        assert self.adopted is not None and self.adopted.key is not None
        return self.adopted.key[0]

    def adopt(self, session: AgentSession) -> None:
        """Make ``session`` hold what the file holds (its messages, metadata and disk state)."""
        if session.messages != self.messages or session.branches != self.branches:
            session.set_tree(list(self.messages), list(self.branches))
        if session.metadata != self.metadata:
            session.metadata = copy.deepcopy(self.metadata)
        session.disk = self.adopted


class SessionManager:
    def __init__(self, history_dir: str | os.PathLike[str] | None = None) -> None:
        # Absolute, so a later chdir cannot send saves somewhere else.
        folder = Path(history_dir).expanduser() if history_dir else default_history_dir()
        self.history_dir = folder.absolute()
        self.history_dir.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.Lock()  # the TUI saves from worker threads
        self._index = ListingIndex(self.history_dir)
        self._listing = FolderListing(self.history_dir, self._index)
        # A listing writes the index when it parsed files; what saves and deletions taught it
        # waits for this (rewriting the whole index after every save would cost more).
        self._index_writer = weakref.finalize(self, _write_index, self._mutex, self._index)
        # created_at and metadata of files this manager last read or wrote, by stat key, so a
        # save need not re-parse a large file just to keep its header.
        self._headers: dict[str, tuple[StatKey, str, dict[str, Any]]] = {}
        # The branches of those files that have any, with the messages they fork off, by id.
        self._trees: dict[str, tree.Tree] = {}
        self._search = SearchIndex(self.history_dir)

    # -- paths ------------------------------------------------------------------------------

    def path_for(self, session_id: str) -> Path:
        return self.history_dir / file_name(session_id)

    def attachments_dir(self, session_id: str) -> Path:
        """The folder of the session's attachment bytes (``attachments/<id>`` beside its file;
        it exists once the session has an attachment)."""
        return attachments.folder_for(self.history_dir, session_id)

    def session_exists(self, session_id: str) -> bool:
        """Whether something holds the session's name: a session, or a file that is not one (a
        folder, a FIFO...), which loading refuses with SessionCorruptError. Either way a new
        session must not take the name."""
        return self.path_for(session_id).exists()

    # -- reading ----------------------------------------------------------------------------

    def _read(self, session_id: str) -> SessionRecord | None:
        path = self.path_for(session_id)
        try:
            raw, st = read_regular(path, fileformat.MAX_FILE_BYTES)
        except FileNotFoundError:
            return None
        except OSError as exc:  # a folder, a FIFO, too large, unreadable: named, never raw
            raise SessionCorruptError(path, os_problem(exc)) from None
        fallback = mtime_iso(st)
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
            self._remember_tree(record)
        return record

    def _remember_tree(self, record: SessionRecord) -> None:
        """(The caller holds the mutex.) Keep the record's branches and the messages before
        their fork points (a copy of the list: the caller may change its own)."""
        if record.branches:
            reach = max((b["at"] for b in record.branches if b.get("parent") is None), default=0)
            self._trees[record.session_id] = (list(record.messages[:reach]), record.branches)
        else:
            self._trees.pop(record.session_id, None)

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
        session = AgentSession(
            session_id=session_id,
            created_at=datetime.fromisoformat(record.created_at),
            last_activity=datetime.fromisoformat(record.last_activity),
            metadata=record.metadata,
        )
        session.set_tree(record.messages, record.branches)
        session.history_dir = self.history_dir
        with self._mutex:
            cached = self._headers.get(session_id)  # the stat key of what _read read
        key = cached[0] if cached is not None else None
        session.disk = DiskState(
            key,
            record.created_at,
            list(record.messages),
            copy.deepcopy(record.metadata),
            current=True,
            branches=list(record.branches),
        )
        return session

    # -- writing ----------------------------------------------------------------------------

    def save_session(
        self,
        session_id: str,
        messages: list[dict[str, Any]],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Write the session atomically. Without ``metadata`` the stored metadata is kept.

        ``messages`` becomes the active branch; the file's other branches are kept wherever
        their fork point is still in it (see AgentSession for working with branches).

        A list of messages holds no attachment bytes: a message whose attachment has no stored
        copy is refused (ValueError) rather than saved pointing at nothing; ``save`` or ``sync``
        the AgentSession, which holds them."""
        self._check_stored(session_id, messages)
        self._write(session_id, messages, metadata, last_activity=now(), created_at=None)

    def _check_stored(self, session_id: str, messages: list[dict[str, Any]]) -> None:
        """ValueError for a message whose attachment has no stored copy. Only well-formed
        messages are looked at: the others are refused, named, by the validation that follows."""
        if not isinstance(messages, list) or not plain_refs_in(messages):
            return
        refs = [(n, ref) for n, m in enumerate(messages) for ref in refs_of(m)]
        if not refs:
            return
        folder = self.attachments_dir(session_id)
        for n, ref in refs:
            if not attachments.has(folder, ref):
                raise ValueError(
                    f"Cannot save session {session_id!r}: message {n}'s attachment "
                    f"{ref.get('name')!r} has no stored copy. Save the AgentSession that holds "
                    "its bytes with SessionManager.save or .sync."
                )

    def save(self, session: AgentSession) -> None:
        """Write an AgentSession (its branches too), keeping its own last-activity time. A
        session never read from or written to disk, with no branches of its own, keeps the
        file's branches as ``save_session`` does."""
        own = session.disk is not None or bool(session.branches)
        self._store_attachments(session)
        self._write(
            session.session_id,
            session.messages,
            session.metadata,
            last_activity=session.last_activity,
            created_at=session.created_at,
            branches=session.current_branches() if own else None,
        )

    def _write(
        self,
        session_id: str,
        messages: list[dict[str, Any]],
        metadata: dict[str, Any] | None,
        last_activity: datetime,
        created_at: datetime | None,
        branches: list[dict[str, Any]] | None = None,
    ) -> None:
        """``branches``: None keeps the file's, moved onto ``messages``."""
        path = self.path_for(session_id)
        try:
            fileformat.validate_messages(messages)
            if branches:
                fileformat.validate_branches(branches, len(messages))
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
            if branches is None:
                with self._mutex:
                    known = self._trees.get(session_id) if stored is not None else None
                forked_off, stored_branches = known or ([], [])
                branches = tree.anchored(forked_off, messages, stored_branches, lossless=False)
            record = SessionRecord(
                session_id=session_id,
                created_at=stored_created,
                last_activity=_iso(last_activity),
                metadata=stored_metadata if metadata is None else metadata,
                messages=messages,
                branches=branches,
            )
            self._store(path, record)

    def _store(self, path: Path, record: SessionRecord) -> StatKey:
        """Write the record (the caller holds the session's lock); the header cache and the
        listing index learn it. Returns the new file's stat key."""
        atomic_write(path, fileformat.encode(record))
        key = stat_key(path.stat())
        with self._mutex:
            # A private copy: record.metadata may be the caller's dict.
            self._headers[record.session_id] = (
                key,
                record.created_at,
                copy.deepcopy(record.metadata),
            )
            self._remember_tree(record)
            self._index.put(path.name, key, summary_of(record, key[0]))
        self._search.changed(path.name)
        return key

    def sync(
        self,
        session: AgentSession,
        *,
        pending: Sequence[dict[str, Any]] = (),
        adopt: bool = True,
    ) -> SyncReport:
        """Save the session without losing what another process saved to it meanwhile.

        Unlike ``save_session`` (which writes the list it is given), this merges: if the file
        changed since this session object last read or wrote it (another client, another
        process), the changes of both are kept — messages either side added, either side's
        edits — and where both changed the same messages, both versions are kept (the report
        says how many such conflicts). ``session`` then holds what the file holds (unless
        ``adopt`` is false). ``pending`` messages (a reply still arriving) are written after the
        session's messages but never adopted; a later sync replaces them.

        Raises ValueError for messages that are not valid, SessionCorruptError if the file on
        disk is corrupt (it is never overwritten), OSError if the disk fails.
        """
        session_id = session.session_id
        path = self.path_for(session_id)
        self._store_attachments(session)
        ours = [*session.messages, *pending]
        our_branches = session.current_branches()
        try:
            fileformat.validate_messages(ours)
            fileformat.validate_branches(our_branches, len(ours))
        except FormatError as exc:
            raise ValueError(f"Cannot save session {session_id!r}: {exc}") from None
        with locked(self.history_dir, session_id):
            state = session.disk
            theirs = self._on_disk(session_id, path, state)
            if theirs is None:  # no file: a new session, or deleted by another process
                result, metadata = MergeResult(ours), session.metadata
                branches = our_branches
                created, last_activity = _iso(session.created_at), session.last_activity
            else:
                if state is not None:
                    base, base_metadata = state.messages, state.metadata
                    base_branches = state.branches
                else:  # never read: what the two start with in common
                    base = ours[: tree.common_prefix(ours, theirs.messages)]
                    base_metadata, base_branches = theirs.metadata, []
                result, branches = merge_tree(
                    (base, base_branches), (ours, our_branches), (theirs.messages, theirs.branches)
                )
                metadata = merge_metadata(base_metadata, session.metadata, theirs.metadata)
                created = theirs.created_at
                last_activity = max(
                    session.last_activity, datetime.fromisoformat(theirs.last_activity)
                )
            if theirs is not None and (result.messages, metadata, branches) == (
                theirs.messages,
                theirs.metadata,
                theirs.branches,
            ):
                key = state.key if state is not None and state.current else stat_key(path.stat())
            else:
                key = self._store(
                    path,
                    SessionRecord(
                        session_id,
                        created,
                        _iso(last_activity),
                        metadata,
                        result.messages,
                        branches,
                    ),
                )
        written = result.messages
        session.disk = DiskState(
            key,
            created,
            ours,
            copy.deepcopy(session.metadata),
            current=(written, metadata, branches) == (ours, session.metadata, our_branches),
            branches=list(our_branches),
        )
        report = SyncReport(
            messages=written,
            metadata=metadata,
            branches=branches,
            taken=count_new(written, ours) if written != ours else 0,
            conflicts=result.conflicts,
            adopted=DiskState(
                key,
                created,
                list(written),
                copy.deepcopy(metadata),
                current=True,
                branches=list(branches),
            ),
        )
        if adopt and not pending:
            report.adopt(session)
        return report

    def _store_attachments(self, session: AgentSession) -> None:
        """Write the bytes of the session's attachments beside its file, before the file that
        refers to them (each file once: named by its hash, kept if already there)."""
        session.history_dir = self.history_dir
        if session.pending_attachments:
            folder = self.attachments_dir(session.session_id)
            for pending in list(session.pending_attachments.values()):
                attachments.write(folder, pending.ref, pending.data)

    def _on_disk(
        self, session_id: str, path: Path, state: DiskState | None
    ) -> SessionRecord | None:
        """The file's record, without reading it when ``state`` says it is what we wrote."""
        try:
            key = stat_key(path.stat())
        except FileNotFoundError:
            return None
        if state is not None and state.current and state.key == key:
            return SessionRecord(
                session_id,
                state.created_at,
                state.created_at,
                state.metadata,
                state.messages,
                state.branches,
            )
        return self._read(session_id)

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

    def fork(self, source_id: str, new_id: str, upto_index: int) -> AgentSession:
        """A new saved session ``new_id`` holding the source's conversation on screen up to and
        including message ``upto_index``; its metadata says where it came from (``forked_from``:
        {"session": source_id, "message": upto_index}) and so does its title.

        Raises FileNotFoundError if there is no source, FileExistsError if ``new_id`` is taken,
        BranchError (a ValueError) if the source has no message ``upto_index``, InvalidIdError
        for a bad id, SessionCorruptError if the source's file cannot be read."""
        validate_session_id(new_id)
        source = self._read(source_id)
        if source is None:
            raise FileNotFoundError(f"No session named {source_id!r}.")
        if not 0 <= upto_index < len(source.messages):
            raise tree.BranchError(
                f"Session {source_id!r} has no message {upto_index} "
                f"(it has {len(source.messages)}: 0 to {len(source.messages) - 1})."
            )
        name = given_title(source.metadata) or source_id
        title = f"Fork of {name} at message {upto_index}"
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1] + "…"
        session = AgentSession(new_id, messages=copy.deepcopy(source.messages[: upto_index + 1]))
        session.metadata = {"forked_from": {"session": source_id, "message": upto_index}}
        session.title = title
        session.history_dir = self.history_dir
        with locked(self.history_dir, new_id):
            if self.path_for(new_id).exists():
                raise FileExistsError(f"A session named {new_id!r} already exists.")
            attachments.share(
                self.attachments_dir(source_id),
                self.attachments_dir(new_id),
                (ref for m in session.messages for ref in refs_of(m)),
            )
            record = SessionRecord(
                new_id,
                _iso(session.created_at),
                _iso(session.last_activity),
                session.metadata,
                session.messages,
            )
            key = self._store(self.path_for(new_id), record)
        session.disk = DiskState(
            key,
            record.created_at,
            list(session.messages),
            copy.deepcopy(session.metadata),
            current=True,
        )
        return session

    def delete_session(self, session_id: str) -> bool:
        """Delete the session's file and its attachments; False if there was no file."""
        path = self.path_for(session_id)
        with locked(self.history_dir, session_id):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            finally:  # the file first: a crash between leaves bytes no session refers to
                attachments.remove(self.attachments_dir(session_id))
        with self._mutex:
            self._headers.pop(session_id, None)
            self._trees.pop(session_id, None)
        self._search.changed(path.name)
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
            attachments.move(self.attachments_dir(old_id), self.attachments_dir(new_id))
            self.path_for(old_id).unlink()
        with self._mutex:
            self._headers.pop(old_id, None)
            self._trees.pop(old_id, None)
        self._search.changed(file_name(old_id), new_path.name)

    def set_title(self, session_id: str, title: str | None) -> str:
        """Give the saved session a title (kept in its metadata; listings show it instead of
        the first message), or with ``None`` or "" take it away. Returns the title as stored
        (trimmed). Raises InvalidTitleError (a ValueError) naming the rule, FileNotFoundError
        if there is no such session, SessionCorruptError if its file cannot be read."""
        text = validate_title(title) if title else ""
        path = self.path_for(session_id)
        with locked(self.history_dir, session_id):
            record = self._read(session_id)
            if record is None:
                raise FileNotFoundError(f"No session named {session_id!r}.")
            record.metadata = with_title(record.metadata, text)
            self._store(path, record)
        return text

    # -- listing ----------------------------------------------------------------------------

    def list_sessions(
        self, include_corrupt: bool = False, *, parse: bool = True
    ) -> list[dict[str, Any]]:
        """Summaries of every session, newest activity first.

        Each has ``id``, ``created_at``, ``last_activity``, ``message_count``, ``title`` (the
        one given with ``set_title``, else the first user message), ``path`` and ``size``.
        Files that cannot be read are left out unless ``include_corrupt``; then they come with
        an ``error`` and a ``message_count`` of None.
        Unchanged files are not parsed again (see ``ListingIndex``).

        ``parse=False`` parses no file: one that is new or changed since it was indexed comes
        with ``pending: True``, its times from the file's mtime and a ``message_count`` of None
        (a quick first listing; a later full one fills them in).
        """
        with self._mutex:
            listing = self._listing.list(parse)
        return [row.copy() for row in listing if include_corrupt or "error" not in row]

    def close(self) -> None:
        """Write what the listing index learned since it was last written (also done when the
        manager is collected or the process exits; the index is only a cache), and what this
        manager saved to the search index."""
        self._index_writer()
        self._search.close()

    # -- searching (see agentry.sessions.search) ---------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 50,
        *,
        role: str | None = None,
        session: str | None = None,
        model: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Hit]:
        """Messages of every session (every branch) matching ``query``, best first: by relevance,
        then newest. Words must all match; "exact phrases", prefix* and -excluded words work;
        any text is a valid query. Filters: ``role`` and ``model`` of the message, ``session``
        id, and its time in [``since``, ``until``). Answered from the index; the first search
        of a manager first brings the index up to date with the files, as ``refresh_search``
        does. Raises SearchUnavailable if this Python's sqlite3 has no FTS5."""
        self._search.refresh_once()
        self._search.wait()
        return self._search.search(
            query, limit=limit, role=role, session=session, model=model, since=since, until=until
        )

    def search_sessions(self, query: str) -> set[str]:
        """Ids of the sessions with a message that matches ``query`` (as ``search`` reads it)."""
        self._search.refresh_once()
        self._search.wait()
        return self._search.sessions(query)

    def refresh_search(self, progress: Progress | None = None) -> int:
        """Bring the search index up to date with the files (changed by other processes, a sync
        tool, or never indexed): only files whose size or mtime changed are read. Returns how
        many files were indexed or forgotten; ``progress(done, total)`` is called as it goes.
        Blocking (a front-end runs it in a thread; searches meanwhile answer from the index)."""
        return self._search.refresh(progress)

    def stop_search_refresh(self) -> None:
        """End a ``refresh_search`` under way after its current batch (before quitting)."""
        self._search.stop()
