"""An MCP server's prompt as a command in the TUI: /server:prompt args, Tab completion, the
palette; its messages go into the session and the model answers them."""

from __future__ import annotations

from agentry_tui.palette import AgentryCommands
from agentry_tui.widgets.prompt import Prompt
from tests.mcpui.conftest import asking_app
from tests.tui.helpers import active, idle, notices, send, wait_until


def chats(server) -> list:
    return [r for r in server.requests if r.path == "/api/chat"]


async def test_a_prompt_is_a_command_completed_listed_and_answered(make_app, ollama_server) -> None:
    async with asking_app(make_app) as (app, pilot):
        await wait_until(pilot, lambda: len(app.store.mcp.prompts) == 2)
        entry = active(app)

        # Listed in the palette, completed with Tab.
        entries = {title: text for title, text, _ in AgentryCommands(app.screen)._entries()}
        assert entries["/asking:summarize <topic> [style]"] == (
            "MCP prompt of asking: Summarise a topic for a reader"
        )
        assert entries["/asking:greet"] == "MCP prompt of asking: Say hello"
        prompt = app.query_one(Prompt)
        prompt.load_text("/asking:su")
        prompt.move_cursor((0, 10))
        await pilot.press("tab")
        assert prompt.text == "/asking:summarize "

        # A required argument left out: said, and nothing is sent.
        await send(pilot, "/asking:summarize style=brief")
        await wait_until(pilot, lambda: any("missing" in n for n in notices(app)))
        assert notices(app)[-1] == (
            "/asking:summarize <topic> [style]: the required argument 'topic' is missing."
        )
        assert len(entry.session.messages) == 1 and not chats(ollama_server)

        # Its messages go into the session, and the model answers them.
        await send(pilot, "/asking:summarize 'the moon' style=brief")
        await wait_until(pilot, lambda: len(entry.session.messages) == 5)
        await idle(pilot, entry)
        assert [(m["role"], m["content"]) for m in entry.session.messages] == [
            ("system", "You are a helpful AI assistant."),
            ("user", "Summarise the moon in a brief way."),
            ("assistant", "Understood."),
            ("user", "Go on: the moon."),
            ("assistant", "Echo: Go on: the moon."),
        ]
        (request,) = chats(ollama_server)
        assert [m["content"] for m in request.body["messages"][1:]] == [
            "Summarise the moon in a brief way.",
            "Understood.",
            "Go on: the moon.",
        ]
