"""The messages the store posts to the app when something changed."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from agentry.agent import Approval
    from agentry.events import ToolCallEvent
    from agentry.mcp.elicitation import Answer, ElicitationForm
    from agentry.mcp.sampling import SamplingRequest
    from agentry.tools import Tool


class SessionListChanged(Message):
    """Sessions were added, removed, renamed or reordered."""


class SessionUpdated(Message):
    """A session's messages, reply state, notices or saved state changed."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id


class ReplyFinished(Message):
    """A reply ended in ``session_id``: finished, failed (``error``) or stopped."""

    def __init__(self, session_id: str, error: str | None) -> None:
        super().__init__()
        self.session_id = session_id
        self.error = error


class StreamDelta(Message):
    """More of a reply arrived in ``session_id`` (batched per frame; read it from the partial)."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id


class ApprovalRequested(Message):
    """A tool needs the person's approval; set ``future``'s result to True, False or new
    arguments. The future is cancelled if the reply is stopped first."""

    def __init__(
        self, session_id: str, call: ToolCallEvent, tool: Tool, future: asyncio.Future[Approval]
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.call = call
        self.tool = tool
        self.future = future


class SearchIndexProgress(Message):
    """The search index is being brought up to date: ``done`` of ``total`` files read."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class McpChanged(Message):
    """An MCP server's state changed (starting, ready, failed, ...), or its prompts did."""


class SamplingRequested(Message):
    """An MCP server asks the model for a completion; set ``future``'s result to the text to
    send as the last message (approved, perhaps edited) or None (denied)."""

    def __init__(self, request: SamplingRequest, future: asyncio.Future[str | None]) -> None:
        super().__init__()
        self.request = request
        self.future = future


class ElicitationRequested(Message):
    """An MCP server asks the person to fill in a form; set ``future``'s result to the content,
    "decline" or "cancel"."""

    def __init__(self, form: ElicitationForm, future: asyncio.Future[Answer]) -> None:
        super().__init__()
        self.form = form
        self.future = future
