"""Tool calls: shown as collapsible entries; approvals asked in a modal."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from agentry_tui.screens.approval import ApprovalScreen
from agentry_tui.widgets.messages import ToolCallView
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, replies, send, text_of, wait_until

CREATE = '#tool:create_file {"path": "note.txt", "content": "hello"}'


async def ask(pilot) -> ApprovalScreen:
    await send(pilot, CREATE)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ApprovalScreen))
    await pilot.pause()
    return pilot.app.screen


async def test_approve(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot)
        assert "create_file" in text_of(screen.query_one(".dialog-title"))
        assert '"path": "note.txt"' in screen.query_one("#arguments", TextArea).text
        assert "write" in text_of(screen.query_one("#approval-permission"))
        await pilot.press("y")
        entry = active(app)
        await idle(pilot, entry)
        await pilot.pause()
        assert (workspace / "note.txt").read_text() == "hello"
        view = app.query_one(ToolCallView)
        assert "create_file" in str(view.title) and "✓" in str(view.title)
        view.collapsed = False
        await pilot.pause()
        assert "Created note.txt" in text_of(view.query_one(".tool-result"))
        assert replies(app)[-1].startswith("Tool said: Created note.txt")


async def test_deny(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot)
        await pilot.press("d")
        entry = active(app)
        await idle(pilot, entry)
        await pilot.pause()
        assert not (workspace / "note.txt").exists()
        assert "declined" in entry.session.messages[-2]["content"]
        assert "✗" in str(app.query_one(ToolCallView).title)


async def test_edit_arguments(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot)
        await pilot.press("e")
        area = screen.query_one("#arguments", TextArea)
        assert not area.read_only and area.has_focus
        area.text = '{"path": "note.txt", "content": '  # broken JSON stays with an error
        screen.action_approve()
        await pilot.pause()
        assert app.screen is screen
        assert "not valid JSON" in text_of(screen.query_one("#approval-error"))
        area.text = '["not", "an", "object"]'
        screen.action_approve()
        await pilot.pause()
        assert "JSON object" in text_of(screen.query_one("#approval-error"))
        area.text = '{"path": "edited.txt", "content": "changed"}'
        await pilot.click("#approve")
        await idle(pilot, active(app))
        assert (workspace / "edited.txt").read_text() == "changed"
        assert not (workspace / "note.txt").exists()


async def test_escape_denies(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot)
        await pilot.press("escape")
        await idle(pilot, active(app))
        assert not (workspace / "note.txt").exists()


async def test_read_only_tools_need_no_approval(app, workspace: Path) -> None:
    (workspace / "a.txt").write_text("x")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#tool:list_files {}")
        await idle(pilot, active(app))
        await pilot.pause()
        assert "a.txt" in active(app).session.messages[-2]["content"]


async def test_stopping_while_asked_closes_the_question(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot)
        app.action_stop()  # e.g. from the command palette
        await idle(pilot, active(app))
        await pilot.pause()
        assert not isinstance(app.screen, ApprovalScreen)
        assert not (workspace / "note.txt").exists()
