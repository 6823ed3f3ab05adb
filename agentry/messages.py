"""Chat messages as plain dicts (the spec's ``List[Dict]``): checking them at the boundaries
(loading, saving) without changing them, typed reads of Agentry's bookkeeping keys, and helpers
that work on them.

The pydantic models in ``agentry.message_schema`` say what a valid message is. Nearly every
message is plainly valid, and that is checked here without pydantic, which is imported only to
name the problem when something is not (it would add a fifth of a second to every start-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypedDict, cast

from agentry.attachments.model import plain_refs

ROLES = frozenset({"system", "user", "assistant", "tool"})

# Keys starting with this prefix are Agentry's bookkeeping (when a reply was made, by which
# provider and model, its usage, whether it was interrupted). They are kept on disk and stripped
# before messages are sent to any provider.
META_PREFIX = "_"

# The bookkeeping keys, named here only. Written by the agent (and a front-end for the person's
# message); read through the accessors below, which take whatever a file holds without failing.
CREATED_AT: Final = "_created_at"  # ISO date-time the message was made
PROVIDER: Final = "_provider"  # provider and model that wrote a reply
MODEL: Final = "_model"
REASONING: Final = "_reasoning"  # the reply's reasoning text, kept but never sent back
USAGE: Final = "_usage"  # a Usage
INTERRUPTED: Final = "_interrupted"  # True: stopped before it finished, the partial reply
TRUNCATED: Final = "_truncated"  # True: the reply stopped at the length limit (max_tokens)
ERROR: Final = "_error"  # a failed reply: why; a failed tool result: True


class Usage(TypedDict, total=False):
    """A reply's ``_usage``: token counts as the server reported them (None where it did not),
    and the seconds it took to generate."""

    prompt_tokens: int | None
    completion_tokens: int | None
    duration_s: float | None


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
        or (isinstance(arguments, dict) and all(isinstance(key, str) for key in arguments))
    )


def plainly_valid(message: Any) -> bool:
    """True for a message the schema's models certainly accept; False means "ask them"."""
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        return False
    content, calls = message.get("content"), message.get("tool_calls")
    refs = message.get("attachments")
    return (
        (refs is None or plain_refs(refs))
        and (content is None or isinstance(content, str | list))
        and optional_str(message.get("tool_call_id"))
        and optional_str(message.get("name"))
        and (calls is None or (isinstance(calls, list) and all(_plain_call(c) for c in calls)))
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


def content_text(content: Any) -> str:
    """A message's content as plain text: a string as it is; of multi-part content, the text
    parts joined with nothing between them, so the text is what its parts spell (as a model is
    sent it); None as ""."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_part_text(part) for part in content)
    return "" if content is None else str(content)


def _part_text(part: Any) -> str:
    """A content part's text: its ``text`` if that is a string, a bare string part itself; ""
    for parts without text (images, tool results)."""
    if isinstance(part, str):
        return part
    text = part.get("text") if isinstance(part, dict) else None
    return text if isinstance(text, str) else ""


def title_of(messages: list[dict[str, Any]], limit: int = 60) -> str:
    """A short title: the first line of the first user message."""
    for message in messages:
        if message.get("role") == "user":
            text = " ".join(content_text(message.get("content")).split())
            return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return ""


# -- the bookkeeping keys, typed ----------------------------------------------------------------
# A session file's messages are checked against the schema, which does not cover these keys, so
# each accessor takes a value of the wrong type as absent rather than failing a screen or export.


def parse_time(value: Any) -> datetime | None:
    """An ISO date-time string (as sessions store them) as a datetime, None if it is not one."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def created_at(message: Mapping[str, Any]) -> datetime | None:
    """When the message was made; None if that was not recorded."""
    return parse_time(message.get(CREATED_AT))


def _text(message: Mapping[str, Any], key: str) -> str:
    value = message.get(key)
    return value if isinstance(value, str) else ""


def provider(message: Mapping[str, Any]) -> str:
    """The provider that wrote a reply; "" if not recorded."""
    return _text(message, PROVIDER)


def model(message: Mapping[str, Any]) -> str:
    """The model that wrote a reply; "" if not recorded."""
    return _text(message, MODEL)


def reasoning(message: Mapping[str, Any]) -> str:
    """A reply's reasoning text; "" if it had none."""
    return _text(message, REASONING)


def usage(message: Mapping[str, Any]) -> Usage | None:
    """A reply's token usage; None if the server reported none. Its counts may still be None."""
    value = message.get(USAGE)
    return cast(Usage, value) if isinstance(value, dict) else None


def is_interrupted(message: Mapping[str, Any]) -> bool:
    """The message was stopped before it finished (a partial reply, an unanswered tool call)."""
    return bool(message.get(INTERRUPTED))


def is_truncated(message: Mapping[str, Any]) -> bool:
    """The reply was cut by the model's length limit (it can be asked to go on)."""
    return message.get(TRUNCATED) is True


def error(message: Mapping[str, Any]) -> str:
    """Why the message failed, "" if it did not. A failed tool result is only marked (True),
    which reads as "True"."""
    value = message.get(ERROR)
    return str(value) if value else ""
