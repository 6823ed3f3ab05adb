"""A real MCP server (the SDK's MCPServer) for the tests, over stdio:

    python tests/servers/mcp_stdio_server.py [--garbage] [--exit]

``--garbage`` writes lines that are not JSON-RPC (one not even UTF-8) on stdout before serving
(once it serves, the SDK diverts print() to stderr); ``--exit`` writes to
stderr and exits at once (a server that cannot start). Its tools cover each kind of result and
each way a server misbehaves mid-call; ``build()`` is shared with mcp_http_server.py.
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--exit" in sys.argv:  # before the SDK's imports: at once
    print("cannot start: no database", file=sys.stderr, flush=True)
    sys.exit(2)

import base64
import os
import threading
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ImageContent, SamplingMessage, TextContent, ToolAnnotations
from pydantic import BaseModel


class Name(BaseModel):
    name: str


READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(12_600)).decode()  # 12,608 bytes: 12.3 KB
BIG = 100_000  # characters of big(): over the client's cap


def build(name: str = "test") -> MCPServer:
    server = MCPServer(name)

    @server.tool(annotations=READ_ONLY)
    def echo(text: str) -> str:
        """Say the text back."""
        return f"echo: {text}"

    @server.tool()
    def shout(text: str) -> str:
        """Say the text back in capitals (no annotations: it asks for approval)."""
        return text.upper()

    @server.tool(annotations=READ_ONLY)
    def picture() -> list[TextContent | ImageContent]:
        """A caption and an image."""
        return [TextContent(text="a square"), ImageContent(data=PNG, mime_type="image/png")]

    @server.tool(annotations=READ_ONLY)
    def measure() -> CallToolResult:
        """Structured content only, no text."""
        return CallToolResult(content=[], structured_content={"width": 3, "unit": "m"})

    @server.tool(annotations=READ_ONLY)
    def fail() -> str:
        """Always fails."""
        raise ToolError("the disk is full\x1b[2J")

    @server.tool(annotations=READ_ONLY)
    def crash() -> str:
        """Exits the server mid-call."""
        print("crashing on purpose", file=sys.stderr, flush=True)
        os._exit(3)

    @server.tool(annotations=READ_ONLY)
    def exit_soon() -> str:
        """Answers, then exits while idle."""
        threading.Timer(0.1, os._exit, (4,)).start()
        return "exiting soon"

    @server.tool(annotations=READ_ONLY)
    async def hang() -> str:
        """Never answers."""
        await anyio.sleep_forever()
        return "never"

    @server.tool(annotations=READ_ONLY)
    def big() -> str:
        """More text than the client keeps."""
        return "x" * BIG

    @server.tool(annotations=READ_ONLY)
    def environment(variable: str) -> str:
        """The value of an environment variable of the server."""
        return os.environ.get(variable, "<unset>")

    @server.tool(annotations=READ_ONLY)
    def started() -> float:
        """When this server process started (time.time())."""
        return STARTED

    @server.tool(annotations=READ_ONLY)
    async def ask_name(ctx: Context) -> str:
        """Asks the person for their name (an elicitation) and says what came back."""
        result = await ctx.elicit("What is your name?", Name)
        return (
            f"{result.action}: {result.data.name}" if result.action == "accept" else (result.action)
        )

    @server.tool(annotations=READ_ONLY)
    async def summarise(text: str, ctx: Context) -> str:
        """Asks the client's model to summarise the text (a sampling request)."""
        result = await ctx.session.create_message(
            [SamplingMessage(role="user", content=TextContent(text=f"Summarise: {text}"))],
            max_tokens=50,
            related_request_id=ctx.request_id,
        )
        content = result.content
        return content.text if isinstance(content, TextContent) else repr(content)

    @server.tool(annotations=READ_ONLY)
    def capabilities(ctx: Context) -> str:
        """Which of sampling and elicitation the client said it supports."""
        caps = ctx.client_capabilities
        assert caps is not None
        return f"sampling={caps.sampling is not None} elicitation={caps.elicitation is not None}"

    @server.prompt()
    def greet(who: str) -> str:
        """Greet someone."""
        return f"Please greet {who}."

    @server.resource("note://hello", name="hello", mime_type="text/plain")
    def hello() -> str:
        """A short note."""
        return "hello from the note"

    return server


STARTED = time.time()

if __name__ == "__main__":
    if "--garbage" in sys.argv:
        sys.stdout.buffer.write(b"starting up... not json\n{broken\n\xff\xfe\x1b[31m\n")
        sys.stdout.flush()
    build().run("stdio")
