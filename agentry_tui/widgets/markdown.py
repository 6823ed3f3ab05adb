"""Markdown as one widget whose blocks are rendered once and replayed.

Textual's Markdown widget builds a widget per block and restyles them as text is appended; a
session of fifty long replies would take seconds to open, and a streamed reply would cost more
with every token. Here Markdown is rendered by Rich, with colours taken from the Textual theme
(``markdown_theme``, pushed onto the app's console), and painted by one widget line by line.

A reply being streamed grows by ``append``: the blocks it has finished (up to the last blank line
outside a code fence that a block of its own follows) are rendered once and kept as strips; only
the unfinished tail is rendered again, at most once a frame. So each update costs about the same
however long the reply grows; and an update that keeps the height (the tail's last line grew)
repaints the lines that changed, with no layout of the chat pane. A reply being streamed keeps
its height longer: it takes room ``grow_by`` lines at a time and the text fills it, so the pane
is laid out, moved and repainted once per that many lines, not on every frame; at a model's pace
(a pacer given) the next room is taken at most every ``pacing.PAGE_S``.

A fast server can hand over thousands of characters at once, which Rich takes tens of
milliseconds to render: finished blocks are rendered ahead of the frame that shows them, a bite
(``pacing.BITE_S``) at a time, each bite a turn of the event loop, and none while the pacer says
a key press waits to be painted (``Pacer.held``): so a key pressed meanwhile is shown after one
bite rather than after the whole backlog.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.theme import Theme as RichTheme
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from agentry.safe_text import visible
from agentry_tui import pacing
from agentry_tui.pacing import Pacer, PageTurns
from agentry_tui.textual_private import LaidOutOnce, ParsedMarkdown, report_crash
from agentry_tui.widgets.selectable import highlighted, selected_text

_FENCES = ("```", "~~~")
CHUNK_CHARS = 600  # finished blocks are rendered in parts of about this many characters


_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def _continues(line: str) -> bool:
    """Whether a line after a blank line may belong to the block before it: a loose list's
    next item, a list item's next paragraph, indented code. Rendered apart, they would not
    look as the whole text does."""
    return line[:1] in (" ", "\t") or _LIST_ITEM.match(line) is not None


def block_ends(text: str) -> Iterator[int]:
    """Where finished Markdown blocks end in ``text``: after a blank line outside a code fence,
    once the next line is complete and starts a block of its own. What follows the last may
    still change as more text arrives."""
    position = 0
    in_fence = False
    after_blank: int | None = None  # where the text after a blank line starts
    for line in text.splitlines(keepends=True):
        if after_blank is not None and line.strip():
            if not line.endswith("\n"):
                return  # not complete: it may yet turn out to be a list item
            if not _continues(line):
                yield after_blank
            after_blank = None
        position += len(line)
        if line.lstrip().startswith(_FENCES):
            in_fence = not in_fence
        elif not in_fence and not line.strip() and line.endswith("\n"):
            after_blank = position


def settled_length(text: str) -> int:
    """How much of ``text`` is finished Markdown blocks (see ``block_ends``)."""
    return max(block_ends(text), default=0)


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """``text`` (finished blocks) cut at block ends into pieces of at least ``size`` characters
    (the last may be shorter): as if it had streamed in, cut there."""
    start = 0
    for end in block_ends(text):
        if end - start >= size:
            yield text[start:end]
            start = end
    if start < len(text):
        yield text[start:]


_lexers: dict[str, Any] = {}  # language → its Pygments lexer, once made


def _make_lexer(name: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=4)
    except ClassNotFound:
        return _plain()


@lru_cache(maxsize=1)
def _plain() -> Any:
    return _make_lexer("text")


def make_lexers(languages: Iterable[str]) -> None:
    """Make the lexers for these languages: until then their code is shown uncoloured.

    A lexer compiles its patterns when first made, 60 ms for Python here: at start-up that
    would hold back the first frame, so the frame shows plain code and colour follows it."""
    for name in languages:
        if name not in _lexers:
            _lexers[name] = _make_lexer(name)


def _lexer(name: str) -> Any:
    return _lexers.get(name) or _plain()


def code_languages(parsed: list[Any]) -> frozenset[str]:
    """The languages of the code blocks in parsed Markdown, named as Rich's CodeBlock names
    them ("text" for none)."""
    return frozenset(
        (token.info or "").partition(" ")[0] or "text"
        for token in parsed
        if token.type in ("fence", "code_block")
    )


@lru_cache(maxsize=8)
def _fence(background: str) -> type[CodeBlock]:
    """A code block element painted on ``background`` instead of the Pygments theme's own."""

    class Fence(CodeBlock):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            yield Syntax(
                str(self.text).rstrip(),
                _lexer(self.lexer_name),
                theme=self.theme,
                word_wrap=True,
                padding=(1, 2),
                background_color=background,
            )

    return Fence


