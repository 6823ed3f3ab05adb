"""A server's questions in the TUI: a sampling request approved (answered by the model of the
session on screen) or denied; an elicitation form filled, checked, or declined."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, Static

from agentry_tui.screens.elicitation import ElicitationScreen
from agentry_tui.screens.sampling import SamplingScreen
from tests.mcpui.conftest import ASKING, configure
from tests.mcpui.test_tui_servers import servers_settled
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, send, text_of, wait_until

ASK = '#tool:asking__ask_model {"question": "Capital of France?"}'


def tool_answer(app) -> str:
    return next(m["content"] for m in active(app).session.messages if m["role"] == "tool")


async def asked(pilot, screen: type) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen), timeout=20)
    await pilot.pause()


async def test_a_sampling_request_approved_is_answered_by_the_sessions_model(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        shown = text_of(app.screen.query_one("#sampling-model", Static))
        assert "llama3.2:latest, the model of the session on screen 'default'" in shown
        assert "Max tokens 50" in shown
        await pilot.press("a")
        entry = active(app)
        await idle(pilot, entry, timeout=20)
        sampled = next(
            r
            for r in ollama_server.requests
            if r.path == "/api/chat" and r.body["messages"][0]["content"] == "Answer in one word."
        )
        assert sampled.body["messages"] == [
            {"role": "system", "content": "Answer in one word."},
            {"role": "user", "content": "Capital of France?"},
        ]
        assert "tools" not in sampled.body
        assert sampled.body["options"]["num_predict"] == 50
        assert tool_answer(app) == "model llama3.2:latest said: Echo: Capital of France?"


async def test_a_sampling_request_edited_then_approved_sends_the_edit(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        await pilot.press("e")
        app.screen.query_one("#sampling-prompt").load_text("Capital of Peru?")
        await pilot.click("#approve")
        await idle(pilot, active(app), timeout=20)
        assert tool_answer(app) == "model llama3.2:latest said: Echo: Capital of Peru?"


async def test_a_sampling_request_denied_is_an_error_the_server_sees(
    make_app, ollama_server
) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        await pilot.press("d")
        await idle(pilot, active(app), timeout=20)
        assert tool_answer(app) == (
            "sampling refused: The user declined the sampling request from 'asking'."
        )
        chats = [r for r in ollama_server.requests if r.path == "/api/chat"]
        assert len(chats) == 2  # the turn and the answer to the tool result: no sampling


async def test_an_elicitation_form_is_checked_then_filled(make_app, ollama_server) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, "#tool:asking__book_table")
        await asked(pilot, ElicitationScreen)
        form = app.screen
        assert "Book a table: who, how many, when?" in text_of(form.query_one(".dialog-body"))
        await pilot.press(*"Ada", "tab", *"13")
        await pilot.press("enter")  # submit: 13 guests is out of range, and no time chosen
        assert text_of(form.query_one("#error-1", Static)) == (
            "Guests: 13 is out of range (an integer, 1 to 12)."
        )
        assert text_of(form.query_one("#error-3", Static)) == (
            "Time is required: one of: 18:00, 20:00."
        )
        assert isinstance(app.screen, ElicitationScreen)
        guests = form.query_one("#field-1", Input)
        guests.value = "3"
        form.query_one("#field-2", Checkbox).toggle()
        form.query_one("#field-3", Select).focus()
        await pilot.press("enter", "down", "down", "enter")  # the list: blank, 18:00, 20:00
        assert form.query_one("#field-3", Select).value == "20:00"
        await pilot.pause()
        await pilot.click("#submit")
        await idle(pilot, active(app), timeout=20)
        assert tool_answer(app) == "booked for Ada, 3 at 20:00, terrace True"


async def test_an_elicitation_declined_is_told_to_the_server(make_app, ollama_server) -> None:
    configure({"asking": ASKING})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        await send(pilot, "#tool:asking__book_table")
        await asked(pilot, ElicitationScreen)
        await pilot.click("#decline")
        await idle(pilot, active(app), timeout=20)
        assert tool_answer(app) == "booking declined"
