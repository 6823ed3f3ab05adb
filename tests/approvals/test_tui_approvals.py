"""The TUI's approval dialog, one key or button each, and the permissions screen (Pilot)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import Button, OptionList

from agentry.config import settings_path
from agentry_tui.screens.approval import ApprovalScreen
from agentry_tui.screens.permissions import PermissionsScreen
from tests.approvals.tools import files_write
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, painted, ready, send, text_of, wait_until


def create(path: str) -> str:
    return f'#tool:create_file {{"path": "{path}", "content": "hello", "overwrite": true}}'


async def ask(pilot, text: str) -> ApprovalScreen:
    await send(pilot, text)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ApprovalScreen))
    await pilot.pause()
    return pilot.app.screen


async def answered(pilot, text: str) -> None:
    """Send ``text`` and wait for its turn to end without being asked."""
    await send(pilot, text)
    await idle(pilot, active(pilot.app))
    assert not isinstance(pilot.app.screen, ApprovalScreen)


def always_saved() -> dict[str, Any]:
    return json.loads(settings_path().read_bytes())["tool_approvals"]["always"]


async def test_y_allows_once(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot, create("a.txt"))
        await pilot.press("y")
        await idle(pilot, active(app))
        assert (workspace / "a.txt").read_text() == "hello"
        await ask(pilot, create("b.txt"))  # asked again
        await pilot.press("d")
        await idle(pilot, active(app))
    assert not (workspace / "b.txt").exists() and not settings_path().exists()


async def test_s_allows_for_this_session_only(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot, create("a.txt"))
        await pilot.press("s")
        await idle(pilot, active(app))
        await answered(pilot, create("b.txt"))
        assert (workspace / "b.txt").exists()
        await pilot.press("ctrl+n")  # a new session: asked there
        await wait_until(pilot, lambda: active(app).session.messages[1:] == [])
        await ask(pilot, create("c.txt"))
        await pilot.press("n")
        await idle(pilot, active(app))
    assert not (workspace / "c.txt").exists() and not settings_path().exists()


async def test_a_allows_always_and_says_what_that_means(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot, create("a.txt"))
        meaning = text_of(screen.query_one("#approval-always"))
        assert "create_file runs without asking, in every session, until revoked" in meaning
        await pilot.press("a")
        await idle(pilot, active(app))
        assert always_saved() == {"agentry": ["create_file"]}
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: active(app).session.messages[1:] == [])
        await answered(pilot, create("b.txt"))  # another session: not asked
    assert (workspace / "b.txt").exists()


async def test_always_for_the_shell_tool_is_said_plainly(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot, '#tool:execute_command {"command": "echo hi"}')
        always = screen.query_one("#approval-always")
        assert "ANY command the model writes runs without asking" in text_of(always)
        assert always.has_class("-execute")
        await pilot.press("escape")
        await idle(pilot, active(app))


async def test_edit_then_allow_for_the_session_runs_the_edited_arguments(
    app, workspace: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot, create("a.txt"))
        await pilot.press("e")
        screen.query_one("#arguments").text = '{"path": "edited.txt", "content": "mine"}'
        await pilot.pause()  # laid out again for the new text
        assert await pilot.click("#session")
        await idle(pilot, active(app))
        assert (workspace / "edited.txt").read_text() == "mine"
        await answered(pilot, create("a.txt"))  # allowed for the session: the model's own
    assert (workspace / "a.txt").read_text() == "hello"


async def test_enter_presses_the_focused_button(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await ask(pilot, create("a.txt"))
        assert screen.query_one("#approve", Button).has_focus  # Enter: allow once
        await pilot.press("tab", "tab", "tab", "tab")  # to Deny
        assert screen.query_one("#deny", Button).has_focus
        await pilot.press("enter")
        await idle(pilot, active(app))
        assert not (workspace / "a.txt").exists()
        await ask(pilot, create("a.txt"))
        await pilot.press("enter")
        await idle(pilot, active(app))
    assert (workspace / "a.txt").exists() and not settings_path().exists()


async def test_an_mcp_tool_shows_its_server_and_is_kept_under_it(app, workspace: Path) -> None:
    written: list[str] = []

    async def write(path: str) -> str:
        written.append(path)
        return f"wrote {path}"

    tool = files_write(write)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.store.agent.tools.register(tool)
        screen = await ask(pilot, '#tool:files__write {"path": "a"}')
        assert "write (MCP server files)" in text_of(screen.query_one(".dialog-title"))
        assert "Server files" in text_of(screen.query_one("#approval-permission"))
        await pilot.press("a")
        await idle(pilot, active(app))
        assert written == ["a"] and always_saved() == {"files": ["write"]}


async def test_the_dialog_fits_80x24_with_long_arguments(app, workspace: Path) -> None:
    content = "\\n".join(f"line {n}" for n in range(60))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = await ask(pilot, f'#tool:create_file {{"path": "a", "content": "{content}"}}')
        shown = "\n".join(painted(app))
        for label in ("Allow once (y)", "Session (s)", "Always (a)", "Edit (e)", "Deny (d)"):
            assert label in shown, label
        assert "Always: create_file runs without asking" in shown
        dialog = screen.query_one("#approval")
        for button in screen.query(Button):
            assert dialog.region.contains_region(button.region), button.id
        await pilot.press("d")
        await idle(pilot, active(app))


async def test_permissions_screen_lists_and_revokes(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await ask(pilot, create("a.txt"))
        await pilot.press("a")
        await idle(pilot, active(app))
        await ask(pilot, '#tool:execute_command {"command": "echo hi"}')
        await pilot.press("s")
        await idle(pilot, active(app))
        await send(pilot, "/permissions")
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionsScreen))
        await pilot.pause()
        rows = "\n".join(painted(app, app.screen.query_one(OptionList)))
        assert "Always" in rows and "agentry  create_file" in rows
        assert "This session  agentry  execute_command" in rows
        await pilot.press("r")  # the highlighted one: always create_file
        await wait_until(pilot, lambda: always_saved() == {})
        await wait_until(pilot, lambda: app.screen.query_one(OptionList).option_count == 1)
        await pilot.press("delete")  # the session's execute_command
        await wait_until(pilot, lambda: app.store.agent.approvals.session(active(app).id) == [])
        await pilot.pause()
        assert "Nothing is allowed without asking" in "\n".join(painted(app))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PermissionsScreen)
        await ask(pilot, create("b.txt"))  # asked again
        await pilot.press("d")
        await idle(pilot, active(app))


async def test_permissions_from_the_command_palette(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"/permissions")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionsScreen))
