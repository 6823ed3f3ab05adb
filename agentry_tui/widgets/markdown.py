"""Finished messages' Markdown as one widget.

Textual's Markdown widget builds a widget per block: right for a reply being streamed (it
appends in place), but a session of fifty long replies would take seconds to open and scroll
slowly. Finished messages are rendered by Rich's Markdown inside a single Static instead, with
colours taken from the Textual theme (``markdown_theme``, pushed onto the app's console).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.syntax import Syntax
from rich.theme import Theme as RichTheme
from textual.widgets import Static


@lru_cache(maxsize=8)
def _fence(background: str) -> type[CodeBlock]:
    """A code block element painted on ``background`` instead of the Pygments theme's own."""

    class Fence(CodeBlock):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            yield Syntax(
                str(self.text).rstrip(),
                self.lexer_name,
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


class _RenderedOnce:
    """A renderable that renders its Markdown once per width and theme and replays the lines.

    Textual renders a Static's content to learn its height and again to paint it, and every
    layout change (each frame of a streaming reply below) asks again; Markdown with highlighted
    code is far too costly to render that often.
    """

    def __init__(self, markdown: RichMarkdown, theme: Callable[[], str]) -> None:
        self.markdown = markdown
        self._theme = theme
        self._key: tuple[int, str] | None = None
        self._lines: list[list[Segment]] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (options.max_width, self._theme())
        if key != self._key:
            self._lines = console.render_lines(self.markdown, options, pad=False)
            self._key = key
        new_line = Segment.line()
        for line in self._lines:
            yield from line
            yield new_line


class MarkdownText(Static):
    """Markdown, rendered once, in one widget. ``source`` is the text."""

    def __init__(self, source: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            _RenderedOnce(self._renderable(source), lambda: self.app.theme),
            id=id,
            classes=classes,
        )
        self.source = source

    def _renderable(self, source: str) -> RichMarkdown:
        variables: dict[str, Any] = self.app.get_css_variables()
        markdown = RichMarkdown(
            source,
            code_theme="monokai" if self.app.current_theme.dark else "friendly",
            hyperlinks=True,
        )
        fence = _fence(variables["surface"])
        markdown.elements = {**markdown.elements, "fence": fence, "code_block": fence}
        return markdown
