"""Real MCP servers (the SDK's MCPServer, tests/servers/mcp_*.py) for the tests: a stdio
server's settings entry, and a Streamable HTTP server on 127.0.0.1 started once per module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SERVERS = Path(__file__).parents[1] / "servers"


def stdio_entry(*flags: str, **options: Any) -> dict[str, Any]:
    """The settings.json entry of the test stdio server (``--garbage``, ``--exit``)."""
    return {
        "command": sys.executable,
        "args": [str(SERVERS / "mcp_stdio_server.py"), *flags],
        **options,
    }


@pytest.fixture(scope="module")
def mcp_http_url() -> Iterator[str]:
    """The URL of the test server over Streamable HTTP (a subprocess; it binds a free port)."""
    process = subprocess.Popen(
        [sys.executable, str(SERVERS / "mcp_http_server.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"the HTTP MCP server said {url!r}"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