def markdown_theme(variables: dict[str, str]) -> RichTheme:
    """Rich's markdown styles in the colours of the Textual theme (``App.get_css_variables``)."""
    primary, accent = variables["text-primary"], variables["text-accent"]
    return RichTheme(
        {
            "markdown.code": f"{variables['text-warning']} on {variables['warning-muted']}",
            "markdown.h1": f"bold underline {primary}",
            "markdown.h2": f"bold {primary}",
            "markdown.h3": f"bold {variables['text-secondary']}",
            "markdown.h4": "bold italic",
            "markdown.list": accent,
            "markdown.item.number": accent,
            "markdown.item.bullet": f"bold {accent}",
            "markdown.block_quote": f"italic {variables['text-secondary']}",
            "markdown.link": f"underline {accent}",
            "markdown.link_url": f"underline {accent}",
            "markdown.table.border": variables["text-secondary"],
            "markdown.table.header": f"bold {primary}",
        }
    )


_LISTS = ("bullet_list_open", "ordered_list_open")
_code_styles: dict[str, tuple[str, type[CodeBlock]]] = {}  # theme name → Pygments theme, fence


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt().enable("strikethrough").enable("table")  # what Rich's Markdown uses


def _markdown(markup: str, code_theme: str, fence: type[CodeBlock]) -> ParsedMarkdown:
    """Rich's Markdown parsed by the one shared parser (see ParsedMarkdown)."""
    parsed = _parser().parse(markup)
    return ParsedMarkdown(markup, parsed, code_theme, {"fence": fence, "code_block": fence})


class _RenderedOnce:
    """Markdown rendered once per width and theme; its lines, and their strips in the widget's
    style, kept after that.

    Markdown with highlighted code is far too costly to render whenever Textual lays out or
    paints the widget; a reply that streams would render its finished blocks again every frame.
    """

    def __init__(self, markdown: RichMarkdown, theme: Callable[[], str]) -> None:
        self.markdown = markdown
        self._theme = theme
        self._lines: list[list[Segment]] = []
        self._strips: tuple[Style, list[Strip]] | None = None
        parsed = markdown.parsed
        self.starts_with_list = bool(parsed) and parsed[0].type in _LISTS
        self.languages = code_languages(parsed) - {"text"}
        self._key: tuple[int, str, bool] | None = None

    @property
    def coloured(self) -> bool:
        """Whether every code block in it has its lexer (it is rendered again when they come)."""
        return self.languages.issubset(_lexers)

    @property
    def fresh(self) -> bool:
        """Rendered, and since then no lexer came that its code was waiting for."""
        return self._key is not None and self._key[2] == self.coloured

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        key = (options.max_width, self._theme(), self.coloured)
        if key != self._key:
            self._lines = console.render_lines(self.markdown, options, pad=False)
            self._key = key
            self._strips = None
        return self._lines

    def strips(self, console: Console, options: ConsoleOptions, base: Style) -> list[Strip]:
        """The lines as strips on the widget's ``base`` style (as Textual's Static would paint
        them: the base under each segment's own style)."""
        lines = self.lines(console, options)
        if self._strips is None or self._strips[0] != base:
            add = base.__add__
            self._strips = (
                base,
                [Strip([Segment(text, add(style)) for text, style, _ in line]) for line in lines],
            )
        return self._strips[1]


