"""The message widgets' view model: what a finished message shows, worked out from its dict."""

from __future__ import annotations

from datetime import datetime

import pytest

from agentry.export import to_markdown
from agentry.messages import CREATED_AT, ERROR, INTERRUPTED, MODEL, PROVIDER, REASONING, USAGE
from agentry_tui.view import STOPPED, ShownCall, ShownMessage
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, ready, replies
from tests.tui.scenes import SYSTEM, seed, user

NOW = datetime(2026, 12, 7, 12, 0)
CALL = {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"p": 1}'}}
REPLY = {
    "role": "assistant",
    "content": "Done.",
    "tool_calls": [CALL, {"function": {"name": "ls"}}],
    CREATED_AT: "2026-12-07T10:05:09",
    PROVIDER: "ollama",
    MODEL: "qwen3:4b",
    REASONING: "Read it first.",
    USAGE: {"prompt_tokens": 30, "completion_tokens": 412, "duration_s": 10.0},
}


def test_a_finished_reply() -> None:
    assert ShownMessage.of(REPLY, NOW) == ShownMessage(
        role="assistant",
        text="Done.",
        reasoning="Read it first.",
        calls=(ShownCall("c1", "read_file", '{"p": 1}'), ShownCall(None, "ls", None)),
        model="qwen3:4b",
        time="10:05",
        speed="412 tokens · 41.2 tok/s",
    )


def test_a_time_of_another_day_has_its_date() -> None:
    assert ShownMessage.of(REPLY, datetime(2026, 12, 8, 9, 0)).time == "2026-12-07 10:05"


@pytest.mark.parametrize(
    "usage",
    [
        None,
        "412",
        {"completion_tokens": 412},
        {"completion_tokens": None, "duration_s": 2.0},
        {"completion_tokens": 0, "duration_s": 2.0},
        {"completion_tokens": 9, "duration_s": 0},
    ],
)
def test_no_speed_without_both_counts(usage: object) -> None:
    assert ShownMessage.of({**REPLY, USAGE: usage}, NOW).speed == ""


def test_a_stopped_reply_says_so() -> None:
    shown = ShownMessage.of({**REPLY, INTERRUPTED: True}, NOW)
    assert shown.outcome == STOPPED and not shown.is_error


def test_a_failed_reply_says_why_with_control_characters_made_visible() -> None:
    shown = ShownMessage.of({**REPLY, INTERRUPTED: True, ERROR: "cut \x1b[31mshort"}, NOW)
    assert shown.outcome == "✗ failed: cut ␛[31mshort" and shown.is_error


def test_a_failed_tool_result_is_an_error_with_no_line_under_it() -> None:
    """The agent marks a failed tool result with True; only replies get an outcome line."""
    tool = {
        "role": "tool",
        "tool_call_id": "c1",
        "name": "read_file",
        "content": "no such file",
        ERROR: True,
        CREATED_AT: "2026-12-07T10:05:10",
    }
    shown = ShownMessage.of(tool, NOW)
    assert (shown.role, shown.name, shown.text, shown.is_error, shown.outcome) == (
        "tool",
        "read_file",
        "no such file",
        True,
        "",
    )


def test_a_prompt_from_parts() -> None:
    user = {
        "role": "user",
        "content": [{"type": "text", "text": "a"}, {"text": "b"}],
        CREATED_AT: "2026-12-07T11:59:00",
    }
    assert ShownMessage.of(user, NOW) == ShownMessage(role="user", text="ab", time="11:59")


def test_a_live_reply_has_nothing_yet() -> None:
    assert ShownMessage.of({}, NOW) == ShownMessage(role="", text="")


ODD = {  # a hand-edited file: the schema does not check these keys, so any value loads
    "role": "assistant",
    "content": "Still readable.",
    CREATED_AT: 20261207,
    PROVIDER: None,
    MODEL: 5,
    REASONING: ["why"],
    USAGE: "12 tokens",
    INTERRUPTED: "",
    ERROR: None,
}


def test_odd_bookkeeping_values_read_as_absent() -> None:
    assert ShownMessage.of(ODD, NOW) == ShownMessage(role="assistant", text="Still readable.")


async def test_a_session_with_odd_bookkeeping_values_opens_and_exports(app, history) -> None:
    seed(history, "odd", [SYSTEM, user("hi", 2), ODD], 2, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "odd" and replies(app) == ["Still readable."]
        assert to_markdown(active(app).session).endswith("## Assistant\n\nStill readable.\n")
