"""list_sessions parses a file only when it changed, in this process or a new one.

Parsing is counted by wrapping ``agentry.sessions.fileformat.decode`` (the manager calls it
through the module). The folder holds 2,000 sessions; the issue's benchmark has 50 messages each,
here each has a few, which keeps the test fast without changing what is being checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import agentry
from agentry import SessionManager
from agentry.sessions import fileformat
from agentry.sessions.fileformat import SessionRecord

REPO_ROOT = Path(agentry.__file__).resolve().parent.parent
N_SESSIONS = 2000
INDEX = ".index.json"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


class DecodeCounter:
    """Counts (by session id) the files the manager parses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ids: list[str] = []
        real = fileformat.decode

        def counting(raw: bytes, session_id: str, fallback_time: str) -> SessionRecord:
            self.ids.append(session_id)
            return real(raw, session_id, fallback_time)

        monkeypatch.setattr(fileformat, "decode", counting)

    def take(self) -> list[str]:
        ids, self.ids = self.ids, []
        return ids


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> DecodeCounter:
    return DecodeCounter(monkeypatch)


BASE = datetime(2024, 1, 1)


def sid(i: int) -> str:
    return f"s{i:04d}"


def messages_for(i: int) -> list[dict]:
    n = 3 + i % 4
    return [{"role": "system", "content": "You are helpful."}] + [
        {"role": "user" if j % 2 == 0 else "assistant", "content": f"session {i} message {j}"}
        for j in range(n - 1)
    ]


