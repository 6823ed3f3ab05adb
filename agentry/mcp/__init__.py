"""MCP (Model Context Protocol) servers: their tools, prompts and resources in Agentry's terms.

The SDK (and pydantic) are imported only when something here is used, so that nothing is
loaded before a server is configured: ``from agentry.mcp import McpHub`` loads the hub;
``agentry.mcp.switches`` loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentry.mcp.config import (
        HttpServerConfig,
        ServerConfig,
        StdioServerConfig,
        parse_servers,
    )
    from agentry.mcp.hub import (
        McpError,
        McpHandlers,
        McpHub,
        PromptArgument,
        PromptInfo,
        ResourceContent,
        ResourceInfo,
        ServerState,
    )

_WHERE = {
    "HttpServerConfig": "config",
    "ServerConfig": "config",
    "StdioServerConfig": "config",
    "parse_servers": "config",
    "McpError": "hub",
    "McpHandlers": "hub",
    "McpHub": "hub",
    "PromptArgument": "hub",
    "PromptInfo": "hub",
    "ResourceContent": "hub",
    "ResourceInfo": "hub",
    "ServerState": "hub",
}
__all__ = [
    "HttpServerConfig",
    "McpError",
    "McpHandlers",
    "McpHub",
    "PromptArgument",
    "PromptInfo",
    "ResourceContent",
    "ResourceInfo",
    "ServerConfig",
    "ServerState",
    "StdioServerConfig",
    "parse_servers",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agentry.mcp' has no attribute {name!r}")
    return getattr(importlib.import_module(f"agentry.mcp.{module}"), name)
