"""The context window: how long it is, what the next request costs in tokens, and what of a
session fits in it. Pure logic (no I/O but reading the table of well-known models); the agent
applies it where it builds each request, and the clients show it."""

from agentry.context.estimate import estimate_tokens, tools_tokens
from agentry.context.length import ContextLength, known_length, resolve_length
from agentry.context.window import (
    DEFAULT_POLICY,
    PINNED,
    POLICIES,
    SUMMARY,
    Plan,
    is_pinned,
    plan_request,
    policy_of,
    summary_through,
)

__all__ = [
    "DEFAULT_POLICY",
    "PINNED",
    "POLICIES",
    "SUMMARY",
    "ContextLength",
    "Plan",
    "estimate_tokens",
    "is_pinned",
    "known_length",
    "plan_request",
    "policy_of",
    "resolve_length",
    "summary_through",
    "tools_tokens",
]
