"""The chat scrolled from the message box, the "↓ new" mark, and where the focus is shown."""

from __future__ import annotations

from pathlib import Path

from agentry.params import NAMES
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.messages import NewContentHint
from agentry_tui.widgets.prompt import Prompt
from tests.tui.conftest import SIZE
from tests.tui.helpers import frame, idle, ready, replying, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user


def seed_long(history: Path) -> None:
    turns = [
        message
        for n in range(30)
        for message in (
            user(f"question {n}", 200 - 2 * n),
            assistant(f"answer {n}\n\nwith a second paragraph", 199 - 2 * n),
        )
    ]
    seed(history, "long", [SYSTEM, *turns], 300, 100)


async def test_page_keys_scroll_the_chat_while_the_message_box_keeps_the_focus(
    app, history: Path
) -> None:
    seed_long(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chat, prompt = app.query_one(MessageList), app.query_one(Prompt)
        await pilot.press(*"draft")
        await wait_until(pilot, lambda: chat.is_vertical_scroll_end and chat.max_scroll_y > 0)
        bottom, start = chat.scroll_y, chat._start
        await pilot.press("pageup")
        await wait_until(pilot, lambda: chat.scroll_y < bottom)
        after_one = chat.scroll_y
        await pilot.press("shift+pageup")  # where the plain key is kept by the terminal
        await wait_until(pilot, lambda: chat.scroll_y < after_one)
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: chat.scroll_y > after_one - 1)
        await pilot.press("ctrl+home")
        # At the top of what is built, which builds the messages above (kept in view).
        await wait_until(pilot, lambda: chat.scroll_y == 0 or chat._start < start)
        assert not chat.following
        await pilot.press("ctrl+end")
        await wait_until(pilot, lambda: chat.is_vertical_scroll_end)
        assert chat.following
        assert app.focused is prompt and prompt.text == "draft"  # typed nothing, moved nothing
        assert prompt.cursor_location == (0, 5)


async def test_the_new_mark_covers_nothing_and_ctrl_end_answers_it(app, history: Path) -> None:
    seed_long(history)  # a chat to scroll up in from the start
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = await replying(pilot, "#slow #long:200 more")
        chat, mark = app.query_one(MessageList), app.query_one(NewContentHint)
        await wait_until(pilot, lambda: chat.is_vertical_scroll_end)
        await pilot.press("pageup")
        await wait_until(pilot, lambda: mark.display)
        await pilot.pause()
        assert not mark.region.overlaps(chat.region)  # the chat's last line stays readable
        assert not mark.region.overlaps(app.query_one(Prompt).region)
        assert "ctrl+end" in str(mark.render())
        await pilot.press("ctrl+end")
        await wait_until(pilot, lambda: not mark.display and chat.is_vertical_scroll_end)
        app.action_stop()
        await idle(pilot, entry)


async def test_every_part_that_takes_the_focus_shows_it(app, history: Path) -> None:
    seed(history, "short", [SYSTEM, user("q", 10), assistant("a", 9)], 20, 9)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")  # the metadata panel too
        await pilot.pause()
        chain = app.screen.focus_chain
        names = [widget.id for widget in chain]
        assert names == [
            "session-filter",
            "session-list",
            "messages",
            "prompt",
            "metadata",
            *(f"param-{name}" for name in NAMES),  # the parameters form in the panel
        ]
        for widget in chain:
            app.screen.set_focus(widget)  # scrolled into view
            await pilot.pause()
            other = next(w for w in chain if w is not widget)
            app.screen.set_focus(other, scroll_visible=False)
            await pilot.pause()
            unfocused = frame(app, widget)
            app.screen.set_focus(widget, scroll_visible=False)
            await pilot.pause()
            assert unfocused and frame(app, widget) != unfocused, widget.id
