"""What of a session the next request sends: the plan. Pure.

The system message and pinned messages are always sent; a summary message (made by the
"summarise" policy) stands in for the messages it summarises; of the rest, the newest whole
turns that fit are sent and the older ones are left out. A turn starts at a person's message;
an assistant message with tool calls and the tool results answering it are never parted (a
provider refuses a call without its answer).

Token counts are estimates (``estimate_tokens``) calibrated by the last usage the server
reported: when everything the last reply was asked with is still sent, the count is exact up to
that reply, and only what was added since is estimated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from agentry import messages as msg
from agentry.context.estimate import estimate_tokens

PINNED: Final = "_pinned"  # True on a message that every request sends
SUMMARY: Final = "_summary"  # on a summary message: {"through": index of the last one it covers}
POLICY_KEY: Final = "context_policy"  # in a session's metadata
POLICIES: Final = ("drop", "summarise", "ask")
DEFAULT_POLICY: Final = "drop"


def is_pinned(message: Mapping[str, Any]) -> bool:
    return message.get(PINNED) is True


def summary_through(message: Mapping[str, Any]) -> int | None:
    """For a summary message, the index of the last message it summarises; else None."""
    value = message.get(SUMMARY)
    through = value.get("through") if isinstance(value, dict) else None
    return through if isinstance(through, int) and not isinstance(through, bool) else None


def policy_of(metadata: Mapping[str, Any]) -> str:
    """The session's policy for a request that would not fit (a bad stored value: the default)."""
    value = metadata.get(POLICY_KEY)
    return value if value in POLICIES else DEFAULT_POLICY


