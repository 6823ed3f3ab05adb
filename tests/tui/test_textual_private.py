"""The private Textual, Rich and anyio APIs agentry_tui/textual_private.py relies on: each test
fails if one changes (gone, a different signature, or no longer doing what the module needs),
so a Textual or Rich upgrade is checked here first. Also the private parts the tests and benches
use to watch frames, so an upgrade that moves them fails here by name."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from textual import events
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TextArea

from agentry_tui.textual_private import (
    AnchoredToThisLayout,
    LaidOutOnce,
    ParsedMarkdown,
    read_alt_keys,
    report_crash,
)
from agentry_tui.widgets.markdown import _parser


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


# -- the container size of this layout --------------------------------------------------------


def test_the_compositor_asks_a_scrolling_widget_for_its_region_with_this_layouts_container():
    assert parameters(Widget._get_scrollable_region) == ["self", "region"]
    source = inspect.getsource(sys.modules["textual._compositor"])
    assert "widget._get_scrollable_region(container_region)" in source


def test_the_container_size_textual_anchors_with_is_the_private_attribute():
    widget = Widget()
    widget._container_size = Size(33, 7)
    assert widget.container_size == Size(33, 7)


class Pane(AnchoredToThisLayout, VerticalScroll):
    def __init__(self) -> None:
        super().__init__()
        self.regions: list[Region] = []

    def _get_scrollable_region(self, region: Region) -> Region:
        self.regions.append(region)
        return super()._get_scrollable_region(region)


class PaneApp(App[None]):
    CSS = "Pane { height: 10; border: solid red; } Static { height: 3; }"

    def compose(self) -> ComposeResult:
        with Pane():
            yield from (Static(f"line {n}") for n in range(12))


async def test_an_anchored_pane_has_this_layouts_size_before_it_anchors():
    app = PaneApp()
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(Pane)
        pane.anchor()
        await pilot.pause()
        assert pane.regions, "the compositor no longer calls _get_scrollable_region"
        assert pane.container_size == pane.regions[-1].size == Size(38, 8)
        assert pane.scroll_y == pane.max_scroll_y > 0


# -- one layout for a widget a layout resized ---------------------------------------------------


class Growing(Static):
    DEFAULT_CSS = "Growing { height: auto; }"


class GrowingOnce(LaidOutOnce, Growing):
    pass


class Feed(AnchoredToThisLayout, VerticalScroll):
    DEFAULT_CSS = "Feed { height: 10; }"


class FeedOnce(LaidOutOnce, Feed):
    pass


class FeedApp(App[None]):
    def __init__(self, once: bool) -> None:
        super().__init__()
        self.once = once

    def compose(self) -> ComposeResult:
        with FeedOnce() if self.once else Feed():
            yield GrowingOnce() if self.once else Growing()


async def layouts_to_grow(once: bool, lines_before: int) -> int:
    """How many layouts it takes for an anchored feed 10 lines high to show its text grown from
    ``lines_before`` lines to 25, the newest in view and a scrollbar beside it."""
    app = FeedApp(once)
    async with app.run_test(size=(30, 14)) as pilot:
        feed, text = app.query_one(VerticalScroll), app.query_one(Growing)
        feed.anchor()
        text.update("\n".join(f"old {n}" for n in range(lines_before)))
        await pilot.pause()
        layouts: list[Screen[Any]] = []
        app.screen.screen_layout_refresh_signal.subscribe(app.screen, layouts.append, True)
        text.update("\n".join(f"line {n}" for n in range(25)))
        for _ in range(3):
            await pilot.pause()
        assert feed.show_vertical_scrollbar and text.size == Size(30 - 2, 25)
        assert feed.virtual_size.height == text.virtual_size.height == 25
        assert feed.scroll_y == feed.max_scroll_y == 15  # the newest line in view
        return len(layouts)


def test_textual_sets_a_resized_widgets_virtual_size_in_size_updated():
    assert parameters(Widget._size_updated) == [
        "self",
        "size",
        "virtual_size",
        "container_size",
        "layout",
    ]


async def test_textual_lays_out_twice_when_a_layout_resizes_a_widget():
    """What LaidOutOnce saves: the second layout Textual asks for when it sets virtual_size
    (if this fails, Textual no longer does, and LaidOutOnce can go)."""
    assert await layouts_to_grow(once=False, lines_before=15) == 2


async def test_a_widget_laid_out_once_is_shown_grown_and_anchored_after_one_layout():
    assert await layouts_to_grow(once=True, lines_before=15) == 1


async def test_a_scrollbar_that_comes_still_gets_its_layout_when_laid_out_once():
    assert await layouts_to_grow(once=True, lines_before=2) == 3  # as without (checked inside)
    assert await layouts_to_grow(once=False, lines_before=2) == 3


# -- keys before TextArea's own handling (public: Prompt.on_key, no longer the private _on_key)


class Guarded(TextArea):
    def on_key(self, event: events.Key) -> None:
        if event.key == "x":
            event.prevent_default()


class GuardedApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Guarded()


async def test_on_key_runs_before_textareas_handler_and_prevent_default_keeps_a_key_from_it():
    app = GuardedApp()
    async with app.run_test() as pilot:
        await pilot.press("a", "x", "b")
        assert app.query_one(Guarded).text == "ab"


# -- reporting an error raised outside Textual's handlers -------------------------------------


def test_app_handles_an_exception_with_the_private_handle_exception():
    assert parameters(App._handle_exception) == ["self", "error"]


async def test_report_crash_closes_the_app_with_the_error_as_textual_does():
    app = App[None]()
    with pytest.raises(RuntimeError, match="a bite failed"):
        async with app.run_test() as pilot:
            report_crash(app, RuntimeError("a bite failed"))
            await pilot.pause()
    assert app.return_code == 1


# -- Rich's Markdown without its __init__ -----------------------------------------------------


def assigned_attributes(function: object) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    return {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        for target in ast.walk(target)
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    }


def test_parsed_markdown_sets_every_attribute_rich_markdown_init_sets():
    rich_sets = assigned_attributes(RichMarkdown.__init__)
    assert rich_sets == assigned_attributes(ParsedMarkdown.__init__) - {"elements"}
    assert parameters(RichMarkdown.__init__) == [
        "self", "markup", "code_theme", "justify", "style", "hyperlinks",
        "inline_code_lexer", "inline_code_theme",
    ]  # fmt: skip
    # Rich parses as the shared parser does (the one set of plugins in both).
    assert 'MarkdownIt().enable("strikethrough").enable("table")' in inspect.getsource(
        RichMarkdown.__init__
    )


SAMPLE = """# Title

