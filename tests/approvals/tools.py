"""Tools the approval tests offer the model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from agentry.tools import Tool


def files_write(run: Callable[..., Awaitable[Any]]) -> Tool:
    """``write`` of an MCP server named "files", as the hub registers it: kept under its server
    and remote name, and a write (asked before it runs)."""
    return Tool(
        "files__write",
        "Write a file on the files server.",
        {"type": "object", "properties": {"path": {"type": "string"}}},
        run,
        permission="write",
        server="files",
        remote_name="write",
    )
