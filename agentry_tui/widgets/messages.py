"""The message widgets of the chat pane: one per message, each showing its role at a glance.

A reply's Markdown is one MarkdownText. While it streams, the text is appended to it, and once
its finished blocks pass FREEZE_AT characters they move into a MarkdownText piece of their own
above it, so the widget that changes every frame stays small (linear time overall).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Collapsible, Static

from agentry_tui.formatting import clock_time, content_text, parse_time, tokens_per_second
from agentry_tui.store import Notice, PartialReply
from agentry_tui.widgets.markdown import MarkdownText

RESULT_LIMIT = 4000  # characters of a tool result shown; the rest is cut with a note
# Characters of finished blocks the live widget may hold before they move to a piece of their
# own: small enough that its lines are cheap to replay each frame, large enough to split rarely.
FREEZE_AT = 2000


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


class RoleLine(Static):
    """The role line above a message."""


class ToolCallView(Collapsible):
    """A tool call: its arguments, and its result once the tool has run."""

    def __init__(self, name: str, arguments: Any, call_id: str | None = None) -> None:
        self.call_name = name
        self.call_arguments = arguments
        self.call_id = call_id
        self._call_state = "pending"
        from textual.highlight import highlight  # Pygments: loaded with the first tool call

        self._result = Static("waiting for the tool to run…", classes="tool-result -pending",
                              markup=False)
        super().__init__(
            Static("Arguments", classes="tool-label"),
            Static(highlight(_arguments(arguments), language="json"), classes="tool-args"),
            Static("Result", classes="tool-label"),
            self._result,
            title=self._heading(),
            collapsed=True,
        )

    def _heading(self) -> str:
        mark = {"pending": "· pending", "done": "✓", "error": "✗ failed"}[self._call_state]
        summary = _call_summary(self.call_arguments)
        return f"⚙ {self.call_name}({summary})  {mark}"

    def set_result(self, content: str, is_error: bool) -> None:
        self._call_state = "error" if is_error else "done"
        if len(content) > RESULT_LIMIT:
            more = len(content) - RESULT_LIMIT
            content = content[:RESULT_LIMIT] + f"\n… ({more} more characters)"
        self._result.update(content or "(no output)")
        self._result.set_class(False, "-pending")
        self._result.set_class(is_error, "-error")
        self.set_class(is_error, "-error")
        self.title = self._heading()


def _call_views(message: dict[str, Any]) -> list[ToolCallView]:
    views = []
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        name, arguments = function.get("name", ""), function.get("arguments")
        views.append(ToolCallView(name, arguments, call.get("id")))
    return views


class MessageView(Vertical):
    """Base of the message widgets made of parts; the role is a CSS class (-assistant, -tool)."""


class UserMessage(Static):
    """A prompt: one widget, the header line and the text as typed."""

    def __init__(self, message: dict[str, Any], now: datetime) -> None:
        when = clock_time(parse_time(message.get("_created_at")), now)
        super().__init__(
            Content.assemble(
                ("You", "bold $text-primary"),
                ("  " + when, "$text-primary 60%"),
                "\n",
                content_text(message.get("content")),
            ),
            classes="message -user",
        )
        self.message = message


class SystemMessage(Static):
    def __init__(self, message: dict[str, Any]) -> None:
        text = content_text(message.get("content"))
        super().__init__(Content.assemble(("System  ", "bold"), text), classes="message -system")
        self.message = message


class ToolResultView(MessageView):
    """A tool result whose call is not on screen (its request is older than the window)."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(classes="message -tool")
        self.message = message

    def compose(self) -> ComposeResult:
        view = ToolCallView(self.message.get("name") or "tool", {})
        view.set_result(content_text(self.message.get("content")), bool(self.message.get("_error")))
        yield view


