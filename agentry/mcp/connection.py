"""One MCP server: its connection, kept by one task, and the calls other tasks make through it.

The SDK's context managers (transport, session) are entered and left in that one task, as
anyio requires. The task is started again when a call finds the server gone (it exited, or
failed to start), so a crashed server comes back on the next call. A server's stderr goes to
a file whose last lines are its state's ``stderr_tail``: never to the person's terminal.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import anyio
import httpx2
import mcp_types as types
from mcp.client.session import ClientRequestContext, ClientSession, IncomingMessage
from mcp.shared.exceptions import MCPError

from agentry.errors import ToolError
from agentry.mcp.config import HttpServerConfig, ServerConfig, StdioServerConfig
from agentry.mcp.handlers import McpHandlers
from agentry.mcp.model import McpError, ResourceContent, ServerState, Status, Transport
from agentry.mcp.results import prompt_messages, result_text
from agentry.providers.redaction import redact
from agentry.safe_text import clip, visible

TAIL_LINES = 10
_TAIL_BYTES = 8192
_CLIENT = types.Implementation(name="agentry", version="0.1.0")
# Seconds a server may take to start: its call timeout, but never less (a first `npx -y` or
# `uvx` run downloads the server).
MIN_START_TIMEOUT = 30.0
_MIN_SECRET = 6  # shorter env/header values ("1", "true") are not secrets, and too common

# The SDK logs a server's misbehaviour (a line on stdout that is not JSON-RPC, with a
# traceback) on loggers "mcp.*" and "client". With no handler anywhere, Python would print that
# on the person's terminal (its last-resort handler), through the TUI. What matters of it
# reaches the server's state instead; an app that configures logging still gets the records.
for _name in ("mcp", "client"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


class Connection:
    """One configured server. ``on_change`` is called on the loop after each state change."""

    def __init__(
        self,
        name: str,
        config: ServerConfig,
        handlers: McpHandlers,
        on_change: Callable[[], None],
    ) -> None:
        self.name = name
        self.config = config
        self._handlers = handlers
        self._on_change = on_change
        transport: Transport = "stdio" if isinstance(config, StdioServerConfig) else "http"
        status: Status = "disabled" if config.disabled else "stopped"
        self.state = ServerState(name, status, transport)
        # What the server offered when last ready: kept while it is down, so its tools stay
        # offered and a call to one starts it again.
        self.tools: list[types.Tool] = []
        self.prompts: list[types.Prompt] = []
        self.resources: list[types.Resource] = []
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()
        self._notes: deque[str] = deque(maxlen=TAIL_LINES)  # what we saw, beside its stderr
        self._stderr_path: Path | None = None
        self._secrets = [
            v
            for v in (
                config.env.values()
                if isinstance(config, StdioServerConfig)
                else config.headers.values()
            )
            if len(v) >= _MIN_SECRET
        ]

    # -- life -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server's task (on the running loop) unless it runs or is disabled."""
        if self.config.disabled or (self._task is not None and not self._task.done()):
            return
        self._stop = asyncio.Event()
        self._started = asyncio.get_running_loop().create_future()
        self._notes.clear()
        self._set(status="starting", error=None, stderr_tail=())
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"mcp server {self.name}"
        )

    async def aclose(self) -> None:
        self._stop.set()
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=5)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.state.status not in ("failed", "disabled"):
            self._set(status="stopped")
        self._remove_stderr_file()

    async def settled(self) -> None:
        """Return when the current start has ended, ready or failed."""
        if self._started is not None:
            await asyncio.shield(self._started)

    async def session(self) -> ClientSession:
        """The ready session, starting the server again if it is down; ToolError if it cannot
        be started."""
        if self.config.disabled:
            raise ToolError(f"MCP server {self._shown} is disabled in the settings.")
        if self._session is None or self.state.status != "ready":
            if self.state.status != "starting":
                await self._ended()  # a lost connection's task is still leaving its contexts
                self.start()
            await self.settled()
        if self._session is None:
            raise ToolError(f"MCP server {self._shown} is not available: {self.state.error}")
        return self._session

    async def _ended(self) -> None:
        if self._task is not None and not self._task.done():
            self._stop.set()
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        try:
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport(stack))
                watched = _Watched(read, self._ended_by_server)
                session = await stack.enter_async_context(
                    ClientSession(watched, write, client_info=_CLIENT, **self._callbacks())
                )
                with anyio.fail_after(self._start_timeout):
                    await session.initialize()
                    await self._list(session)
                self._session = session
                self._set(
                    status="ready",
                    error=None,
                    tools=len(self.tools),
                    prompts=len(self.prompts),
                    resources=len(self.resources),
                )
                self._settle()
                await self._stop.wait()
        except TimeoutError:
            self._fail(f"did not finish starting within {self._start_timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure of a server is its state
            self._fail(self._reason(exc))
        finally:
            self._session = None
            self._settle()

    def _transport(self, stack: contextlib.AsyncExitStack) -> Any:
        config = self.config
        if isinstance(config, StdioServerConfig):
            from mcp.client.stdio import StdioServerParameters, stdio_client

            params = StdioServerParameters(
                command=config.command,
                args=config.args,
                env=config.env or None,
                cwd=config.cwd,
                encoding_error_handler="replace",
            )
            return stdio_client(params, errlog=self._stderr_file(stack))
        assert isinstance(config, HttpServerConfig)
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        client = create_mcp_http_client(headers=config.headers or None)
        return streamable_http_client(config.url, http_client=client)

    def _callbacks(self) -> dict[str, Any]:
        callbacks: dict[str, Any] = {"message_handler": self._on_message}
        if (sampling := self._handlers.sampling) is not None:

            async def sample(
                context: ClientRequestContext, params: types.CreateMessageRequestParams
            ) -> types.CreateMessageResult | types.ErrorData:
                return await sampling(self.name, params)

            callbacks["sampling_callback"] = sample
        if (elicitation := self._handlers.elicitation) is not None:

            async def elicit(
                context: ClientRequestContext, params: types.ElicitRequestParams
            ) -> types.ElicitResult | types.ErrorData:
                return await elicitation(self.name, params)

            callbacks["elicitation_callback"] = elicit
        return callbacks

    async def _on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, Exception):
            # A line on stdout that is not JSON-RPC (a print() in the server): the SDK skips it.
            self._note(
                f"[agentry] skipped a line on stdout that is not an MCP message{_quoted(message)}"
            )

    async def _list(self, session: ClientSession) -> None:
        capabilities = session.server_capabilities or types.ServerCapabilities()
        self.tools = await _all(session.list_tools, "tools") if capabilities.tools else []
        self.prompts = await _all(session.list_prompts, "prompts") if capabilities.prompts else []
        self.resources = (
            await _all(session.list_resources, "resources") if capabilities.resources else []
        )

    # -- calls ------------------------------------------------------------------------------

    async def call_tool(self, tool: str, arguments: dict[str, Any]) -> str:
        """Call ``tool`` and return its result as text; ToolError with a clear reason."""
        session = await self.session()
        try:
            result = await session.call_tool(
                tool, arguments, read_timeout_seconds=self.config.timeout
            )
        except MCPError as exc:
            raise ToolError(self._call_failed(tool, exc)) from None
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            self._lost(f"the connection broke during a call to {tool}")
            raise ToolError(self._exited(tool)) from None
        if not isinstance(result, types.CallToolResult):
            raise ToolError(f"MCP server {self._shown} answered {tool} with no tool result.")
        try:
            return self._redacted(result_text(self.name, tool, result))
        except ToolError as exc:  # the server's own isError text, kept as sent like a result
            raise ToolError(self._redacted(str(exc))) from None

    def _call_failed(self, tool: str, exc: MCPError) -> str:
        if exc.code == types.CONNECTION_CLOSED:
            self._lost(f"exited during a call to {tool}")
            return self._exited(tool)
        if exc.code == types.REQUEST_TIMEOUT:
            return (
                f"MCP server {self._shown} did not answer {tool} within "
                f"{self.config.timeout:g} s (its timeout); the call was cancelled."
            )
        return f"MCP server {self._shown} refused {tool}: {self.clean(exc.message)}"

    def _exited(self, tool: str) -> str:
        tail = "; its last output: " + " | ".join(self.state.stderr_tail[-3:])
        return (
            f"MCP server {self._shown} exited during the call to {tool}; it will be started "
            f"again on the next call{tail if self.state.stderr_tail else ''}."
        )

    def _ended_by_server(self) -> None:
        """The server's side closed (it exited, or the HTTP session ended) while we did not
        ask: down until the next call starts it again."""
        if not self._stop.is_set() and self.state.status == "ready":
            self._lost("exited")

    def _lost(self, reason: str) -> None:
        """The connection is gone: end the task (it leaves the SDK's contexts) and say so."""
        self._session = None
        self._fail(reason)
        self._stop.set()

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> list[dict[str, Any]]:
        session = await self._available()
        try:
            result = await session.get_prompt(name, arguments)
        except MCPError as exc:
            raise McpError(
                f"MCP server {self._shown} refused prompt {visible(name)}: "
                f"{self.clean(exc.message)}"
            ) from None
        if not isinstance(result, types.GetPromptResult):
            raise McpError(f"MCP server {self._shown} gave no prompt for {visible(name)}.")
        return [{**m, "content": self._redacted(m["content"])} for m in prompt_messages(result)]

    async def read_resource(self, uri: str) -> list[ResourceContent]:
        session = await self._available()
        try:
            result = await session.read_resource(uri)
        except MCPError as exc:
            raise McpError(
                f"MCP server {self._shown} could not read {visible(uri)}: {self.clean(exc.message)}"
            ) from None
        if not isinstance(result, types.ReadResourceResult):
            raise McpError(f"MCP server {self._shown} gave no contents for {visible(uri)}.")
        return [_content(part) for part in result.contents]

    async def _available(self) -> ClientSession:
        try:
            return await self.session()
        except ToolError as exc:
            raise McpError(str(exc)) from None

    # -- state ------------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        self._on_change()

    def _fail(self, reason: str) -> None:
        self._set(status="failed", error=self.clean(reason), stderr_tail=self._tail())

    def _settle(self) -> None:
        """Wake those waiting for the start to end (ready or failed)."""
        if self._started is not None and not self._started.done():
            self._started.set_result(None)

    def _reason(self, exc: BaseException) -> str:
        exc = _leaf(exc)
        config = self.config
        if isinstance(exc, MCPError) and exc.code == types.CONNECTION_CLOSED:
            return "exited before it was ready" if self.state.status == "starting" else "exited"
        text = str(exc).strip()
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        if isinstance(config, StdioServerConfig):
            if isinstance(exc, FileNotFoundError):
                return f"command not found: {config.command}"
            if isinstance(exc, PermissionError):
                return f"command cannot be run (permission denied): {config.command}"
            return detail
        where = _shown_url(config.url)
        if isinstance(exc, httpx2.TransportError):
            return f"cannot reach {where}: {detail}"
        if isinstance(exc, MCPError):
            return f"{where} answered: {text}"
        return f"{where}: {detail}"

    def clean(self, text: str) -> str:
        """Server or transport text made fit to show: no secret of ours, no control codes."""
        return visible(self._redacted(text))

    def _redacted(self, text: str) -> str:
        """``text`` without the values of the server's env or headers: a result goes to the
        model's provider and into the session file, which need none of them. (Control codes
        stay: stored text is kept as sent; whatever shows it applies ``visible``.)"""
        for secret in self._secrets:
            text = redact(text, secret)
        return text

    @property
    def _start_timeout(self) -> float:
        return max(self.config.timeout, MIN_START_TIMEOUT)

    @property
    def _shown(self) -> str:
        return visible(self.name)

    # -- stderr -----------------------------------------------------------------------------

    def _stderr_file(self, stack: contextlib.AsyncExitStack) -> TextIO:
        """A file the server's stderr is appended to (append mode: its writes and our reads
        never share a position), kept until the next start."""
        self._remove_stderr_file()
        fd, path = tempfile.mkstemp(prefix="agentry-mcp-", suffix=".log")
        os.close(fd)
        self._stderr_path = Path(path)
        file = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by stack
        stack.callback(file.close)
        return file

    def _tail(self) -> tuple[str, ...]:
        lines: list[str] = []
        if self._stderr_path is not None:
            try:
                with self._stderr_path.open("rb") as file:
                    file.seek(max(0, file.seek(0, os.SEEK_END) - _TAIL_BYTES))
                    lines = file.read().decode("utf-8", "replace").splitlines()
            except OSError:
                pass
        lines = [self.clean(clip(line.strip(), 300)) for line in lines if line.strip()]
        return tuple([*lines, *self._notes][-TAIL_LINES:])

    def _note(self, text: str) -> None:
        """Add a line of ours to the tail: in the stderr file, in order with the server's."""
        if self._stderr_path is not None:
            with contextlib.suppress(OSError), self._stderr_path.open("a", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            self._notes.append(text)
        self._set(stderr_tail=self._tail())

    def _remove_stderr_file(self) -> None:
        if self._stderr_path is not None:
            with contextlib.suppress(OSError):
                self._stderr_path.unlink()
            self._stderr_path = None


async def _all(list_page: Callable[..., Any], field: str) -> list[Any]:
    """Every item of a paginated list (tools, prompts, resources)."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await list_page(params=params)
        items.extend(getattr(page, field))
        cursor = page.next_cursor
        if not cursor:
            return items


class _Watched:
    """A transport's read stream that says when it ends (the SDK's session does not)."""

    def __init__(self, inner: Any, on_end: Callable[[], None]) -> None:
        self._inner = inner
        self._on_end = on_end

    def __getattr__(self, name: str) -> Any:  # last_context and whatever else is read
        return getattr(self._inner, name)

    async def receive(self) -> Any:
        try:
            return await self._inner.receive()
        except anyio.EndOfStream:
            self._on_end()
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> _Watched:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self._inner.__anext__()
        except StopAsyncIteration:
            self._on_end()
            raise

    async def __aenter__(self) -> _Watched:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        result: bool | None = await self._inner.__aexit__(*exc_info)
        return result


def _content(part: types.TextResourceContents | types.BlobResourceContents) -> ResourceContent:
    if isinstance(part, types.TextResourceContents):
        return ResourceContent(part.uri, part.mime_type, part.text, None)
    return ResourceContent(part.uri, part.mime_type, None, base64.b64decode(part.blob))


def _quoted(exc: Exception) -> str:
    """``: '<the line>'`` when the SDK's parse error holds it (pydantic keeps the input)."""
    errors = getattr(exc, "errors", None)
    try:
        line = errors()[0]["input"] if callable(errors) else None
    except (IndexError, KeyError, TypeError):
        return ""
    return f": {clip(line, 80)!r}" if isinstance(line, str) else ""


def _shown_url(url: str) -> str:
    """The URL without what may be a secret in it (user:password@, the query)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside exception groups (anyio's task groups wrap them)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc
