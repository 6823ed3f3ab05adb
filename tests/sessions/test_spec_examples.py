"""The code blocks of spec/session-management.md that need only SessionManager / AgentSession.

Each block is copied verbatim (same statements, same order) inside a test, after a short setup
that creates what the block needs (``sm``, ``session``, ``session_id``, files to read). The blocks
that need an ``Agent`` ("Creating and Using Sessions", "Session Persistence", "Programmatic
Access", "Auto-Save Pattern", "Session Isolation", "Limit Session Size", "Session Not Found",
"Large Session Files") are covered by the Agent tests, not here.

Every test runs in a temporary folder (cwd) with ``AGENTRY_HISTORY_DIR`` pointing inside it, so
nothing touches the real home folder.
"""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import agentry.sessions.manager as manager_mod
import agentry.sessions.session as session_mod
from agentry import AgentSession, SessionCorruptError, SessionManager
from agentry.sessions import is_valid_session_id


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    history = tmp_path / "history"
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(history))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # belt and braces
    monkeypatch.chdir(tmp_path)
    return history


class Clock:
    """A stand-in for ``now()``: returns ``self.time`` until it is moved."""

    def __init__(self, time: datetime) -> None:
        self.time = time

    def __call__(self) -> datetime:
        return self.time


def at(seconds: int) -> datetime:
    return datetime(2025, 11, 22, 20, 30, 0) + timedelta(seconds=seconds)


CONVERSATION = [
    {"role": "system", "content": "You are a helpful AI assistant..."},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "Hi! How can I help?"},
]


# -- Session Files -------------------------------------------------------------------------------


def test_location_file_names(isolated: Path) -> None:
    # "Location": one <id>_chat.toon file per session in the history folder.
    sm = SessionManager()
    for session_id in ("default", "my_project", "coding_task"):
        sm.save_session(session_id, CONVERSATION)
    names = sorted(p.name for p in isolated.iterdir() if p.is_file() and not p.name.startswith("."))
    assert names == ["coding_task_chat.toon", "default_chat.toon", "my_project_chat.toon"]


SPEC_FILE_FORMAT_EXAMPLE = """\
{
    "session_id": "my_project",
    "created_at": "2025-11-22T20:30:15",
    "messages": [
        {
            "role": "system",
            "content": "You are a helpful AI assistant..."
        },
        {
            "role": "user",
            "content": "Hello"
        },
        {
            "role": "assistant",
            "content": "Hi! How can I help?"
        }
    ]
}
"""


def test_file_format_example_loads_as_legacy_file(isolated: Path) -> None:
    # "File Format": the exact JSON of the spec, as a file of the original Agentry would hold it.
    isolated.mkdir(parents=True)
    path = isolated / "my_project_chat.toon"
    path.write_text(SPEC_FILE_FORMAT_EXAMPLE)
    before = path.read_bytes()

    sm = SessionManager()
    assert sm.session_exists("my_project")
    assert sm.load_session("my_project") == CONVERSATION
    session = sm.load("my_project")
    assert session is not None
    assert session.created_at == datetime(2025, 11, 22, 20, 30, 15)
    [row] = sm.list_sessions()
    assert row["id"] == "my_project"
    assert row["created_at"] == "2025-11-22T20:30:15"
    assert row["message_count"] == 3
    assert row["title"] == "Hello"
    assert path.read_bytes() == before  # loading and listing never rewrite a file

    # Saving rewrites it in the current format, keeping created_at.
    sm.save_session("my_project", CONVERSATION + [{"role": "user", "content": "More"}])
    data = json.loads(path.read_text())
    assert "format" in data
    assert data["created_at"] == "2025-11-22T20:30:15"
    assert len(data["messages"]) == 4


# -- Multi-Session Management: Session Metadata ---------------------------------------------------


def test_session_metadata_printing_loop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock(at(0))
    monkeypatch.setattr(manager_mod, "now", clock)
    sm = SessionManager()
    sm.save_session("project_a", CONVERSATION[:1])
    clock.time = at(10)
    sm.save_session("project_b", CONVERSATION)
    clock.time = at(20)
    sm.save_session("research", CONVERSATION[:2])
    clock.time = at(30)
    sm.save_session("project_a", CONVERSATION[:2])  # project_a: created at 0, last active at 30

    # --- spec block "Session Metadata", verbatim ---
    sessions = sm.list_sessions()

    for s in sessions:
        print(f"ID: {s['id']}")
        print(f"Created: {s['created_at']}")
        print(f"Messages: {s['message_count']}")
        print()
    # --- end of block ---

    assert capsys.readouterr().out.splitlines() == [
        "ID: project_a",
        "Created: 2025-11-22T20:30:00",
        "Messages: 2",
        "",
        "ID: research",
        "Created: 2025-11-22T20:30:20",
        "Messages: 2",
        "",
        "ID: project_b",
        "Created: 2025-11-22T20:30:10",
        "Messages: 3",
        "",
    ]


