"""The line client with MCP servers from settings.json, and ``agentry mcp list``: the real
console script against the real test MCP server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from agentry.cli_mcp import main as mcp_main
from tests.cli.conftest import AGENTRY, Cli
from tests.mcp.conftest import stdio_entry

SECRET = "Bearer very-secret-header"


@pytest.fixture
def settings() -> Path:
    config = Path(os.environ["AGENTRY_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    servers = {
        "t": stdio_entry(),
        "missing": {"command": "agentry-no-such-command"},
        "bad": {"url": "ftp://example.com/mcp", "headers": {"Authorization": SECRET}},
        "off": {**stdio_entry(), "disabled": True},
    }
    (config / "settings.json").write_text(json.dumps({"mcpServers": servers}))
    return config / "settings.json"


def test_mcp_list_prints_each_server_its_state_and_tools(settings, tmp_path) -> None:
    run = subprocess.run(
        [AGENTRY, "mcp", "list"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert run.returncode == 1, run.stderr  # a server failed
    lines = run.stdout.splitlines()
    assert lines[0] == "t: ready (stdio), 14 tools, 1 prompts, 1 resources"
    columns = [" ".join(line.split()) for line in lines]  # whatever the widths
    assert "t__echo read Say the text back." in columns
    assert (
        "t__shout execute Say the text back in capitals (no annotations: it asks for approval)."
        in columns
    )
    assert "missing: failed (stdio): command not found: agentry-no-such-command" in lines
    assert "bad: failed: mcpServers.bad: url: must start with http:// or https://." in lines
    assert "off: disabled (stdio), 0 tools" in lines
    assert SECRET not in run.stdout + run.stderr
    assert run.stderr == ""  # nothing of the servers' (nor the SDK's logs) on the terminal


def test_mcp_list_json(settings, capsys) -> None:
    servers = json.loads(settings.read_text())["mcpServers"]
    del servers["t"]  # the servers that start nothing: this test is about the format
    settings.write_text(json.dumps({"mcpServers": servers}))
    assert mcp_main(["list", "--json"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "name": "missing",
            "status": "failed",
            "transport": "stdio",
            "tools": [],
            "prompts": 0,
            "resources": 0,
            "error": "command not found: agentry-no-such-command",
            "stderr_tail": [],
        },
        {
            "name": "bad",
            "status": "failed",
            "transport": None,
            "tools": [],
            "prompts": 0,
            "resources": 0,
            "error": "mcpServers.bad: url: must start with http:// or https://.",
            "stderr_tail": [],
        },
        {
            "name": "off",
            "status": "disabled",
            "transport": "stdio",
            "tools": [],
            "prompts": 0,
            "resources": 0,
            "error": None,
            "stderr_tail": [],
        },
    ]


def test_mcp_list_without_servers_says_where_they_would_be(capsys) -> None:
    assert mcp_main(["list"]) == 0
    assert "No MCP servers configured (mcpServers in " in capsys.readouterr().err


def test_line_client_offers_the_settings_servers_tools(settings, tmp_path, ollama_server) -> None:
    cli = Cli(tmp_path)
    result = subprocess.run(  # not cli.pipe: a server's start may take its 20 s on a busy machine
        cli.command('#tool:t__echo {"text": "from the line client"}'),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cli.env(),
        cwd=cli.workspace,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Tool said: echo: from the line client\n"
    assert "MCP server not started: mcpServers.bad: url: must start with http" in result.stderr
    assert SECRET not in result.stderr
    offered = {t["function"]["name"] for t in ollama_server.requests[-1].body["tools"]}
    assert {"t__echo", "read_file"} <= offered
    assert not any(name.startswith("off__") for name in offered)
