"""Branches: edit, answer again, switch, delete, fork; on disk, through save_session and merges."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from agentry import SessionManager
from agentry.sessions import AgentSession
from agentry.sessions import branches as tree
from agentry.sessions.fileformat import FormatError, decode, encode

REPO_ROOT = Path(__file__).resolve().parents[2]


def m(text: str, role: str = "user") -> dict:
    return {"role": role, "content": text}


def texts(messages: list[dict]) -> list[str]:
    return [message["content"] for message in messages]


def chat(turns: int) -> list[dict]:
    """A system message and ``turns`` exchanges: 1 + 2 * turns messages."""
    out = [m("sys", "system")]
    for n in range(turns):
        out += [m(f"q{n}"), m(f"a{n}", "assistant")]
    return out


def session_of(messages: list[dict]) -> AgentSession:
    return AgentSession("s", messages=list(messages))


# -- in memory --------------------------------------------------------------------------------


def test_edit_keeps_the_old_tail_as_a_sibling_and_switching_restores_it() -> None:
    session = session_of(chat(3))
    session.edit_message(3, "q1 edited")
    assert texts(session.messages) == ["sys", "q0", "a0", "q1 edited"]
    assert session.alternatives(3) == (2, 2)
    assert session.branch_points() == [(3, 2, 2)]
    session.add_message(m("a1'", "assistant"))
    session.switch_alternative(3, -1)
    assert texts(session.messages) == texts(chat(3))
    assert session.alternatives(3) == (1, 2)
    session.switch_alternative(3, +1)  # back, as it was last seen
    assert texts(session.messages) == ["sys", "q0", "a0", "q1 edited", "a1'"]
    session.switch_alternative(3, +1)  # wraps
    assert texts(session.messages) == texts(chat(3))
    assert session.branch_count() == 2


def test_answer_again_three_times_places_the_newest_last() -> None:
    session = session_of(chat(2))
    for n in range(3):
        session.prepare_answer_again(4)
        assert texts(session.messages) == ["sys", "q0", "a0", "q1"]
        session.add_message(m(f"again {n}", "assistant"))
    assert session.alternatives(4) == (4, 4)
    seen = []
    for _ in range(4):
        session.switch_alternative(4, +1)
        seen.append((session.messages[4]["content"], session.alternatives(4)))
    assert seen == [("a1", (1, 4)), ("again 0", (2, 4)), ("again 1", (3, 4)), ("again 2", (4, 4))]


def test_answer_again_takes_the_whole_tool_run() -> None:
    run = [
        m("q"),
        {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "tool", "content": "out", "tool_call_id": "1"},
        m("final", "assistant"),
    ]
    session = session_of([m("sys", "system"), *run])
    session.prepare_answer_again(4)
    assert texts(session.messages) == ["sys", "q"]
    assert (
        tree.conversation(session.messages, session.branches, session.branches[0]["id"])[2:]
        == run[1:]
    )


def test_nested_branches_survive_switching_back_and_forth() -> None:
    session = session_of(chat(4))  # 9 messages
    session.edit_message(7, "q3 second")  # a fork late in the conversation...
    session.add_message(m("a3 second", "assistant"))
    session.edit_message(1, "q0 second")  # ...and one early: the late one now hangs inside
    session.add_message(m("a0 second", "assistant"))
    assert session.branch_count() == 3
    conversations = {
        tuple(texts(tree.conversation(session.messages, session.branches, b["id"])))
        for b in session.branches
    }
    assert conversations == {
        tuple(texts(chat(4))),
        ("sys", "q0", "a0", "q1", "a1", "q2", "a2", "q3 second", "a3 second"),
    }
    session.switch_alternative(1, -1)
    assert texts(session.messages)[7:] == ["q3 second", "a3 second"]  # as it was last seen
    assert session.branch_points() == [(1, 1, 2), (7, 2, 2)]
    session.switch_alternative(7, +1)
    assert texts(session.messages) == texts(chat(4))
    session.switch_alternative(1, +1)
    assert texts(session.messages) == ["sys", "q0 second", "a0 second"]
    assert session.branch_count() == 3


def test_undo_and_a_new_message_become_siblings() -> None:
    session = session_of(chat(2))
    assert session.undo_turn() == 2
    assert texts(session.messages) == ["sys", "q0", "a0"]
    session.add_message(m("other"))
    assert session.alternatives(3) == (2, 2)
    session.switch_alternative(3, 1)
    assert texts(session.messages) == texts(chat(2))


def test_delete_puts_the_next_sibling_in_place() -> None:
    session = session_of(chat(2))
    session.edit_message(3, "second")
    session.edit_message(3, "third")
    session.switch_alternative(3, -1)  # "second"
    session.delete_message(3)
    assert texts(session.messages) == ["sys", "q0", "a0", "third"]
    assert session.alternatives(3) == (2, 2)
    session.delete_message(3)
    session.delete_message(3)
    assert texts(session.messages) == ["sys", "q0", "a0"] and session.branches == []


def test_bad_indexes_and_ids_are_refused_by_name() -> None:
    session = session_of(chat(1))
    with pytest.raises(tree.BranchError, match="no message 7 in session 's' \\(it has 3\\)"):
        session.alternatives(7)
    with pytest.raises(tree.BranchError, match="no branch 'nope'"):
        session.switch_to_branch("nope")
    with pytest.raises(tree.BranchError, match="system message"):
        session.prepare_answer_again(0)


def test_branches_follow_a_changed_messages_list() -> None:
    session = session_of(chat(3))
    session.edit_message(5, "q2 again")
    session.messages = session.messages[1:]  # the spec's "keep only recent messages"
    assert session.alternatives(4) == (2, 2)  # the fork point moved with its message
    session.messages = [m("sys", "system")]
    assert session.branch_points() == [] and session.branch_count() == 1


def test_a_new_system_message_keeps_every_branch() -> None:
    session = session_of(chat(2))
    session.edit_message(1, "other")
    session.set_system("be brief")
    assert session.alternatives(1) == (2, 2)
    untold = session_of(chat(2)[1:])  # no system message
    untold.edit_message(2, "other")
    untold.set_system("inserted")
    assert untold.branch_points() == [(3, 2, 2)]
    untold.switch_alternative(3, 1)
    assert texts(untold.messages) == ["inserted", "q0", "a0", "q1", "a1"]


# -- on disk ----------------------------------------------------------------------------------


def test_edit_in_a_40_message_session_keeps_both_branches_on_disk(tmp_path: Path) -> None:
    original = chat(20)[:40]
    sm = SessionManager(tmp_path)
    sm.save_session("long", original)
    session = sm.load("long")
    assert session is not None
    session.edit_message(1, "a different start")
    session.add_message(m("its answer", "assistant"))
    sm.sync(session)
    session.switch_alternative(1, -1)
    sm.sync(session)
    session.switch_alternative(1, +1)
    sm.sync(session)

    again = SessionManager(tmp_path).load("long")  # as after a restart
    assert again is not None
    assert texts(again.messages) == ["sys", "a different start", "its answer"]
    again.switch_alternative(1, +1)
    assert again.messages == original
    assert again.branch_count() == 2


def test_file_is_version_2_and_every_branch_text_is_on_a_line(tmp_path: Path) -> None:
    sm = SessionManager(tmp_path)
    sm.save_session("plain", chat(1))
    assert json.loads(sm.path_for("plain").read_text())["version"] == 1
    assert "branches" not in sm.path_for("plain").read_text()
    session = sm.load("plain")
    assert session is not None
    for word in ("alpha", "beta"):
        session.prepare_answer_again(2)
        session.add_message(m(f"answer {word}", "assistant"))
    sm.sync(session)
    text = sm.path_for("plain").read_text()
    data = json.loads(text)
    assert data["version"] == 2 and list(data)[-2:] == ["messages", "branches"]
    for answer in ("a0", "answer alpha", "answer beta"):
        lines = [line for line in text.splitlines() if f'"content": "{answer}"' in line]
        assert len(lines) == 1 and json.loads(lines[0].strip().rstrip(","))["content"] == answer


def test_an_older_reader_refuses_a_file_with_branches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(__file__).with_name("fileformat_v1.py")  # the reader before branches
    assert "FORMAT_VERSION = 1\n" in path.read_text()
    spec = importlib.util.spec_from_file_location("old_fileformat", path)
    assert spec is not None and spec.loader is not None
    v1: ModuleType = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, v1)  # its dataclass looks itself up there
    spec.loader.exec_module(v1)

    session = session_of(chat(1))
    session.edit_message(1, "other")
    raw = encode_session(session)
    with pytest.raises(v1.FormatError, match="written by a newer Agentry \\(format version 2"):
        v1.decode(raw, "s", "2026-01-01T00:00:00")
    plain = encode_session(session_of(chat(1)))
    assert v1.decode(plain, "s", "2026-01-01T00:00:00").messages == chat(1)


def encode_session(session: AgentSession) -> bytes:
    from agentry.sessions.fileformat import SessionRecord

    when = "2026-01-01T00:00:00"
    return encode(SessionRecord("s", when, when, {}, session.messages, session.current_branches()))


@pytest.mark.parametrize(
    ("branches", "problem"),
    [
        ({}, "'branches' must be a list"),
        ([{"id": "", "at": 1, "messages": [m("x")]}], "branch 0: 'id' must be a string"),
        ([{"id": "b", "at": 9, "messages": [m("x")]}], "'at' 9 is outside 0..3"),
        ([{"id": "b", "at": 1, "messages": []}], "'messages' must be a list with messages"),
        ([{"id": "b", "at": 1, "parent": "z", "messages": [m("x")]}], "'parent' 'z' is not"),
        ([{"id": "b", "at": 1, "parent": [], "messages": [m("x")]}], "'parent' \\[\\] is not"),
        ([{"id": "b", "at": True, "messages": [m("x")]}], "'at' must be a whole number"),
        ([{"id": "b", "at": 1, "sibling": 0, "messages": [m("x")]}], "'sibling' must be"),
        ([{"id": "b", "at": 1, "messages": [{"role": "robot"}]}], "branch 'b': message 0: role"),
    ],
)
def test_damaged_branches_are_refused_with_the_reason(branches: object, problem: str) -> None:
    data = {"format": "agentry-session", "version": 2, "messages": chat(1), "branches": branches}
    with pytest.raises(FormatError, match=problem):
        decode(json.dumps(data).encode(), "s", "2026-01-01T00:00:00")


def test_a_version_1_file_loads_unchanged(tmp_path: Path) -> None:
    raw = json.dumps(
        {"session_id": "old", "created_at": "2025-11-22T20:30:15", "messages": chat(1)}
    )
    (tmp_path / "old_chat.toon").write_text(raw)
    session = SessionManager(tmp_path).load("old")
    assert session is not None and session.messages == chat(1) and session.branches == []
    assert (tmp_path / "old_chat.toon").read_text() == raw


def test_save_session_with_a_plain_list_keeps_branches_whose_fork_point_is_in_it(
    tmp_path: Path,
) -> None:
    sm = SessionManager(tmp_path)
    sm.save_session("s", chat(3))
    session = sm.load("s")
    assert session is not None
    session.edit_message(5, "late edit")
    session.switch_alternative(5, -1)
    session.edit_message(1, "early edit")
    session.switch_alternative(1, -1)
    sm.save(session)
    # The documented calls: load a plain list, add to it, save it.
    messages = sm.load_session("s")
    assert messages == chat(3)
    sm.save_session("s", [*messages, m("q3"), m("a3", "assistant")])
    kept = sm.load("s")
    assert kept is not None and kept.branch_count() == 3
    sm.save_session("s", messages[:4])  # cut before the late fork: that branch goes
    kept = sm.load("s")
    assert kept is not None and kept.branch_points() == [(1, 1, 2)]
    sm.save_session("s", [m("sys", "system")])  # the early fork is after this message
    assert SessionManager(tmp_path).load("s").branch_count() == 2  # type: ignore[union-attr]
    sm.save_session("s", [m("another sys", "system")])  # no fork point left
    assert "branches" not in sm.path_for("s").read_text()


def test_fork_makes_a_session_of_the_prefix(tmp_path: Path) -> None:
    sm = SessionManager(tmp_path)
    sm.save_session("src", chat(3))
    sm.set_title("src", "Pirates")
    forked = sm.fork("src", "copy", 3)
    assert forked.messages == chat(3)[:4]
    loaded = sm.load("copy")
    assert loaded is not None and loaded.messages == chat(3)[:4]
    assert loaded.metadata["forked_from"] == {"session": "src", "message": 3}
    assert loaded.title == "Fork of Pirates at message 3"
    with pytest.raises(FileExistsError, match="'copy' already exists"):
        sm.fork("src", "copy", 1)
    with pytest.raises(tree.BranchError, match="has no message 7 \\(it has 7: 0 to 6\\)"):
        sm.fork("src", "other", 7)
    with pytest.raises(FileNotFoundError, match="No session named 'nope'"):
        sm.fork("nope", "other", 1)


# -- two writers ------------------------------------------------------------------------------


def test_two_managers_saving_branches_of_one_session_keep_both(tmp_path: Path) -> None:
    SessionManager(tmp_path).save_session("s", chat(2))
    one, two = SessionManager(tmp_path).load("s"), SessionManager(tmp_path).load("s")
    assert one is not None and two is not None
    one.prepare_answer_again(4)
    one.add_message(m("one's answer", "assistant"))
    two.edit_message(1, "two's question")
    SessionManager(tmp_path).sync(one)
    SessionManager(tmp_path).sync(two)
    assert all_conversations(SessionManager(tmp_path).load("s")) == {
        ("sys", "q0", "a0", "q1", "a1"),
        ("sys", "q0", "a0", "q1", "one's answer"),
        ("sys", "two's question"),
    }


def test_a_message_added_by_another_process_follows_its_branch(tmp_path: Path) -> None:
    SessionManager(tmp_path).save_session("s", chat(1))
    here, there = SessionManager(tmp_path).load("s"), SessionManager(tmp_path).load("s")
    assert here is not None and there is not None
    here.edit_message(1, "edited here")
    there.add_message(m("q1 there"))
    SessionManager(tmp_path).sync(there)
    report = SessionManager(tmp_path).sync(here)
    assert texts(report.messages) == ["sys", "edited here"]  # ours stays on screen
    assert all_conversations(SessionManager(tmp_path).load("s")) == {
        ("sys", "edited here"),
        ("sys", "q0", "a0", "q1 there"),
    }


def test_two_processes_saving_branches_keep_both(tmp_path: Path) -> None:
    SessionManager(tmp_path).save_session("s", chat(2))
    script = textwrap.dedent(
        """
        import sys
        from agentry import SessionManager
        sm = SessionManager(sys.argv[1])
        session = sm.load("s")
        print("loaded", flush=True)
        sys.stdin.readline()  # both have loaded
        session.edit_message(int(sys.argv[2]), sys.argv[3])
        sm.sync(session)
        """
    )
    env = {"PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), index, text],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        for index, text in (("1", "first process"), ("3", "second process"))
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == b"loaded\n"
    for proc in procs:  # each has read the file before either writes
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    assert [proc.wait(timeout=60) for proc in procs] == [0, 0]
    conversations = all_conversations(SessionManager(tmp_path).load("s"))
    assert ("sys", "first process") in conversations
    assert ("sys", "q0", "a0", "second process") in conversations
    assert ("sys", "q0", "a0", "q1", "a1") in conversations


def all_conversations(session: AgentSession | None) -> set[tuple[str, ...]]:
    assert session is not None
    wholes = [
        tree.conversation(session.messages, session.branches, b["id"]) for b in session.branches
    ]
    return {tuple(texts(whole)) for whole in [session.messages, *wholes]}


def test_two_writers_lose_no_message_whatever_each_did(tmp_path: Path) -> None:
    """Two session objects change one saved session in random ways that keep every message
    (add, edit, answer again, undo, switch), then both sync: the file holds every message
    either of them held."""
    import random

    rng = random.Random(17)
    counter = iter(range(10**6))

    def act(session: AgentSession) -> None:
        for _ in range(rng.randint(1, 5)):
            size = len(session.messages)
            choice = rng.choice(["add", "add", "edit", "again", "undo", "switch"])
            if choice == "add" or size < 2:
                session.add_message(m(f"new {next(counter)}"))
            elif choice == "edit":
                session.edit_message(rng.randrange(1, size), f"edit {next(counter)}")
            elif choice == "again":
                session.prepare_answer_again(rng.randrange(1, size))
                session.add_message(m(f"again {next(counter)}", "assistant"))
            elif choice == "undo":
                session.undo_turn()
            elif points := session.branch_points():
                session.switch_alternative(rng.choice(points)[0], rng.choice([1, -1]))

    for run in range(20):
        sid = f"s{run}"
        SessionManager(tmp_path).save_session(sid, chat(3))
        one, two = SessionManager(tmp_path).load(sid), SessionManager(tmp_path).load(sid)
        assert one is not None and two is not None
        act(one)
        act(two)
        held = every_text(one) | every_text(two)
        SessionManager(tmp_path).sync(one)
        SessionManager(tmp_path).sync(two)
        assert held <= every_text(SessionManager(tmp_path).load(sid)), run


def every_text(session: AgentSession | None) -> set[str]:
    return {text for whole in all_conversations(session) for text in whole}