# -- Advanced Features ---------------------------------------------------------------------------


def test_custom_session_directory(tmp_path: Path) -> None:
    # --- spec block "Custom Session Directory", verbatim ---
    sm = SessionManager("my_custom_sessions/")
    # --- end of block ---

    folder = tmp_path / "my_custom_sessions"
    assert folder.is_dir()  # created, relative to the current directory
    sm.save_session("my_project", CONVERSATION)
    assert (folder / "my_project_chat.toon").is_file()
    assert sm.load_session("my_project") == CONVERSATION
    assert not (tmp_path / "history").exists()  # the default folder was not used


def test_session_cleanup_deletes_only_empty_sessions() -> None:
    sm = SessionManager()
    sm.save_session("empty_one", [])
    sm.save_session("empty_two", [])
    sm.save_session("only_system", CONVERSATION[:1])
    sm.save_session("full", CONVERSATION)

    # --- spec block "Session Cleanup", verbatim ---
    sessions = sm.list_sessions()
    for s in sessions:
        if s["message_count"] == 0:
            sm.delete_session(s["id"])
    # --- end of block ---

    assert not sm.session_exists("empty_one")
    assert not sm.session_exists("empty_two")
    assert sm.session_exists("only_system")  # a system message counts as a message
    assert sm.session_exists("full")
    assert sorted(s["id"] for s in sm.list_sessions()) == ["full", "only_system"]


def test_session_export(tmp_path: Path) -> None:
    sm = SessionManager()
    sm.save_session("my_project", CONVERSATION)

    # --- spec block "Session Export", verbatim ---
    import json

    messages = sm.load_session("my_project")
    with open("export.json", "w") as f:
        json.dump(messages, f, indent=2)
    # --- end of block ---

    assert json.loads((tmp_path / "export.json").read_text()) == CONVERSATION


IMPORTED = [
    {"role": "user", "content": "What is 2+2?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "calculator", "arguments": '{"expr": "2+2"}'},
            }
        ],
    },
    {"role": "tool", "content": "4", "tool_call_id": "call_1", "name": "calculator"},
    {"role": "assistant", "content": "4"},
]


def _write_import_file(folder: Path) -> None:
    (folder / "import.json").write_text(json.dumps(IMPORTED, indent=2))


def test_session_import(tmp_path: Path) -> None:
    _write_import_file(tmp_path)
    sm = SessionManager()

    # --- spec block "Session Import", verbatim ---
    import json

    with open("import.json") as f:
        messages = json.load(f)

    sm.save_session("imported_session", messages)
    # --- end of block ---

    assert sm.load_session("imported_session") == IMPORTED
    [row] = sm.list_sessions()
    assert row["id"] == "imported_session"
    assert row["message_count"] == 4
    assert row["title"] == "What is 2+2?"


# -- Best Practices ------------------------------------------------------------------------------


def test_descriptive_session_ids_are_valid() -> None:
    # --- spec block "1. Use Descriptive Session IDs", verbatim, each value kept ---
    ids = []
    # Good - descriptive and unique
    session_id = "customer_support_2025_11_22"
    ids.append(session_id)
    session_id = "code_review_auth_module"
    ids.append(session_id)

    # Avoid - not meaningful
    session_id = "session1"
    ids.append(session_id)
    session_id = "temp"
    ids.append(session_id)
    # --- end of block ---

    sm = SessionManager()
    for session_id in ids:
        assert is_valid_session_id(session_id)
        sm.save_session(session_id, CONVERSATION)
        assert sm.load_session(session_id) == CONVERSATION


def _age_session(sm: SessionManager, session_id: str, days: int) -> None:
    """Make a session ``days`` old by editing its file, as another program might."""
    path = sm.path_for(session_id)
    data = json.loads(path.read_text())
    created = (datetime.now() - timedelta(days=days)).replace(microsecond=0)
    data["created_at"] = created.isoformat()
    path.write_text(json.dumps(data))


def test_regular_cleanup_deletes_sessions_older_than_30_days() -> None:
    sm = SessionManager()
    sm.save_session("old_project", CONVERSATION)
    sm.save_session("fresh_project", CONVERSATION)
    sm.list_sessions()  # the listing index now holds old_project with today's created_at
    _age_session(sm, "old_project", days=40)
    old_path = sm.path_for("old_project")

    # --- spec block "2. Regular Cleanup", verbatim ---
    from datetime import datetime, timedelta

    sessions = sm.list_sessions()
    cutoff = datetime.now() - timedelta(days=30)

    for s in sessions:
        created = datetime.fromisoformat(s["created_at"])
        if created < cutoff:
            sm.delete_session(s["id"])
    # --- end of block ---

    assert not sm.session_exists("old_project")
    assert not old_path.exists()
    assert sm.session_exists("fresh_project")
    assert [s["id"] for s in sm.list_sessions()] == ["fresh_project"]


