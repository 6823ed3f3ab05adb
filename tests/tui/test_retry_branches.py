"""ctrl+r answers again as a sibling: the old answer stays in the session and its file."""

from __future__ import annotations

from pathlib import Path

from agentry.sessions import SessionManager
from tests.servers.base import Reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, replies, send


async def test_ctrl_r_keeps_the_old_answer_as_a_sibling(app, ollama_server, history: Path) -> None:
    ollama_server.enqueue(Reply(text="the first answer"), Reply(text="the second answer"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "question")
        entry = active(app)
        await idle(pilot, entry)
        await pilot.press("ctrl+r")
        await idle(pilot, entry)
        await pilot.pause()
        assert replies(app) == ["the second answer"]
        assert entry.session.alternatives(2) == (2, 2)
    session = SessionManager(history).load(entry.id)
    assert session is not None and session.alternatives(2) == (2, 2)
    session.switch_alternative(2, -1)
    assert session.messages[-1]["content"] == "the first answer"
    assert "the first answer" in SessionManager(history).path_for(entry.id).read_text()