Some *emphasis*, **strong**, ~~struck~~ and `code`, a [link](https://example.com).

| a | b |
|---|---|
| 1 | 2 |

```python
def f(x):
    return x + 1
```

1. one
2. two
"""


def rendered(markdown: RichMarkdown) -> list[tuple[str, str]]:
    """Each segment's text and style (a style's link id is random, so it is left out)."""
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    return [(segment.text, str(segment.style)) for segment in console.render(markdown)]


def test_parsed_markdown_renders_as_rich_markdown_does():
    ours = rendered(ParsedMarkdown(SAMPLE, _parser().parse(SAMPLE), "monokai"))
    assert ours == rendered(RichMarkdown(SAMPLE, code_theme="monokai"))
    assert any("link https://example.com" in style for _, style in ours)
    assert any(text == "struck" for text, _ in ours)


# -- anyio's network backend, loaded ahead ----------------------------------------------------

PRELOAD = """
import asyncio, sys
import anyio
backend = "anyio._backends._asyncio"
before = backend in sys.modules
asyncio.run(anyio.sleep(0))
used = backend in sys.modules
for name in [n for n in sys.modules if n.startswith("anyio")]:
    del sys.modules[name]
from agentry_tui.textual_private import preload_asyncio_network_backend
preload_asyncio_network_backend()
print(before, used, backend in sys.modules)
"""


def test_preloading_loads_the_backend_anyio_loads_for_asyncio():
    out = subprocess.run(
        [sys.executable, "-c", PRELOAD], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["False", "True", "True"]


# -- what the tests and benches use to watch frames -------------------------------------------


async def test_the_private_parts_frame_watchers_use_are_there():
    from textual._compositor import CompositorUpdate  # noqa: F401

    assert parameters(App._display) == ["self", "screen", "renderable"]
    assert "app._display(" in inspect.getsource(Screen._compositor_refresh)  # every frame
    app = App[None]()
    async with app.run_test():
        assert app._batch_count == 0
        assert callable(app._driver.send_message)
        assert app._background_screens == []
        assert parameters(app.screen._compositor.render_update)[:2] == ["full", "screen_stack"]


# -- alt keys sent as ESC x -------------------------------------------------------------------


def test_the_parser_reads_escape_and_a_key_from_its_table_as_alt_at_once():
    from textual._xterm_parser import XTermParser

    read_alt_keys(["alt+c", "alt+1", "ctrl+t"])
    keys = list(XTermParser().feed("\x1bc\x1b1\x1bc"))  # no wait needed: read as they come
    assert [(key.key, key.character) for key in keys] == [
        ("alt+c", None),
        ("alt+1", None),
        ("alt+c", None),
    ]
    assert not any(key.is_printable for key in keys)  # nothing a widget would type
