"""Pydantic models of chat messages as they are stored, and helpers that work on message dicts.

Messages travel through the library as plain dicts (the spec's ``List[Dict]``); these models
validate them at the boundaries (loading, saving) without changing them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

Role = Literal["system", "user", "assistant", "tool"]

# Keys starting with this prefix are Agentry's bookkeeping (when a reply was made, by which
# provider and model, its usage, whether it was interrupted). They are kept on disk and stripped
# before messages are sent to any provider.
META_PREFIX = "_"


class ToolCallFunction(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    # OpenAI sends a JSON string, Ollama an object; both are kept as they came.
    arguments: dict[str, Any] | str = {}


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    type: str = "function"
    function: ToolCallFunction


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Role
    content: str | list[Any] | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None


MESSAGES = TypeAdapter(list[Message])


def wire_message(message: dict[str, Any]) -> dict[str, Any]:
    """The message without Agentry's bookkeeping keys: what a provider may see."""
    return {k: v for k, v in message.items() if not k.startswith(META_PREFIX)}


def title_of(messages: list[dict[str, Any]], limit: int = 60) -> str:
    """A short title: the first line of the first user message."""
    for message in messages:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # multi-part content: take the text parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            text = " ".join(str(content or "").split())
            return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return ""
