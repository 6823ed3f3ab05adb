"""McpHub: the configured MCP servers, their states, and their tools, prompts and resources in
Agentry's terms. Servers start in the background (``start`` returns at once); each lives in
its own task (see connection.py).

Making a hub and adding servers is cheap: the SDK (about 0.7 s of imports) is loaded by
``start``, so a client may set its hub up before its first frame and start it after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from agentry.mcp.config import HttpServerConfig, ServerConfig, parse_server
from agentry.mcp.handlers import ElicitationHandler, McpHandlers, SamplingHandler
from agentry.mcp.model import (
    McpError,
    PromptArgument,
    PromptInfo,
    ResourceContent,
    ResourceInfo,
    ServerState,
    Transport,
)
from agentry.mcp.names import tool_names
from agentry.safe_text import visible
from agentry.tools.tool import Permission, Tool

if TYPE_CHECKING:
    import mcp_types as types

    from agentry.mcp.connection import Connection

__all__ = [
    "ElicitationHandler",
    "McpError",
    "McpHandlers",
    "McpHub",
    "PromptArgument",
    "PromptInfo",
    "ResourceContent",
    "ResourceInfo",
    "SamplingHandler",
    "ServerState",
]


class McpHub:
    def __init__(
        self,
        configs: Mapping[str, ServerConfig] | None = None,
        *,
        handlers: McpHandlers | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.handlers = handlers or McpHandlers()
        self.on_change = on_change
        self._configs: dict[str, ServerConfig] = {}
        self._connections: dict[str, Connection] = {}  # made by ``start``
        self._started = False
        for name, config in (configs or {}).items():
            self.add(name, config)

    def add(self, name: str, config: ServerConfig | Mapping[str, Any]) -> None:
        """Configure a server (the settings shape is accepted); started at once if the hub
        runs. ValueError naming what is wrong."""
        if name in self._configs:
            raise ValueError(f"An MCP server named {visible(name)!r} is already configured.")
        try:
            self._configs[name] = parse_server(config)
        except ValueError as exc:
            raise ValueError(f"MCP server {visible(name)!r}: {exc}.") from None
        if self._started:
            self._connection(name).start()

    @property
    def running(self) -> bool:
        """``start`` was called (and not ``aclose`` since)."""
        return self._started

    def start(self) -> None:
        """Start every enabled server, each in its own task on the running loop."""
        self._started = True
        for name in self._configs:
            self._connection(name).start()

    async def settled(self, timeout: float) -> None:
        """Wait, at most ``timeout`` seconds, until no server is still starting: a request
        sent right after start-up then offers the tools of the servers that came up."""
        waits = [
            asyncio.ensure_future(c.settled())
            for c in self._connections.values()
            if c.state.status == "starting"
        ]
        if waits:
            await asyncio.wait(waits, timeout=timeout)

    async def restart(self, name: str) -> None:
        """Stop the server and start it again (after its program or its entry was fixed).
        KeyError if no server has that name."""
        connection = self._connection(name)
        await connection.aclose()
        connection.start()

    async def aclose(self) -> None:
        self._started = False
        await asyncio.gather(*(c.aclose() for c in self._connections.values()))

    def _connection(self, name: str) -> Connection:
        connection = self._connections.get(name)
        if connection is None:
            from agentry.mcp.connection import Connection

            connection = Connection(name, self._configs[name], self.handlers, self._changed)
            self._connections[name] = connection
        return connection

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- states and tools -------------------------------------------------------------------

    def states(self) -> list[ServerState]:
        return [self._state(name, config) for name, config in self._configs.items()]

    def _state(self, name: str, config: ServerConfig) -> ServerState:
        if (connection := self._connections.get(name)) is not None:
            return connection.state
        transport: Transport = "http" if isinstance(config, HttpServerConfig) else "stdio"
        return ServerState(name, "disabled" if config.disabled else "stopped", transport)

    def tools(self, off: Collection[str] = ()) -> list[Tool]:
        """The tools of the servers not in ``off`` that were ready (those down since keep
        theirs: a call starts them again), named uniquely across servers."""
        offered = [
            (c, tool)
            for c in self._connections.values()
            if c.name not in off and not c.config.disabled
            for tool in c.tools
        ]
        names = tool_names((c.name, tool.name) for c, tool in offered)
        return [_tool(c, tool, names[c.name, tool.name]) for c, tool in offered]

    # -- prompts and resources --------------------------------------------------------------

    async def list_prompts(self) -> list[PromptInfo]:
        return [
            PromptInfo(
                c.name,
                prompt.name,
                visible(prompt.description or ""),
                tuple(
                    PromptArgument(a.name, visible(a.description or ""), bool(a.required))
                    for a in prompt.arguments or ()
                ),
            )
            for c in self._ready()
            for prompt in c.prompts
        ]

    async def get_prompt(
        self, server: str, name: str, arguments: dict[str, str]
    ) -> list[dict[str, Any]]:
        """The prompt's messages as Agentry messages (``{"role", "content": str}``)."""
        return await self._named(server).get_prompt(name, arguments)

    async def list_resources(self) -> list[ResourceInfo]:
        return [
            ResourceInfo(
                c.name,
                resource.uri,
                resource.name,
                resource.mime_type,
                resource.size,
                visible(resource.description or ""),
            )
            for c in self._ready()
            for resource in c.resources
        ]

    async def read_resource(self, server: str, uri: str) -> list[ResourceContent]:
        return await self._named(server).read_resource(uri)

    def _ready(self) -> list[Connection]:
        return [c for c in self._connections.values() if c.state.status == "ready"]

    def _named(self, server: str) -> Connection:
        if server not in self._configs:
            raise McpError(f"No MCP server named {visible(server)!r} is configured.")
        return self._connection(server)


def _tool(connection: Connection, tool: types.Tool, name: str) -> Tool:
    async def call(**arguments: Any) -> str:
        return await connection.call_tool(tool.name, arguments)

    parameters = dict(tool.input_schema)
    parameters["type"] = "object"  # the spec requires it; a server that left it out still works
    return Tool(
        name=name,
        description=visible(tool.description or tool.title or tool.name),
        parameters=parameters,
        executor=call,
        permission=permission(tool.annotations),
        server=connection.name,
        remote_name=tool.name,
    )


def permission(annotations: types.ToolAnnotations | None) -> Permission:
    """How an MCP tool is approved. The hints come from the server, so they relax nothing but
    the one safe case: read-only AND closed-world is "read" (no approval). Every other tool
    asks: read-only but open-world (the spec's default) is "network" (what it is given may go
    out); one that changes things is "write" if it says its updates are only additive
    (destructiveHint false), else "execute" (effects unknown, the spec's default)."""
    if annotations is not None and annotations.read_only_hint is True:
        return "read" if annotations.open_world_hint is False else "network"
    destructive = None if annotations is None else annotations.destructive_hint
    return "write" if destructive is False else "execute"
