"""The test MCP server (mcp_stdio_server.build) over Streamable HTTP on 127.0.0.1, on a free
port it binds itself (no race for it); prints its URL on the first line, then serves:

    python tests/servers/mcp_http_server.py
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import anyio
import uvicorn

sys.path.insert(0, str(Path(__file__).parent))
from mcp_stdio_server import build  # a script run by path, beside its sibling


async def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = build("http-test").streamable_http_app(host="127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    print(f"http://127.0.0.1:{port}/mcp", flush=True)
    await server.serve(sockets=[sock])


if __name__ == "__main__":
    anyio.run(main)