def populate(folder: Path, count: int) -> None:
    """``count`` sessions in the current format; s<i> was active i minutes after BASE."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        record = SessionRecord(
            session_id=sid(i),
            created_at=BASE.isoformat(),
            last_activity=(BASE + timedelta(minutes=i)).isoformat(),
            metadata={"i": i},
            messages=messages_for(i),
        )
        (folder / f"{sid(i)}_chat.toon").write_bytes(fileformat.encode(record))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "sessions"
    populate(folder, N_SESSIONS)
    return folder


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "sessions"
    shutil.copytree(template, target)
    return target


def expected_rows(count: int, folder: Path) -> list[dict]:
    return [
        {
            "id": sid(i),
            "created_at": BASE.isoformat(),
            "last_activity": (BASE + timedelta(minutes=i)).isoformat(),
            "message_count": len(messages_for(i)),
            "title": f"session {i} message 0",
            "path": str(folder / f"{sid(i)}_chat.toon"),
        }
        for i in reversed(range(count))
    ]


def essential(rows: list[dict]) -> list[dict]:
    keys = ("id", "created_at", "last_activity", "message_count", "title", "path")
    return [{k: r[k] for k in keys} for r in rows]


def run_python(code: str, *args: object) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, check=True, timeout=60)


REWRITE = r"""
import sys
from agentry.sessions import SessionManager
folder, session_id, count, word = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
messages = [{"role": "user", "content": f"{word} {j}"} for j in range(count)]
SessionManager(folder).save_session(session_id, messages)
"""


# -- the 2,000-session folder ----------------------------------------------------------------------


def test_second_listing_parses_nothing(folder: Path, decodes: DecodeCounter) -> None:
    sm = SessionManager(folder)
    first = sm.list_sessions()
    assert sorted(decodes.take()) == [sid(i) for i in range(N_SESSIONS)]  # each file once
    assert essential(first) == expected_rows(N_SESSIONS, folder)

    second = sm.list_sessions()
    assert decodes.take() == []
    assert second == first

    # The index is on disk: a new manager (a new process, as far as it knows) parses nothing.
    assert (folder / INDEX).is_file()
    fresh = SessionManager(folder).list_sessions()
    assert decodes.take() == []
    assert fresh == first


def test_rewrite_by_another_process_parses_exactly_that_file(
    folder: Path, decodes: DecodeCounter
) -> None:
    sm = SessionManager(folder)
    sm.list_sessions()
    decodes.take()

    run_python(REWRITE, folder, sid(42), 7, "rewritten")

    rows = sm.list_sessions()
    assert decodes.take() == [sid(42)]
    assert len(rows) == N_SESSIONS
    top = rows[0]  # saved just now: the newest activity
    assert top["id"] == sid(42)
    assert top["message_count"] == 7
    assert top["title"] == "rewritten 0"
    assert top["created_at"] == BASE.isoformat()  # kept by the other process's save
    assert [r["id"] for r in rows[1:]] == [sid(i) for i in reversed(range(N_SESSIONS)) if i != 42]

    # A new manager reads the index the first one saved: nothing to parse.
    assert essential(SessionManager(folder).list_sessions()) == essential(rows)
    assert decodes.take() == []


def test_same_size_rewrite_by_another_process_is_seen(folder: Path, decodes: DecodeCounter) -> None:
    # The new file has exactly the same size as the old one: only its mtime/inode tell.
    session_id = sid(7)
    path = folder / f"{session_id}_chat.toon"
    count = len(messages_for(7))
    sm = SessionManager(folder)
    sm.list_sessions()
    decodes.take()

    run_python(REWRITE, folder, session_id, count, "aaaaaaa")
    size = path.stat().st_size
    sm.list_sessions()
    decodes.take()
    run_python(REWRITE, folder, session_id, count, "bbbbbbb")
    assert path.stat().st_size == size  # the premise of this test

    rows = {r["id"]: r for r in sm.list_sessions()}
    assert decodes.take() == [session_id]
    assert rows[session_id]["title"] == "bbbbbbb 0"
    assert SessionManager(folder).list_sessions()[0]["title"] == "bbbbbbb 0"


def test_new_file_from_another_process_appears(folder: Path, decodes: DecodeCounter) -> None:
    sm = SessionManager(folder)
    sm.list_sessions()
    decodes.take()
    run_python(REWRITE, folder, "brand_new", 2, "new")
    rows = sm.list_sessions()
    assert decodes.take() == ["brand_new"]
    assert len(rows) == N_SESSIONS + 1
    assert rows[0]["id"] == "brand_new" and rows[0]["message_count"] == 2


def test_deleted_file_disappears(folder: Path, decodes: DecodeCounter) -> None:
    sm = SessionManager(folder)
    sm.list_sessions()
    decodes.take()

    (folder / f"{sid(5)}_chat.toon").unlink()  # by another program
    assert sm.delete_session(sid(6)) is True  # by the manager
    rows = sm.list_sessions()
    assert decodes.take() == []
    ids = {r["id"] for r in rows}
    assert len(rows) == N_SESSIONS - 2
    assert sid(5) not in ids and sid(6) not in ids

    sm.close()  # a listing that parsed nothing leaves the index file to close (or exit)
    entries = json.loads((folder / INDEX).read_text())["entries"]
    assert f"{sid(5)}_chat.toon" not in entries and f"{sid(6)}_chat.toon" not in entries
    assert len(entries) == N_SESSIONS - 2
    fresh = SessionManager(folder).list_sessions()
    assert decodes.take() == []
    assert {r["id"] for r in fresh} == ids


def test_corrupt_index_is_ignored_and_rebuilt(folder: Path, decodes: DecodeCounter) -> None:
    SessionManager(folder).list_sessions()
    decodes.take()
    index = folder / INDEX
    good = index.read_bytes()
    index.write_bytes(good[: len(good) // 2])  # a truncated index

    rows = SessionManager(folder).list_sessions()
    assert len(decodes.take()) == N_SESSIONS  # every file parsed again, none trusted
    assert essential(rows) == expected_rows(N_SESSIONS, folder)
    json.loads(index.read_bytes())  # rewritten whole

    assert SessionManager(folder).list_sessions() == rows
    assert decodes.take() == []


# -- smaller folders for the variations ------------------------------------------------------------

BAD_INDEXES = [
    b"",
    b"\x00\xff garbage",
    b"{not json",
    b"[]",
    b"null",
    b'"text"',
    b'{"version": 1}',
    b'{"version": 1, "entries": []}',
    b'{"version": 1, "entries": null}',
    b'{"version": 1, "entries": {"s0001_chat.toon": 5}}',
    b'{"version": 1, "entries": {"s0001_chat.toon": [1]}}',
    b'{"version": 1, "entries": {"s0001_chat.toon": [[1, 2, 3], {}, "extra"]}}',
    b'{"version": 999, "entries": {}}',
]


@pytest.mark.parametrize("bad", BAD_INDEXES, ids=[repr(b)[:40] for b in BAD_INDEXES])
def test_bad_index_variants(tmp_path: Path, decodes: DecodeCounter, bad: bytes) -> None:
    folder = tmp_path / "small"
    populate(folder, 20)
    (folder / INDEX).write_bytes(bad)
    rows = SessionManager(folder).list_sessions()
    assert essential(rows) == expected_rows(20, folder)
    assert len(decodes.take()) == 20
    assert SessionManager(folder).list_sessions() == rows
    assert decodes.take() == []


def test_index_is_not_a_session(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    populate(folder, 3)
    sm = SessionManager(folder)
    sm.list_sessions()
    assert (folder / INDEX).is_file()
    assert [r["id"] for r in sm.list_sessions(include_corrupt=True)] == [sid(2), sid(1), sid(0)]


def test_saves_by_this_manager_need_no_parse(tmp_path: Path, decodes: DecodeCounter) -> None:
    folder = tmp_path / "small"
    populate(folder, 10)
    sm = SessionManager(folder)
    sm.list_sessions()
    decodes.take()
    sm.save_session(sid(3), messages_for(3) + [{"role": "user", "content": "more"}])
    decodes.take()  # the save may read the header of the file it replaces
    rows = sm.list_sessions()
    assert decodes.take() == []
    assert rows[0]["id"] == sid(3) and rows[0]["message_count"] == len(messages_for(3)) + 1


def test_a_reused_listing_still_sees_every_change(tmp_path: Path) -> None:
    """A listing in which no file changed is reused; each kind of change must still show in
    the listing right after one that was reused."""
    folder = tmp_path / "small"
    populate(folder, 10)
    sm = SessionManager(folder)

    def listed() -> dict[str, dict]:
        sm.list_sessions()  # the one that may be reused next
        return {row["id"]: row for row in sm.list_sessions(include_corrupt=True)}

    before = listed()
    before[sid(1)]["title"] = "changed by the caller"  # callers get their own rows
    del before[sid(2)]["message_count"]
    assert listed()[sid(1)]["title"] == "session 1 message 0"
    assert listed()[sid(2)]["message_count"] == len(messages_for(2))

    sm.save_session(sid(1), [{"role": "user", "content": "saved here"}])  # by this manager
    assert listed()[sid(1)]["title"] == "saved here"

    path = folder / f"{sid(3)}_chat.toon"  # edited in place by another program: same inode
    inode = path.stat().st_ino
    record = fileformat.decode(path.read_bytes(), sid(3), "2024-01-01T00:00:00")
    with path.open("r+b") as file:
        file.truncate(0)
        file.write(
            fileformat.encode(
                SessionRecord(
                    sid(3),
                    record.created_at,
                    "2030-01-01T00:00:00",
                    {},
                    [{"role": "user", "content": "edited in place"}],
                )
            )
        )
    assert path.stat().st_ino == inode
    rows = sm.list_sessions()
    assert rows[0]["id"] == sid(3) and rows[0]["title"] == "edited in place"

    (folder / f"{sid(4)}_chat.toon").unlink()
    assert sid(4) not in listed()
    run_python(REWRITE, folder, "from_elsewhere", 2, "new")
    assert listed()["from_elsewhere"]["message_count"] == 2
    (folder / f"{sid(5)}_chat.toon").write_bytes(b"{ not json")
    rows = listed()
    assert "error" in rows[sid(5)]
    assert sid(5) not in {row["id"] for row in sm.list_sessions()}


SAVE_BETWEEN_LISTINGS = r"""
import sys
from agentry.sessions import SessionManager
manager = SessionManager(sys.argv[1])
manager.list_sessions()
manager.save_session(sys.argv[2], [{"role": "user", "content": "later 0"}])
assert manager.list_sessions()[0]["title"] == "later 0"
"""  # and no close()


def test_what_saves_taught_the_index_is_written_at_exit(
    tmp_path: Path, decodes: DecodeCounter
) -> None:
    """A listing after saves does not rewrite the index; the process's exit does, so the next
    process parses none of the files saved."""
    folder = tmp_path / "small"
    populate(folder, 10)
    SessionManager(folder).list_sessions()  # parses all ten: index written
    run_python(SAVE_BETWEEN_LISTINGS, folder, sid(2))
    decodes.take()
    rows = SessionManager(folder).list_sessions()
    assert decodes.take() == []
    assert rows[0]["id"] == sid(2) and rows[0]["title"] == "later 0"


def test_paths_follow_a_moved_folder(tmp_path: Path) -> None:
    old = tmp_path / "old_place"
    populate(old, 5)
    SessionManager(old).list_sessions()  # index saved with paths under old_place
    new = tmp_path / "new_place"
    old.rename(new)
    rows = SessionManager(new).list_sessions()
    assert essential(rows) == expected_rows(5, new)
    for row in rows:
        assert Path(row["path"]).is_file()


def test_paths_follow_how_the_folder_was_named(tmp_path: Path) -> None:
    populate(tmp_path / "rel", 3)
    relative_rows = SessionManager("rel").list_sessions()  # cwd is tmp_path
    absolute_rows = SessionManager(tmp_path / "rel").list_sessions()
    for rel, absolute in zip(relative_rows, absolute_rows, strict=True):
        assert Path(rel["path"]).resolve() == Path(absolute["path"])
        assert Path(absolute["path"]).is_absolute()


def test_index_entries_with_names_outside_the_id_rule_are_dropped(tmp_path: Path) -> None:
    """Listing trusts the index that its names follow the id rule; an index edited to hold a
    file the rule refuses must not smuggle that file (or its made-up summary) into the list."""
    folder = tmp_path / "history"
    manager = SessionManager(folder)
    manager.save_session("fine", [{"role": "user", "content": "hi"}])
    manager.close()  # writes the index
    sneaky = folder / ".sneaky_chat.toon"  # starts with '.': not a session file name
    sneaky.write_bytes((folder / "fine_chat.toon").read_bytes())
    data = json.loads((folder / INDEX).read_bytes())
    st = sneaky.stat()
    data["entries"][sneaky.name] = [
        [st.st_size, st.st_mtime_ns, st.st_ino],
        dict(data["entries"]["fine_chat.toon"][1], id=".sneaky"),
    ]
    (folder / INDEX).write_text(json.dumps(data))

    rows = SessionManager(folder).list_sessions(include_corrupt=True)
    assert [row["id"] for row in rows] == ["fine"]


def test_quick_listing_reads_no_file_and_orders_by_the_header(
    tmp_path: Path, decodes: DecodeCounter
) -> None:
    """``parse=False`` (the TUI's first frame): files the index does not know are listed as
    pending, ordered by the times in their header (not their mtime), and parsed by nobody."""
    folder = tmp_path / "history"
    manager = SessionManager(folder)
    for n, name in enumerate(["old", "new", "middle"]):  # written in this order: mtimes differ
        manager.save_session(name, [{"role": "user", "content": name}])
        path = folder / f"{name}_chat.toon"
        record = fileformat.decode(path.read_bytes(), name, "2024-01-01T00:00:00")
        when = ["2024-01-01T10:00:00", "2024-03-01T10:00:00", "2024-02-01T10:00:00"][n]
        path.write_bytes(
            fileformat.encode(SessionRecord(name, when, when, record.metadata, record.messages))
        )
    (folder / "middle_chat.toon").write_bytes(b"{ not json")  # corrupt: only a full read knows
    assert not (folder / INDEX).exists()  # nothing listed yet: no index
    decodes.take()

    rows = SessionManager(folder).list_sessions(include_corrupt=True, parse=False)
    assert decodes.take() == []
    # The corrupt file has no header to read: its mtime (now) puts it first.
    assert [(r["id"], r["pending"], r["message_count"], r["last_activity"]) for r in rows] == [
        ("middle", True, None, rows[0]["last_activity"]),
        ("new", True, None, "2024-03-01T10:00:00"),
        ("old", True, None, "2024-01-01T10:00:00"),
    ]
    assert rows[0]["last_activity"] > "2025"

    full = SessionManager(folder).list_sessions(include_corrupt=True)
    assert [(r["id"], r.get("pending"), r["message_count"]) for r in full if "error" not in r] == [
        ("new", None, 1),
        ("old", None, 1),
    ]
    assert [r["id"] for r in full if "error" in r] == ["middle"]
