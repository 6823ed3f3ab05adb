"""Search across every session: an SQLite FTS5 index beside the session files.

The session files stay the source of truth; the index (``.search.sqlite3``, a name no session
id can take) is only a cache of their text. It remembers each file's (size, mtime) and is
brought up to date from the files: for those its own manager saved, deleted or renamed (right
away, in a thread of its own, off the save's path), and by ``refresh``, which looks at every
file (on start, and when another process or a sync tool may have changed some). It is in WAL
mode, so several Agentry processes read it while one writes. An index that is missing, corrupt
or of another version is deleted and built again from the files; no session file is ever
written here.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from agentry import messages as msgs
from agentry.sessions import fileformat
from agentry.sessions.fileformat import FormatError, SessionRecord
from agentry.sessions.ids import session_id_from_file_name
from agentry.sessions.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    PREFIX_INDEXES,
    SEPARATOR,
    TOKENIZER,
    Term,
    fts_query,
    parse,
    snippet_maker,
    spaced,
)
from agentry.sessions.storage import locked, read_regular
from agentry.sessions.titles import session_title

INDEX_NAME = ".search.sqlite3"
INDEX_LOCK = ".search"  # session ids cannot start with "." (see ids.py)
SCHEMA_VERSION = 3  # PRAGMA user_version: an index of another version is rebuilt
_BATCH = 200  # files per transaction while refreshing: readers see progress, writers interleave
_OPEN, _CLOSE = MARK_OPEN, MARK_CLOSE  # match marks in snippets; never in the indexed text
_NEWEST = 1000  # matches ranked at most (see SearchIndex.search)
_EXPANSION = 16  # words a one-letter prefix is turned into at most (see search_query.Term.fts)

Progress = Callable[[int, int], None]  # (files done, files to do)
_T = TypeVar("_T")


class SearchUnavailable(RuntimeError):
    """This Python's sqlite3 has no FTS5 (the text says so, and what to do)."""


def fts5_problem() -> str | None:
    """Why searching cannot work here, or None."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize={_quoted(TOKENIZER)})")
    except sqlite3.Error as exc:
        return (
            f"Search needs SQLite's FTS5, which this Python's sqlite3 (SQLite "
            f"{sqlite3.sqlite_version}) lacks ({exc}); a Python from python.org or your "
            "system's packages has it."
        )
    return None


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Hit:
    """One message that matched. ``index`` is its place in its conversation: in ``messages``
    (``branch`` None) or in the stored branch ``branch``."""

    session_id: str
    title: str
    index: int
    branch: str | None
    role: str
    model: str | None
    time: datetime
    snippet: str  # one line, around the match
    marks: tuple[tuple[int, int], ...]  # (start, end) of each matched word in ``snippet``

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time"] = self.time.isoformat()
        data["marks"] = [list(mark) for mark in self.marks]
        return data


@dataclass(frozen=True)
class Row:
    """What the index keeps of one message."""

    branch: str | None
    index: int
    role: str
    model: str | None
    at: float  # when it was written (epoch seconds)
    body: str


_EPOCH = datetime(1970, 1, 1)


def wall_seconds(moment: datetime) -> float:
    """``moment`` as seconds of local wall-clock time since 1970 (what the index stores and
    compares): Agentry writes local times without a zone, and converting each through the
    system's zone rules was a tenth of indexing; a time with a zone is made local first."""
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return (moment - _EPOCH).total_seconds()


def _timestamp(value: Any, fallback: float) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError, OverflowError, OSError):
            return wall_seconds(datetime.fromisoformat(value))
    return fallback


_MARKS = str.maketrans({_OPEN: " ", _CLOSE: " "})


def message_text(message: dict[str, Any]) -> str:
    """Everything searchable in a message: its text, its reasoning, its tool calls."""
    parts = [msgs.content_text(message.get("content"))]
    reasoning = message.get(msgs.REASONING)
    if isinstance(reasoning, str):
        parts.append(reasoning)
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            arguments = function.get("arguments", "")
            parts.append(f"{function.get('name', '')} {arguments}")
    text = "\n".join(part for part in parts if part)
    return spaced(text.translate(_MARKS) if _OPEN in text or _CLOSE in text else text)


