"""Typed stream events: what providers yield and what ``Agent.stream`` hands to its consumers.

Plain slotted dataclasses, not pydantic models: thousands are made per reply on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentry.errors import AgentryError


@dataclass(slots=True)
class TextDelta:
    text: str


@dataclass(slots=True)
class ReasoningDelta:
    """Text of a model's thinking, shown apart from (and collapsed next to) the reply."""

    text: str


# The type ToolCallEvent.arguments has past the provider boundary. A provider may put there what
# the service sent (a JSON string, None) cast to it: the boundary parses and checks it.
RawArguments = dict[str, Any]


@dataclass(slots=True)
class ToolCallEvent:
    """A complete tool call the model asked for (providers assemble streamed fragments).

    Providers may put the arguments as they came (a dict, or a JSON string); past the provider
    boundary they are a dict, and ``problem`` says what was wrong with arguments that could not
    be used (the call is then answered with a tool error and not run)."""

    id: str
    name: str
    arguments: RawArguments = field(default_factory=dict)
    problem: str | None = None


@dataclass(slots=True)
class ToolResultEvent:
    id: str
    name: str
    content: str
    is_error: bool = False


@dataclass(slots=True)
class UsageEvent:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    duration_s: float | None = None  # the server's own generation time where it reports one
    truncated: bool = False  # the reply stopped at the length limit (max_tokens), not its end

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "duration_s": self.duration_s,
        }


@dataclass(slots=True)
class NoticeEvent:
    """Something the person should know about the turn that is not an error (a parameter the
    provider cannot send). Said once per session, not per reply."""

    text: str


@dataclass(slots=True)
class DoneEvent:
    """The turn ended. ``text`` is the final reply; ``interrupted`` if it was stopped early."""

    text: str
    interrupted: bool = False


@dataclass(slots=True)
class MessageAdded:
    """The agent appended ``message`` to the session, at ``session.messages[index]``: the
    person's message, an assistant message (also a partial one kept on an error), a tool's
    answer. Reported once each, in order, so a front-end never infers it from list lengths.

    A turn that is cancelled or closed early still ends the session with the partial message
    or answers to the unanswered tool calls (see ``Agent.in_flight``), but cannot report them:
    a generator that is being closed can yield nothing more."""

    message: dict[str, Any]
    index: int


@dataclass(slots=True)
class ErrorEvent:
    """The turn failed; ``error`` is the exception (``Agent.chat`` raises it). Partial text is
    kept in the session."""

    error: AgentryError

    @property
    def message(self) -> str:
        return str(self.error)


# What a provider yields for one model call.
ProviderEvent = TextDelta | ReasoningDelta | ToolCallEvent | UsageEvent
# What Agent.stream yields for one user turn (possibly several model calls with tools between).
StreamEvent = (
    TextDelta
    | ReasoningDelta
    | ToolCallEvent
    | ToolResultEvent
    | UsageEvent
    | MessageAdded
    | NoticeEvent
    | DoneEvent
    | ErrorEvent
)
