"""A reply streamed in chunks looks exactly like the whole text rendered at once: the same
lines, the same blank lines between blocks (lists, fences, headings)."""

from __future__ import annotations

import pytest
from textual.app import App

from agentry_tui.widgets.markdown import MarkdownText
from tests.servers.base import markdown_reply


def rendered(app: App, widget: MarkdownText, width: int = 80) -> list[str]:
    return [strip.text.rstrip() for strip in widget.strips(width)]


@pytest.mark.parametrize("chunk", [1, 7, 40, 300])
async def test_streamed_text_renders_like_the_whole(chunk: int) -> None:
    text = markdown_reply(400)
    app = App()
    async with app.run_test():
        whole = rendered(app, MarkdownText(text))
        body = MarkdownText()
        for start in range(0, len(text), chunk):
            body.append(text[start : start + chunk])
        assert body.source == text
        assert rendered(app, body) == whole


async def test_growing_text_gets_the_height_it_needs() -> None:
    """Each append that adds lines lays the widget out again: its height is its line count,
    so the newest line is never cut off below it."""
    text = markdown_reply(300)

    class One(App):
        def compose(self):
            yield MarkdownText(id="md")

    app = One()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(MarkdownText)
        heights = []
        for start in range(0, len(text), 97):
            widget.append(text[start : start + 97])
            await pilot.pause()
            heights.append(widget.size.height)
            assert widget.size.height == len(widget.strips(widget.size.width))
        assert heights[-1] > heights[0] + 10  # it did grow, many times
