"""The quick check of messages agrees with the pydantic models it stands in for.

``plainly_valid`` lets loading and saving skip pydantic; it must never pass a message the models
refuse (it may send an odd but valid one to them: they have the last word).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agentry.message_schema import messages_adapter
from agentry.messages import message_problem, plainly_valid

CALL = {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": {"p": 1}}}

VALID: list[dict[str, Any]] = [
    {"role": "user", "content": "hi"},
    {"role": "system", "content": ""},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {
        "role": "assistant",
        "content": "x",
        "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1}'}}],
    },
    {"role": "assistant", "content": "x", "tool_calls": [{"function": {"name": "f"}}]},
    {"role": "tool", "content": "out", "tool_call_id": "c1", "name": "read_file"},
    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    {"role": "assistant", "content": "x", "_usage": {"completion_tokens": 3}, "extra": [1]},
    {"role": "assistant", "tool_calls": None},
]

INVALID: list[Any] = [
    "not a dict",
    {"content": "no role"},
    {"role": "robot", "content": "hi"},
    {"role": "user", "content": 5},
    {"role": "user", "content": {"a": 1}},
    {"role": "tool", "content": "x", "tool_call_id": 7},
    {"role": "tool", "content": "x", "name": ["a"]},
    {"role": "assistant", "tool_calls": "nope"},
    {"role": "assistant", "tool_calls": [{"id": "c"}]},
    {"role": "assistant", "tool_calls": [{"function": {"arguments": {}}}]},
    {"role": "assistant", "tool_calls": [{"function": {"name": 3}}]},
    {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 3}}]},
    {"role": "assistant", "tool_calls": [{"id": 5, "function": {"name": "f"}}]},
    {"role": "assistant", "tool_calls": [{"type": 1, "function": {"name": "f"}}]},
]


@pytest.mark.parametrize("message", VALID)
def test_valid_messages_pass_both(message: dict[str, Any]) -> None:
    assert plainly_valid(message)
    messages_adapter().validate_python([message])
    assert message_problem([message]) is None


@pytest.mark.parametrize("message", INVALID)
def test_invalid_messages_fail_both_and_are_named(message: Any) -> None:
    assert not plainly_valid(message)
    with pytest.raises(ValidationError):
        messages_adapter().validate_python([message])
    problem = message_problem([{"role": "user", "content": "ok"}, message])
    assert problem is not None and problem.startswith("message 1")


def test_odd_but_valid_messages_are_left_to_the_models() -> None:
    """Tuples are not plainly valid, but the models accept them: so are they accepted."""
    odd = {"role": "assistant", "tool_calls": (CALL,)}
    assert not plainly_valid(odd)
    assert message_problem([odd]) is None
