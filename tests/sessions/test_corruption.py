"""Corrupt session files: a clear SessionCorruptError, and the file is never touched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentry import SessionCorruptError, SessionManager


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sm(tmp_path: Path) -> SessionManager:
    return SessionManager(tmp_path / "sessions")


CONVERSATION = [
    {"role": "system", "content": "You are a helpful AI assistant..."},
    {"role": "user", "content": 'Héllo — can you ✓ check "this"?\nThanks'},
    {"role": "assistant", "content": "Sure! Here it is:\n\tdone", "_usage": {"total": 3}},
]


# Literals and numbers too, so that cuts land inside every kind of JSON token.
METADATA = {"title": "ünïcode", "n": -12.5e3, "count": 1234, "ok": True, "no": False, "x": None}


def valid_file_bytes(sm: SessionManager) -> bytes:
    sm.save_session("model", CONVERSATION, METADATA)
    raw = sm.path_for("model").read_bytes()
    sm.delete_session("model")
    return raw


# (name, file bytes, words the problem must contain)
CASES: list[tuple[str, bytes, list[str]]] = [
    ("empty", b"", ["empty"]),
    ("whitespace", b"  \n\t\n", ["empty"]),
    ("not_json_brace", b"{this is not json", ["not valid JSON"]),
    ("plain_text", b"this is not json at all {", ["JSON"]),
    ("html", b"<html><body>Not found</body></html>\n", ["JSON"]),
    ("binary", b"\x00\x01\xff\xfe garbage", ["UTF-8"]),
    ("top_level_list", b'[{"role": "user", "content": "hi"}]', ["list"]),
    ("top_level_list_spaced", b"\n  [1, 2, 3]\n", ["list"]),
    ("top_level_string", b'"just a string"', ["object"]),
    ("top_level_null", b"null", ["object"]),
    ("no_messages", b'{"session_id": "x", "created_at": "2025-11-22T20:30:15"}', ["messages"]),
    ("messages_not_list", b'{"messages": {"role": "user"}}', ["messages", "list", "dict"]),
    ("messages_string", b'{"messages": "hello"}', ["messages", "list", "str"]),
    ("message_not_object", b'{"messages": ["hello"]}', ["message 0"]),
    (
        "bad_role",
        b'{"messages": [{"role": "user"}, {"role": "robot", "content": "x"}]}',
        ["message 1", "role"],
    ),
    ("missing_role", b'{"messages": [{"content": "x"}]}', ["message 0", "role"]),
    ("bad_content", b'{"messages": [{"role": "user", "content": 42}]}', ["message 0", "content"]),
    (
        "bad_tool_call",
        b'{"messages": [{"role": "assistant", "tool_calls": [{"function": {}}]}]}',
        ["message 0", "tool_calls", "name"],
    ),
    (
        "bad_created_at",
        b'{"created_at": "last tuesday", "messages": []}',
        ["created_at", "last tuesday"],
    ),
    ("created_at_number", b'{"created_at": 1732300215, "messages": []}', ["created_at"]),
    ("bad_last_activity", b'{"last_activity": "soon", "messages": []}', ["last_activity"]),
    ("metadata_not_object", b'{"metadata": [1], "messages": []}', ["metadata"]),
    (
        "newer_version",
        b'{"format": "agentry-session", "version": 99, "messages": []}',
        ["version 99", "upgrade"],
    ),
    ("toon_without_messages", b"session_id: x\ncreated_at: now\n", ["messages"]),
    ("toon_bad_role", b"session_id: x\nmessages[1]{role,content}:\n  robot,hi\n", ["role"]),
]


def write_corrupt(sm: SessionManager, data: bytes, session_id: str = "broken") -> Path:
    path = sm.path_for(session_id)
    path.write_bytes(data)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under the folder (bar locks) with its bytes and mtime."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".locks" not in p.parts and p.name != ".index.json"
    }


@pytest.mark.parametrize(("name", "data", "words"), CASES, ids=[c[0] for c in CASES])
def test_corrupt_file_raises_clear_error(
    sm: SessionManager, name: str, data: bytes, words: list[str]
) -> None:
    path = write_corrupt(sm, data)
    with pytest.raises(SessionCorruptError) as info:
        sm.load_session("broken")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == path
    assert str(path) in str(err)
    for word in words:
        assert word in err.problem, f"{word!r} not in {err.problem!r}"
        assert word in str(err)
    # load() (the whole AgentSession) refuses the same way.
    with pytest.raises(SessionCorruptError):
        sm.load("broken")


@pytest.mark.parametrize(("name", "data", "words"), CASES, ids=[c[0] for c in CASES])
def test_corrupt_file_left_untouched(
    sm: SessionManager, name: str, data: bytes, words: list[str]
) -> None:
    path = write_corrupt(sm, data)
    before = snapshot(sm.history_dir)

    with pytest.raises(SessionCorruptError):
        sm.load_session("broken")
    assert snapshot(sm.history_dir) == before  # not modified, renamed, deleted; nothing added

    sm.list_sessions(include_corrupt=True)
    assert snapshot(sm.history_dir) == before

    # Saving over it is refused, with or without metadata, and leaves it as it was.
    with pytest.raises(SessionCorruptError):
        sm.save_session("broken", CONVERSATION)
    with pytest.raises(SessionCorruptError):
        sm.save_session("broken", CONVERSATION, {"k": 1})
    assert snapshot(sm.history_dir) == before
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert sm.session_exists("broken")


def test_truncated_file_cut_in_half(sm: SessionManager) -> None:
    raw = valid_file_bytes(sm)
    path = write_corrupt(sm, raw[: len(raw) // 2])
    with pytest.raises(SessionCorruptError) as info:
        sm.load_session("broken")
    assert str(path) in str(info.value)
    assert "not valid JSON" in info.value.problem
    assert "truncated" in info.value.problem


def test_truncated_at_every_length(sm: SessionManager) -> None:
    raw = valid_file_bytes(sm)
    end = len(raw.rstrip())  # cutting only trailing whitespace leaves a whole file
    problems = {}
    for cut in range(1, end):
        sm.path_for("broken").write_bytes(raw[:cut])
        with pytest.raises(SessionCorruptError) as info:
            sm.load_session("broken")
        problems[cut] = info.value.problem
    missing = {cut: p for cut, p in problems.items() if "truncated" not in p}
    assert not missing, f"{len(missing)} of {len(problems)} cuts not called truncated: " + repr(
        sorted(set(missing.values()))[:5]
    )


def test_trailing_whitespace_cut_is_still_valid(sm: SessionManager) -> None:
    raw = valid_file_bytes(sm)
    sm.path_for("model").write_bytes(raw.rstrip())
    assert sm.load_session("model") == CONVERSATION


def test_error_message_reads_well(sm: SessionManager) -> None:
    raw = valid_file_bytes(sm)
    write_corrupt(sm, raw[:40])
    with pytest.raises(SessionCorruptError) as info:
        sm.load_session("broken")
    text = str(info.value)
    assert " at at " not in text
    assert "left as it is" in text or "untouched" in text


def test_refused_save_with_valid_file_replaced_by_garbage_by_another_process(
    sm: SessionManager,
) -> None:
    # The manager has this file's header cached; another program then breaks the file.
    sm.save_session("chat", CONVERSATION, {"k": 1})
    path = sm.path_for("chat")
    path.write_bytes(b'{"messages": [')
    with pytest.raises(SessionCorruptError):
        sm.save_session("chat", CONVERSATION)
    assert path.read_bytes() == b'{"messages": ['


def test_list_skips_corrupt_by_default(sm: SessionManager) -> None:
    sm.save_session("good", CONVERSATION)
    write_corrupt(sm, b"{not json", "broken")
    write_corrupt(sm, b'{"messages": 1}', "wrong_shape")
    rows = sm.list_sessions()
    assert [r["id"] for r in rows] == ["good"]
    assert "error" not in rows[0]
    # Again, from the index.
    assert [r["id"] for r in sm.list_sessions()] == ["good"]


def test_list_includes_corrupt_on_request(sm: SessionManager) -> None:
    sm.save_session("good", CONVERSATION)
    broken = write_corrupt(sm, b"{not json", "broken")
    wrong = write_corrupt(sm, b'{"messages": 1}', "wrong_shape")
    for _ in range(2):  # freshly parsed, then from the index
        rows = {r["id"]: r for r in sm.list_sessions(include_corrupt=True)}
        assert set(rows) == {"good", "broken", "wrong_shape"}
        assert rows["good"]["message_count"] == 3
        assert "error" not in rows["good"]
        for session_id, path in (("broken", broken), ("wrong_shape", wrong)):
            row = rows[session_id]
            assert row["message_count"] is None
            assert row["error"]
            assert str(path) in row["error"]
            assert Path(row["path"]) == path
            assert isinstance(row["last_activity"], str)
        assert "not valid JSON" in rows["broken"]["error"]
        assert "messages" in rows["wrong_shape"]["error"]
    # A new manager, using the persisted index, says the same.
    again = {r["id"]: r for r in SessionManager(sm.history_dir).list_sessions(include_corrupt=True)}
    assert again["broken"]["message_count"] is None and again["broken"]["error"]


def test_repaired_file_is_listed_again(sm: SessionManager) -> None:
    path = write_corrupt(sm, b"{not json", "fixme")
    assert sm.list_sessions() == []
    path.write_text(json.dumps({"messages": CONVERSATION}))
    [row] = sm.list_sessions()
    assert row["id"] == "fixme" and row["message_count"] == 3 and "error" not in row
    assert sm.load_session("fixme") == CONVERSATION


def test_corrupt_file_can_be_deleted(sm: SessionManager) -> None:
    path = write_corrupt(sm, b"garbage", "broken")
    assert sm.delete_session("broken") is True
    assert not path.exists()
    sm.save_session("broken", CONVERSATION)
    assert sm.load_session("broken") == CONVERSATION


def test_corrupt_file_does_not_block_others(sm: SessionManager) -> None:
    write_corrupt(sm, b"{", "broken")
    sm.save_session("good", CONVERSATION)
    assert sm.load_session("good") == CONVERSATION
