"""Slash commands: what each one does in the app (the table, parsing: tests/test_commands.py)."""

from __future__ import annotations

import json
from pathlib import Path

from agentry.commands import TUI, offered
from agentry.sessions import SessionManager
from agentry_tui.screens.confirm import ConfirmScreen
from agentry_tui.screens.models import ModelPicker
from agentry_tui.widgets.prompt import Prompt
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

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
        # Listed, but written with its first message (issue 16).
        assert not SessionManager(history).session_exists("research")
        await command(pilot, "/resume coding_task")
        assert active(app).id == "coding_task"
        assert notices(app)[-1] == "Resumed session: 'coding_task' (3 messages)"
        await command(pilot, "/sessions")
        listing = notices(app)[-1].splitlines()[1:]
        rows = {line[3:].split()[0]: line for line in listing}
        assert rows["coding_task"].startswith(" * ") and "3 messages" in rows["coding_task"]
        assert "1 message " in rows["research"]
        await command(pilot, "/new research")
        assert "already exists" in notices(app)[-1]
        await command(pilot, "/resume nowhere")
        assert "No saved session 'nowhere'" in notices(app)[-1]
        await command(pilot, "/new bad/id")
        assert "Invalid session id" in notices(app)[-1]


async def test_clear_command(app, history: Path) -> None:
    seed(history, "s", [SYSTEM, user("q", 10), assistant("a", 9)], 20, 9)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/clear")
        assert isinstance(app.screen, ConfirmScreen)  # asks first, as ctrl+l does (issue 16)
        await pilot.press("y")
        await pilot.pause()
        assert [m["role"] for m in active(app).session.messages] == ["system"]
        assert "Cleared session: 's'" in notices(app)[-1]
        await idle(pilot, active(app))
    assert [m["role"] for m in SessionManager(history).load("s").messages] == ["system"]


async def test_help_command_lists_commands_and_keys(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/help")
        text = notices(app)[-1]
        for expected in (
            "/status",
            "/resume <id>",
            "/export [md|json] [path]",
            "ctrl+n",
            "escape",
            "ctrl+j",
            "alt+1",
        ):
            assert expected in text


async def test_model_command(app, ollama_server) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model")  # the picker: tests/tui/test_models.py
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        await pilot.press("escape")
        await command(pilot, "/model qwen3:0.6b")
        await wait_until(
            pilot, lambda: "Model for this session set to 'qwen3:0.6b'" in notices(app)[-1]
        )
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
        target.parent.mkdir()  # an export makes no folder (issue 16 item 4)
        await command(pilot, f"/export json {target}")
        await wait_until(pilot, lambda: target.exists())
        assert json.loads(target.read_text())["messages"][1]["content"] == "export me"
        spaced = tmp_path / "my notes" / "chat one.md"
        spaced.parent.mkdir()
        await command(pilot, f'/export md "{spaced}"')
        await wait_until(pilot, lambda: spaced.exists())


async def test_export_refuses_unknown_formats_missing_folders_and_taken_files(
    app, workspace: Path, tmp_path: Path
) -> None:
    # issue 16 item 4: '/export pdf' made a folder ./pdf, a missing folder was created
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/export pdf")
        await wait_until(pilot, lambda: "Unknown export format 'pdf'" in notices(app)[-1])
        missing = tmp_path / "nonexistent" / "dir" / "x.md"
        await command(pilot, f"/export md {missing}")
        await wait_until(pilot, lambda: "does not exist" in notices(app)[-1])
        taken = tmp_path / "notes.md"
        taken.write_text("mine")
        await command(pilot, f"/export md {taken}")
        await wait_until(pilot, lambda: "already exists" in notices(app)[-1])
        await command(pilot, "/export md")
        await command(pilot, "/export md")
        await wait_until(pilot, lambda: (workspace / "default-2.md").exists())
    assert not (workspace / "pdf").exists() and not (tmp_path / "nonexistent").exists()
    assert taken.read_text() == "mine"


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


async def test_palette_offers_every_command(app) -> None:
    from agentry_tui.palette import AgentryCommands

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"/status")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: notices(app)[-1].startswith("Current Session Status:"))
        hits = {hit.display: hit async for hit in AgentryCommands(app.screen).discover()}
        assert {spec.usage for spec in offered(TUI)} <= set(hits)
        prompt = app.query_one(Prompt)
        hits["/new <id>"].command()  # it needs an id: typed into the message box to finish
        assert prompt.text == "/new " and prompt.has_focus
        hits["/resume <id>"].command()  # the box holds a draft now: it is kept
        await pilot.pause()
        assert prompt.text == "/new "
        assert notices(app)[-1].startswith("Type /resume <id> in the message box")
