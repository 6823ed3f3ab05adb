"""McpHub: the configured MCP servers, their states, and their tools, prompts and resources in
Agentry's terms. Servers start in the background (``start`` returns at once); each lives in
its own task (see connection.py)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

from agentry.errors import AgentryError, ToolError
from agentry.mcp.config import ServerConfig, parse_server
from agentry.mcp.connection import Connection, ServerState
from agentry.mcp.handlers import ElicitationHandler, McpHandlers, SamplingHandler
from agentry.mcp.names import tool_names
from agentry.mcp.results import prompt_messages
from agentry.safe_text import visible
from agentry.tools.tool import Permission, Tool

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


class McpError(AgentryError):
    """A server could not do what was asked (not ready, unknown name, it refused)."""


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
        self._servers: dict[str, Connection] = {}
        self._started = False
        for name, config in (configs or {}).items():
            self.add(name, config)

    def add(self, name: str, config: ServerConfig | Mapping[str, Any]) -> None:
        """Configure a server (the settings shape is accepted); started at once if the hub
        runs. ValueError naming what is wrong."""
        if name in self._servers:
            raise ValueError(f"An MCP server named {visible(name)!r} is already configured.")
        try:
            parsed = parse_server(config)
        except ValueError as exc:
            raise ValueError(f"MCP server {visible(name)!r}: {exc}.") from None
        connection = self._servers[name] = Connection(name, parsed, self.handlers, self._changed)
        if self._started:
            connection.start()

    @property
    def running(self) -> bool:
        """``start`` was called (and not ``aclose`` since)."""
        return self._started

    def start(self) -> None:
        """Start every enabled server, each in its own task on the running loop."""
        self._started = True
        for connection in self._servers.values():
            connection.start()

    async def settled(self, timeout: float) -> None:
        """Wait, at most ``timeout`` seconds, until no server is still starting: a request
        sent right after start-up then offers the tools of the servers that came up."""
        waits = [c.settled() for c in self._servers.values() if c.state.status == "starting"]
        if waits:
            await asyncio.wait([asyncio.ensure_future(w) for w in waits], timeout=timeout)

    async def aclose(self) -> None:
        self._started = False
        await asyncio.gather(*(c.aclose() for c in self._servers.values()))

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- states and tools -------------------------------------------------------------------

    def states(self) -> list[ServerState]:
        return [c.state for c in self._servers.values()]

    def tools(self, off: Collection[str] = ()) -> list[Tool]:
        """The tools of the servers not in ``off`` that were ready (those down since keep
        theirs: a call starts them again), named uniquely across servers."""
        offered = [
            (c, tool)
            for c in self._servers.values()
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
        session = await self._session(server)
        try:
            result = await session.get_prompt(name, arguments)
        except MCPError as exc:
            raise McpError(
                f"MCP server {visible(server)} refused prompt {visible(name)}: "
                f"{self._servers[server].clean(exc.message)}"
            ) from None
        if not isinstance(result, types.GetPromptResult):
            raise McpError(f"MCP server {visible(server)} gave no prompt for {visible(name)}.")
        return prompt_messages(result)

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
        session = await self._session(server)
        try:
            result = await session.read_resource(uri)
        except MCPError as exc:
            raise McpError(
                f"MCP server {visible(server)} could not read {visible(uri)}: "
                f"{self._servers[server].clean(exc.message)}"
            ) from None
        if not isinstance(result, types.ReadResourceResult):
            raise McpError(f"MCP server {visible(server)} gave no contents for {visible(uri)}.")
        return [_content(part) for part in result.contents]

    def _ready(self) -> list[Connection]:
        return [c for c in self._servers.values() if c.state.status == "ready"]

    async def _session(self, server: str) -> Any:
        connection = self._servers.get(server)
        if connection is None:
            raise McpError(f"No MCP server named {visible(server)!r} is configured.")
        try:
            return await connection.session()
        except ToolError as exc:
            raise McpError(str(exc)) from None


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
    hints = annotations or types.ToolAnnotations()
    if hints.read_only_hint is True:
        return "read" if hints.open_world_hint is False else "network"
    return "write" if hints.destructive_hint is False else "execute"


def _content(part: types.TextResourceContents | types.BlobResourceContents) -> ResourceContent:
    if isinstance(part, types.TextResourceContents):
        return ResourceContent(part.uri, part.mime_type, part.text, None)
    return ResourceContent(part.uri, part.mime_type, None, base64.b64decode(part.blob))
