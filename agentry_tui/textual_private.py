"""Every use of a private Textual, Rich or anyio API, in one place.

Each of these saves time or a frame where the public API has no way to (the reason is at each).
They may change in any release: Textual and Rich are pinned to the tested minor in
pyproject.toml, and tests/tui/test_textual_private.py fails if a signature, an attribute or a
behaviour relied on here changes, so an upgrade means reading this module and that test.
Widgets reach these APIs only through here. (The prompt's keys need none: Prompt.on_key runs
before TextArea's private handler, and prevent_default() keeps a key from it.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.markdown import Markdown as RichMarkdown

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.app import App
    from textual.geometry import Region, Size
    from textual.widget import Widget as _ScrollingBase
else:  # a mixin: the widget class it is mixed into comes after it
    _ScrollingBase = object


class AnchoredToThisLayout(_ScrollingBase):
    """For a scrolling container anchored at its end: keep the end in view with this layout's
    container size.

    Textual anchors with the container size of the previous layout (none before the first): the
    first frame had the messages above the pane, and a pane that changed height was a frame out.
    The compositor passes this layout's container region to ``Widget._get_scrollable_region``
    before it anchors, so the size is taken there (tests/tui/test_start.py: the first frame)."""

    def _get_scrollable_region(self, region: Region) -> Region:
        self._container_size = region.size
        return super()._get_scrollable_region(region)


class LaidOutOnce(_ScrollingBase):
    """For a widget whose size a layout changed: no second layout for it.

    After a layout Textual sets each resized widget's ``virtual_size``, a reactive that asks for
    another layout of the screen, which repaints the widget again. The layout just done arranged
    the widget at that size already (a scrolling one anchored with it, and a scrollbar that comes
    or goes asks for a layout of its own), so here it is set without asking, as Textual itself
    does after a scroll. A live reply taking its next pane of room was laid out and painted
    twice: 14 + 6 ms of CPU here each time (bench/tui_cpu.py)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


def report_crash(app: App[Any], error: Exception) -> None:
    """Report ``error`` as Textual reports an exception in a handler or a frame: the traceback
    shown, the app closed with return code 1 (and re-raised by a Pilot test). Code run from the
    event loop directly (``call_soon``) is outside Textual's handlers, where asyncio would only
    log the error."""
    app._handle_exception(error)


def write_to_terminal(app: App[Any], text: str) -> None:
    """Write an escape sequence to the terminal (a desktop notification): Textual has a public
    call for the bell only, which writes through the driver just so (a headless one drops it)."""
    if app._driver is not None:
        app._driver.write(text)


class ParsedMarkdown(RichMarkdown):
    """Rich's Markdown from tokens parsed already. ``RichMarkdown.__init__`` builds a new
    MarkdownIt parser for each document, which costs more than parsing the short blocks of a
    streaming reply; so it is skipped, and the attributes it sets are set here (the test checks
    they are the same set)."""

    def __init__(
        self,
        markup: str,
        parsed: list[Token],
        code_theme: str,
        elements: dict[str, Any] | None = None,
    ) -> None:
        self.markup = markup
        self.parsed = parsed
        self.code_theme = self.inline_code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        if elements:  # per instance: the class's table stays Rich's own
            self.elements = {**RichMarkdown.elements, **elements}  # type: ignore[misc]


def preload_asyncio_network_backend() -> None:
    """Import the module anyio loads for asyncio on httpx's first request (~30 modules), so
    it can be done off the event loop, where it held the keys typed then for 25-80 ms."""
    with contextlib.suppress(ImportError):
        import anyio._backends._asyncio  # noqa: F401


@dataclass(frozen=True)
class _KeyName:
    value: str  # what the parser reads from an entry of its table (a ``Keys`` member there)


def read_alt_keys(keys: Iterable[str]) -> None:
    """Have the terminal parser read ESC x as the key alt+x, for each "alt+x" in ``keys``.

    Textual's parser reads ESC and a digit as the character macOS's option key types (ESC 1 is
    "¡", from its table of sequences), and ESC x followed by another ESC before its 0.1 s wait is
    over (two alt keys in one read, as tmux passes them on) as "^" and "x": the message box typed
    them. A sequence in that table is read as soon as it is complete, as a key with no character,
    which nothing types (tests/tui/test_alt_keys.py)."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    table = cast("dict[str, object]", ANSI_SEQUENCES_KEYS)
    for key in keys:
        modifier, _, name = key.partition("+")
        if modifier == "alt" and len(name) == 1:
            table["\x1b" + name] = (_KeyName(key),)
