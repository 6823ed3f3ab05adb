"""The TUI's MCP servers: started after the first frame from settings.json, visible in the
metadata panel and the servers screen (/mcp), switched off per session."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from agentry.context.estimate import tools_tokens
from agentry_tui.screens.mcp_servers import McpServersScreen
from agentry_tui.widgets.metadata import MetadataPanel
from tests.mcpui.conftest import ASKING, BROKEN, configure, servers_settled
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, send, text_of, wait_until


def offered(request) -> list[str]:
    return [tool["function"]["name"] for tool in request.body.get("tools", [])]


def metadata_text(app) -> str:
    return text_of(app.query_one(MetadataPanel).query_one("#metadata-body", Static))


async def test_servers_are_shown_with_a_failures_reason_and_switched_off_per_session(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING, "broken": BROKEN, "wrong": {"args": ["x"]}})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready", "failed"})
        # The context meter counts the ready server's tools, which go with every request.
        shown = active(app)
        specs = app.store.agent.offered(shown.session).specs()
        assert any(spec["name"].startswith("asking__") for spec in specs)
        await wait_until(
            pilot,
            lambda: shown.context.breakdown.tools == tools_tokens(specs),
            state=lambda: (shown.context.breakdown.tools, tools_tokens(specs)),
        )
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert "MCP           1 ready · 2 failed" in metadata_text(app)

        await send(pilot, "/mcp")
        await wait_until(pilot, lambda: isinstance(app.screen, McpServersScreen))
        screen = app.screen
        rows = [str(o.prompt) for o in screen.query_one(OptionList).options]
        assert rows == [
            "● asking  ready · 2 tools · 2 prompts · 0 resources",
            "✗ broken  failed: exited before it was ready",
            "✗ wrong   not valid in settings.json",
        ]
        # r restarts the highlighted server: a new process, ready again.
        await pilot.press("r")
        await wait_until(pilot, lambda: app.store.mcp.states()[0].status == "starting")
        await servers_settled(pilot, {"ready", "failed"})
        await pilot.press("down")
        assert text_of(screen.query_one("#mcp-detail", Static)) == (
            "broken: failed (stdio)\nexited before it was ready\n"
            "Last lines on its stderr:\n  cannot start: no database"
        )
        await pilot.press("down")
        assert text_of(screen.query_one("#mcp-detail", Static)) == (
            'mcpServers.wrong: needs "command" (a program to start) or "url" (an HTTP server).'
        )

        # Its tools are offered until it is switched off in this session (kept in its file).
        await pilot.press("escape")
        await send(pilot, "first")
        entry = active(app)
        await idle(pilot, entry)
        assert offered(ollama_server.requests[-1])[-2:] == [
            "asking__ask_model",
            "asking__book_table",
        ]
        await send(pilot, "/mcp")
        await wait_until(pilot, lambda: isinstance(app.screen, McpServersScreen))
        await pilot.press("o")
        assert str(app.screen.query_one(OptionList).options[0].prompt).endswith(
            "[off in this session]"
        )
        assert entry.session.metadata["mcp_off"] == ["asking"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: "2 failed · 1 off here" in metadata_text(app))
        await send(pilot, "second")
        await idle(pilot, entry)
        tools = offered(ollama_server.requests[-1])
        assert tools and not [name for name in tools if name.startswith("asking__")]


def test_the_tuis_name_for_the_switch_is_the_librarys() -> None:
    """The TUI names the metadata key without importing agentry.mcp at start-up."""
    from agentry.mcp import switches
    from agentry_tui.store.mcp_link import MCP_OFF

    assert MCP_OFF == switches.MCP_OFF


async def test_the_servers_start_once_the_person_stops_typing(make_app, ollama_server) -> None:
    """Importing the SDK holds the interpreter about a second: not while keys come."""
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(8):  # typing from the first frame on, past the model's connection
            await pilot.press("x")
            await pilot.pause(0.2)
            assert app.store.mcp.hub is None
        assert app.store.connection.state == "connected"
        await servers_settled(pilot, {"ready"})
