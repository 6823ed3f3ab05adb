"""A reply streamed in chunks looks exactly like the whole text rendered at once: the same
lines, the same blank lines between blocks (lists, fences, headings)."""

from __future__ import annotations

import pytest
from textual.app import App

from agentry_tui.widgets import markdown
from agentry_tui.widgets.markdown import MarkdownText
from tests.servers.base import markdown_reply
from tests.tui.helpers import Holding


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

    app = Holding(lambda: MarkdownText(id="md"))
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(MarkdownText)
        heights = []
        for start in range(0, len(text), 97):
            widget.append(text[start : start + 97])
            await pilot.pause()
            heights.append(widget.size.height)
            assert widget.size.height == len(widget.strips(widget.size.width))
        assert heights[-1] > heights[0] + 10  # it did grow, many times


def colours(strips: list) -> set:
    return {seg.style.color for strip in strips for seg in strip if seg.text.strip()
            and seg.style and seg.style.color}


async def test_code_is_coloured_after_the_frame_that_first_shows_it() -> None:
    """Making a lexer costs tens of milliseconds the first time: the first frame shows the
    code plain, the next one coloured, with the same lines."""
    source = "Code:\n\n```haskell\nmain :: IO ()\nmain = putStrLn \"hi\" -- greet\n```\n"
    assert "haskell" not in markdown._lexers  # no other test has made it

    app = Holding(lambda: MarkdownText(source, id="md"))
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(MarkdownText)
        first = widget.strips(80)  # what the first frame painted
        plain = colours(first)
        await pilot.pause()
        assert "haskell" in markdown._lexers
        coloured = widget.strips(80)
        assert [s.text for s in coloured] == [s.text for s in first]
        assert len(colours(coloured)) > len(plain)  # keywords, strings and comments
        assert widget.size.height == len(coloured)
