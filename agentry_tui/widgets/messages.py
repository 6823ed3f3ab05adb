"""The message widgets of the chat pane: one per message, each showing its role at a glance.

Finished replies render their Markdown in one cheap widget (MarkdownText); a reply being
streamed is fed through Textual's Markdown and MarkdownStream, which append in place, and
becomes a MarkdownText when it ends. While it streams, the blocks it has finished are moved
out of the live Markdown into MarkdownText pieces, so each update costs the same however
long the reply grows (linear time overall, not quadratic).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Static

from agentry_tui.formatting import clock_time, content_text, parse_time, tokens_per_second
from agentry_tui.store import Notice, PartialReply
from agentry_tui.widgets.markdown import MarkdownText

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownStream

RESULT_LIMIT = 4000  # characters of a tool result shown; the rest is cut with a note
# Characters the live Markdown may hold before its finished blocks are frozen into a
# MarkdownText: small enough that re-parsing the tail is cheap, large enough to freeze rarely.
FREEZE_AT = 2000
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
        self.shown = len(partial.text) if partial else 0  # characters handed to the Markdown
        self._tail = ""  # the text in the live Markdown (after the frozen pieces)
        self._frozen: list[str] = []  # the text of the frozen pieces, in order
        self._text = partial.text if partial else content_text(self.message.get("content"))
        self._reasoning = partial.reasoning if partial else self.message.get("_reasoning", "")
        self._stream: MarkdownStream | None = None
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
        # Live: Textual's Markdown, which a MarkdownStream appends to. Finished: one cheap widget.
        body: Widget
        if self.live:
            from textual.widgets import Markdown  # not needed for the first frame

            settled = settled_length(self._text)
            if settled:
                self._frozen.append(self._text[:settled])
                yield MarkdownText(self._frozen[-1], classes="body -frozen")
            self._tail = self._text[settled:]
            body = Markdown(self._tail, classes="body", id="body")
        else:
            body = MarkdownText(self._text, classes="body", id="body")
        body.display = bool(self._text) or self.live
        yield body
        yield from self.calls
        yield from self._pending
        if outcome := self._outcome():
            yield Static(outcome, id="footer", markup=False)

    def _reasoning_view(self) -> Collapsible:
        return Collapsible(
            Static(self._reasoning, id="reasoning-text", markup=False),
            title="Reasoning",
            collapsed=True,
            id="reasoning",
        )

    async def _show_reasoning(self, text: str) -> None:
        self._reasoning = text
        if found := self.query("#reasoning-text"):
            found.first(Static).update(text)
        else:
            await self.mount(self._reasoning_view(), after=self.query_one("#header"))

    def on_mount(self) -> None:
        if self.live:
            from textual.widgets import Markdown

            self._stream = Markdown.get_stream(self.query_one("#body", Markdown))
        self.set_class(bool(self.message.get("_error")), "-error")

    async def pull(self, partial: PartialReply) -> None:
        """Show what arrived since the last pull."""
        if self._stream is not None and len(partial.text) > self.shown:
            fresh = partial.text[self.shown :]
            self.shown = len(partial.text)
            await self._append(fresh)
        if partial.reasoning != self._reasoning:
            await self._show_reasoning(partial.reasoning)
        if len(partial.calls) > len(self._pending):
            fresh = partial.calls[len(self._pending) :]
            new = [ToolCallView(c.name, c.arguments, c.id) for c in fresh]
            self._pending.extend(new)
            await self.mount_all(new)

    async def _append(self, fresh: str) -> None:
        """Hand new text to the live Markdown, first freezing its finished blocks if it has
        grown past FREEZE_AT (a burst of text arriving at once is frozen straight away)."""
        from textual.widgets import Markdown

        assert self._stream is not None
        self._tail += fresh
        settled = settled_length(self._tail) if len(self._tail) > FREEZE_AT else 0
        if not settled:
            await self._stream.write(fresh)
            return
        done, self._tail = self._tail[:settled], self._tail[settled:]
        self._frozen.append(done)
        await self._stream.stop()
        live = self.query_one("#body", Markdown)
        with self.app.batch_update():
            await self.mount(MarkdownText(done, classes="body -frozen"), before=live)
            await live.update(self._tail)
        self._stream = Markdown.get_stream(live)

    async def finish(self, message: dict[str, Any]) -> None:
        """The agent committed the reply: show the rest, its tool calls and how it ended."""
        self.message = message
        text = content_text(message.get("content"))
        if self._stream is not None:
            await self._stream.stop()  # the whole text is rendered anew just below
            self._stream = None
        self.shown = len(text)
        self.live = False
        if not self.is_attached:  # the app is closing
            return
        self.remove_class("-live")
        frozen = self.query(".-frozen")
        done = "".join(self._frozen)
        with self.app.batch_update():
            if frozen and text.startswith(done):
                # Keep the pieces already rendered; only the tail becomes a MarkdownText.
                await self.query_one("#body").remove()
                rest = text[len(done) :]
                body = MarkdownText(rest, classes="body", id="body")
                body.display = bool(rest.strip())
                await self.mount(body, after=frozen.last())
            else:
                await self.query(".body").remove()
                body = MarkdownText(text, classes="body", id="body")
                body.display = bool(text)
                reasoning = self.query("#reasoning")
                await self.mount(body, after=reasoning.first() if reasoning else "#header")
        if not self.is_attached:  # the view was replaced (session switched, app closing)
            return
        if message.get("_reasoning"):
            await self._show_reasoning(message["_reasoning"])
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

    async def stop_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None


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
