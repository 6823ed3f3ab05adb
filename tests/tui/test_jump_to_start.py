"""Reaching the first message of a very long session in one step (issue 16, item 13)."""

from __future__ import annotations

import time
from pathlib import Path

from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.messages import AssistantMessage, LoadLater, UserMessage
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, ready, send, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

COUNT = 5000


def seed_long(history: Path) -> list[str]:
    """The long session; returns its texts as the chat shows them, in order."""
    messages = [SYSTEM]
    for n in range(COUNT // 2):
        messages += [user(f"question {n}", 100), assistant(f"answer {n}", 99)]
    seed(history, "long", messages, 200, 99)
    return [m["content"] for m in messages[1:]]


def built(app) -> list[str]:
    return [str(view.message["content"]) for view in app.query("UserMessage, AssistantMessage")]


async def test_ctrl_home_shows_the_first_message_building_one_block(
    make_app, history: Path, ollama_server
) -> None:
    texts = seed_long(history)
    async with make_app(session_id="long").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        chat = app.query_one(MessageList)
        assert "question 0" not in built(app)
        began = time.perf_counter()
        await pilot.press("ctrl+home")  # from the message box, which has focus
        await wait_until(pilot, lambda: "question 0" in built(app))
        assert time.perf_counter() - began < 3.0
        await pilot.pause()
        shown = built(app)
        assert shown[:2] == ["question 0", "answer 0"] and len(shown) <= 60  # one block
        assert chat.scroll_y == 0
        assert app.query_one(UserMessage).region.y < chat.region.bottom  # on screen
        later = app.query_one(LoadLater)
        assert later.render().plain.startswith(f"↓ load later messages ({COUNT - len(shown)} more")
        # The next block, below.
        later.press()
        await wait_until(pilot, lambda: len(built(app)) > len(shown))
        assert built(app) == texts[: len(built(app))]  # in order, nothing left out
        # A reply meanwhile is not built in the middle: it waits below, counted.
        before = len(built(app))
        await send(pilot, "new one")
        await idle(pilot, active(app))
        await pilot.pause()
        assert len(built(app)) == before
        assert f"({COUNT + 2 - before} more" in app.query_one(LoadLater).render().plain
        # ctrl+end: the newest, as the session opens.
        await pilot.press("ctrl+end")
        await wait_until(pilot, lambda: built(app)[-2:] == ["new one", "Echo: new one"])
        assert not app.query(LoadLater) and "question 0" not in built(app)
        assert chat.is_vertical_scroll_end


async def test_loading_every_block_forward_ends_as_a_session_opened_at_its_end(
    make_app, history: Path, ollama_server
) -> None:
    messages = [SYSTEM]
    for n in range(60):
        messages += [user(f"q{n}", 100), assistant(f"a{n}", 99)]
    seed(history, "mid", messages, 200, 99)
    async with make_app(session_id="mid").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await pilot.press("ctrl+home")
        await wait_until(pilot, lambda: "q0" in built(app))
        while app.query(LoadLater):
            app.query_one(LoadLater).press()
            await pilot.pause(0.1)
        assert built(app) == [m["content"] for m in messages[1:]]
        await send(pilot, "more")  # streams into the list as in a session opened at its end
        await idle(pilot, active(app))
        await wait_until(pilot, lambda: built(app)[-1] == "Echo: more")
        assert len(app.query(AssistantMessage)) == 61
