"""Selecting text in the chat with the mouse and copying it (issue 16, item 1)."""

from __future__ import annotations

from pathlib import Path

from agentry_tui.widgets.markdown import MarkdownText
from agentry_tui.widgets.messages import AssistantMessage, UserMessage
from tests.tui.conftest import SIZE
from tests.tui.helpers import ready
from tests.tui.scenes import SYSTEM, assistant, seed, user

REPLY = "First paragraph of the **reply**.\n\n- one item\n- two 世界 item\n\nLast line."


async def test_a_drag_across_a_reply_copies_its_text(make_app, history: Path) -> None:
    seed(history, "s", [SYSTEM, user("question", 3), assistant(REPLY, 2)], 5, 2)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        body = app.query_one(AssistantMessage).query_one(MarkdownText)
        assert body.strips(body.size.width)[0].text.startswith("First paragraph")
        # From "paragraph" on the first line to "界" on the fourth (wide: two cells, one offset).
        await pilot.mouse_down(body, offset=(6, 0))
        await pilot.hover(body, offset=(9, 3))
        await pilot.mouse_up(body, offset=(9, 3))
        await pilot.pause()
        assert app.screen.get_selected_text() == (
            "paragraph of the reply.\n\n • one item\n • two 世界"
        )
        # What is selected is painted so.
        selected = app.screen.get_component_rich_style("screen--selection")
        line = body.render_line(0)
        shown = "".join(s.text for s in line if s.style and s.style.bgcolor == selected.bgcolor)
        assert shown.rstrip() == "paragraph of the reply."


async def test_a_drag_across_messages_copies_each_in_order(make_app, history: Path) -> None:
    messages = [SYSTEM, user("what first", 4), assistant("Reply one.", 3)]
    messages += [user("what next", 2), assistant("Reply two.", 1)]
    seed(history, "s", messages, 5, 1)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        first = app.query(UserMessage).first()
        last = app.query(AssistantMessage).last().query_one(MarkdownText)
        await pilot.mouse_down(first, offset=(0, 0))
        await pilot.hover(last, offset=(9, 0))
        await pilot.mouse_up(last, offset=(9, 0))
        await pilot.pause()
        text = app.screen.get_selected_text()
        assert text is not None and "MarkdownText" not in text
        order = ["what first", "Reply one.", "what next", "Reply two"]
        positions = [text.find(part) for part in order]
        assert -1 not in positions and positions == sorted(positions), text
