"""A reply streamed in chunks looks exactly like the whole text rendered at once: the same
lines, the same blank lines between blocks (lists, fences, headings)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from textual.app import App
from textual.pilot import Pilot

from agentry_tui import pacing
from agentry_tui.pacing import Pacer
from agentry_tui.widgets import markdown
from agentry_tui.widgets.markdown import MarkdownText
from tests.servers.base import markdown_reply
from tests.tui.helpers import Holding, painted, wait_until


def pressed_key() -> tuple[Pacer, Callable[[], None]]:
    """A pacer with a key press waiting to be painted, and what paints it."""
    frames: list[Callable[[], None]] = []
    pacer = Pacer(frames.append)
    pacer.key_pressed()
    assert pacer.held
    return pacer, lambda: frames.pop()()


def rendered(app: App, widget: MarkdownText, width: int = 80) -> list[str]:
    return [strip.text.rstrip() for strip in widget.strips(width)]


# Blocks that a blank line does not end: a loose list, a list item's second paragraph.
LOOSE = (
    "Steps:\n\n1. first\n\n2. second\n\n- a point\n\n  its second paragraph\n\n"
    "- another\n\nThe end.\n"
)


@pytest.mark.parametrize("text", [markdown_reply(400), LOOSE], ids=["reply", "loose"])
@pytest.mark.parametrize("chunk", [1, 7, 40, 300])
async def test_streamed_text_renders_like_the_whole(chunk: int, text: str) -> None:
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


async def test_text_that_keeps_the_height_repaints_its_lines_without_a_layout(
    monkeypatch,
) -> None:
    """A token that stays on the last line changes no height: the lines that changed are
    repainted and nothing is laid out (a layout repaints the whole chat pane, 10-30 ms a
    frame). The screen shows the new words all the same; a new line is laid out as before."""
    layouts: list[bool] = []
    refresh = MarkdownText.refresh

    def noted(self, *regions, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(kwargs.get("layout", False))
        return refresh(self, *regions, **kwargs)

    app = Holding(lambda: MarkdownText(id="md"))
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(MarkdownText)
        widget.append("First paragraph.\n\nThe tail")  # as streamed: "The tail" is the tail
        await pilot.pause()
        height = widget.size.height
        monkeypatch.setattr(MarkdownText, "refresh", noted)
        for word in (" grows", " word", " by word"):
            widget.append(word)
            await pilot.pause()
        assert layouts and not any(layouts)
        assert widget.size.height == height
        assert "The tail grows word by word" in "\n".join(painted(app, widget))
        widget.append("\n\nA new paragraph.")
        await pilot.pause()
        assert layouts[-1] is True
        assert widget.size.height == height + 2
        assert "A new paragraph." in "\n".join(painted(app, widget))


def colours(strips: list) -> set:
    return {
        seg.style.color
        for strip in strips
        for seg in strip
        if seg.text.strip() and seg.style and seg.style.color
    }


async def test_code_is_coloured_after_the_frame_that_first_shows_it(monkeypatch) -> None:
    """Making a lexer costs tens of milliseconds the first time: the first frame shows the
    code plain, and once the lexer is made (in a thread) the code is painted coloured, with the
    same lines."""
    source = 'Code:\n\n```haskell\nmain :: IO ()\nmain = putStrLn "hi" -- greet\n```\n'
    assert "haskell" not in markdown._lexers  # no other test has made it
    made_in: list[threading.Thread] = []

    def make_lexer(name: str) -> object:
        made_in.append(threading.current_thread())
        return make(name)

    make = markdown._make_lexer
    monkeypatch.setattr(markdown, "_make_lexer", make_lexer)

    app = Holding(lambda: MarkdownText(source, id="md"))
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(MarkdownText)
        first = widget.strips(80)  # what the first frame painted
        plain = colours(first)
        await wait_until(pilot, lambda: len(colours(widget.strips(80))) > len(plain))
        assert "haskell" in markdown._lexers
        assert made_in and threading.main_thread() not in made_in  # not on the event loop
        coloured = widget.strips(80)
        assert [s.text for s in coloured] == [s.text for s in first]
        assert len(colours(coloured)) > len(plain)  # keywords, strings and comments
        assert widget.size.height == len(coloured)


async def laid_out(pilot: Pilot) -> tuple[MarkdownText, Callable[..., list[str]]]:
    """The app's MarkdownText once laid out, and ``lines``: what it shows at its width, or given
    a text, what that text rendered whole shows there."""
    app = pilot.app
    widget = app.query_one(MarkdownText)
    await pilot.pause()
    width = widget.size.width

    def lines(text: str | None = None) -> list[str]:
        return rendered(app, widget if text is None else MarkdownText(text), width)

    return widget, lines


async def test_a_long_backlog_is_rendered_ahead_a_part_per_turn_of_the_loop(monkeypatch) -> None:
    """Text that arrives faster than it renders (a fast server) is rendered ahead of the frame
    that shows it, here (BITE_S 0) a part per turn of the event loop, so that key presses get
    their turn in between; nothing new shows until all of it is rendered, and then the lines
    are those of the whole text."""
    monkeypatch.setattr(pacing, "BITE_S", 0.0)
    before, text = "Before.\n\n", markdown_reply(2000)
    parts = len(list(markdown.chunks(text[: markdown.settled_length(text)])))  # queued
    assert parts > 10

    app = Holding(lambda: MarkdownText(before, id="md"))
    async with app.run_test(size=(100, 24)) as pilot:
        widget, lines = await laid_out(pilot)
        shown = lines()
        turns = 0
        loop = asyncio.get_running_loop()

        def tick() -> None:  # counts the loop's turns until the text shows
            nonlocal turns
            turns += 1
            if lines() == shown:
                loop.call_soon(tick)

        widget.append(text)
        assert widget.source == before + text
        assert lines() == shown  # rendered ahead, not shown yet
        loop.call_soon(tick)
        await wait_until(pilot, lambda: lines() != shown)
        assert turns >= parts - 1  # the first part was rendered in append itself
        assert lines() == lines(before + text)


async def test_rendering_ahead_waits_while_held(monkeypatch) -> None:
    """While the pacer holds (a key press waits to be painted), no block is rendered ahead;
    then the backlog is rendered and shown as usual."""
    renders = 0
    render = markdown._RenderedOnce.lines

    def counted(self, console, options):  # type: ignore[no-untyped-def]
        nonlocal renders
        renders += 1
        return render(self, console, options)

    monkeypatch.setattr(markdown._RenderedOnce, "lines", counted)
    pacer, paint_key = pressed_key()
    text = markdown_reply(1000)
    app = Holding(lambda: MarkdownText("Before.\n\n", id="md", pacer=pacer))
    async with app.run_test(size=(100, 24)) as pilot:
        widget, lines = await laid_out(pilot)
        shown = lines()
        renders = 0
        widget.append(text)
        await pilot.pause(0.2)
        assert renders == 0
        assert lines() == shown
        paint_key()
        await wait_until(pilot, lambda: lines() != shown)
        assert lines() == lines("Before.\n\n" + text)


async def test_a_failure_while_rendering_ahead_is_reported_as_textual_reports_one(
    monkeypatch,
) -> None:
    """A bite runs outside Textual's message handling: if rendering fails there, the app still
    ends with the error, as it would had the frame failed, rather than the text never showing."""

    def broken(self, console, options):  # type: ignore[no-untyped-def]
        raise RuntimeError("render failed")

    pacer, paint_key = pressed_key()
    app = Holding(lambda: MarkdownText("Before.\n\n", id="md", pacer=pacer))
    with pytest.raises(RuntimeError, match="render failed"):
        async with app.run_test(size=(100, 24)) as pilot:
            widget, _ = await laid_out(pilot)
            monkeypatch.setattr(markdown._RenderedOnce, "lines", broken)
            widget.append(markdown_reply(1000))  # nothing rendered yet: held
            paint_key()  # the next bite renders, and fails
            await pilot.pause(0.3)
