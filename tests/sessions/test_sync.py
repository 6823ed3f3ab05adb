"""SessionManager.sync: several writers on one session keep every message each of them saved.

The merge is checked as a pure function (cases and a property over random edit scripts), then
through files: two session objects in one process, and several processes at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentry
from agentry import SessionManager
from agentry.sessions import AgentSession
from agentry.sessions.merge import merge, merge_metadata

REPO_ROOT = Path(agentry.__file__).resolve().parent.parent


def m(text: str, role: str = "user") -> dict:
    return {"role": role, "content": text}


def texts(messages: list[dict]) -> list[str]:
    return [message["content"] for message in messages]


SYS, U1, A1 = m("sys", "system"), m("u1"), m("a1", "assistant")


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected", "conflicts"),
    [
        # only one side changed
        ([SYS, U1], [SYS, U1, A1], [SYS, U1], ["sys", "u1", "a1"], 0),
        ([SYS, U1], [SYS, U1], [SYS, U1, A1], ["sys", "u1", "a1"], 0),
        # both appended: the file's first, then ours
        ([SYS], [SYS, m("ours")], [SYS, m("theirs")], ["sys", "theirs", "ours"], 0),
        # we cleared, they appended: the clear holds, their new message stays
        ([SYS, U1, A1], [SYS], [SYS, U1, A1, m("new")], ["sys", "new"], 0),
        # we changed the system message, they appended
        ([SYS, U1], [m("sys2", "system"), U1], [SYS, U1, m("new")], ["sys2", "u1", "new"], 0),
        # a partial reply we wrote is replaced by the final one; they appended after it
        (
            [SYS, U1, m("par", "assistant")],
            [SYS, U1, m("final", "assistant")],
            [SYS, U1, m("par", "assistant"), m("new")],
            ["sys", "u1", "final", "new"],
            0,
        ),
        # our base is older than our own last write (a stale base): no duplicates
        ([SYS], [SYS, U1, A1], [SYS, U1], ["sys", "u1", "a1"], 0),
        # both rewrote the same message differently: both kept, said
        ([SYS, U1], [SYS, m("mine")], [SYS, m("yours")], ["sys", "yours", "mine"], 1),
    ],
)
def test_merge_cases(base, ours, theirs, expected, conflicts) -> None:
    result = merge(base, ours, theirs)
    assert texts(result.messages) == expected
    assert result.conflicts == conflicts


def test_merge_metadata_keeps_both_sides_changes() -> None:
    base = {"a": 1, "b": 2, "c": 3}
    ours = {"a": 10, "b": 2}  # changed a, removed c
    theirs = {"a": 1, "b": 2, "c": 3, "d": 4}  # added d
    assert merge_metadata(base, ours, theirs) == {"a": 10, "b": 2, "d": 4}


def edited(base: list[int], data: st.DataObject, tag: str) -> list[int | str]:
    """``base`` after a random script of deletions and insertions (new items are unique)."""
    out: list[int | str] = []
    for n, item in enumerate(base):
        if not data.draw(st.booleans(), label=f"{tag} deletes {n}"):
            out.append(item)
        out += [f"{tag}{n}.{k}" for k in range(data.draw(st.integers(0, 2)))]
    return out + [f"{tag}-end.{k}" for k in range(data.draw(st.integers(0, 3)))]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 12), st.data())
def test_merge_keeps_every_addition_and_only_deletions_are_lost(size: int, data) -> None:
    base_items = list(range(size))
    ours_items, theirs_items = edited(base_items, data, "o"), edited(base_items, data, "t")
    wrap = lambda items: [m(str(i)) for i in items]  # noqa: E731
    result = merge(wrap(base_items), wrap(ours_items), wrap(theirs_items))
    merged = texts(result.messages)
    added = [str(i) for i in ours_items + theirs_items if isinstance(i, str)]
    assert sorted(added) == sorted(x for x in merged if not x.isdigit())  # each once
    for item in map(str, base_items):
        kept_by_both = item in map(str, ours_items) and item in map(str, theirs_items)
        if kept_by_both:
            assert merged.count(item) == 1
        elif item in merged:  # deleted by one side: kept only where the sides conflict
            assert result.conflicts > 0
    # The relative order of each side's messages is kept.
    for side in (ours_items, theirs_items):
        positions = [merged.index(str(i)) for i in side if str(i) in merged]
        assert positions == sorted(positions)


def test_two_session_objects_on_one_file_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    first, second = SessionManager(folder), SessionManager(folder)  # as two processes
    start = AgentSession("s", [SYS])
    first.sync(start)
    a, b = first.load("s"), second.load("s")
    a.add_message(m("from a"))
    first.sync(a)
    b.add_message(m("from b"))
    report = second.sync(b)
    assert report.taken == 1 and report.conflicts == 0
    assert texts(b.messages) == ["sys", "from a", "from b"]  # b now holds the file
    a.add_message(m("a again"))
    first.sync(a)
    assert texts(second.load("s").messages) == ["sys", "from a", "from b", "a again"]
    assert texts(a.messages) == texts(second.load("s").messages)


def test_pending_reply_is_written_then_replaced(tmp_path: Path) -> None:
    sm = SessionManager(tmp_path / "h")
    session = AgentSession("s", [SYS, U1])
    partial = {"role": "assistant", "content": "Hal", "_interrupted": True}
    sm.sync(session, pending=[partial])
    assert texts(session.messages) == ["sys", "u1"]  # pending is never adopted
    assert sm.load_session("s")[-1] == partial
    session.add_message(m("Hello", "assistant"))
    sm.sync(session)
    assert texts(sm.load_session("s")) == ["sys", "u1", "Hello"]


def test_sync_of_an_unchanged_file_reads_nothing(tmp_path: Path, monkeypatch) -> None:
    sm = SessionManager(tmp_path / "h")
    session = AgentSession("s", [SYS])
    sm.sync(session)
    session.add_message(U1)

    def no_read(*_a, **_k):
        raise AssertionError("the file was read")

    monkeypatch.setattr(sm, "_read", no_read)
    sm.sync(session)
    session.add_message(A1)
    sm.sync(session)
    monkeypatch.undo()
    assert texts(sm.load_session("s")) == ["sys", "u1", "a1"]


WRITER = """
import sys
from agentry import SessionManager
from agentry.sessions import AgentSession
folder, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sm = SessionManager(folder)
session = sm.load("s") or AgentSession("s")
for n in range(count):
    session.add_message({"role": "user", "content": f"{name} {n}"})
    sm.sync(session)
"""


def test_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    SessionManager(folder).sync(AgentSession("s", [SYS]))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    count = 60
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(folder), name, str(count)], env=env)
        for name in ("p", "q", "r")
    ]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    stored = json.loads((folder / "s_chat.toon").read_text())["messages"]
    got = texts(stored)
    for name in ("p", "q", "r"):
        mine = [t for t in got if t.startswith(f"{name} ")]
        assert mine == [f"{name} {n}" for n in range(count)]  # all, once each, in order
    assert len(got) == 1 + 3 * count


def test_a_lone_surrogate_never_fails_a_save(tmp_path: Path) -> None:
    sm = SessionManager(tmp_path / "h")
    session = AgentSession("s", [SYS, m("half an emoji: \ud83d")])
    sm.sync(session)
    sm.save_session("t", session.messages)
    for name in ("s", "t"):
        assert sm.load_session(name)[-1]["content"] == "half an emoji: ?"
    sm.close()  # writes the listing index, whose titles have the same lone surrogate
    assert {row["id"] for row in SessionManager(tmp_path / "h").list_sessions()} == {"s", "t"}
