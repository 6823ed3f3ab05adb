"""Pinning: a pinned message is sent with every request, however long the conversation grows."""

from __future__ import annotations

from typing import Any

from agentry.context.window import PINNED, is_pinned, summary_through
from agentry.errors import Refused


def set_pinned(messages: list[dict[str, Any]], index: int, pinned: bool) -> str:
    """Pin (or unpin) message ``index`` in place and say so; Refused for a number that is not
    a message, or one that is always sent anyway."""
    if not 0 <= index < len(messages):
        raise Refused(
            f"There is no message {index}: this session's are 0 to {len(messages) - 1} "
            "(/context lists them)."
        )
    message = messages[index]
    if message.get("role") == "system" and summary_through(message) is None:
        raise Refused(f"Message {index} is the system message: it is always sent.")
    if is_pinned(message) == pinned:
        return f"Message {index} was already {'pinned' if pinned else 'not pinned'}."
    changed = dict(message)  # a new dict, as set_system makes: a client may hold the old one
    if pinned:
        changed[PINNED] = True
    else:
        changed.pop(PINNED, None)
    messages[index] = changed
    if pinned:
        return f"Pinned message {index}: every request sends it."
    return f"Unpinned message {index}: it is sent while it fits."


def toggled(messages: list[dict[str, Any]], index: int) -> str:
    """Pin message ``index`` if it is not pinned, else unpin it."""
    pinned = 0 <= index < len(messages) and is_pinned(messages[index])
    return set_pinned(messages, index, not pinned)
