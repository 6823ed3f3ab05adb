"""An MCP server's prompt as a command in the TUI: /server:prompt args, Tab completion, the
palette; its messages go into the session and the model answers them."""

from __future__ import annotations

from agentry_tui.palette import AgentryCommands
from agentry_tui.widgets.prompt import Prompt
from tests.mcpui.conftest import ASKING, configure
from tests.mcpui.test_tui_servers import servers_settled
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, wait_until


async def test_a_prompt_used_as_a_command_is_answered_by_the_model(make_app, ollama_server) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await wait_until(pilot, lambda: len(app.store.mcp.prompts) == 2)
        await send(pilot, "/asking:summarize 'the moon' style=brief")
        entry = active(app)
        await wait_until(pilot, lambda: len(entry.session.messages) == 5)
        await idle(pilot, entry)
        sent = [(m["role"], m["content"]) for m in entry.session.messages]
        assert sent == [
            ("system", "You are a helpful AI assistant."),
            ("user", "Summarise the moon in a brief way."),
            ("assistant", "Understood."),
            ("user", "Go on: the moon."),
            ("assistant", "Echo: Go on: the moon."),
        ]
        (request,) = [r for r in ollama_server.requests if r.path == "/api/chat"]
        assert [m["content"] for m in request.body["messages"][1:]] == [
            "Summarise the moon in a brief way.",
            "Understood.",
            "Go on: the moon.",
        ]


async def test_a_missing_argument_is_said_and_nothing_is_sent(make_app, ollama_server) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, "/asking:summarize style=brief")
        await wait_until(pilot, lambda: any("missing" in n for n in notices(app)))
        assert notices(app)[-1] == (
            "/asking:summarize <topic> [style]: the required argument 'topic' is missing."
        )
        assert len(active(app).session.messages) == 1
        assert not [r for r in ollama_server.requests if r.path == "/api/chat"]


async def test_prompts_are_completed_with_tab_and_listed_in_the_palette(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await wait_until(pilot, lambda: len(app.store.mcp.prompts) == 2)
        prompt = app.query_one(Prompt)
        prompt.load_text("/asking:su")
        prompt.move_cursor((0, 10))
        await pilot.press("tab")
        assert prompt.text == "/asking:summarize "
        entries = {
            title: help_text for title, help_text, _ in AgentryCommands(app.screen)._entries()
        }
        assert entries["/asking:summarize <topic> [style]"] == (
            "MCP prompt of asking: Summarise a topic for a reader"
        )
        assert entries["/asking:greet"] == "MCP prompt of asking: Say hello"
        assert "MCP servers" in entries
