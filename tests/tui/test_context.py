"""The context window in the TUI: the status bar's meter, the metadata panel's breakdown,
/context, /pin, /unpin and the store's toggle_pin, against the Ollama test server."""

from __future__ import annotations

from pathlib import Path

from agentry.sessions import AgentSession, SessionManager
from agentry_tui.widgets.messages import SystemMessage, UserMessage
from agentry_tui.widgets.metadata import MetadataPanel
from tests.providers.harness import model_calls
from tests.servers.base import Reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    active,
    idle,
    notices,
    ready,
    send,
    status_text,
    text_of,
    wait_until,
)
from tests.tui.scenes import SYSTEM, assistant, seed, user


async def command(pilot, line: str) -> None:
    await send(pilot, line)
    await pilot.pause(0.2)


def stored(history: Path, session_id: str) -> AgentSession:
    session = SessionManager(history).load(session_id)
    assert session is not None
    return session


def long_chat(turns: int) -> list[dict]:
    """Replies with no usage reported (as llama.cpp's server streams them): all estimated."""
    messages = [SYSTEM]
    for i in range(turns):
        reply = {k: v for k, v in assistant(f"a{i}", 59 - i).items() if k != "_usage"}
        messages += [user(f"question {i} " + "and more " * 10, 60 - i), reply]
    return messages


