"""Messages the next request leaves out stay on screen, greyed, saying so. Marked when built
(``MessageList._build``) and again when the session changes (a message added, a pin), never
per streamed delta."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget

from agentry.context import PINNED
from agentry_tui.store.model import SessionEntry

NOT_SENT = "Not sent: the conversation no longer fits the model's context (/context shows it)."


def left_out(entry: SessionEntry) -> frozenset[int]:
    """The indices of the messages the next request leaves out."""
    return frozenset(entry.context.left_out) if entry.context is not None else frozenset()


def set_not_sent(view: Widget, out: bool) -> None:
    if out != view.has_class("-not-sent"):
        view.set_class(out, "-not-sent")
        view.tooltip = NOT_SENT if out else None


def mark_not_sent(chat: Widget, entry: SessionEntry) -> None:
    """Mark the built messages of ``entry`` as its next request sends them or not. The views
    are in the messages' order; a view may hold a message as it was before a pin replaced it."""
    if entry.session is None:
        return
    messages, out = entry.session.messages, left_out(entry)
    index = 0
    for view in chat.query(".message"):
        if (shown := getattr(view, "message", None)) is None:
            continue
        found = next((i for i in range(index, len(messages)) if _same(messages[i], shown)), None)
        if found is not None:
            index = found + 1
            set_not_sent(view, found in out)


def _same(message: dict[str, Any], shown: dict[str, Any]) -> bool:
    return message is shown or (
        {k: v for k, v in message.items() if k != PINNED}
        == {k: v for k, v in shown.items() if k != PINNED}
    )