class MarkdownText(LaidOutOnce, Widget):
    """Markdown in one widget. ``source`` is its text; ``append`` adds to it.

    Painted line by line from strips kept per block (Textual's Line API): a frame of a streaming
    reply renders only its unfinished tail, where a Static would render and cut every line of its
    content twice (once to learn its height, once to paint).
    """

    DEFAULT_CSS = "MarkdownText { height: auto; }"

    def __init__(
        self,
        source: str = "",
        *,
        id: str | None = None,
        classes: str | None = None,
        pacer: Pacer | None = None,
        grow_by: int = 0,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._grow_by = grow_by  # lines of room it takes at a time; 0: as many as it needs
        self._pacer = pacer  # while it holds, rendering ahead waits (a key press is to be painted)
        # Paced: while it grows ahead, the next room is taken at most every PAGE_S; a turn
        # waiting for it is due.
        self._turns = PageTurns() if pacer is not None else None
        self._turn_due: Timer | None = None
        self._parts: list[_RenderedOnce] = []  # finished blocks, rendered once
        self._queued: deque[str] = deque()  # finished blocks to render ahead, then show
        self._stale: deque[_RenderedOnce] = deque()  # shown blocks to render again (coloured)
        self._ahead: asyncio.Handle | None = None  # the next bite, when one is due
        self._tail_part: _RenderedOnce | None = None  # the unfinished tail, while it is the same
        self._settled = ""  # the finished blocks' text
        self._tail = ""  # the text after them, rendered anew when it changes
        self._shown: tuple[tuple[int, str, Style], list[Strip]] | None = None
        self._colouring = False  # lexers are to be made after this frame
        if source.strip():
            self._parts.append(self._rendered(source))
        self._settled = source

    @property
    def source(self) -> str:
        return self._settled + self._tail

    def append(self, text: str) -> None:
        """Add streamed text: finished blocks are rendered once (ahead of the frame, a bite at a
        time), the tail on the next frame."""
        self._tail += text
        if cut := settled_length(self._tail):
            done, self._tail = self._tail[:cut], self._tail[cut:]
            self._queued.extend(chunk for chunk in chunks(done) if chunk.strip())
            self._settled += done
        self._tail_part = None
        if self._ahead is None:  # else the bite due takes what was queued here too
            self._render_ahead()

    def _render_ahead(self) -> None:
        """Render queued blocks (new, or stale) for a bite of time; what is left waits for the
        loop's next turn. Nothing new is shown until all are rendered: the tail comes after the
        queued blocks, and a frame per bite would cost more than the bites."""
        self._ahead = None
        due = self._queued or self._stale
        if due and self.is_attached and self._pacer is not None and self._pacer.held:
            self._ahead = asyncio.get_running_loop().call_later(pacing.BITE_S, self._bite)
            return
        if due and (width := self.size.width if self.is_attached else 0):
            console, options, base = self.app.console, self._options(width), self._base()
            ends = time.perf_counter() + pacing.BITE_S
            while True:  # at least one part a bite, however short the bite
                if self._queued:
                    part = self._rendered(self._queued.popleft())
                    self._parts.append(part)
                else:
                    part = self._stale.popleft()
                part.strips(console, options, base)
                if not (self._queued or self._stale) or time.perf_counter() >= ends:
                    break
        else:  # not on screen (yet): the frame that shows them renders them
            self._parts.extend(self._rendered(chunk) for chunk in self._queued)
            self._queued.clear()
            self._stale.clear()
        if not (self._queued or self._stale):
            self._changed()
        else:
            # A Textual message would be handled before the loop's next turn (the widget's
            # queue is not left while it holds messages): the key presses would still wait.
            self._ahead = asyncio.get_running_loop().call_soon(self._bite)

    def _bite(self) -> None:
        """A bite on the loop's turn. A failure is reported as Textual reports a frame's: asyncio
        would only log it, and the text would never show."""
        try:
            self._render_ahead()
        except Exception as error:  # noqa: BLE001
            report_crash(self.app, error)

    def stop_growing_ahead(self) -> None:
        """The text is complete: the widget is as tall as its lines (its blocks still being
        rendered ahead too, when they come)."""
        self._cancel_turn()
        if self._grow_by:
            self._grow_by = 0
            self.refresh(layout=True)

    def _turn_page(self) -> None:
        """Take the room the text needs now (the pane is laid out, moved and repainted)."""
        self._cancel_turn()
        if self._turns is not None:
            self._turns.turned()
        self.refresh(layout=True)

    def _cancel_turn(self) -> None:
        if self._turn_due is not None:
            self._turn_due.stop()
            self._turn_due = None

    def _height(self, lines: int) -> int:
        step = self._grow_by
        return -(-lines // step) * step if step else lines

    def block_end(self, text: str) -> int:
        """How much of ``text`` to append for this widget to end with a finished block (0: no
        block ends in it)."""
        return max(0, settled_length(self._tail + text) - len(self._tail))

    def _changed(self) -> None:
        """Show the new text. Laying out the chat pane and repainting all of it costs 10-30 ms
        of CPU here: when the height stays, only the lines that changed are repainted."""
        before, self._shown = self._shown, None
        width = self.size.width if self.is_attached else 0
        if before is None or not width or before[0][0] != width:
            self.refresh(layout=True)  # rendered when the next frame asks for the height
            return
        old, new = before[1], self.strips(width)
        if self._height(len(new)) != self._height(len(old)):
            wait = self._turns.wait() if self._turns is not None and self._grow_by else 0.0
            if not wait:
                self._turn_page()
                return
            if self._turn_due is None:  # the lines of the room it has fill meanwhile
                self._turn_due = self.set_timer(wait, self._turn_page)
        changed = [
            Region(0, y, width, 1)
            for y in range(min(max(len(old), len(new)), self.size.height))
            if (new[y] if y < len(new) else _BLANK) != (old[y] if y < len(old) else _BLANK)
        ]
        if changed:
            self.refresh(*changed)

    def strips(self, width: int) -> list[Strip]:
        """Every line of the widget at ``width``: the parts spaced as Rich spaces the blocks of
        one document (a blank line between them, except before a list, whose rendering starts
        with one)."""
        app = self.app
        base = self._base()
        key = (width, app.theme, base)
        if self._shown is not None and self._shown[0] == key:
            return self._shown[1]
        parts = list(self._parts)
        if self._tail.strip() and not self._queued:  # the tail follows the queued blocks
            if self._tail_part is None:
                self._tail_part = self._rendered(self._tail)
            parts.append(self._tail_part)
        console = app.console
        options = self._options(width)
        strips: list[Strip] = []
        for index, part in enumerate(parts):
            if index and not part.starts_with_list:
                strips.append(_BLANK)
            strips += part.strips(console, options, base)
        self._shown = (key, strips)
        if not self._colouring and not all(part.coloured for part in parts):
            self._colouring = True
            self.call_after_refresh(self._colour, parts)
        return strips

    def _base(self) -> Style:
        return self.visual_style.rich_style

    def _options(self, width: int) -> ConsoleOptions:
        return self.app.console_options.update(highlight=False, height=None).update_width(width)

    async def _colour(self, parts: list[_RenderedOnce]) -> None:
        """After the frame that showed code uncoloured: make its lexers, in a thread (Python's
        compiles its patterns for 25-60 ms here), then render that code again, ahead of the
        frame as new blocks are, and show it."""
        await asyncio.to_thread(make_lexers, set().union(*(part.languages for part in parts)))
        self._colouring = False
        self._stale.extend(part for part in self._parts if not part.fresh)
        if self._ahead is None:
            self._render_ahead()

    def _rendered(self, source: str) -> _RenderedOnce:
        app = self.app
        if (style := _code_styles.get(app.theme)) is None:
            # Working out a theme's colours costs more than rendering a short block: once each.
            fence = _fence(app.get_css_variables()["surface"])
            style = _code_styles[app.theme] = (
                "monokai" if app.current_theme.dark else "friendly",
                fence,
            )
        code_theme, fence = style
        # Every part of every reply is rendered here: the one place its text is made safe.
        return _RenderedOnce(_markdown(visible(source), code_theme, fence), lambda: app.theme)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(len(self.strips(width))) if width else 0

    def render_line(self, y: int) -> Strip:
        strips = self.strips(self.size.width)
        if y >= len(strips):
            return _BLANK
        line = strips[y]
        if (selection := self.text_selection) is not None:
            style = self.screen.get_component_rich_style("screen--selection")
            line = highlighted(line, y, selection, style)
        return line.apply_offsets(0, y)  # where a drag is, for Textual's selection

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a drag across the widget: what it shows (see ``selectable``)."""
        return selected_text(self.strips(self.size.width), selection), "\n"


_BLANK = Strip([])