async def test_the_meter_and_the_breakdown_show_the_servers_length(app, history, ollama_server):
    ollama_server.num_ctx = 8192  # the model's Modelfile sets it: Ollama runs that
    seed(history, "chat", [SYSTEM, user("hi", 5), assistant("hello", 4)], 10, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = active(app)
        assert entry.context is not None and entry.context.tokens == 26 + 64  # as reported
        assert "ctx 90/8.2k" in status_text(app)
        await pilot.press("ctrl+o")
        await pilot.pause(0.2)
        rows = dict(app.query_one(MetadataPanel)._rows)
        assert rows["Context"] == "8,192" and rows["  from"] == "model's num_ctx"
        assert rows["Next request"] == "90 tokens"
        assert rows["  to change"] == "/set context_length N"
        assert {"  system", "  pinned", "  history", "  tools"} <= rows.keys()
        # Sending measures again: the reply's usage is exact, the new message estimated.
        await send(pilot, "and again")
        await idle(pilot, entry)
        assert entry.session is not None
        reported = entry.session.messages[-1]["_usage"]  # the test server's counts
        tokens = reported["prompt_tokens"] + reported["completion_tokens"]
        assert entry.context.tokens == tokens and f"ctx {tokens}/8.2k" in status_text(app)


async def test_with_ollama_the_meter_plans_with_the_length_it_runs(app, history, ollama_server):
    # The model could take 131,072 tokens, but Ollama runs its default unless asked for more:
    # the meter says that length and where it comes from, and the request asks for it.
    seed(history, "chat", [SYSTEM, user("hi", 5), assistant("hello", 4)], 10, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = active(app)
        await wait_until(pilot, lambda: "ctx 90/4.1k" in status_text(app))
        await pilot.press("ctrl+o")
        await pilot.pause(0.2)
        rows = lambda: dict(app.query_one(MetadataPanel)._rows)  # noqa: E731
        assert (rows()["Context"], rows()["  from"]) == ("4,096", "Ollama default")
        assert rows()["  to change"] == "/set context_length N"
        await send(pilot, "and again")
        await idle(pilot, entry)
        assert model_calls(ollama_server)[-1].body["options"] == {"num_ctx": 4096}
        await command(pilot, "/set context_length 16384")
        await wait_until(pilot, lambda: "/16k" in status_text(app))
        assert (rows()["Context"], rows()["  from"]) == ("16,384", "this session")
        await send(pilot, "more")
        await idle(pilot, entry)
        assert model_calls(ollama_server)[-1].body["options"] == {"num_ctx": 16384}


async def test_pin_unpin_and_context(app, history, ollama_server) -> None:
    ollama_server.context_length = 1024
    seed(history, "long", long_chat(30), 90, 30)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/context")
        shown = notices(app)[-1]
        assert shown.startswith("Context: 1,024 tokens (from model's maximum; /set context_")
        assert "Not sent (" in shown and "     1 user: question 0" in shown.split("Not sent")[1]
        await command(pilot, "/pin 1")
        assert notices(app)[-1] == "Pinned message 1: every request sends it."
        await pilot.pause(0.3)
        assert stored(history, "long").messages[1]["_pinned"] is True
        await command(pilot, "/context")
        sent = notices(app)[-1].split("Not sent")[0]
        assert "     1 user [pinned]: question 0" in sent
        await command(pilot, "/unpin 1")
        assert notices(app)[-1] == "Unpinned message 1: it is sent while it fits."
        await command(pilot, "/pin 0")
        assert notices(app)[-1] == "Message 0 is the system message: it is always sent."
        await command(pilot, "/pin 99")
        assert notices(app)[-1].startswith("There is no message 99: this session's are 0 to 60")
        await command(pilot, "/pin two")
        assert "Invalid message number 'two': messages are numbered from 0" in notices(app)[-1]
        await command(pilot, "/context ask")
        assert notices(app)[-1].startswith("When the conversation no longer fits the context,")
        # toggle_pin, for the key the message list will bind.
        assert app.store.toggle_pin("long", 3).startswith("Pinned message 3")
        assert app.store.toggle_pin("long", 3).startswith("Unpinned message 3")
        await pilot.pause(0.3)
        saved = stored(history, "long")
        assert saved.metadata["context_policy"] == "ask"
        assert not any("_pinned" in m for m in saved.messages)
        # Policy "ask": the next message is not sent, and the notice says what to do.
        await send(pilot, "one more")
        await idle(pilot, active(app))
        assert "/context summarise" in status_text(app)
        assert not [r for r in ollama_server.requests if r.path == "/api/chat"]


async def test_policy_summarise_shows_the_summary_marked(app, history, ollama_server) -> None:
    ollama_server.context_length = 1024
    seed(history, "long", long_chat(30), 90, 30, metadata={"context_policy": "summarise"})
    ollama_server.enqueue(*(Reply(text=f"Part {n} summarised.") for n in range(1, 9)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "one more")
        entry = active(app)
        await idle(pilot, entry)
        await pilot.pause(0.2)
        assert entry.session is not None and entry.context is not None
        summary = entry.session.messages[62]
        assert summary["_summary"]["through"] >= 1 and entry.context.summary == 62
        [shown] = [text_of(w) for w in app.query(SystemMessage) if "Part" in text_of(w)]
        count = summary["_summary"]["messages"]
        assert shown.startswith(f"Summary of {count} messages  Summary of the earlier")
        assert entry.session.messages[1]["content"].startswith("question 0")  # kept
        await pilot.pause(0.3)
        assert "_summary" in stored(history, "long").messages[62]  # and saved


async def test_messages_left_out_stay_on_screen_greyed(app, history, ollama_server) -> None:
    ollama_server.context_length = 1024
    seed(history, "long", long_chat(30), 90, 30)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)

        def view(number: int) -> UserMessage:
            [found] = [
                v
                for v in app.query(UserMessage)
                if v.message["content"].startswith(f"question {number} ")
            ]
            return found

        assert not view(29).has_class("-not-sent")
        await pilot.press("ctrl+home")  # the first messages, built on the way
        await wait_until(pilot, lambda: _built(app))
        assert view(0).has_class("-not-sent") and "Not sent" in str(view(0).tooltip)
        await command(pilot, "/pin 1")
        assert not view(0).has_class("-not-sent")
        await command(pilot, "/unpin 1")
        assert view(0).has_class("-not-sent")


def _built(app) -> bool:
    return any(v.message["content"].startswith("question 0 ") for v in app.query(UserMessage))
