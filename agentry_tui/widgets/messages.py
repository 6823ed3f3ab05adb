"""The message widgets of the chat pane: one per message, each showing its role at a glance.

A reply's Markdown is one MarkdownText. While it streams, the text is appended to it; its
finished blocks are rendered once, so each frame costs about the same however long it grows.

A fast server delivers text faster than Markdown renders (Rich takes ~12 µs a character), and a
frame that renders it holds the event loop; a slow one would have the chat pane painted a token
at a time. So a live reply shows what arrived at the pace the app's ``Pacer`` gives: all of it a
few times a second, or while the person types a slice at a time with pauses between, so their
key presses are shown without waiting behind the reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Collapsible, Static

from agentry.context.texts import summary_label
from agentry.context.window import is_pinned
from agentry.events import ToolCallEvent
from agentry.safe_text import visible
from agentry_tui.pacing import UNPACED, Pace, Pacer
from agentry_tui.store.model import Notice, PartialReply
from agentry_tui.textual_private import LaidOutOnce
from agentry_tui.view import ShownCall, ShownMessage
from agentry_tui.widgets.fitted import FittedLine, Part
from agentry_tui.widgets.markdown import MarkdownText

RESULT_LIMIT = 4000  # characters of a tool result shown; the rest is cut with a note


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _call_summary(arguments: Any) -> str:
    """A one-line hint of a call's arguments for the collapsed title."""
    if isinstance(arguments, dict) and arguments:
        first_key = next(iter(arguments))
        text = f"{first_key}={json.dumps(arguments[first_key], ensure_ascii=False)}"
        if len(arguments) > 1:
            text += ", …"
        return text if len(text) <= 60 else text[:59] + "…"
    return ""


class RoleLine(FittedLine):
    """The role line above a reply: in a narrow pane its speed, then its time, give way."""


class ToolCallView(Collapsible):
    """A tool call: its arguments, and its result once the tool has run."""

    def __init__(self, name: str, arguments: Any, call_id: str | None = None) -> None:
        self.call_name = name
        self.call_arguments = arguments
        self.call_id = call_id
        self._call_state = "pending"
        from textual.highlight import highlight  # Pygments: loaded with the first tool call

        self._result = Static(
            "waiting for the tool to run…", classes="tool-result -pending", markup=False
        )
        super().__init__(
            Static("Arguments", classes="tool-label"),
            Static(highlight(visible(_arguments(arguments)), language="json"), classes="tool-args"),
            Static("Result", classes="tool-label"),
            self._result,
            title=self._heading(),
            collapsed=True,
        )

    def _heading(self) -> str:
        mark = {"pending": "· pending", "done": "✓", "error": "✗ failed"}[self._call_state]
        summary = _call_summary(self.call_arguments)
        # Escaped: Collapsible reads its title as markup.
        return escape(visible(f"⚙ {self.call_name}({summary})  {mark}"))

    def set_result(self, content: str, is_error: bool) -> None:
        self._call_state = "error" if is_error else "done"
        if len(content) > RESULT_LIMIT:
            more = len(content) - RESULT_LIMIT
            content = content[:RESULT_LIMIT] + f"\n… ({more} more characters)"
        self._result.update(visible(content) or "(no output)")
        self._result.set_class(False, "-pending")
        self._result.set_class(is_error, "-error")
        self.set_class(is_error, "-error")
        self.title = self._heading()


def _call_views(calls: Iterable[ShownCall | ToolCallEvent]) -> list[ToolCallView]:
    return [ToolCallView(c.name, c.arguments, c.id) for c in calls]


PIN_MARK = ("  pinned", "bold $text-warning")  # sent in every request (see agentry.context)


def branch_mark(alternatives: tuple[int, int]) -> str:
    """ "‹2/3›" for the second of three siblings; "" for a message that has none."""
    position, count = alternatives
    return f"‹{position}/{count}›" if count > 1 else ""


