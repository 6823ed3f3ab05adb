"""A server's questions in the TUI: a sampling request approved (answered by the model of the
session on screen) or denied; an elicitation form filled, checked, or declined."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, Static, TextArea

from agentry_tui.screens.elicitation import ElicitationScreen
from agentry_tui.screens.sampling import SamplingScreen
from tests.mcpui.conftest import asking_app
from tests.tui.helpers import active, idle, send, text_of, wait_until

ASK = '#tool:asking__ask_model {"question": "Capital of France?"}'


def tool_answers(app) -> list[str]:
    return [m["content"] for m in active(app).session.messages if m["role"] == "tool"]


def is_sampling(request) -> bool:
    messages = request.body["messages"] if request.path == "/api/chat" else []
    return bool(messages) and messages[0]["content"] == "Answer in one word."


async def asked(pilot, screen: type) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen), timeout=20)
    await pilot.pause()


async def test_sampling_requests_approved_edited_and_denied(make_app, ollama_server) -> None:
    async with asking_app(make_app) as (app, pilot):
        entry = active(app)

        # Approved: answered by the session's model, with no tools, at the server's limit.
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        shown = text_of(app.screen.query_one("#sampling-model", Static))
        assert "llama3.2:latest, the model of the session on screen 'default'" in shown
        assert "Max tokens 50" in shown
        await pilot.press("a")
        await idle(pilot, entry, timeout=20)
        sampled = [r for r in ollama_server.requests if is_sampling(r)]
        assert [r.body["messages"] for r in sampled] == [
            [
                {"role": "system", "content": "Answer in one word."},
                {"role": "user", "content": "Capital of France?"},
            ]
        ]
        assert "tools" not in sampled[0].body
        assert sampled[0].body["options"]["num_predict"] == 50
        assert tool_answers(app) == ["model llama3.2:latest said: Echo: Capital of France?"]

        # Edited, then approved: the edit is what the model gets.
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        await pilot.press("e")
        app.screen.query_one("#sampling-prompt", TextArea).load_text("Capital of Peru?")
        await pilot.click("#approve")
        await idle(pilot, entry, timeout=20)
        assert tool_answers(app)[-1] == "model llama3.2:latest said: Echo: Capital of Peru?"

        # Denied: the server gets an error, and the model is not asked.
        await send(pilot, ASK)
        await asked(pilot, SamplingScreen)
        await pilot.press("d")
        await idle(pilot, entry, timeout=20)
        assert tool_answers(app)[-1] == (
            "sampling refused: The user declined the sampling request from 'asking'."
        )
        assert len([r for r in ollama_server.requests if is_sampling(r)]) == 2


async def test_an_elicitation_form_is_checked_filled_and_declined(make_app, ollama_server) -> None:
    async with asking_app(make_app) as (app, pilot):
        entry = active(app)
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
        form.query_one("#field-1", Input).value = "3"
        form.query_one("#field-2", Checkbox).toggle()
        form.query_one("#field-3", Select).focus()
        await pilot.press("enter", "down", "down", "enter")  # the list: blank, 18:00, 20:00
        assert form.query_one("#field-3", Select).value == "20:00"
        await pilot.pause()
        await pilot.click("#submit")
        await idle(pilot, entry, timeout=20)
        assert tool_answers(app) == ["booked for Ada, 3 at 20:00, terrace True"]

        await send(pilot, "#tool:asking__book_table")
        await asked(pilot, ElicitationScreen)
        await pilot.click("#decline")
        await idle(pilot, entry, timeout=20)
        assert tool_answers(app)[-1] == "booking declined"
