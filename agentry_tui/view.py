"""The view model of the message widgets: what a finished message shows, worked out once from
its dict, so the widgets only lay it out (pure: no Textual here).

``text`` and ``reasoning`` are kept as the message holds them: a live reply grows them delta by
delta, and the widgets make each visible on its way to the screen. The meta line's parts are
ready to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from agentry import messages
from agentry.safe_text import visible
from agentry.wording import plural
from agentry_tui.formatting import clock_time, human_size, tokens_per_second

STOPPED = "⏹ stopped: this is the partial reply"
TRUNCATED = "✂ cut at the length limit (max_tokens) · F7 asks the model to go on"


class ShownCall(NamedTuple):
    """A tool call of a reply (the same attributes as a streamed ``ToolCallEvent``)."""

    id: str | None
    name: str
    arguments: Any


class ShownAttachment(NamedTuple):
    """A file or image attached to a prompt (issue 21): its reference and what its line says."""

    ref: Mapping[str, Any]  # as the message keeps it: finds its stored bytes
    name: str  # safe to show
    size: str  # "35 B"
    is_image: bool


class ShownMessage(NamedTuple):
    """What one message shows. A NamedTuple: immutable, and defined at start-up in ~0.2 ms
    (a frozen dataclass: ~1.5 ms)."""

    role: str
    text: str  # the content as text
    reasoning: str = ""
    calls: tuple[ShownCall, ...] = ()
    name: str = ""  # a tool result's tool
    model: str = ""  # the model that wrote a reply; "" if not recorded
    time: str = ""  # when it was made: HH:MM today, else the date too; "" if not recorded
    speed: str = ""  # "412 tokens · 38.2 tok/s", if the reply's usage says
    outcome: str = ""  # the line under a reply that did not finish, "" if it did
    is_error: bool = False  # a failed reply or tool result
    attachments: tuple[ShownAttachment, ...] = ()  # a prompt's files and images

    @classmethod
    def of(cls, message: Mapping[str, Any], now: datetime) -> ShownMessage:
        """What ``message`` shows; ``now`` decides whether its time needs the date."""
        role = message.get("role")
        error = messages.error(message)
        return cls(
            role=role if isinstance(role, str) else "",
            text=messages.content_text(message.get("content")),
            reasoning=messages.reasoning(message),
            calls=tuple(_call(call) for call in message.get("tool_calls") or ()),
            name=message.get("name") or "",
            model=messages.model(message),
            time=clock_time(messages.created_at(message), now),
            speed=_speed(messages.usage(message)),
            outcome=_outcome(error, message) if role == "assistant" else "",
            is_error=bool(error),
            attachments=_attachments(message.get("attachments")) if role == "user" else (),
        )


def _attachments(refs: Any) -> tuple[ShownAttachment, ...]:
    return tuple(
        ShownAttachment(
            ref,
            visible(str(ref.get("name", ""))),
            human_size(ref.get("size")),
            ref.get("kind") == "image",
        )
        for ref in refs or ()
        if isinstance(ref, Mapping)
    )


def _call(call: Mapping[str, Any]) -> ShownCall:
    function = call.get("function", {})
    return ShownCall(call.get("id"), function.get("name", ""), function.get("arguments"))


def _speed(usage: messages.Usage | None) -> str:
    rate = tokens_per_second(usage)  # None for a reply too short to time, too
    if usage is None or rate is None:
        return ""
    return f"{plural(int(usage.get('completion_tokens') or 0), 'token')} · {rate:.1f} tok/s"


def _outcome(error: str, message: Mapping[str, Any]) -> str:
    if error:
        return f"✗ failed: {visible(error)}"
    if messages.is_interrupted(message):
        return STOPPED
    return TRUNCATED if messages.is_truncated(message) else ""
