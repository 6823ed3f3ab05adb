"""Per-session parameters in the TUI (/set, the form in the metadata panel) and a reply cut by
the length limit: marked on screen and in the file, F7 asks the model to go on."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from agentry.params import CONTINUE_PROMPT
from agentry.sessions import SessionManager
from agentry_tui.view import TRUNCATED
from agentry_tui.widgets.messages import AssistantMessage
from tests.providers.harness import model_calls
from tests.servers.base import Reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    active,
    idle,
    notices,
    painted,
    ready,
    send,
    text_of,
    wait_until,
)


def saved(history: Path, session_id: str = "default") -> dict:
    """The session as its file holds it."""
    session = SessionManager(history).load(session_id)
    assert session is not None
    return {"metadata": session.metadata, "messages": session.messages}


async def test_set_keeps_a_parameter_in_the_file_and_sends_it(
    app, ollama_server, history: Path
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await send(pilot, "/set temperature 0.25")
        await wait_until(pilot, lambda: "temperature set to 0.25." in notices(app))
        await send(pilot, "/set stop END")
        await send(pilot, "/set temperature 9")
        await wait_until(pilot, lambda: any("less than or equal to 2" in n for n in notices(app)))
        await send(pilot, "/set")
        await wait_until(pilot, lambda: notices(app)[-1].startswith("Parameters"))
        listing = notices(app)[-1]
        assert "temperature     0.25" in listing and 'stop            ["END"]' in listing
        await send(pilot, "hello")
        await idle(pilot, active(app))
        await pilot.press("f7")  # the reply was whole: nothing to go on from
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")))
        assert "nothing to go on" in " ".join(painted(app, app.screen.query_one("Toast")))
    assert len(model_calls(ollama_server)) == 1
    assert saved(history)["metadata"]["params"] == {"temperature": 0.25, "stop": ["END"]}
    options = model_calls(ollama_server)[-1].body["options"]
    assert options == {"temperature": 0.25, "stop": ["END"], "num_ctx": 4096}  # num_ctx: planned


async def test_the_form_checks_as_you_type_and_keeps_only_valid_values(
    app, ollama_server, history: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")  # the session has a file
        await idle(pilot, active(app))
        await pilot.press("ctrl+o")
        field = app.query_one("#param-max_tokens", Input)
        problem = app.query_one("#param-max_tokens-problem", Static)
        field.focus()
        await pilot.press("0")
        await pilot.pause()
        assert "greater than or equal to 1" in text_of(problem) and problem.display
        assert field.has_class("-invalid")
        await pilot.press("enter")
        await pilot.pause()
        assert "params" not in saved(history)["metadata"]  # not kept
        await pilot.press("backspace", "1", "2", "8")
        await pilot.pause()
        assert text_of(problem) == "" and not problem.display
        await pilot.press("enter")
        await wait_until(pilot, lambda: saved(history)["metadata"].get("params"))
    assert saved(history)["metadata"]["params"] == {"max_tokens": 128}


async def test_a_cut_reply_is_marked_and_f6_asks_for_the_rest(
    app, ollama_server, history: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/set max_tokens 3")
        ollama_server.enqueue(Reply(text="one two three four five"), Reply(text="four five"))
        await send(pilot, "count")
        entry = active(app)
        await idle(pilot, entry)
        await wait_until(pilot, lambda: len(app.query(AssistantMessage)) == 1)
        footer = app.query(AssistantMessage).last().query_one("#footer", Static)
        assert text_of(footer) == TRUNCATED
        assert saved(history)["messages"][-1]["_truncated"] is True
        await pilot.press("f7")
        await wait_until(pilot, lambda: len(model_calls(ollama_server)) == 2)
        await idle(pilot, entry)
    sent = model_calls(ollama_server)[-1].body["messages"]
    assert sent[-1] == {"role": "user", "content": CONTINUE_PROMPT}
    assert sent[-2]["content"] == "one two three"
    rest = saved(history)["messages"][-1]
    assert rest["content"] == "four five" and "_truncated" not in rest


async def test_a_parameter_the_provider_cannot_send_is_said_and_marked(
    make_app, openai_server
) -> None:
    app = make_app(provider="openai")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/set context_length 4096")
        said = "openai does not support context_length: it is not sent."
        await wait_until(pilot, lambda: "context_length set to 4096. " + said in notices(app))
        await send(pilot, "hello")
        await idle(pilot, active(app))
        assert notices(app).count(said) == 1  # the reply's notice, once
        await send(pilot, "again")
        await idle(pilot, active(app))
        assert notices(app).count(said) == 1  # not at every reply
        await pilot.press("ctrl+o")
        await pilot.pause()
        note = app.query_one("#param-context_length-note", Static)
        assert text_of(note) == "not sent: openai does not support it" and note.display
    assert "context_length" not in model_calls(openai_server)[-1].body
