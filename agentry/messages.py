"""Chat messages as plain dicts (the spec's ``List[Dict]``): checking them at the boundaries
(loading, saving) without changing them, and helpers that work on them.

The pydantic models in ``agentry.message_schema`` say what a valid message is. Nearly every
message is plainly valid, and that is checked here without pydantic, which is imported only to
name the problem when something is not (it would add a fifth of a second to every start-up).
"""

from __future__ import annotations

from typing import Any

ROLES = frozenset({"system", "user", "assistant", "tool"})

# Keys starting with this prefix are Agentry's bookkeeping (when a reply was made, by which
# provider and model, its usage, whether it was interrupted). They are kept on disk and stripped
# before messages are sent to any provider.
META_PREFIX = "_"


def optional_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _plain_call(call: Any) -> bool:
    if not isinstance(call, dict) or not optional_str(call.get("id")):
        return False
    function = call.get("function")
    if not isinstance(call.get("type", ""), str) or not isinstance(function, dict):
        return False
    arguments = function.get("arguments", "")
    return isinstance(function.get("name"), str) and (
        isinstance(arguments, str)
        or isinstance(arguments, dict) and all(isinstance(key, str) for key in arguments)
    )


def plainly_valid(message: Any) -> bool:
    """True for a message the schema's models certainly accept; False means "ask them"."""
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        return False
    content, calls = message.get("content"), message.get("tool_calls")
    return (
        (content is None or isinstance(content, str | list))
        and optional_str(message.get("tool_call_id"))
        and optional_str(message.get("name"))
        and (calls is None or isinstance(calls, list) and all(_plain_call(c) for c in calls))
    )


def message_problem(messages: list[Any]) -> str | None:
    """What is wrong with the first invalid message ("message 3: role: Input should be ..."),
    or None if all are valid."""
    if all(plainly_valid(m) for m in messages):
        return None
    from pydantic import ValidationError

    from agentry.message_schema import messages_adapter

    try:
        messages_adapter().validate_python(messages)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = f"message {loc[0]}" if loc else "messages"
        field_path = ".".join(str(p) for p in loc[1:]) or "message"
        return f"{where}: {field_path}: {err['msg']}"
    return None


def wire_message(message: dict[str, Any]) -> dict[str, Any]:
    """The message without Agentry's bookkeeping keys: what a provider may see."""
    return {k: v for k, v in message.items() if not k.startswith(META_PREFIX)}


def title_of(messages: list[dict[str, Any]], limit: int = 60) -> str:
    """A short title: the first line of the first user message."""
    for message in messages:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # multi-part content: take the text parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            text = " ".join(str(content or "").split())
            return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return ""