class AssistantMessage(MessageView):
    """A reply: reasoning (collapsed), the Markdown text, tool calls, and a line saying so if
    it was stopped or failed.

    Built either from a finished message, or live from a PartialReply and then fed with
    ``pull`` until ``finish`` gets the message the agent committed.
    """

    def __init__(
        self,
        message: dict[str, Any] | None,
        now: datetime,
        partial: PartialReply | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(classes="message -assistant")
        self.message = message or {}
        self._now = now
        self._model = model
        self.live = partial is not None
        self._text = partial.text if partial else content_text(self.message.get("content"))
        self._reasoning = partial.reasoning if partial else self.message.get("_reasoning", "")
        self._body = MarkdownText("" if self.live else self._text, classes="body", id="body")
        # Built here, not in compose, so results further down can be matched to them at once.
        self.calls = _call_views(self.message)
        self._pending = [ToolCallView(c.name, c.arguments, c.id) for c in partial.calls] \
            if partial else []
        self.set_class(self.live, "-live")

    def _header(self) -> Content:
        message = self.message
        model = message.get("_model") or self._model or ""
        when = clock_time(parse_time(message.get("_created_at")), self._now)
        parts: list[tuple[str, str] | str] = [("Assistant", "bold")]
        if model:
            parts.append(("  " + model, "dim"))
        if self.live:
            parts.append(("  ● replying…", "italic"))
            return Content.assemble(*parts)
        if when:
            parts.append(("  " + when, "dim"))
        if (rate := tokens_per_second(message.get("_usage"))) is not None:
            tokens = message["_usage"]["completion_tokens"]
            parts.append((f"  · {tokens} tokens · {rate:.1f} tok/s", "dim"))
        return Content.assemble(*parts)

    def _outcome(self) -> str:
        """A line under a reply that did not finish."""
        if error := self.message.get("_error"):
            return f"✗ failed: {error}"
        if self.message.get("_interrupted"):
            return "⏹ stopped: this is the partial reply"
        return ""

    def compose(self) -> ComposeResult:
        yield RoleLine(self._header(), id="header")
        if self._reasoning:
            yield self._reasoning_view()
        if self.live:
            self._body.append(self._text)
            if self._body.settled > FREEZE_AT:
                yield self._split_body()
        self._body.display = bool(self._text) or self.live
        yield self._body
        yield from self.calls
        yield from self._pending
        if outcome := self._outcome():
            yield Static(outcome, id="footer", markup=False)

    def _split_body(self) -> MarkdownText:
        return self._body.split_settled(classes="body -frozen")

    def _reasoning_view(self) -> Collapsible:
        return Collapsible(
            Static(self._reasoning, id="reasoning-text", markup=False),
            title="Reasoning",
            collapsed=True,
            id="reasoning",
        )

    def _show_reasoning(self, text: str) -> None:
        self._reasoning = text
        if found := self.query("#reasoning-text"):
            found.first(Static).update(text)
        else:
            self.mount(self._reasoning_view(), after=self.query_one("#header"))

    def on_mount(self) -> None:
        self.set_class(bool(self.message.get("_error")), "-error")

    def pull(self, partial: PartialReply) -> None:
        """Show what arrived since the last pull. Returns at once: the text is rendered when the
        next frame is painted."""
        if self.live and len(partial.text) > len(self._text):
            self._append(partial.text[len(self._text) :])
        if partial.reasoning != self._reasoning:
            self._show_reasoning(partial.reasoning)
        if len(partial.calls) > len(self._pending):
            fresh = partial.calls[len(self._pending) :]
            new = [ToolCallView(c.name, c.arguments, c.id) for c in fresh]
            self._pending.extend(new)
            self.mount_all(new)

    def _append(self, text: str) -> None:
        self._text += text
        self._body.append(text)
        self._body.display = bool(self._text) or self.live
        if self._body.settled > FREEZE_AT:
            self.mount(self._split_body(), before=self._body)

    async def finish(self, message: dict[str, Any]) -> None:
        """The agent committed the reply: show the rest, its tool calls and how it ended."""
        self.message = message
        text = content_text(message.get("content"))
        self.live = False
        if not self.is_attached:  # the app is closing
            return
        self.remove_class("-live")
        if text.startswith(self._text):  # as streamed: only what came after the last pull is new
            self._append(text[len(self._text) :])
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
        if message.get("_reasoning"):
            self._show_reasoning(message["_reasoning"])
        await self.query(ToolCallView).remove()
        self._pending = []
        self.calls = _call_views(message)
        if self.calls:
            await self.mount_all(self.calls)
        for header in self.query("#header").results(RoleLine):
            header.update(self._header())
        if outcome := self._outcome():
            await self.mount(Static(outcome, id="footer", markup=False))
        self.set_class(bool(message.get("_error")), "-error")


class NoticeView(Static):
    """A line from the app: a command's answer (-info) or a failure (-error)."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(notice.text, classes=f"-{notice.kind}", markup=False)


class NewContentHint(Static):
    """"↓ new": shown while the reader is scrolled up and more arrives below."""

    class Pressed(Message):
        pass

    def on_click(self) -> None:
        self.post_message(self.Pressed())


class LoadEarlier(Button):
    def __init__(self, hidden: int) -> None:
        super().__init__(self.label_for(hidden), id="load-earlier", compact=True)

    @staticmethod
    def label_for(hidden: int) -> str:
        return f"↑ load earlier messages ({hidden} more)"
