"""The store hands its own sessions to the agent, which owns the turn: one clock for the
person's message and the reply, no shared session list, and refusals raised as Refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from agentry.errors import Refused
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, replying, send, wait_until

MOMENT = datetime(2025, 11, 22, 20, 30, 15)


async def test_the_message_and_its_reply_come_from_the_app_s_clock(ollama_server, make_app):
    app = make_app(clock=lambda: MOMENT)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        entry = active(app)
        await wait_until(pilot, lambda: len(entry.session.messages) == 3)
        await idle(pilot, entry)
        user, reply = entry.session.messages[1:]
        assert (user["content"], reply["content"]) == ("hello", "Echo: hello")
        assert user["_created_at"] == reply["_created_at"] == MOMENT.isoformat()


async def test_the_agent_answers_the_store_s_sessions_without_keeping_them(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        entry = active(app)
        await wait_until(pilot, lambda: len(entry.session.messages) == 3)
        await idle(pilot, entry)
        assert app.store.agent is not None and app.store.agent.sessions == {}


async def test_the_store_refuses_with_one_exception_type(ollama_server, make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        taken = active(app).id
        with pytest.raises(Refused, match="already exists"):
            app.store.create(taken)
        with pytest.raises(Refused, match="Invalid session id"):
            app.store.create("../escape")
        with pytest.raises(Refused, match="nothing to retry"):
            app.store.retry(taken)
        entry = await replying(pilot, "#slow #long:300 long")
        with pytest.raises(Refused, match="still arriving"):
            app.store.send("another")
        with pytest.raises(Refused, match="still arriving"):
            await app.store.rename(entry.id, "elsewhere")
        app.store.stop(entry.id)
        await idle(pilot, entry)
