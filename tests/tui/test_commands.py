"""Slash commands: parsing (pure) and what each one does in the app."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from agentry.sessions import SessionManager
from agentry_tui import commands
from agentry_tui.commands import SessionLine, UsageError
from agentry_tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

# -- parsing ------------------------------------------------------------------------------


def test_parse() -> None:
    assert commands.parse("/status") == commands.SlashCommand("status")
    assert commands.parse("/new  research ").args == ("research",)
    assert commands.parse("/system Be brief.  Very.").rest == "Be brief.  Very."
    assert commands.parse("/export md out.md").args == ("md", "out.md")
    assert commands.parse("/MODEL qwen3:0.6b").args == ("qwen3:0.6b",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/new", "Usage: /new <id>"),
        ("/new a b", "Usage: /new <id>"),
        ("/resume", "Usage: /resume <id>"),
        ("/rename", "Usage: /rename <id>"),
        ("/status now", "Usage: /status"),
        ("/export pdf out.pdf", "md or json"),
        ("/frobnicate", "Unknown command '/frobnicate'"),
    ],
)
def test_usage_errors(line: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected.replace("(", r"\(").replace("[", r"\[")):
        commands.parse(line)


def test_escape_and_detection() -> None:
    assert commands.is_command("/help")
    assert not commands.is_command("//etc/hosts is odd")
    assert commands.unescape("//etc/hosts") == "/etc/hosts"


def test_status_text_is_the_spec_block() -> None:
    text = commands.status_text(
        "coding_task", 3, datetime(2025, 11, 22, 20, 30, 15), datetime(2025, 11, 22, 20, 35, 42),
        True,
    )
    assert text == (
        "Current Session Status:\n"
        "   Session ID: coding_task\n"
        "   Messages: 3\n"
        "   Created: 2025-11-22 20:30:15\n"
        "   Last Activity: 2025-11-22 20:35:42\n"
        "   Saved: Yes"
    )


def test_spec_answers() -> None:
    assert commands.created_text("coding_task") == "Created new session: 'coding_task'"
    assert commands.resumed_text("coding_task", 3) == "Resumed session: 'coding_task' (3 messages)"


def test_sessions_text() -> None:
    now = datetime(2025, 11, 22, 21, 0)
    text = commands.sessions_text(
        [SessionLine("a", 3, datetime(2025, 11, 22, 20, 55), "Hi"), SessionLine("b", None, None)],
        "a",
        now,
    )
    assert "* a — 3 messages, 5m ago — Hi" in text and "  b — corrupt file" in text


# -- in the app ---------------------------------------------------------------------------


async def command(pilot, line: str) -> None:
    await send(pilot, line)
    await pilot.pause(0.2)


async def test_status_command(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        await idle(pilot, active(app))
        await command(pilot, "/status")
        text = notices(app)[-1]
        assert text.startswith("Current Session Status:\n   Session ID: default\n   Messages: 3\n")
        assert "   Saved: Yes" in text


async def test_new_resume_sessions(app, history: Path) -> None:
    seed(history, "coding_task", [SYSTEM, user("factorial", 10), assistant("def f", 9)], 20, 9)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/new research")
        assert active(app).id == "research"
        assert notices(app)[-1] == "Created new session: 'research'"
        await wait_until(pilot, lambda: SessionManager(history).session_exists("research"))
        await command(pilot, "/resume coding_task")
        assert active(app).id == "coding_task"
        assert notices(app)[-1] == "Resumed session: 'coding_task' (3 messages)"
        await command(pilot, "/sessions")
        listing = notices(app)[-1]
        assert "* coding_task — 3 messages" in listing and "research — 1 messages" in listing
        await command(pilot, "/new research")
        assert "already exists" in notices(app)[-1]
        await command(pilot, "/resume nowhere")
        assert "No session named 'nowhere'" in notices(app)[-1]
        await command(pilot, "/new bad/id")
        assert "Invalid session id" in notices(app)[-1]


async def test_clear_command(app, history: Path) -> None:
    seed(history, "s", [SYSTEM, user("q", 10), assistant("a", 9)], 20, 9)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/clear")
        assert [m["role"] for m in active(app).session.messages] == ["system"]
        assert "Cleared session 's'" in notices(app)[-1]
        await idle(pilot, active(app))
    assert [m["role"] for m in SessionManager(history).load("s").messages] == ["system"]


async def test_help_command_lists_commands_and_keys(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/help")
        text = notices(app)[-1]
        for expected in ("/status", "/resume <id>", "/export [md|json] [path]", "ctrl+n",
                         "escape", "ctrl+j", "alt+1"):
            assert expected in text


async def test_model_command(app, ollama_server) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model")
        await wait_until(pilot, lambda: "Available" in notices(app)[-1])
        assert "* llama3.2:latest" in notices(app)[-1] and "qwen3:0.6b" in notices(app)[-1]
        await command(pilot, "/model qwen3:0.6b")
        await wait_until(pilot, lambda: "Model set to 'qwen3:0.6b'" in notices(app)[-1])
        assert "qwen3:0.6b" in str(app.query_one("#status-line").render())
        await send(pilot, "which model?")
        await idle(pilot, active(app))
        assert ollama_server.requests[-1].body["model"] == "qwen3:0.6b"
        await command(pilot, "/model gpt-9")
        await wait_until(pilot, lambda: "no model 'gpt-9'" in notices(app)[-1])


async def test_system_command(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/system You answer in French.")
        entry = active(app)
        assert entry.session.messages[0] == {"role": "system", "content": "You answer in French."}
        await command(pilot, "/system")
        assert "You answer in French." in notices(app)[-1]
        await idle(pilot, entry)
    assert SessionManager(history).load("default").messages[0]["content"] == "You answer in French."


async def test_rename_command(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "remember me")
        await idle(pilot, active(app))
        await command(pilot, "/rename kept")
        await wait_until(pilot, lambda: active(app).id == "kept")
        await idle(pilot, active(app))
    manager = SessionManager(history)
    assert not manager.session_exists("default")
    assert manager.load("kept").messages[1]["content"] == "remember me"


async def test_delete_command_asks_first(app, history: Path) -> None:
    seed(history, "keep", [SYSTEM], 30, 30)
    seed(history, "doomed", [SYSTEM, user("x", 1)], 5, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "doomed"
        await command(pilot, "/delete")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert SessionManager(history).session_exists("doomed")
        await command(pilot, "/delete")
        await pilot.press("y")
        await wait_until(pilot, lambda: active(app).id == "keep")
    assert not SessionManager(history).session_exists("doomed")


async def test_export_command(app, workspace: Path, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "export me")
        await idle(pilot, active(app))
        await command(pilot, "/export")
        await wait_until(pilot, lambda: "Exported to" in notices(app)[-1])
        markdown = (workspace / "default.md").read_text()
        assert "## You" in markdown and "export me" in markdown and "Echo: export me" in markdown
        data = json.loads((workspace / "default.json").read_text())
        assert data["session_id"] == "default" and len(data["messages"]) == 3
        target = tmp_path / "out" / "chat.json"
        await command(pilot, f"/export json {target}")
        await wait_until(pilot, lambda: target.exists())
        assert json.loads(target.read_text())["messages"][1]["content"] == "export me"


async def test_wrong_commands_show_usage(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/new")
        assert notices(app)[-1].startswith("Usage: /new <id>")
        await command(pilot, "/nonsense")
        assert "Unknown command '/nonsense'" in notices(app)[-1]
        await command(pilot, "//not a command")
        await idle(pilot, active(app))
        assert active(app).session.messages[1]["content"] == "/not a command"