# -- Troubleshooting: Corrupted Session File ------------------------------------------------------


def test_corrupted_session_file_block(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sm = SessionManager()
    session_id = "broken_session"
    path = sm.path_for(session_id)
    path.write_text('{"session_id": "broken_session", "messages": [{"role": "user", "cont')

    # --- spec block "Corrupted Session File", verbatim except the last line,
    #     `agent.get_session(session_id)`, which needs an Agent and was dropped ---
    try:
        messages = sm.load_session(session_id)
    except Exception as e:
        print(f"Error loading session: {e}")
        # Delete and recreate
        sm.delete_session(session_id)
    # --- end of block ---

    out = capsys.readouterr().out
    assert out.startswith("Error loading session: ")
    assert str(path) in out  # the message names the file
    assert "corrupt" in out
    assert not path.exists()  # deleted by the block, so the session can be recreated
    assert sm.load_session(session_id) is None

    # The same block with a healthy file takes the happy path.
    sm.save_session(session_id, CONVERSATION)
    messages = None
    try:
        messages = sm.load_session(session_id)
    except Exception as e:
        print(f"Error loading session: {e}")
        sm.delete_session(session_id)
    assert messages == CONVERSATION
    assert capsys.readouterr().out == ""


def test_corrupt_error_is_a_value_error() -> None:
    assert issubclass(SessionCorruptError, ValueError)


# -- Session Object Reference --------------------------------------------------------------------


def test_agent_session_attributes() -> None:
    session = AgentSession("my_project")
    assert isinstance(session.session_id, str) and session.session_id == "my_project"
    assert session.messages == [] and isinstance(session.messages, list)
    assert isinstance(session.created_at, datetime)
    assert isinstance(session.last_activity, datetime)
    assert session.metadata == {} and isinstance(session.metadata, dict)
    # Defaults are not shared between sessions.
    other = AgentSession("other")
    other.messages.append({"role": "user", "content": "x"})
    other.metadata["k"] = 1
    assert session.messages == [] and session.metadata == {}


def test_add_message_block(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(at(0))
    monkeypatch.setattr(session_mod, "now", clock)
    session = AgentSession("my_project", created_at=at(0), last_activity=at(0))
    clock.time = at(42)

    # --- spec block "add_message(message)", verbatim ---
    session.add_message({"role": "user", "content": "Hello"})
    # --- end of block ---

    assert session.messages == [{"role": "user", "content": "Hello"}]
    assert session.last_activity == at(42)
    assert session.created_at == at(0)


def test_clear_history_block(monkeypatch: pytest.MonkeyPatch) -> None:
    session = AgentSession("my_project", messages=[dict(m) for m in CONVERSATION])
    monkeypatch.setattr(session_mod, "now", Clock(at(99)))  # clear_history is activity too

    # --- spec block "clear_history(keep_system=True)", verbatim ---
    session.clear_history(keep_system=True)
    # --- end of block ---

    assert session.messages == CONVERSATION[:1]
    assert session.last_activity == at(99)

    session.clear_history(keep_system=False)
    assert session.messages == []


def test_clear_history_keeps_system_by_default() -> None:
    session = AgentSession("s", messages=[dict(m) for m in CONVERSATION])
    session.clear_history()
    assert session.messages == CONVERSATION[:1]


# -- SessionManager Reference --------------------------------------------------------------------


def test_constructor_signature(tmp_path: Path, isolated: Path) -> None:
    # "Constructor": SessionManager(history_dir: str = None)
    param = inspect.signature(SessionManager).parameters["history_dir"]
    assert param.default is None
    assert SessionManager().history_dir == isolated
    assert SessionManager(None).history_dir == isolated
    assert SessionManager(history_dir=str(tmp_path / "x")).history_dir == tmp_path / "x"


def test_method_table_return_types() -> None:
    sm = SessionManager()
    assert sm.save_session("my_project", CONVERSATION) is None
    loaded = sm.load_session("my_project")
    assert isinstance(loaded, list) and all(isinstance(m, dict) for m in loaded)
    assert sm.load_session("missing") is None
    listed = sm.list_sessions()
    assert isinstance(listed, list) and all(isinstance(s, dict) for s in listed)
    assert sm.session_exists("my_project") is True
    assert sm.session_exists("missing") is False
    assert sm.delete_session("my_project") is True
    assert sm.delete_session("my_project") is False
