"""Markdown as one widget whose blocks are rendered once and replayed.

Textual's Markdown widget builds a widget per block and restyles them as text is appended; a
session of fifty long replies would take seconds to open, and a streamed reply would cost more
with every token. Here Markdown is rendered by Rich inside a single Static, with colours taken
from the Textual theme (``markdown_theme``, pushed onto the app's console).

A reply being streamed grows by ``append``: the blocks it has finished (up to the last blank line
outside a code fence) are rendered once and kept as lines; only the unfinished tail is rendered
again, at most once a frame. So each update costs about the same however long the reply grows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from markdown_it import MarkdownIt
from rich.markdown import CodeBlock
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.syntax import Syntax
from rich.theme import Theme as RichTheme
from textual.widgets import Static

_FENCES = ("```", "~~~")


def settled_length(text: str) -> int:
    """How much of ``text`` is finished Markdown blocks: up to the last blank line that is not
    inside a code fence. What follows may still change as more text arrives."""
    settled = position = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        position += len(line)
        if line.lstrip().startswith(_FENCES):
            in_fence = not in_fence
        elif not in_fence and not line.strip() and line.endswith("\n"):
            settled = position
    return settled


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    """A Pygments lexer, made once per language (Rich's Syntax would look it up per render)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name or "text", stripnl=False, ensurenl=True, tabsize=4)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=4)


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


class _Markdown(RichMarkdown):
    """Rich's Markdown sharing one parser: Rich builds a new MarkdownIt for each document,
    which costs more than parsing the short blocks of a streaming reply."""

    def __init__(self, markup: str, code_theme: str, fence: type[CodeBlock]) -> None:
        self.markup = markup
        self.parsed = _parser().parse(markup)
        self.code_theme = self.inline_code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.elements = {**RichMarkdown.elements, "fence": fence, "code_block": fence}


class _RenderedOnce:
    """Markdown rendered once per width and theme, its lines replayed after that.

    Textual renders a Static's content to learn its height and again to paint it, and every
    layout change asks again; Markdown with highlighted code is far too costly to render that
    often.
    """

    def __init__(self, markdown: RichMarkdown, theme: Callable[[], str]) -> None:
        self.markdown = markdown
        self._theme = theme
        self._key: tuple[int, str] | None = None
        self._lines: list[list[Segment]] = []
        parsed = markdown.parsed
        self.starts_with_list = bool(parsed) and parsed[0].type in _LISTS

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        key = (options.max_width, self._theme())
        if key != self._key:
            self._lines = console.render_lines(self.markdown, options, pad=False)
            self._key = key
        return self._lines


class _Blocks:
    """Markdown parts one after the other, spaced as Rich spaces the blocks of one document: a
    blank line between them, except before a list, whose rendering starts with one. ``lead``: the
    first part follows blocks shown above this widget, so it is spaced from them too."""

    def __init__(self, parts: list[_RenderedOnce], lead: bool) -> None:
        self.parts = parts
        self.lead = lead

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for index, part in enumerate(self.parts):
            if (index or self.lead) and not part.starts_with_list:
                yield new_line
            for line in part.lines(console, options):
                yield from line
                yield new_line


class MarkdownText(Static):
    """Markdown in one widget. ``source`` is its text; ``append`` adds to it."""

    def __init__(self, source: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.follows_piece = False  # Markdown blocks of the same text are shown just above
        self._parts: list[_RenderedOnce] = []  # finished blocks, rendered once
        self._settled = ""  # their text
        self._tail = ""  # the text after them, rendered anew when it changes
        if source.strip():
            self._parts.append(self._rendered(source))
        self._settled = source
        self._show()

    @property
    def source(self) -> str:
        return self._settled + self._tail

    @property
    def settled(self) -> int:
        """Characters of finished blocks held."""
        return len(self._settled)

    def append(self, text: str) -> None:
        """Add streamed text: finished blocks are rendered once, the tail on the next frame."""
        self._tail += text
        if cut := settled_length(self._tail):
            done, self._tail = self._tail[:cut], self._tail[cut:]
            if done.strip():
                self._parts.append(self._rendered(done))
            self._settled += done
        self._show()

    def split_settled(self, *, classes: str | None = None) -> MarkdownText:
        """A new widget holding the finished blocks (their lines already rendered), leaving this
        one with the tail: keeps the widget that is re-rendered as a reply streams small."""
        piece = MarkdownText(classes=classes)
        piece.follows_piece = self.follows_piece
        piece._parts, piece._settled = self._parts, self._settled
        piece._show()
        self._parts, self._settled = [], ""
        self.follows_piece = True
        self._show()
        return piece

    def _show(self) -> None:
        parts = list(self._parts)
        if self._tail.strip():
            parts.append(self._rendered(self._tail))
        self.update(_Blocks(parts, self.follows_piece))

    def _rendered(self, source: str) -> _RenderedOnce:
        app = self.app
        if (style := _code_styles.get(app.theme)) is None:
            # Working out a theme's colours costs more than rendering a short block: once each.
            fence = _fence(app.get_css_variables()["surface"])
            style = _code_styles[app.theme] = (
                "monokai" if app.current_theme.dark else "friendly", fence)
        code_theme, fence = style
        return _RenderedOnce(_Markdown(source, code_theme, fence), lambda: app.theme)

