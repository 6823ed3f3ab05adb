"""The TUI's MCP servers: started after the first frame from settings.json, visible in the
metadata panel and the servers screen (/mcp), switched off per session."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from agentry_tui.screens.mcp_servers import McpServersScreen
from agentry_tui.widgets.metadata import MetadataPanel
from tests.mcpui.conftest import ASKING, BROKEN, configure
from tests.tui.conftest import SIZE
from tests.tui.helpers import ready, send, text_of, wait_until


async def servers_settled(pilot, statuses: set[str]) -> None:
    app = pilot.app
    await wait_until(
        pilot,
        lambda: {s.status for s in app.store.mcp.states()} == statuses,
        timeout=30,
        state=lambda: app.store.mcp.states(),
    )


async def test_the_servers_screen_shows_a_failed_servers_reason_and_stderr_tail(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING, "broken": BROKEN})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready", "failed"})
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert "MCP           1 ready · 1 failed" in text_of(
            app.query_one(MetadataPanel).query_one("#metadata-body", Static)
        )
        await send(pilot, "/mcp")
        await wait_until(pilot, lambda: isinstance(app.screen, McpServersScreen))
        screen = app.screen
        rows = [str(o.prompt) for o in screen.query_one(OptionList).options]
        assert rows[0] == "● asking  ready · 2 tools · 2 prompts · 0 resources"
        assert rows[1].startswith("✗ broken  failed: ")
        await pilot.press("down")
        detail = text_of(screen.query_one("#mcp-detail", Static))
        assert "broken: failed (stdio)" in detail
        assert "Last lines on its stderr:\n  cannot start: no database" in detail