def rows_of(record: SessionRecord) -> list[Row]:
    """The rows of every message of the session, in every branch. Pure."""
    fallback = _timestamp(record.last_activity, 0.0)
    session_model = record.metadata.get("model")
    default_model = session_model if isinstance(session_model, str) else None
    conversations: list[tuple[str | None, int, list[Any]]] = [(None, 0, record.messages)]
    for branch in record.branches:
        if isinstance(branch, dict) and isinstance(branch.get("messages"), list):
            at = branch.get("at")
            start = at if type(at) is int and at >= 0 else 0
            conversations.append((str(branch.get("id", "")), start, branch["messages"]))
    rows = []
    for branch_id, start, messages in conversations:
        for n, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            body = message_text(message)
            if not body.strip():
                continue
            model = message.get(msgs.MODEL)
            rows.append(
                Row(
                    branch_id,
                    start + n,
                    str(message.get("role", "")),
                    model if isinstance(model, str) else default_model,
                    _timestamp(message.get(msgs.CREATED_AT), fallback),
                    body,
                )
            )
    return rows


_SPACES = re.compile(r"\s+")
_MARKERS = re.compile(f"[{_OPEN}{_CLOSE}]")


def marked(snippet: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet from FTS5 as one line of text and the (start, end) of its marked matches."""
    pieces: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    for n, part in enumerate(_MARKERS.split(snippet)):
        part = _SPACES.sub(" ", part.replace(SEPARATOR, ""))
        if n == 0:
            part = part.lstrip()
        if n % 2 and part:
            marks.append((length, length + len(part)))
        pieces.append(part)
        length += len(part)
    return "".join(pieces).rstrip(), tuple(marks)


_SCHEMA = f"""
CREATE TABLE files (name TEXT PRIMARY KEY, session TEXT NOT NULL, size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL, title TEXT NOT NULL);
CREATE TABLE messages (id INTEGER PRIMARY KEY, session TEXT NOT NULL, branch TEXT,
                       idx INTEGER NOT NULL, role TEXT NOT NULL, model TEXT, at REAL NOT NULL);
CREATE INDEX messages_session ON messages (session);
CREATE INDEX files_session ON files (session);
CREATE VIRTUAL TABLE texts USING fts5 (body, tokenize={_quoted(TOKENIZER)},
                                    prefix={_quoted(" ".join(map(str, PREFIX_INDEXES)))});
CREATE VIRTUAL TABLE texts_terms USING fts5vocab (texts, 'row');
PRAGMA user_version = {SCHEMA_VERSION};
"""


def _damaged(exc: sqlite3.Error) -> bool:
    """Whether the error means the index file is not (or no longer) a usable index, rather
    than another process holding it for a moment."""
    name = getattr(exc, "sqlite_errorname", "")
    return isinstance(exc, sqlite3.DatabaseError) and name not in ("SQLITE_BUSY", "SQLITE_LOCKED")


class SearchIndex:
    """The index of one history folder. Thread-safe: one connection writes (under a lock), one
    reads (under another); in WAL mode the reader never waits for the writer."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._path = folder / INDEX_NAME
        self.problem = fts5_problem()
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._generation = 0  # bumped when the index file is replaced: connections reopen
        # Names a save, deletion or rename of this process changed; the worker indexes them.
        self._pending: set[str] = set()
        self._wake = threading.Condition()
        self._worker: threading.Thread | None = None  # running while there are names to index
        self.refreshed = False  # a whole-folder refresh has run in this process
        self._refreshing = threading.Lock()  # held by the refresh that is running
        self._stopping = threading.Event()  # set by ``stop``: a refresh ends after its batch

    # -- connections ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.problem is not None:
            raise SearchUnavailable(self.problem)
        with locked(self._folder, INDEX_LOCK):
            db = self._open_private()
            try:
                db.execute("PRAGMA journal_mode=WAL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    if version != 0 or _has_tables(db):
                        raise sqlite3.DatabaseError("an index of another version")
                    db.executescript(_SCHEMA)
                db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable enough for a cache
            except sqlite3.Error as exc:
                db.close()
                if not _damaged(exc):
                    raise
                self._remove_files()
                db = self._open_private()
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _open_private(self) -> sqlite3.Connection:
        """A connection to the index file, created readable by its owner only (it holds the
        text of every session, which are private too); SQLite gives its -wal and -shm files
        the same mode."""
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        db = sqlite3.connect(self._path, timeout=10, check_same_thread=False)
        db.execute("PRAGMA secure_delete=ON")  # a deleted session's text is overwritten
        return db

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self._path}{suffix}")

    def _rebuild(self) -> None:
        """Throw the index away (it is damaged); the next refresh fills a new one."""
        with self._write_lock, self._read_lock:
            for db in (self._writer, self._reader):
                if db is not None:
                    db.close()
            self._writer = self._reader = None
            with locked(self._folder, INDEX_LOCK):
                self._remove_files()
            self.refreshed = False

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The writer connection, in a transaction (committed on success)."""
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect()
            db = self._writer
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    def close(self) -> None:
        """Index what this process changed (waiting for it), then close the connections."""
        self.wait()
        with self._write_lock, self._read_lock:
            for db in (self._writer, self._reader):
                if db is not None:
                    db.close()
            self._writer = self._reader = None

    # -- bringing it up to date -----------------------------------------------------------

    def changed(self, *names: str) -> None:
        """Files of these names were written, deleted or renamed: index them soon, in the
        background (costs the caller a stat and a set insertion). Only an index that exists
        is kept so: a program that saves and never searches gets none (and no thread writing
        into its folder after the save returned)."""
        if self.problem is not None or not (self._writer is not None or self._path.exists()):
            return  # never searched here: no index to keep (the first refresh makes it)
        with self._wake:
            self._pending.update(names)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="agentry-search-index", daemon=True
                )
                self._worker.start()
            self._wake.notify_all()

    def _work(self) -> None:
        """Index what ``changed`` was told until there is nothing left, then end (a manager
        that saves nothing keeps no thread)."""
        while True:
            with self._wake:
                if not self._pending:
                    self._worker = None
                    self._wake.notify_all()
                    return
                names, self._pending = self._pending, set()
            # A failing disk or index loses nothing: the next refresh sees the files changed.
            with contextlib.suppress(sqlite3.Error, OSError, SearchUnavailable):
                self._index_names(sorted(names))

    def wait(self, timeout: float | None = None) -> None:
        """Return when what ``changed`` was told is in the index (tests, the line client)."""
        with self._wake:
            self._wake.wait_for(lambda: self._worker is None, timeout)

    def refresh(self, progress: Progress | None = None) -> int:
        """Index every file whose (size, mtime) is not the one indexed, and forget files that
        are gone. Returns how many files were (re)indexed or forgotten. Blocking: run it in a
        thread; searches meanwhile answer from what is indexed so far."""
        with self._refreshing:
            try:
                return self._refresh(progress)
            except sqlite3.Error as exc:
                if not _damaged(exc):
                    raise
                self._rebuild()
                return self._refresh(progress)

    def stop(self) -> None:
        """End a refresh under way after its current batch (a client quitting must not wait
        for a first build of thousands of files), and refuse to start another."""
        self._stopping.set()

    def refresh_once(self) -> None:
        """Refresh unless a refresh has run or is running (then answer from what is indexed)."""
        if not self.refreshed and not self._refreshing.locked():
            self.refresh()

    def _refresh(self, progress: Progress | None) -> int:
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect()
            known = {
                name: (size, mtime)
                for name, size, mtime in self._writer.execute(
                    "SELECT name, size, mtime_ns FROM files"
                )
            }
        changed: list[tuple[int, str]] = []
        with os.scandir(self._folder) as entries:
            for entry in entries:
                if session_id_from_file_name(entry.name) is None:
                    continue
                with contextlib.suppress(OSError):
                    st = entry.stat()
                    if known.pop(entry.name, None) != (st.st_size, st.st_mtime_ns):
                        changed.append((st.st_mtime_ns, entry.name))
        # Oldest first, as saves come: newer messages get higher rowids (see _NEWEST).
        todo = [name for _, name in sorted(changed)] + list(known)  # known: indexed, and gone
        for start in range(0, len(todo), _BATCH):
            if self._stopping.is_set():  # what is indexed stays; the next refresh goes on
                return start
            if progress is not None:
                progress(start, len(todo))
            self._index_names(todo[start : start + _BATCH])
        if progress is not None:
            progress(len(todo), len(todo))
        self.refreshed = True
        return len(todo)

    def _index_names(self, names: Iterable[str]) -> None:
        """Read these files (outside the write lock) and put what they hold in the index."""
        read = [(name, *_read(self._folder / name)) for name in names]
        try:
            with self._writing() as db:
                for name, key, record in read:
                    self._put(db, name, key, record)
        except sqlite3.Error as exc:
            if not _damaged(exc):
                raise
            self._rebuild()

    def put_record(self, name: str, key: tuple[int, int], record: SessionRecord) -> None:
        """Index ``record`` as the file ``name`` with stat key ``key`` holds."""
        with self._writing() as db:
            self._put(db, name, key, record)

    @staticmethod
    def _put(
        db: sqlite3.Connection,
        name: str,
        key: tuple[int, int] | None,
        record: SessionRecord | None,
    ) -> None:
        session_id = session_id_from_file_name(name)
        old = db.execute("SELECT session FROM files WHERE name = ?", (name,)).fetchone()
        # What is indexed of the file already, by what each row holds: a save changes a message
        # or two, and only the rows that changed are taken out and put in (an FTS5 row costs a
        # write in each of its indexes).
        indexed: dict[Row, int] = {}
        if old is not None:
            found = db.execute(
                "SELECT m.branch, m.idx, m.role, m.model, m.at, t.body, m.id FROM messages m "
                "JOIN texts t ON t.rowid = m.id WHERE m.session = ?",
                (old[0],),
            )
            indexed = {Row(*row[:-1]): row[-1] for row in found}
            db.execute("DELETE FROM files WHERE name = ?", (name,))
        rows: list[Row] = []
        if key is not None and session_id is not None:
            title = "" if record is None else session_title(record.metadata, record.messages)
            db.execute(
                "INSERT INTO files (name, session, size, mtime_ns, title) VALUES (?, ?, ?, ?, ?)",
                (name, session_id, *key, title),
            )
            # None: unreadable, remembered by its key so it is not read again until changed.
            rows = rows_of(record) if record is not None else []
        new = [row for row in rows if indexed.pop(row, None) is None]
        gone = [(row_id,) for row_id in indexed.values()]
        db.executemany("DELETE FROM texts WHERE rowid = ?", gone)
        db.executemany("DELETE FROM messages WHERE id = ?", gone)
        if not new:
            return
        # Ids given here, so each table takes its rows in one statement (the transaction
        # holds the write lock: no other writer takes them meanwhile). New rows get higher ids:
        # the newest messages (see _NEWEST).
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
        db.executemany(
            "INSERT INTO messages (id, session, branch, idx, role, model, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (first + n, session_id, row.branch, row.index, row.role, row.model, row.at)
                for n, row in enumerate(new)
            ],
        )
        db.executemany(
            "INSERT INTO texts (rowid, body) VALUES (?, ?)",
            [(first + n, row.body) for n, row in enumerate(new)],
        )

    # -- searching ------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 50,
        role: str | None = None,
        session: str | None = None,
        model: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Hit]:
        """The best ``limit`` hits for what a person typed: by relevance (bm25), then newest
        first. Any text is a valid query; one with nothing to look for finds nothing."""
        terms = self._terms(query)
        if fts_query(terms) is None or limit <= 0:
            return []
        where: list[str] = []
        args: list[Any] = []
        for column, value in (("m.role", role), ("m.session", session), ("m.model", model)):
            if value is not None:
                where.append(f" AND {column} = ?")
                args.append(value)
        if since is not None:
            where.append(" AND m.at >= ?")
            args.append(wall_seconds(since))
        if until is not None:
            where.append(" AND m.at < ?")
            args.append(wall_seconds(until))
        # The best by relevance from the full-text table alone (FTS5 ranks in C; joining every
        # match first was 10x slower for a common word), twice as many as asked so that equal
        # ranks can be put newest first; the messages joined to those only. Ranking costs
        # ~5 us a match: a word in every other message of 500,000 is ranked among the newest
        # _NEWEST matches (by rowid: the index takes messages oldest first), not all.
        joined = " JOIN messages m ON m.id = texts.rowid" if where else ""
        matching = f"FROM texts{joined} WHERE texts MATCH ?{''.join(where)}"

        def ask(db: sqlite3.Connection) -> list[Hit]:
            expression = _expanded(db, terms)
            bound = db.execute(
                f"SELECT texts.rowid {matching} ORDER BY texts.rowid DESC LIMIT 1 OFFSET ?",
                (expression, *args, _NEWEST - 1),
            ).fetchone()
            newest = " AND texts.rowid >= ?" if bound is not None else ""
            ranked = db.execute(
                f"SELECT texts.rowid, texts.rank {matching}{newest} ORDER BY texts.rank LIMIT ?",
                (expression, *args, *(bound or ()), 2 * limit),
            ).fetchall()
            rank = dict(ranked)
            marks = ",".join("?" * len(rank))
            rows = db.execute(
                "SELECT m.id, m.session, m.branch, m.idx, m.role, m.model, m.at, f.title "
                f"FROM messages m JOIN files f ON f.session = m.session WHERE m.id IN ({marks})",
                tuple(rank),
            ).fetchall()
            rows.sort(key=lambda row: (rank[row[0]], -row[6]))
            del rows[limit:]
            bodies = dict(
                db.execute(
                    f"SELECT rowid, body FROM texts WHERE rowid IN ({','.join('?' * len(rows))})",
                    tuple(row[0] for row in rows),
                ).fetchall()
            )
            snippet = snippet_maker(terms)
            snippets = {row_id: snippet(body) for row_id, body in bodies.items()}
            return [_hit(row, snippets.get(row[0], "")) for row in rows]

        return self._asked(ask, [])

    def sessions(self, query: str) -> set[str]:
        """Ids of the sessions with a message matching ``query``."""
        terms = self._terms(query)
        if fts_query(terms) is None:
            return set()

        def ask(db: sqlite3.Connection) -> set[str]:
            found = db.execute(
                "SELECT DISTINCT m.session FROM texts JOIN messages m ON m.id = texts.rowid "
                "WHERE texts MATCH ?",
                (_expanded(db, terms),),
            )
            return {session for (session,) in found}

        return self._asked(ask, set())

    def _terms(self, query: str) -> list[Term]:
        if self.problem is not None:
            raise SearchUnavailable(self.problem)
        return parse(query)

    def _asked(self, ask: Callable[[sqlite3.Connection], _T], otherwise: _T) -> _T:
        """What ``ask`` reads from the index; ``otherwise`` if the index turns out damaged (it
        is thrown away, and the next refresh fills a new one)."""
        try:
            with self._read_lock:
                if self._reader is None:
                    self._reader = self._connect()
                return ask(self._reader)
        except sqlite3.Error as exc:
            if not _damaged(exc):
                raise
        self._rebuild()
        return otherwise


def _expanded(db: sqlite3.Connection, terms: list[Term]) -> str:
    """The MATCH expression of ``terms`` (which ask for something), each prefix as the first
    _EXPANSION words of the index it begins (in their order: "a*" in a big index begins
    thousands; merging them all took 40 s)."""

    def words(prefix: str) -> list[str]:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        found = db.execute(
            "SELECT term FROM texts_terms WHERE term >= ? AND term < ? LIMIT ?",
            (prefix, upper, _EXPANSION),
        )
        return [word for (word,) in found]

    expression = fts_query(terms, words)
    assert expression is not None
    return expression


def _hit(row: tuple[Any, ...], snippet: str) -> Hit:
    _, session_id, branch, index, role, model, at, title = row
    text, marks = marked(snippet)
    when = _EPOCH + timedelta(seconds=at)
    return Hit(session_id, title, index, branch, role, model, when, text, marks)


def _has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _read(path: Path) -> tuple[tuple[int, int] | None, SessionRecord | None]:
    """The file's (size, mtime_ns) and record; (key, None) if it is no session; (None, None)
    if it is gone."""
    session_id = session_id_from_file_name(path.name)
    try:
        raw, st = read_regular(path, fileformat.MAX_FILE_BYTES)
    except FileNotFoundError:
        return None, None
    except OSError:
        try:
            st = path.stat()
        except OSError:
            return None, None
        return (st.st_size, st.st_mtime_ns), None
    key = (st.st_size, st.st_mtime_ns)
    if session_id is None:
        return key, None
    fallback = datetime.fromtimestamp(st.st_mtime).isoformat()
    try:
        return key, fileformat.decode(raw, session_id, fallback)
    except FormatError:
        return key, None