class Indexed:
    """A message widget the chat's selection can stand on: ``message_index`` is the message's
    place in the session (set by the chat pane; None for a reply still arriving)."""

    message_index: int | None = None


class MessageView(Indexed, LaidOutOnce, Vertical):
    """Base of the message widgets made of parts; the role is a CSS class (-assistant, -tool)."""


class UserMessage(Indexed, Static):
    """A prompt: one widget, the header line and the text as typed; ``alternatives`` (position,
    count) among its siblings, shown as ‹2/3› when it has some."""

    def __init__(
        self, message: dict[str, Any], now: datetime, alternatives: tuple[int, int] = (1, 1)
    ) -> None:
        super().__init__(user_content(message, now, alternatives), classes="message -user")
        self.message = message


def user_content(message: dict[str, Any], now: datetime, alternatives: tuple[int, int]) -> Content:
    """A prompt's header line (its time, ‹2/3›, pinned) and its text as typed."""
    shown = ShownMessage.of(message, now)
    mark = branch_mark(alternatives)
    return Content.assemble(
        ("You", "bold $text-primary"),
        ("  " + shown.time, "$text-primary 60%"),
        ("  " + mark, "bold $text-accent") if mark else "",
        PIN_MARK if is_pinned(message) else "",
        "\n",
        visible(shown.text),
    )


class SystemMessage(Indexed, Static):
    def __init__(self, message: dict[str, Any], now: datetime) -> None:
        text = visible(ShownMessage.of(message, now).text)
        label = summary_label(message) or "System"  # a summary: marked, saying what it covers
        super().__init__(Content.assemble((f"{label}  ", "bold"), text), classes="message -system")
        self.message = message


class ToolResultView(MessageView):
    """A tool result whose call is not on screen (its request is older than the window)."""

    def __init__(self, message: dict[str, Any], now: datetime) -> None:
        super().__init__(classes="message -tool")
        self.message = message
        self.shown = ShownMessage.of(message, now)

    def compose(self) -> ComposeResult:
        view = ToolCallView(self.shown.name or "tool", {})
        view.set_result(self.shown.text, self.shown.is_error)
        yield view


