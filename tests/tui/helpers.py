"""Reading what the app shows, and driving it, in Pilot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import constants
from textual._xterm_parser import XTermParser
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from agentry_tui.app import AgentryApp
from agentry_tui.store import SessionEntry
from agentry_tui.widgets.markdown import MarkdownText
from agentry_tui.widgets.messages import AssistantMessage, NoticeView
from tests.tui.scenes import send, settle, wait_until

__all__ = ["send", "settle", "wait_until"]


class Holding(App[None]):
    """An app with one widget in it, to try the widget alone; ``make`` builds it in the app
    (a widget may need the app to be built, MarkdownText does for its text)."""

    def __init__(self, make: Callable[[], Widget]) -> None:
        super().__init__()
        self._make = make

    def compose(self) -> ComposeResult:
        yield self._make()


def painted(app: App[object], widget: Widget | None = None) -> list[str]:
    """The screen's lines as the compositor hands them to the terminal (a modal over the screens
    behind it), or only ``widget``'s part of them: the text of every segment that is not one of
    Textual's own control segments. The one place tests use Textual's private API: the render
    ``App.export_screenshot`` makes, before Rich turns it into SVG."""
    return [
        "".join(text for text, _, control in strip if not control) for strip in frame(app, widget)
    ]


def frame(app: App[object], widget: Widget | None = None) -> list[Strip]:
    """The lines ``painted`` reads, with their colours."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    strips = [Strip.join(chops) for chops in update.strips]
    if widget is not None:
        region = widget.region
        strips = [strip.crop(region.x, region.right) for strip in strips[region.y : region.bottom]]
    return strips


def text_of(widget: Widget) -> str:
    return str(widget.render())


def status_text(app: AgentryApp) -> str:
    return (
        text_of(app.query_one("#status-line", Static))
        + "\n"
        + text_of(app.query_one("#status-problem", Static))
    )


def notices(app: AgentryApp) -> list[str]:
    return [text_of(n) for n in app.query(NoticeView)]


def replies(app: AgentryApp) -> list[str]:
    """The Markdown source of each reply on screen (a reply being mounted, older messages
    filled in above, say, has no body yet)."""
    return [
        body.source
        for view in app.query(AssistantMessage)
        for body in view.query(".body").results(MarkdownText)
    ]


def active(app: AgentryApp) -> SessionEntry:
    entry = app.store.active
    assert entry is not None
    return entry


async def ready(pilot: Pilot) -> AgentryApp:
    """Connected (or known not to be) and idle."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AgentryApp)
    return app


async def replying(pilot: Pilot, text: str) -> SessionEntry:
    """Send ``text`` (a slow reply, say) and return the session once its reply has begun."""
    app = pilot.app
    assert isinstance(app, AgentryApp)
    await send(pilot, text)
    entry = active(app)
    await wait_until(pilot, lambda: entry.partial is not None and bool(entry.partial.text))
    return entry


async def idle(pilot: Pilot, entry: SessionEntry, timeout: float = 10.0) -> None:
    await wait_until(pilot, lambda: not entry.streaming and entry.saved, timeout)


async def typed(pilot: Pilot, data: str) -> None:
    """``data`` as a terminal sends it (tmux sends alt+c as ESC c), read by Textual's own parser
    and handed to the app all at once, as the driver hands over one read: keys that came
    together arrive together, before the app has handled the first."""
    parser = XTermParser()
    tokens = list(parser.feed(data))
    await asyncio.sleep(constants.ESCAPE_DELAY * 2)  # the parser's wait for more of a sequence
    tokens += parser.tick()
    for token in tokens:
        pilot.app.post_message(token)
    await pilot.pause()
