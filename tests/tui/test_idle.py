"""An app left alone does no work: the message box's cursor stops blinking after a while, and
at once when a message is sent."""

from __future__ import annotations

import pytest

from agentry_tui.widgets import prompt as prompt_module
from agentry_tui.widgets.prompt import Prompt
from tests.tui.conftest import SIZE
from tests.tui.helpers import ready, wait_until


async def test_the_cursor_blinks_for_a_while_after_a_key_then_stays_lit(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompt_module, "BLINK_FOR_S", 0.3)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        assert prompt.has_focus
        await pilot.press("h")
        assert prompt.cursor_blink
        await wait_until(pilot, lambda: not prompt.cursor_blink)  # Textual leaves it lit
        await pilot.pause(0.5)
        assert not prompt.cursor_blink
        await pilot.press("i")
        assert prompt.cursor_blink
        assert prompt.text == "hi"


async def test_the_cursor_stays_lit_once_a_message_is_sent(app) -> None:
    """The reply is read now, not typed over: its paints are not joined by the cursor's."""
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press("h", "i")
        assert prompt.cursor_blink
        await pilot.press("enter")
        assert not prompt.cursor_blink
        await pilot.press("o")
        assert prompt.cursor_blink
