"""The layout follows the terminal's width: side panels take a share with a minimum and a
maximum, give way to a usable message box, and Help and Quit stay on the key bar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentry_tui.layout import MIN_CHAT, Panels, panels
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.messages import AssistantMessage, RoleLine
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.prompt import Prompt
from agentry_tui.widgets.sidebar import Sidebar
from tests.tui.helpers import ready, text_of, wait_until
from tests.tui.scenes import REPLY, SYSTEM, assistant, seed, user


@pytest.mark.parametrize(
    ("width", "sidebar", "metadata", "last", "expected"),
    [
        (200, True, True, "metadata", Panels(40, 48)),  # the maximums
        (120, True, True, "metadata", Panels(34, 40)),
        (120, True, False, "metadata", Panels(34, 0)),
        (80, True, False, "metadata", Panels(24, 0)),  # the minimum
        (80, True, True, "metadata", Panels(0, 34)),  # the sidebar gives way ...
        (80, True, True, "sidebar", Panels(24, 0)),  # ... or the panel, if asked for earlier
        (96, True, True, "metadata", Panels(0, 34)),
        (60, False, True, "metadata", Panels(0, 34)),  # never below its minimum
    ],
)
def test_panel_widths(width, sidebar, metadata, last, expected) -> None:
    assert panels(width, sidebar, metadata, last) == expected


@pytest.mark.parametrize("width", range(60, 260, 7))
def test_the_message_box_keeps_its_room(width: int) -> None:
    for last in ("sidebar", "metadata"):
        shown = panels(width, True, True, last)  # type: ignore[arg-type]
        assert width - shown.sidebar - shown.metadata >= min(MIN_CHAT, width - 34)


def displayed(app, kind) -> bool:
    widget = app.query_one(kind)
    return bool(widget.display) and widget.region.width > 0


async def test_at_80_columns_the_metadata_panel_takes_the_sidebars_place(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.query_one(Sidebar).region.width == 24  # a share of 80, at its minimum
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert displayed(app, MetadataPanel) and not displayed(app, Sidebar)
        assert app.query_one(MessageList).region.width >= MIN_CHAT
        await pilot.press("ctrl+s")  # the sidebar asked for again: the panel gives way
        await pilot.pause()
        assert displayed(app, Sidebar) and not displayed(app, MetadataPanel)
        assert app.show_metadata  # still wanted: ctrl+o brings it back
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert displayed(app, MetadataPanel) and not displayed(app, Sidebar)
        await pilot.resize_terminal(160, 40)  # room for both
        await pilot.pause()
        assert displayed(app, MetadataPanel) and displayed(app, Sidebar)
        assert app.query_one(Sidebar).region.width == 40 and app.query_one(Prompt).has_focus


async def test_the_filter_brings_back_a_sidebar_that_gave_way(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert displayed(app, Sidebar) and app.focused is app.query_one("#session-filter")


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_help_and_quit_stay_on_a_narrow_key_bar(app, size) -> None:
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        bar = text_of(app.query_one("#keys"))
        assert "f1 Help" in bar and "^q Quit" in bar and bar.rstrip().endswith("^p palette")


async def test_messages_keep_a_readable_measure_in_a_wide_terminal(app, history: Path) -> None:
    seed(history, "wide", [SYSTEM, user("a long one", 2), assistant(REPLY * 3, 1)], 3, 1)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        pane = app.query_one(MessageList)
        assert pane.region.width > 150
        reply = app.query_one(AssistantMessage)
        assert reply.region.width == 110 and reply.region.x == pane.region.x + 1


async def test_a_narrow_reply_header_loses_whole_parts(app, history: Path) -> None:
    seed(history, "narrow", [SYSTEM, user("q", 2), assistant("answer", 1, tokens=96)], 3, 1)
    async with app.run_test(size=(120, 24)) as pilot:
        await ready(pilot)
        header = app.query_one(RoleLine)
        assert text_of(header).endswith("· 96 tokens · 48.0 tok/s")
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: header.region.width < 50)
        shown = text_of(header).rstrip()
        assert shown.startswith("Assistant  llama3.2:latest")
        assert not shown.endswith("·") and "tok/s" not in shown and "…" not in shown


async def test_a_hidden_sidebar_is_remembered(make_app, ollama_server, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: (tmp_path / "config" / "settings.json").exists())
    settings = tmp_path / "config" / "settings.json"
    assert json.loads(settings.read_text()) == {"sidebar": "hidden"}
    again = make_app()
    async with again.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert not displayed(again, Sidebar)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: json.loads(settings.read_text()) == {})
        assert displayed(again, Sidebar)
