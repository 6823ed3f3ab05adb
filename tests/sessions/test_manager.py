"""SessionManager: saving, loading, listing, deleting, renaming, default folder, legacy files."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import toon_format

import agentry
import agentry.sessions.manager as manager_mod
from agentry import AgentSession, SessionManager
from agentry.sessions import default_history_dir


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    history = tmp_path / "history"
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(history))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return history


@pytest.fixture
def sm(tmp_path: Path) -> SessionManager:
    return SessionManager(tmp_path / "sessions")


class Clock:
    def __init__(self, time: datetime) -> None:
        self.time = time

    def __call__(self) -> datetime:
        return self.time


def at(seconds: int) -> datetime:
    return datetime(2025, 11, 22, 20, 30, 0) + timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(at(0))
    monkeypatch.setattr(manager_mod, "now", c)
    return c


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


CONVERSATION = [
    {"role": "system", "content": "You are a helpful AI assistant..."},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "Hi! How can I help?"},
]

RICH = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": 'Héllo wörld — ✓ "quoted"\nsecond line\ttab', "_sent_at": "x"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "read_file", "arguments": {"path": "a.txt"}, "extra_fn": 1},
                "extra_call": [1, 2],
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "shell", "arguments": '{"cmd": "ls"}'},
            },
        ],
        "_usage": {"prompt_tokens": 10, "completion_tokens": 5},
        "_provider": "ollama",
        "custom": {"nested": [1, {"deep": None}]},
    },
    {"role": "tool", "content": "file text", "tool_call_id": "call_1", "name": "read_file"},
    {"role": "user", "content": [{"type": "text", "text": "multi"}, {"type": "image_url"}]},
    {"role": "assistant", "content": "done", "_interrupted": True},
]


# -- round trip ------------------------------------------------------------------------------------


def test_round_trip(sm: SessionManager) -> None:
    sm.save_session("chat", RICH, {"model": "llama3", "tags": ["a", "b"]})
    assert sm.load_session("chat") == RICH
    session = sm.load("chat")
    assert isinstance(session, AgentSession)
    assert session.session_id == "chat"
    assert session.messages == RICH
    assert session.metadata == {"model": "llama3", "tags": ["a", "b"]}
    assert isinstance(session.created_at, datetime)
    assert isinstance(session.last_activity, datetime)


def test_file_contents(sm: SessionManager, clock: Clock) -> None:
    sm.save_session("chat", CONVERSATION, {"k": "v"})
    path = sm.path_for("chat")
    assert path == sm.history_dir / "chat_chat.toon"
    data = read_json(path)
    assert data["session_id"] == "chat"
    assert data["created_at"] == "2025-11-22T20:30:00"
    assert data["last_activity"] == "2025-11-22T20:30:00"
    assert data["metadata"] == {"k": "v"}
    assert data["messages"] == CONVERSATION
    assert "format" in data and isinstance(data["version"], int)


def test_unknown_message_keys_preserved_byte_for_value(sm: SessionManager) -> None:
    sm.save_session("chat", RICH)
    on_disk = read_json(sm.path_for("chat"))["messages"]
    assert on_disk == RICH
    # No defaults were added by validation (no "tool_calls": null, no "type" filled in, ...).
    assert [sorted(m) for m in on_disk] == [sorted(m) for m in RICH]
    assert sm.load_session("chat") == RICH
    # And through a second save of what was loaded.
    sm.save_session("chat", sm.load_session("chat"))
    assert sm.load_session("chat") == RICH


def test_save_does_not_modify_callers_messages(sm: SessionManager) -> None:
    messages = json.loads(json.dumps(RICH))
    sm.save_session("chat", messages)
    assert messages == RICH


def test_save_rejects_invalid_messages_and_writes_nothing(sm: SessionManager) -> None:
    with pytest.raises(ValueError, match="role"):
        sm.save_session("chat", [{"role": "robot", "content": "x"}])
    assert not sm.session_exists("chat")
    with pytest.raises(ValueError):
        sm.save_session("chat", {"role": "user"})  # type: ignore[arg-type]
    assert not sm.session_exists("chat")


def test_load_missing_returns_none(sm: SessionManager) -> None:
    assert sm.load_session("nope") is None
    assert sm.load("nope") is None


def test_empty_session_round_trip(sm: SessionManager) -> None:
    sm.save_session("empty", [])
    assert sm.load_session("empty") == []
    [row] = sm.list_sessions()
    assert row["message_count"] == 0
    assert row["title"] == ""


# -- timestamps and metadata -----------------------------------------------------------------------


def test_created_at_kept_and_last_activity_moves(sm: SessionManager, clock: Clock) -> None:
    sm.save_session("chat", CONVERSATION[:2])
    first = read_json(sm.path_for("chat"))
    assert first["created_at"] == first["last_activity"] == "2025-11-22T20:30:00"

    clock.time = at(65)
    sm.save_session("chat", CONVERSATION)
    second = read_json(sm.path_for("chat"))
    assert second["created_at"] == "2025-11-22T20:30:00"
    assert second["last_activity"] == "2025-11-22T20:31:05"

    # A new manager (nothing cached) keeps created_at as well.
    clock.time = at(3600)
    SessionManager(sm.history_dir).save_session("chat", CONVERSATION)
    third = read_json(sm.path_for("chat"))
    assert third["created_at"] == "2025-11-22T20:30:00"
    assert third["last_activity"] == "2025-11-22T21:30:00"

    session = sm.load("chat")
    assert session is not None
    assert session.created_at == at(0)
    assert session.last_activity == at(3600)


def test_created_at_kept_with_real_clock(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION)
    created = read_json(sm.path_for("chat"))["created_at"]
    before = read_json(sm.path_for("chat"))["last_activity"]
    # now() has one-second resolution: wait for the next second.
    deadline = datetime.now().replace(microsecond=0) + timedelta(seconds=1)
    while datetime.now() < deadline:
        pass
    sm.save_session("chat", CONVERSATION)
    data = read_json(sm.path_for("chat"))
    assert data["created_at"] == created
    assert data["last_activity"] > before


def test_metadata_kept_when_none_given(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION[:1], {"model": "a", "n": 1})
    sm.save_session("chat", CONVERSATION)
    assert read_json(sm.path_for("chat"))["metadata"] == {"model": "a", "n": 1}
    assert SessionManager(sm.history_dir).load("chat").metadata == {"model": "a", "n": 1}

    # A new manager (no cache) keeps it too.
    SessionManager(sm.history_dir).save_session("chat", CONVERSATION[:2])
    assert read_json(sm.path_for("chat"))["metadata"] == {"model": "a", "n": 1}

    # Given metadata replaces it, an empty dict included.
    sm.save_session("chat", CONVERSATION, {"model": "b"})
    assert read_json(sm.path_for("chat"))["metadata"] == {"model": "b"}
    sm.save_session("chat", CONVERSATION, {})
    assert read_json(sm.path_for("chat"))["metadata"] == {}


def test_new_session_without_metadata_has_empty_metadata(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION)
    assert read_json(sm.path_for("chat"))["metadata"] == {}


def test_metadata_kept_is_what_is_stored_not_a_later_mutation(sm: SessionManager) -> None:
    meta = {"model": "a"}
    sm.save_session("s1", CONVERSATION, meta)
    meta["model"] = "b"  # the caller reuses its dict for another session
    sm.save_session("s2", CONVERSATION, meta)
    sm.save_session("s1", CONVERSATION + [{"role": "user", "content": "more"}])
    assert read_json(sm.path_for("s1"))["metadata"] == {"model": "a"}

    loaded = sm.load("s1")
    assert loaded is not None
    loaded.metadata["model"] = "changed in memory"
    sm.save_session("s1", CONVERSATION)
    assert read_json(sm.path_for("s1"))["metadata"] == {"model": "a"}


def test_metadata_written_by_another_manager_is_kept(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION, {"by": "first"})
    SessionManager(sm.history_dir).save_session("chat", CONVERSATION, {"by": "second"})
    sm.save_session("chat", CONVERSATION[:2])  # sm's cached header is stale
    assert read_json(sm.path_for("chat"))["metadata"] == {"by": "second"}


def test_metadata_must_be_a_dict(sm: SessionManager) -> None:
    with pytest.raises(ValueError, match="metadata"):
        sm.save_session("chat", CONVERSATION, ["not", "a", "dict"])  # type: ignore[arg-type]
    assert not sm.session_exists("chat")


def test_save_agent_session(sm: SessionManager) -> None:
    session = AgentSession("chat", created_at=at(0), last_activity=at(0))
    session.add_message({"role": "user", "content": "hi"})
    session.last_activity = at(100)
    session.metadata["k"] = 1
    sm.save(session)
    data = read_json(sm.path_for("chat"))
    assert data["created_at"] == "2025-11-22T20:30:00"
    assert data["last_activity"] == "2025-11-22T20:31:40"
    loaded = sm.load("chat")
    assert loaded is not None
    assert loaded.messages == session.messages
    assert loaded.metadata == {"k": 1}
    assert loaded.created_at == at(0) and loaded.last_activity == at(100)


# -- listing ---------------------------------------------------------------------------------------


def test_list_newest_activity_first(sm: SessionManager, clock: Clock) -> None:
    for i, session_id in enumerate(["a", "b", "c", "d"]):
        clock.time = at(i * 10)
        sm.save_session(session_id, CONVERSATION)
    assert [s["id"] for s in sm.list_sessions()] == ["d", "c", "b", "a"]

    clock.time = at(100)
    sm.save_session("b", CONVERSATION)  # activity moves b to the top
    rows = sm.list_sessions()
    assert [s["id"] for s in rows] == ["b", "d", "c", "a"]
    assert rows[0]["created_at"] == "2025-11-22T20:30:10"
    assert rows[0]["last_activity"] == "2025-11-22T20:31:40"


def test_list_fields(sm: SessionManager, clock: Clock) -> None:
    sm.save_session("chat", CONVERSATION)
    [row] = sm.list_sessions()
    for key in ("id", "created_at", "last_activity", "message_count", "title", "path"):
        assert key in row
    assert row["id"] == "chat"
    assert row["created_at"] == "2025-11-22T20:30:00"
    assert row["last_activity"] == "2025-11-22T20:30:00"
    assert row["message_count"] == 3  # the system message counts
    assert row["title"] == "Hello"
    assert Path(row["path"]) == sm.path_for("chat")
    assert Path(row["path"]).is_file()
    assert "error" not in row


def test_message_count_includes_system_and_tool_messages(sm: SessionManager) -> None:
    sm.save_session("rich", RICH)
    sm.save_session("sys", [{"role": "system", "content": "only system"}])
    counts = {s["id"]: s["message_count"] for s in sm.list_sessions()}
    assert counts == {"rich": len(RICH), "sys": 1}


@pytest.mark.parametrize(
    ("messages", "title"),
    [
        (CONVERSATION, "Hello"),
        ([{"role": "system", "content": "sys"}], ""),
        ([], ""),
        (
            [
                {"role": "assistant", "content": "I speak first"},
                {"role": "user", "content": "  Fix   the\nparser  "},
                {"role": "user", "content": "second user message"},
            ],
            "Fix the parser",
        ),
        ([{"role": "user", "content": [{"type": "text", "text": "part one"}]}], "part one"),
    ],
)
def test_title_is_first_user_message(sm: SessionManager, messages: list, title: str) -> None:
    sm.save_session("chat", messages)
    assert sm.list_sessions()[0]["title"] == title


def test_title_is_short(sm: SessionManager) -> None:
    long_text = "Please explain " + "very " * 100 + "carefully"
    sm.save_session("chat", [{"role": "user", "content": long_text}])
    title = sm.list_sessions()[0]["title"]
    assert 0 < len(title) <= 80
    assert long_text.startswith(title.rstrip("…").rstrip(". "))


def test_list_ignores_other_files(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION)
    d = sm.history_dir
    (d / "notes.txt").write_text("hello")
    (d / "export.json").write_text("[]")
    (d / ".hidden_chat.toon").write_text("{}")  # not a valid session id
    (d / "sub_chat.toon").mkdir()  # a folder named like a session: shown only as corrupt
    assert [s["id"] for s in sm.list_sessions()] == ["chat"]
    rows = {s["id"]: s for s in sm.list_sessions(include_corrupt=True)}
    assert rows.keys() == {"chat", "sub"}
    assert "not a regular file but a folder" in rows["sub"]["error"]


def test_list_empty_folder(sm: SessionManager) -> None:
    assert sm.list_sessions() == []


def test_list_reflects_saves_and_deletes(sm: SessionManager) -> None:
    sm.save_session("a", CONVERSATION[:1])
    assert [s["message_count"] for s in sm.list_sessions()] == [1]
    sm.save_session("a", CONVERSATION)
    assert [s["message_count"] for s in sm.list_sessions()] == [3]
    sm.delete_session("a")
    assert sm.list_sessions() == []


# -- folders ---------------------------------------------------------------------------------------


def _package_dir() -> Path:
    return Path(agentry.__file__).resolve().parent


def _assert_outside_package(path: Path) -> None:
    resolved = path.resolve()
    package = _package_dir()
    assert package != resolved and package not in resolved.parents


def test_default_dir_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from_env" / "nested"
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(target))
    assert default_history_dir() == target
    sm = SessionManager()
    assert sm.history_dir == target
    assert target.is_dir()
    sm.save_session("chat", CONVERSATION)
    assert (target / "chat_chat.toon").is_file()


def test_default_dir_from_env_expands_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", "~/agentry_sessions")
    assert SessionManager().history_dir == tmp_path / "home" / "agentry_sessions"


def test_default_dir_from_platformdirs_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTRY_HISTORY_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "agentry" / "session_history"
    assert default_history_dir() == expected
    sm = SessionManager()
    assert sm.history_dir == expected
    assert expected.is_dir()
    assert sm.history_dir.parts[-2:] == ("agentry", "session_history")
    _assert_outside_package(sm.history_dir)


def test_default_dir_from_platformdirs_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENTRY_HISTORY_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = default_history_dir()
    assert path.parts[-2:] == ("agentry", "session_history")
    assert str(path).startswith(str(tmp_path / "home"))
    _assert_outside_package(path)


def test_empty_env_var_falls_back_to_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_history_dir() == tmp_path / "xdg" / "agentry" / "session_history"


def test_default_dir_never_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTRY_HISTORY_DIR", raising=False)
    _assert_outside_package(default_history_dir())


def test_relative_custom_dir_is_created(tmp_path: Path) -> None:
    sm = SessionManager("my_custom_sessions/")
    assert (tmp_path / "my_custom_sessions").is_dir()
    sm.save_session("chat", CONVERSATION)
    assert (tmp_path / "my_custom_sessions" / "chat_chat.toon").is_file()
    [row] = sm.list_sessions()
    assert Path(row["path"]).resolve() == (tmp_path / "my_custom_sessions" / "chat_chat.toon")


def test_nested_custom_dir_is_created(tmp_path: Path) -> None:
    SessionManager(tmp_path / "a" / "b" / "c")
    assert (tmp_path / "a" / "b" / "c").is_dir()
    SessionManager(str(tmp_path / "a" / "b" / "c"))  # existing folder is fine


# -- delete / exists / rename ----------------------------------------------------------------------


def test_delete_returns_true_then_false(sm: SessionManager) -> None:
    sm.save_session("chat", CONVERSATION)
    assert sm.delete_session("chat") is True
    assert not sm.path_for("chat").exists()
    assert sm.delete_session("chat") is False
    assert sm.delete_session("never_existed") is False
    assert sm.load_session("chat") is None


def test_session_exists(sm: SessionManager) -> None:
    assert sm.session_exists("chat") is False
    sm.save_session("chat", [])
    assert sm.session_exists("chat") is True
    assert sm.session_exists("other") is False
    sm.delete_session("chat")
    assert sm.session_exists("chat") is False


def test_save_after_delete_starts_fresh(sm: SessionManager, clock: Clock) -> None:
    sm.save_session("chat", CONVERSATION, {"k": 1})
    sm.delete_session("chat")
    clock.time = at(500)
    sm.save_session("chat", CONVERSATION[:1])
    data = read_json(sm.path_for("chat"))
    assert data["created_at"] == "2025-11-22T20:38:20"
    assert data["metadata"] == {}


def test_rename_session(sm: SessionManager, clock: Clock) -> None:
    sm.save_session("old", CONVERSATION, {"k": 1})
    clock.time = at(30)
    sm.save_session("old", CONVERSATION)
    sm.list_sessions()  # the index now knows "old"
    sm.rename_session("old", "new")
    assert not sm.session_exists("old")
    assert sm.session_exists("new")
    assert sm.load_session("new") == CONVERSATION
    data = read_json(sm.path_for("new"))
    assert data["session_id"] == "new"
    assert data["created_at"] == "2025-11-22T20:30:00"
    assert data["metadata"] == {"k": 1}
    assert [s["id"] for s in sm.list_sessions()] == ["new"]
    assert sm.load_session("old") is None


def test_rename_onto_existing_session_refused(sm: SessionManager) -> None:
    sm.save_session("a", CONVERSATION[:1])
    sm.save_session("b", CONVERSATION)
    before = sm.path_for("b").read_bytes()
    with pytest.raises(FileExistsError):
        sm.rename_session("a", "b")
    assert sm.load_session("a") == CONVERSATION[:1]
    assert sm.path_for("b").read_bytes() == before


def test_rename_missing_session(sm: SessionManager) -> None:
    with pytest.raises(FileNotFoundError):
        sm.rename_session("missing", "new")
    assert not sm.session_exists("new")


def test_rename_to_invalid_id(sm: SessionManager) -> None:
    sm.save_session("a", CONVERSATION)
    with pytest.raises(ValueError):
        sm.rename_session("a", "../escape")
    assert sm.session_exists("a")


# -- legacy files ----------------------------------------------------------------------------------


def test_legacy_json_file_loads_and_is_rewritten(sm: SessionManager, clock: Clock) -> None:
    path = sm.path_for("legacy")
    legacy = {"session_id": "legacy", "created_at": "2025-01-02T03:04:05", "messages": CONVERSATION}
    path.write_text(json.dumps(legacy, indent=4))
    before = path.read_bytes()

    assert sm.load_session("legacy") == CONVERSATION
    session = sm.load("legacy")
    assert session is not None
    assert session.created_at == datetime(2025, 1, 2, 3, 4, 5)
    assert session.metadata == {}
    [row] = sm.list_sessions()
    assert row["message_count"] == 3 and row["created_at"] == "2025-01-02T03:04:05"
    assert path.read_bytes() == before  # reading never rewrites

    clock.time = at(0)
    sm.save_session("legacy", CONVERSATION + [{"role": "user", "content": "again"}])
    data = read_json(path)
    assert data["format"]
    assert data["created_at"] == "2025-01-02T03:04:05"
    assert data["last_activity"] == "2025-11-22T20:30:00"
    assert data["metadata"] == {}
    assert len(data["messages"]) == 4


def test_legacy_json_without_created_at_uses_file_time(sm: SessionManager) -> None:
    path = sm.path_for("legacy")
    path.write_text(json.dumps({"session_id": "legacy", "messages": CONVERSATION}))
    stamp = datetime(2024, 5, 6, 7, 8, 9).timestamp()
    os.utime(path, (stamp, stamp))
    session = sm.load("legacy")
    assert session is not None
    assert session.created_at == datetime(2024, 5, 6, 7, 8, 9)


def test_legacy_toon_file_loads_and_is_rewritten(sm: SessionManager, clock: Clock) -> None:
    legacy = {"session_id": "toon", "created_at": "2025-03-04T05:06:07", "messages": RICH}
    text = toon_format.encode(legacy)
    assert not text.lstrip().startswith("{")  # really TOON, not JSON
    path = sm.path_for("toon")
    path.write_text(text)
    before = path.read_bytes()

    assert sm.load_session("toon") == RICH
    session = sm.load("toon")
    assert session is not None
    assert session.created_at == datetime(2025, 3, 4, 5, 6, 7)
    [row] = sm.list_sessions()
    assert row["id"] == "toon" and row["message_count"] == len(RICH)
    assert path.read_bytes() == before

    sm.save_session("toon", sm.load_session("toon"), {"migrated": True})
    data = read_json(path)  # JSON now
    assert data["format"]
    assert data["created_at"] == "2025-03-04T05:06:07"
    assert data["metadata"] == {"migrated": True}
    assert data["messages"] == RICH
    assert sm.load_session("toon") == RICH


def test_legacy_toon_tabular_file(sm: SessionManager) -> None:
    # Uniform messages make toon_format use its tabular form.
    legacy = {"session_id": "tab", "created_at": "2025-03-04T05:06:07", "messages": CONVERSATION}
    text = toon_format.encode(legacy)
    assert "{role,content}" in text
    sm.path_for("tab").write_text(text)
    assert sm.load_session("tab") == CONVERSATION
    sm.save_session("tab", CONVERSATION)
    assert read_json(sm.path_for("tab"))["created_at"] == "2025-03-04T05:06:07"


def test_rename_legacy_file_writes_current_format(sm: SessionManager) -> None:
    legacy = {"session_id": "old", "created_at": "2025-01-02T03:04:05", "messages": CONVERSATION}
    sm.path_for("old").write_text(json.dumps(legacy))
    sm.rename_session("old", "new")
    data = read_json(sm.path_for("new"))
    assert data["format"] and data["session_id"] == "new"
    assert data["created_at"] == "2025-01-02T03:04:05"


def test_orphaned_temp_files_are_cleaned_when_listing(tmp_path) -> None:
    from agentry.sessions.storage import locked

    sm = SessionManager(tmp_path)
    sm.save_session("s", [{"role": "user", "content": "hi"}])
    orphan = tmp_path / ".s_chat.toon.abc123.tmp"
    orphan.write_text("{")
    assert [s["id"] for s in sm.list_sessions()] == ["s"]
    assert not orphan.exists()  # removed at once, not after an hour
    in_use = tmp_path / ".s_chat.toon.def456.tmp"
    with locked(tmp_path, "s"):  # as a live writer holds it while its temp exists
        in_use.write_text("{")
        assert [s["id"] for s in sm.list_sessions()] == ["s"]
        assert in_use.exists()
    sm.list_sessions()
    assert not in_use.exists()


def test_relative_folder_is_fixed_at_construction(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    sm = SessionManager("rel/")
    monkeypatch.chdir(tmp_path.parent)
    sm.save_session("s", [{"role": "user", "content": "hi"}])
    assert (tmp_path / "rel" / "s_chat.toon").is_file()
