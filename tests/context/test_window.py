"""The plan of a request (agentry.context.window): pure, on plain message lists."""

from __future__ import annotations

from typing import Any

from agentry.context import PINNED, SUMMARY, estimate_tokens, known_length, plan_request
from agentry.context.length import resolve_length
from agentry.context.texts import filling, meter_text, short_count


def conversation(turns: int, words: int = 20) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
    for i in range(turns):
        history.append({"role": "user", "content": f"question {i} " + "word " * words})
        history.append({"role": "assistant", "content": f"answer {i} " + "word " * words})
    return history


def test_everything_is_sent_when_it_fits_or_the_length_is_unknown() -> None:
    history = conversation(10)
    for limit in (None, 100_000):
        plan = plan_request(history, limit)
        assert plan.sent == tuple(range(len(history))) and not plan.left_out
        assert plan.fits


def test_the_oldest_turns_are_left_out_and_system_and_pinned_stay() -> None:
    history = conversation(200)
    history[3][PINNED] = True  # the second question
    plan = plan_request(history, 4096)
    assert plan.sent[:2] == (0, 3)  # the system message, then the pinned one
    assert plan.sent[-1] == len(history) - 1
    assert plan.left_out and plan.left_out[0] == 1 and 3 not in plan.left_out
    # What is sent after the pins is one unbroken stretch of whole turns, ending at the newest.
    rest = plan.sent[2:]
    assert rest == tuple(range(rest[0], len(history))) and history[rest[0]]["role"] == "user"
    assert plan.fits and plan.tokens + plan.reserve <= 4096
    # One more turn would not have fitted.
    older = rest[0] - 2
    assert plan.tokens + sum(estimate_tokens(history[i]) for i in (older, older + 1)) > (
        4096 - plan.reserve
    )
    assert set(plan.dropped) == set(plan.left_out)


def test_a_pinned_reply_brings_the_question_it_answers() -> None:
    history = conversation(200)
    history[4][PINNED] = True  # the second answer
    plan = plan_request(history, 4096)
    assert plan.sent[:3] == (0, 3, 4) and plan.fits


def test_a_tool_call_is_never_parted_from_its_result() -> None:
    history = conversation(3)
    call = {"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}
    history += [
        {"role": "user", "content": "read it"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "name": "read", "content": "x " * 400},
        {"role": "assistant", "content": "done"},
    ]
    history[-2][PINNED] = True  # pinning the result pins the call that asked for it
    plan = plan_request(history, 300)
    assert {7, 8, 9}.issubset(plan.sent)  # and the question of that turn
    history[-2].pop(PINNED)
    for limit in range(100, 400, 10):  # however little room: a call and its result together
        sent = plan_request(history, limit).sent
        assert (8 in sent) == (9 in sent)


def test_a_summary_stands_in_for_the_messages_it_covers() -> None:
    history = conversation(30)
    history.append({"role": "system", "content": "Summary: they talked.", SUMMARY: {"through": 40}})
    plan = plan_request(history, 100_000)
    assert plan.sent[:2] == (0, len(history) - 1)  # system, then the summary
    assert all(i not in plan.sent for i in range(1, 41))
    assert plan.sent[2:] == tuple(range(41, len(history) - 1))
    assert not plan.dropped and plan.summary == len(history) - 1


def test_the_count_is_exact_up_to_the_last_reported_usage() -> None:
    history = conversation(5)
    history[-1]["_usage"] = {"prompt_tokens": 400, "completion_tokens": 56}
    history.append({"role": "user", "content": "and now?"})
    plan = plan_request(history, 100_000)
    assert plan.tokens == 400 + 56 + round(estimate_tokens(history[-1]) * plan_scale(history))


def plan_scale(history: list[dict[str, Any]]) -> float:
    before = sum(estimate_tokens(m) for m in history[:-2])
    return 400 / before


def test_the_length_comes_from_the_first_that_says_one() -> None:
    assert resolve_length("llama3.2", server=8192).source == "server"  # type: ignore[union-attr]
    both = resolve_length("llama3.2", server=8192, session=4096)
    assert both is not None and (both.tokens, both.source) == (4096, "session")
    assert resolve_length("x", session=2048, settings=9000).tokens == 2048  # type: ignore[union-attr]
    assert resolve_length("x", settings=9000).source == "settings"  # type: ignore[union-attr]
    table = resolve_length("openai/gpt-4o-mini")
    assert table is not None and (table.tokens, table.source) == (128000, "table")
    assert known_length("llama3.2:3b") == 131072 and known_length("llama3:8b") == 8192
    assert resolve_length("no-such-model") is None


def test_the_meter_text() -> None:
    assert [short_count(n) for n in (950, 3100, 8192, 131072)] == ["950", "3.1k", "8.2k", "131k"]
    plan = plan_request(conversation(2), 8000)
    assert meter_text(plan) == f"ctx {plan.tokens}/8k"
    assert 0 < filling(plan) < 0.8


def test_attached_files_count_for_what_is_sent_with_them() -> None:
    text = {"kind": "text", "name": "app.log", "media_type": "text/plain", "sha256": "a" * 64}
    image = {"kind": "image", "name": "shot.png", "media_type": "image/png", "sha256": "b" * 64}
    bare = {"role": "user", "content": "what went wrong?"}
    with_log = bare | {"attachments": [text | {"size": 40_000}]}
    with_shot = bare | {"attachments": [image | {"size": 3_000_000}]}
    assert estimate_tokens(with_log) >= estimate_tokens(bare) + 10_000  # the log goes in whole
    # An image costs what a server counts for one, not its bytes.
    assert 1_000 <= estimate_tokens(with_shot) - estimate_tokens(bare) <= 2_000
    # A 40 KB log in the newest turn leaves older turns out of an 8,192-token request.
    history = conversation(20)
    history.append(with_log)
    plan = plan_request(history, 8192)
    assert plan.left_out and plan.sent[-1] == len(history) - 1
    assert not plan_request(conversation(20), 8192).left_out
