"""Agentry: an agent library with persistent sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentry.errors import AgentryError, SessionCorruptError
from agentry.sessions import AgentSession, SessionManager

if TYPE_CHECKING:
    from agentry.agent import Agent

__all__ = ["Agent", "AgentSession", "AgentryError", "SessionCorruptError", "SessionManager"]


def __getattr__(name: str) -> Any:
    # The Agent pulls in httpx and the providers; programs that only touch sessions skip that.
    if name == "Agent":
        from agentry.agent import Agent

        return Agent
    raise AttributeError(f"module 'agentry' has no attribute {name!r}")
