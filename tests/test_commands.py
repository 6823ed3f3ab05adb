"""The one command table both clients share: its entries, parsing, and the texts it answers with.
The clients' use of it is tested in tests/cli/ and tests/tui/test_commands.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from agentry import cli, commands
from agentry.commands import LINE, TUI, SessionLine, SlashCommand, UsageError
from agentry.errors import Refused
from agentry.sessions import ID_RULE
from agentry_tui.app import AgentryApp

# -- the table ------------------------------------------------------------------------------


def test_every_command_has_a_one_line_help_a_usage_and_a_client() -> None:
    for name, spec in commands.COMMANDS.items():
        assert spec.name == name and spec.usage.split()[0] == f"/{name}"
        assert spec.help and "\n" not in spec.help and len(spec.help) < 60, name
        assert spec.clients and spec.clients <= commands.BOTH, name


@pytest.mark.parametrize(
    ("client", "handlers"), [(LINE, cli.HANDLERS), (TUI, AgentryApp._HANDLERS)]
)
def test_each_client_has_a_handler_for_exactly_the_commands_it_offers(client, handlers) -> None:
    assert set(handlers) == {spec.name for spec in commands.offered(client)}


def test_binding_refuses_a_missing_or_unoffered_handler() -> None:
    handlers = dict(cli.HANDLERS)
    del handlers["status"]
    with pytest.raises(LookupError, match=r"missing \['status'\], not offered \[\]"):
        commands.bind(LINE, handlers)
    with pytest.raises(LookupError, match=r"missing \[\], not offered \['tools'\]"):
        commands.bind(TUI, {**AgentryApp._HANDLERS, "tools": cli.ChatClient.tools})


def test_the_line_client_offers_the_tuis_session_commands() -> None:
    # issue 16 item 15: /model, /system, /export, /rename and /delete in both, one usage each
    for name in ("model", "system", "export", "rename", "delete"):
        assert commands.COMMANDS[name].clients == commands.BOTH, name
    assert commands.parse("/model qwen3:0.6b", LINE).args == {"name": "qwen3:0.6b"}
    assert commands.parse("/system Be brief.", LINE).args == {"text": "Be brief."}


def test_the_spec_commands_are_in_both_clients() -> None:
    # /work/shared/spec/session-management.md lists these for the line client, as written here.
    spec_table = {
        "status": ("/status", "Show current session info"),
        "sessions": ("/sessions", "List all sessions"),
        "new": ("/new <id>", "Create new session"),
        "resume": ("/resume <id>", "Resume session"),
    }
    for name, (usage, summary) in spec_table.items():
        spec = commands.COMMANDS[name]
        assert (spec.usage, spec.help, spec.clients) == (usage, summary, commands.BOTH)
    assert commands.COMMANDS["clear"].help.startswith("Clear current session")


# -- parsing --------------------------------------------------------------------------------


def test_parse() -> None:
    assert commands.parse("/status", TUI) == SlashCommand("status")
    assert commands.parse("/new  research ", LINE).args == {"id": "research"}
    assert commands.parse("/new\tresearch", LINE).args == {"id": "research"}
    assert commands.parse("/NEW x", LINE).name == "new"
    assert commands.parse("/system Be brief.  Very.", TUI).args == {"text": "Be brief.  Very."}
    assert commands.parse("/system", TUI).args == {}
    assert commands.parse("/export md out.md", TUI).args == {"format": "md", "path": "out.md"}
    assert commands.parse("/export out.md", TUI).args == {"path": "out.md"}
    assert commands.parse("/export json", TUI).args == {"format": "json"}
    assert commands.parse("/MODEL qwen3:0.6b", TUI).args == {"name": "qwen3:0.6b"}


def test_quoted_arguments_keep_their_spaces_and_backslashes() -> None:
    assert commands.parse('/export md "my notes/chat one.md"', TUI).args == {
        "format": "md",
        "path": "my notes/chat one.md",
    }
    assert commands.parse(r"/export 'C:\Users\me\chat.json'", TUI).args == {
        "path": r"C:\Users\me\chat.json"
    }
    assert commands.parse("/export don't.md", TUI).args == {"path": "don't.md"}
    with pytest.raises(UsageError, match="a quote is not closed"):
        commands.parse('/export "my notes', TUI)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/new", "Usage: /new <id>"),
        ("/new a b", "Invalid session id 'a b': a session id is"),  # why, not only the usage
        ("/resume", "Usage: /resume <id>"),
        ("/status now", "Usage: /status"),
        ("/clear x", "Usage: /clear"),
        ("/new bad/id", "Invalid session id 'bad/id': a session id is"),
        ("/frobnicate", "Unknown command '/frobnicate'. Commands: /status, /sessions, /new <id>"),
        ("/", "Unknown command '/'."),
    ],
)
def test_usage_errors_are_the_same_in_both_clients(line: str, expected: str) -> None:
    messages = []
    for client in (LINE, TUI):
        with pytest.raises(UsageError) as caught:
            commands.parse(line, client)
        messages.append(str(caught.value))
    assert all(message.startswith(expected) for message in messages)
    if not expected.startswith("Unknown"):  # the list after it is each client's own
        assert messages[0] == messages[1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/rename", "Usage: /rename <id>"),
        ("/rename my project", f"Invalid session id 'my project': {ID_RULE}."),
        ("/export pdf out.pdf", "Usage: /export [md|json] [path] — the format is md or json."),
        ("/export md a b", "Usage: /export [md|json] [path]"),
    ],
)
@pytest.mark.parametrize("client", [LINE, TUI])
def test_usage_errors_of_the_commands_both_clients_now_offer(
    line: str, expected: str, client
) -> None:
    with pytest.raises(UsageError) as caught:
        commands.parse(line, client)
    assert str(caught.value) == expected


def test_a_usage_error_is_a_refusal() -> None:
    assert issubclass(UsageError, Refused)


def test_a_command_of_the_other_client_is_unknown_and_the_list_is_the_clients_own() -> None:
    with pytest.raises(UsageError, match=r"^Unknown command '/frob'\. Commands: .*/tools.*/exit$"):
        commands.parse("/frob", LINE)
    with pytest.raises(UsageError, match=r"^Unknown command '/tools'\. .*/export \[md"):
        commands.parse("/tools", TUI)


def test_escape_and_detection() -> None:
    assert commands.is_command("/help")
    assert not commands.is_command("//etc/hosts is odd")
    assert not commands.is_command("hello /help")
    assert commands.unescape("//etc/hosts") == "/etc/hosts"
    assert commands.unescape("/x") == "/x"


# -- answers --------------------------------------------------------------------------------


def test_status_text_is_the_spec_block() -> None:
    expected = (
        "Current Session Status:\n"
        "   Session ID: coding_task\n"
        "   Messages: 3\n"
        "   Created: 2025-11-22 20:30:15\n"
        "   Last Activity: 2025-11-22 20:35:42\n"
        "   Saved: Yes"
    )
    assert (
        commands.status_text(
            "coding_task",
            3,
            datetime(2025, 11, 22, 20, 30, 15),
            datetime(2025, 11, 22, 20, 35, 42),
            True,
        )
        == expected
    )
    assert (
        commands.status_text("coding_task", 3, "2025-11-22T20:30:15", "2025-11-22T20:35:42", True)
        == expected
    )


def test_spec_answers() -> None:
    assert commands.created_text("coding_task") == "Created new session: 'coding_task'"
    assert commands.resumed_text("coding_task", 3) == "Resumed session: 'coding_task' (3 messages)"
    assert commands.resumed_text("one", 1) == "Resumed session: 'one' (1 message)"
    assert commands.cleared_text("c") == "Cleared session: 'c' (the system message is kept)"
    assert commands.missing_text("x") == "No saved session 'x'. Start it with /new x."


def test_sessions_text() -> None:
    text = commands.sessions_text(
        [
            SessionLine("a", 3, datetime(2025, 11, 22, 20, 55), "Hi"),
            SessionLine(
                "bb", None, None, problem="Session file bb_chat.toon is corrupt: not JSON."
            ),
            SessionLine("c", None, None),
            SessionLine("d", 1, "2025-11-22T20:59:50"),
        ],
        "a",
    )
    assert text.splitlines() == [
        "Sessions (* is the current one):",
        " * a   3 messages   2025-11-22 20:55:00  Hi",
        "   bb  unreadable: Session file bb_chat.toon is corrupt: not JSON.",
        "   c   not read yet",
        "   d   1 message    2025-11-22 20:59:50",
    ]
    assert commands.sessions_text([], None) == "No sessions yet. /new <id> creates one."


@pytest.mark.parametrize("client", [LINE, TUI])
def test_help_lists_the_clients_commands_then_its_keys(client) -> None:
    text = commands.help_text(client, [("ctrl+x", "Do it")])
    lines = text.splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  /")]
    assert listed == [f"/{spec.name}" for spec in commands.offered(client)]
    assert lines[0] == "Commands:" and lines[-2:] == ["Keys:", "  ctrl+x  Do it"]
    assert commands.ESCAPE_HELP in lines
