"""What the clients say about the context window: the meter's figures, /context, and the errors
of a request that would not fit. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agentry.context.length import ContextLength
from agentry.context.window import POLICIES, SUMMARY, Plan, is_pinned, summary_through
from agentry.messages import content_text
from agentry.wording import plural


def summarised_count(summary: Mapping[str, Any]) -> int:
    """How many messages a summary message stands in for (0 if it is not one)."""
    value = summary.get(SUMMARY)
    count = value.get("messages") if isinstance(value, dict) else None
    return count if isinstance(count, int) else 0


def summary_label(message: Mapping[str, Any]) -> str:
    """How a summary message is marked on screen ("Summary of 12 messages"); "" for others."""
    if summary_through(message) is None:
        return ""
    return f"Summary of {plural(summarised_count(message), 'message')}"


def short_count(tokens: int) -> str:
    """3100 as "3.1k", 8192 as "8k", 131072 as "131k", 950 as "950"."""
    if tokens < 1000:
        return str(tokens)
    if tokens < 10_000:
        return f"{tokens / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{round(tokens / 1000)}k"


def meter_text(plan: Plan) -> str:
    """The status bar's meter: "ctx 3.1k/8k" ("ctx 3.1k" while the length is unknown)."""
    used = short_count(plan.tokens)
    return f"ctx {used}/{short_count(plan.limit)}" if plan.limit else f"ctx {used}"


def filling(plan: Plan) -> float:
    """How full the next request leaves the context, 0..1+ (0 when the length is unknown)."""
    return (plan.tokens + plan.reserve) / plan.limit if plan.limit else 0.0


WARN_AT = 0.8


_SOURCES = {
    "server": "the server",
    "session": "this session",
    "settings": "settings file",
    "table": "table of models",
}


CHANGE_LENGTH = "/set context_length N"  # how, where a request names the length (Ollama)


def source_text(length: ContextLength) -> str:
    """Where the length comes from, in words ("Ollama default")."""
    return _SOURCES.get(length.source, length.source)


def breakdown_rows(plan: Plan, length: ContextLength | None) -> list[tuple[str, str]]:
    """(label, value) rows: the context length and where it came from, and its parts."""
    parts = plan.breakdown
    rows = [("Context", f"{length.tokens:,}" if length else "unknown")]
    if length is not None:
        rows.append(("  from", source_text(length)))
        if length.sent:
            rows.append(("  to change", CHANGE_LENGTH))
    rows.append(("Next request", f"{plan.tokens:,} tokens"))
    rows += [
        ("  system", f"{parts.system:,}"),
        ("  pinned", f"{parts.pinned:,}"),
        ("  summary", f"{parts.summary:,}"),
        ("  history", f"{parts.history:,}"),
        ("  tools", f"{parts.tools:,}"),
        ("  reply room", f"{plan.reserve:,}"),
    ]
    if plan.left_out:
        rows.append(("Not sent", plural(len(plan.left_out), "message")))
    return rows


def context_text(
    history: Sequence[dict[str, Any]], plan: Plan, length: ContextLength | None, policy: str
) -> str:
    """``/context``: every message the next request sends and every one it leaves out."""
    limit = "unknown"
    if length is not None:
        change = f"; {CHANGE_LENGTH} to change" if length.sent else ""
        limit = f"{length.tokens:,} tokens (from {source_text(length)}{change})"
    lines = [
        f"Context: {limit}; the next request: about {plan.tokens:,} tokens, "
        f"{plan.reserve:,} kept for the reply. Policy when it would not fit: {policy} "
        f"(/context {'|'.join(POLICIES)} sets it).",
        f"Sent ({len(plan.sent)}):",
        *(_line(i, history[i]) for i in plan.sent),
    ]
    if plan.left_out:
        lines += [
            f"Not sent ({len(plan.left_out)}):",
            *(_line(i, history[i]) for i in plan.left_out),
        ]
    else:
        lines.append("Not sent: nothing.")
    return "\n".join(lines)


def _line(index: int, message: dict[str, Any]) -> str:
    text = " ".join(content_text(message.get("content")).split())
    text = text if len(text) <= 60 else text[:59] + "…"
    marks = "".join(
        (
            " [pinned]" if is_pinned(message) else "",
            " [summary]" if summary_through(message) is not None else "",
        )
    )
    return f"  {index:>4} {message.get('role', '?')}{marks}: {text}"


def policy_set_text(policy: str) -> str:
    said = {
        "drop": "the oldest turns are left out",
        "summarise": "the model summarises the oldest turns, and the summary is sent instead",
        "ask": "nothing is sent until you choose",
    }[policy]
    return f"When the conversation no longer fits the context, {said} (/context {policy})."


def does_not_fit(plan: Plan) -> str:
    """Why a request is not sent even with every older turn left out."""
    return (
        f"The next request needs about {plan.tokens:,} tokens with only the system message, the "
        f"pinned messages and the newest turn, and the model's context is {plan.limit:,} "
        f"({plan.reserve:,} kept for the reply). Unpin messages (/unpin N), shorten the message, "
        "or set a larger context length."
    )


def ask_text(plan: Plan) -> str:
    """The policy "ask": what would be left out, and the choices."""
    return (
        f"The conversation no longer fits the model's context ({plan.limit:,} tokens): the next "
        f"request would leave out the oldest {plural(len(plan.dropped), 'message')}. This "
        "session asks first: /context drop leaves them out, /context summarise has the model "
        "summarise them, /pin N keeps one; then ask again (ctrl+r in the TUI)."
    )
