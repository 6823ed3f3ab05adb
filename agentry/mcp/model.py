"""What the hub tells its clients: servers' states, prompts and resources, in plain
dataclasses (no SDK types: a client may import these before the SDK is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agentry.errors import AgentryError

Status = Literal["starting", "ready", "failed", "stopped", "disabled"]
Transport = Literal["stdio", "http"]


class McpError(AgentryError):
    """A server could not do what was asked (not configured, not available, it refused)."""


@dataclass(frozen=True)
class ServerState:
    """What a client shows of one server. ``error`` and ``stderr_tail`` are safe text."""

    name: str
    status: Status
    transport: Transport
    tools: int = 0
    prompts: int = 0
    resources: int = 0
    error: str | None = None
    stderr_tail: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptArgument:
    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class PromptInfo:
    server: str
    name: str
    description: str
    arguments: tuple[PromptArgument, ...]


@dataclass(frozen=True)
class ResourceInfo:
    server: str
    uri: str
    name: str
    mime_type: str | None
    size: int | None
    description: str


@dataclass(frozen=True)
class ResourceContent:
    """One part of a read resource: exactly one of ``text`` and ``data`` is set."""

    uri: str
    mime_type: str | None
    text: str | None
    data: bytes | None
