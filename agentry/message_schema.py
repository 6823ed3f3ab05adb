"""Pydantic models of chat messages as they are stored: the authority on what a valid message is.

Imported only when ``agentry.messages.check_messages`` meets something its quick check does not
accept, to name the problem (importing pydantic costs a fifth of a second at start-up).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter

Role = Literal["system", "user", "assistant", "tool"]


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


class AttachmentRef(BaseModel):
    """agentry.attachments.model.AttachmentRef: a file or image the message refers to."""

    model_config = ConfigDict(extra="allow")
    kind: Literal["text", "image"]
    name: StrictStr
    media_type: StrictStr
    size: StrictInt = Field(ge=0)
    sha256: StrictStr = Field(pattern=r"^[0-9a-f]{64}$")
    source: StrictStr | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Role
    attachments: list[AttachmentRef] | None = None
    content: str | list[Any] | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None


@lru_cache(maxsize=1)
def messages_adapter() -> TypeAdapter[list[Message]]:
    return TypeAdapter(list[Message])