def reserve_for(limit: int, max_reply: int | None) -> int:
    """Room kept for the reply: the session's maximum reply length, else an eighth of the
    context up to 1024 tokens."""
    if max_reply:
        return min(max_reply, limit // 2)
    return min(1024, limit // 8)


@dataclass(frozen=True)
class Breakdown:
    system: int = 0
    pinned: int = 0
    summary: int = 0
    history: int = 0
    tools: int = 0


@dataclass(frozen=True)
class Plan:
    """The next request: which of the session's messages it sends (indices, in the order sent)
    and which it leaves out; ``dropped`` are those left out that nothing stands in for."""

    sent: tuple[int, ...]
    left_out: tuple[int, ...]
    dropped: tuple[int, ...]
    summary: int | None  # the index of the summary message sent, if one is
    tokens: int  # the request's size, before the reply
    limit: int | None  # the context length planned for; None: unknown, nothing left out
    reserve: int = 0
    breakdown: Breakdown = field(default_factory=Breakdown)

    @property
    def fits(self) -> bool:
        return self.limit is None or self.tokens + self.reserve <= self.limit

    def messages(self, history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return [history[i] for i in self.sent]


def plan_request(
    history: Sequence[dict[str, Any]],
    limit: int | None,
    *,
    tools: int = 0,
    max_reply: int | None = None,
) -> Plan:
    """The plan for ``history`` in a context of ``limit`` tokens, ``tools`` of them taken by the
    tool specs."""
    estimates = [estimate_tokens(m) for m in history]
    reserve = reserve_for(limit, max_reply) if limit else 0
    last = _last_usage(history)
    if last is None:
        return _plan(history, estimates, limit, tools, reserve)
    k, prompt, completion = last
    # What the last reply was asked with, planned the same way: its true size calibrates the
    # estimates (a model's tokens run longer or shorter than four characters).
    before = _plan(history[:k], estimates[:k], limit, tools, reserve)
    scale = min(4.0, max(0.25, prompt / before.tokens)) if before.tokens else 1.0
    scaled = [round(e * scale) for e in estimates]
    plan = _plan(history, scaled, limit, round(tools * scale), reserve)
    sent = set(plan.sent)
    if k in sent and {i for i in sent if i < k} == set(before.sent):
        exact = prompt + completion + sum(scaled[i] for i in plan.sent if i > k)
        return _with_tokens(plan, exact)
    return plan


def _with_tokens(plan: Plan, tokens: int) -> Plan:
    """The plan with its exact size; its parts (estimates) scaled to add up to about that."""
    parts = asdict(plan.breakdown)
    share = tokens / total if (total := sum(parts.values())) else 1.0
    breakdown = Breakdown(**{name: round(part * share) for name, part in parts.items()})
    return replace(plan, tokens=tokens, breakdown=breakdown)


def _last_usage(history: Sequence[dict[str, Any]]) -> tuple[int, int, int] | None:
    """(index, prompt tokens, reply tokens) of the last reply whose server reported both."""
    for i in range(len(history) - 1, -1, -1):
        usage = msg.usage(history[i]) if history[i].get("role") == "assistant" else None
        if usage is None:
            continue
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if isinstance(prompt, int) and isinstance(completion, int) and prompt > 0:
            return i, prompt, completion
    return None


def _plan(
    history: Sequence[dict[str, Any]],
    costs: Sequence[int],
    limit: int | None,
    tools: int,
    reserve: int,
) -> Plan:
    summaries = [
        i for i, m in enumerate(history) if SUMMARY in m and summary_through(m) is not None
    ]
    summary = summaries[-1] if summaries else None
    through = summary_through(history[summary]) if summary is not None else -1
    system = [i for i, m in enumerate(history) if m.get("role") == "system" and i not in summaries]
    apart = set(system) | set(summaries)
    units = _units(history, [i for i in range(len(history)) if i not in apart])
    pinned = _pinned(units, history)
    pinned_set = set(pinned)
    rest = [u for u in units if u[0] not in pinned_set]
    covered = set() if summary is None else {i for u in rest if u[-1] <= (through or 0) for i in u}
    turns = _turns([u for u in rest if u[0] not in covered], history)

    def cost(indices: Sequence[int]) -> int:
        return sum(costs[i] for i in indices)

    fixed = cost(system) + cost(pinned) + (costs[summary] if summary is not None else 0)
    room = (limit - reserve - tools - fixed) if limit else None
    newest_first: list[list[int]] = []
    for turn in reversed(turns):
        size = cost(turn)
        if newest_first and room is not None and size > room:
            break  # this turn and every older one are left out
        newest_first.append(turn)
        if room is not None:
            room -= size
    kept = [i for turn in reversed(newest_first) for i in turn]
    order = system + ([summary] if summary is not None else [])
    sent = tuple(order + sorted(pinned_set | set(kept)))
    sent_set = set(sent)
    left_out = tuple(i for i in range(len(history)) if i not in sent_set)
    dropped = tuple(i for i in left_out if i not in covered and i not in apart)
    breakdown = Breakdown(
        system=cost(system),
        pinned=cost(pinned),
        summary=costs[summary] if summary is not None else 0,
        history=cost(kept),
        tools=tools,
    )
    tokens = breakdown.system + breakdown.pinned + breakdown.summary + breakdown.history + tools
    return Plan(sent, left_out, dropped, summary, tokens, limit, reserve, breakdown)


def _units(history: Sequence[dict[str, Any]], indices: list[int]) -> list[list[int]]:
    """The indices grouped so a message with tool calls keeps the tool results after it."""
    units: list[list[int]] = []
    for i in indices:
        role = history[i].get("role")
        if role == "tool" and units and history[units[-1][0]].get("tool_calls"):
            units[-1].append(i)
        else:
            units.append([i])
    return units


def _pinned(units: list[list[int]], history: Sequence[dict[str, Any]]) -> list[int]:
    """The indices always sent: each pinned message's unit, and for a pinned reply the person's
    message it answers too (Anthropic and Gemini refuse a conversation that opens with a reply)."""
    marked = {i for unit in units for i in unit if PINNED in history[i] and is_pinned(history[i])}
    if not marked:
        return []
    pinned: set[int] = set()
    asked: list[int] = []  # the unit of the person's message of the turn so far
    for unit in units:
        if history[unit[0]].get("role") == "user":
            asked = unit
        if not marked.isdisjoint(unit):
            pinned.update(asked, unit)
    return sorted(pinned)


def _turns(units: list[list[int]], history: Sequence[dict[str, Any]]) -> list[list[int]]:
    """The units joined into turns, each starting at a person's message."""
    turns: list[list[int]] = []
    for unit in units:
        if not turns or history[unit[0]].get("role") == "user":
            turns.append(list(unit))
        else:
            turns[-1].extend(unit)
    return turns