class AssistantMessage(MessageView):
    """A reply: reasoning (collapsed), the Markdown text, tool calls, and a line saying so if
    it was stopped or failed.

    Built either from a finished message, or live from a PartialReply and then fed with
    ``pull`` until ``finish`` gets the message the agent committed; ``pacer`` says how fast a
    live reply is shown (none: all at once), and its text takes room ``grow_by`` lines at a time
    (see MarkdownText).
    """

    def __init__(
        self,
        message: dict[str, Any] | None,
        now: datetime,
        partial: PartialReply | None = None,
        model: str | None = None,
        pacer: Pacer | None = None,
        grow_by: int = 0,
        alternatives: tuple[int, int] = (1, 1),
    ) -> None:
        super().__init__(classes="message -assistant")
        self.message = message or {}
        self.alternatives = alternatives  # (position, count) among its siblings: ‹2/3›
        self.shown = ShownMessage.of(self.message, now)
        self._now = now
        self._model = model
        self.live = partial is not None
        # The reply's text so far: read when a slice is shown, so a slice that was due shows
        # what arrived since the last pull too.
        self._partial = partial
        self._final = self.shown.text  # once finished
        self._text = "" if self.live else self._final  # how much of it is shown (see _catch_up)
        self._pacer = pacer
        self._resuming = False  # the next slice is due after the next frame or the timer
        self._timer: Timer | None = None  # the pause before the next slice
        self._unsubscribe: Callable[[], None] | None = None
        self._reasoning = partial.reasoning if partial else self.shown.reasoning
        self._body = MarkdownText(
            "" if self.live else self._text,
            classes="body",
            id="body",
            pacer=pacer,
            grow_by=grow_by if self.live else 0,
        )
        # Built here, not in compose, so results further down can be matched to them at once.
        self.calls = _call_views(self.shown.calls)
        self._pending = _call_views(partial.calls) if partial else []
        self.set_class(self.live, "-live")

    def _header(self) -> list[Part]:
        shown = self.shown
        model = shown.model or self._model or ""
        parts: list[Part] = [(Content.styled("Assistant", "bold"), 0)]
        if mark := branch_mark(self.alternatives):
            parts.append((Content.styled("  " + mark, "bold $text-accent"), 0))
        if is_pinned(self.message):
            parts.append((Content.styled(*PIN_MARK), 0))
        if model:
            parts.append((Content.styled("  " + visible(model), "dim"), 1))
        if self.live:
            parts.append((Content.styled("  ● replying…", "italic"), 0))
            return parts
        if shown.time:
            parts.append((Content.styled("  " + shown.time, "dim"), 2))
        if shown.speed:
            parts.append((Content.styled("  · " + shown.speed, "dim"), 3))
        return parts

    def compose(self) -> ComposeResult:
        yield RoleLine(self._header(), id="header")
        if self._reasoning:
            yield self._reasoning_view()
        self._body.display = bool(self._text) or self.live
        yield self._body
        yield from self.calls
        yield from self._pending
        if self.shown.outcome:
            yield Static(self.shown.outcome, id="footer", markup=False)

    def _reasoning_view(self) -> Collapsible:
        return Collapsible(
            Static(visible(self._reasoning), id="reasoning-text", markup=False),
            title="Reasoning",
            collapsed=True,
            id="reasoning",
        )

    def _show_reasoning(self, text: str) -> None:
        self._reasoning = text
        if found := self.query("#reasoning-text"):
            found.first(Static).update(visible(text))
        else:
            self.mount(self._reasoning_view(), after=self.query_one("#header"))

    @property
    def _target(self) -> str:
        """The reply's text so far (all of it once finished)."""
        return self._partial.text if self.live and self._partial is not None else self._final

    def on_mount(self) -> None:
        self.set_class(self.shown.is_error, "-error")
        if self.live and self._pacer is not None:
            # A painted key press frees the loop until the next: the next slice goes then.
            self._unsubscribe = self._pacer.on_key_painted(self.step)
        self._catch_up()  # a reply opened while it streams: what arrived so far

    def on_unmount(self) -> None:
        self._stop_listening()

    def _stop_listening(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _pace(self) -> Pace:
        return UNPACED if self._pacer is None else self._pacer.pace()

    def pull(self, partial: PartialReply) -> None:
        """Show what arrived since the last pull. Returns at once: the text is rendered when the
        next frame is painted."""
        if self.live and len(partial.text) > len(self._text):
            self._partial = partial
            if not self._resuming:  # else the slice already due shows it
                self._catch_up()
            elif self._pacer and self._pacer.hurries(len(partial.text) - len(self._text)):
                self.step()  # a fast server's: rendered while it streams, not after
        if partial.reasoning != self._reasoning:
            self._show_reasoning(partial.reasoning)
        if len(partial.calls) > len(self._pending):
            fresh = partial.calls[len(self._pending) :]
            new = _call_views(fresh)
            self._pending.extend(new)
            self.mount_all(new)

    def _catch_up(self) -> None:
        """Show more of ``_target``: all of it, or the pace's characters now and the rest after
        its pause (or the next frame)."""
        pace = self._pace()
        target = self._target
        behind = len(self._text) < len(target)
        if behind and pace.chars:
            ahead = target[len(self._text) : len(self._text) + pace.chars]
            if len(self._text) + len(ahead) < len(target):
                # A slice ends with a block, if one ends in it: then no unfinished tail is left
                # to be rendered again with the next slice.
                ahead = ahead[: self._body.block_end(ahead)] or ahead
            self._append(ahead)
        # After a slice the pause is kept even if nothing is left: text arriving in small
        # pieces would otherwise be painted piece by piece, and the pause is there to keep
        # frames away from the key presses.
        due = len(self._text) < len(target) or (behind and pace.pause > 0)
        if due and not self._resuming:
            self._resuming = True
            if pace.pause:
                self._timer = self.set_timer(pace.pause, self._resume)
            else:
                self.call_after_refresh(self._resume)

    def _resume(self) -> None:
        self._resuming = False
        self._timer = None
        if self.is_attached:
            self._catch_up()

    def step(self) -> None:
        """Show the next slice now, not after the pause: the loop is free (a key press was just
        painted, and the next one is furthest away)."""
        if self._timer is not None:
            self._timer.stop()
            self._resume()
        elif not self._resuming:  # else a slice is due after this frame anyway
            self._catch_up()

    def _append(self, text: str) -> None:
        self._text += text
        self._body.append(text)
        self._body.display = bool(self._text) or self.live

    async def finish(self, message: dict[str, Any]) -> None:
        """The agent committed the reply: show the rest, its tool calls and how it ended."""
        self.message = message
        self.shown = shown = ShownMessage.of(message, self._now)
        text = self._final = shown.text
        self.live = False
        self._stop_listening()
        if not self.is_attached:  # the app is closing
            return
        self.remove_class("-live")
        if text.startswith(self._text):  # as streamed: only what is not shown yet is new
            self._catch_up()
            self._body.stop_growing_ahead()
        else:  # the committed text differs from what streamed: render it anew
            body = MarkdownText(text, classes="body", id="body")
            body.display = bool(text)
            with self.app.batch_update():
                await self.query(".body").remove()
                reasoning = self.query("#reasoning")
                await self.mount(body, after=reasoning.first() if reasoning else "#header")
            self._body, self._text = body, text
        if not self.is_attached:  # the view was replaced (session switched, app closing)
            return
        if shown.reasoning:
            self._show_reasoning(shown.reasoning)
        await self.query(ToolCallView).remove()
        self._pending = []
        self.calls = _call_views(shown.calls)
        if self.calls:
            await self.mount_all(self.calls)
        for header in self.query("#header").results(RoleLine):
            header.set_parts(self._header())
        if shown.outcome:
            await self.mount(Static(shown.outcome, id="footer", markup=False))
        self.set_class(shown.is_error, "-error")


class NoticeView(Static):
    """A line from the app: a command's answer (-info) or a failure (-error)."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(visible(notice.text), classes=f"-{notice.kind}", markup=False)


class NewContentHint(Static):
    """ "↓ new": shown while the reader is scrolled up and more arrives below."""

    class Pressed(Message):
        pass

    def on_click(self) -> None:
        self.post_message(self.Pressed())


class LoadEarlier(Static, can_focus=True):
    """ "↑ load earlier messages (N more)" above the oldest message built; Enter or a click
    builds the block above. A Static styled as a compact button: Textual's Button brings a large
    stylesheet to parse (~12 ms of the first frame here) for this one line."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "press", "Load earlier", show=False)]

    class Pressed(Message):
        pass

    def __init__(self, hidden: int, id: str = "load-earlier") -> None:
        super().__init__(self.label_for(hidden), id=id, markup=False)

    @staticmethod
    def label_for(hidden: int) -> str:
        return f"↑ load earlier messages ({hidden} more)"

    def show_hidden(self, hidden: int) -> None:
        self.update(self.label_for(hidden))

    def on_click(self) -> None:
        self.press()

    def action_press(self) -> None:
        self.press()

    def press(self) -> None:
        self.post_message(self.Pressed())


class LoadLater(LoadEarlier):
    """ "↓ load later messages (N more)" below the built messages of a session shown from its
    first message (ctrl+home); Enter or a click builds the block below."""

    class Pressed(Message):
        pass

    def __init__(self, hidden: int) -> None:
        super().__init__(hidden, id="load-later")

    @staticmethod
    def label_for(hidden: int) -> str:
        return f"↓ load later messages ({hidden} more; ctrl+end: the newest)"
