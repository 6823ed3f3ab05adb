"""MCP (Model Context Protocol) servers: their tools, prompts and resources in Agentry's terms.

The SDK (and pydantic) are imported only when something here is used, so that nothing is
loaded before a server is configured: ``from agentry.mcp import McpHub`` loads the hub;
``agentry.mcp.switches`` loads nothing else. The SDK itself is loaded when a hub starts.
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
    from agentry.mcp.handlers import McpHandlers
    from agentry.mcp.hub import McpHub
    from agentry.mcp.model import (
        McpError,
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
    "McpError": "model",
    "McpHandlers": "handlers",
    "McpHub": "hub",
    "PromptArgument": "model",
    "PromptInfo": "model",
    "ResourceContent": "model",
    "ResourceInfo": "model",
    "ServerState": "model",
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
