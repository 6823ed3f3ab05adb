"""``agentry mcp list [--json]``: connect to each MCP server of settings.json, print its state
and tools, exit. Exit code 1 if a server failed (its reason is printed with it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from agentry.config import load_settings, settings_path
from agentry.safe_text import visible


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentry mcp",
        description="The MCP servers configured in settings.json (mcpServers).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser(
        "list", help="start each server, print its state and tools, and exit"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object a server a line")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    raw = load_settings().mcpServers
    if not raw:
        print(f"No MCP servers configured (mcpServers in {settings_path()}).", file=sys.stderr)
        return 0
    rows = asyncio.run(server_rows(raw))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False) if args.json else "\n".join(row_lines(row)))
    return 1 if any(row["status"] == "failed" for row in rows) else 0


async def server_rows(raw: object) -> list[dict[str, Any]]:
    """Each configured server (a bad entry too, failed with its reason) as a dict, in the
    settings' order, once every server has started or failed."""
    from agentry.mcp import McpHub, parse_servers
    from agentry.mcp.connection import MIN_START_TIMEOUT

    configs, bad = parse_servers(raw)
    hub = McpHub(configs)
    hub.start()
    try:
        await hub.settled(max((c.timeout for c in configs.values()), default=0) + MIN_START_TIMEOUT)
        tools: dict[str, list[dict[str, str]]] = {}
        for tool in hub.tools():
            tools.setdefault(tool.server or "", []).append(
                {"name": tool.name, "permission": tool.permission, "description": tool.description}
            )
        found = {
            state.name: {
                "name": visible(state.name),
                "status": state.status,
                "transport": state.transport,
                "tools": tools.get(state.name, []),
                "prompts": state.prompts,
                "resources": state.resources,
                "error": state.error,
                "stderr_tail": list(state.stderr_tail),
            }
            for state in hub.states()
        }
    finally:
        await hub.aclose()
    for name, error in bad.items():
        found[name] = {"name": visible(name), "status": "failed", "transport": None,
                       "tools": [], "prompts": 0, "resources": 0, "error": visible(error),
                       "stderr_tail": []}  # fmt: skip
    order = raw if isinstance(raw, dict) else found
    return [found[name] for name in order if name in found]


def row_lines(row: dict[str, Any]) -> list[str]:
    """A server for people: its name, state and transport, then its tools or its failure."""
    head = f"{row['name']}: {row['status']}"
    if row["transport"]:
        head += f" ({row['transport']})"
    if row["status"] == "failed":
        return [
            f"{head}: {row['error']}",
            *(f"  stderr: {line}" for line in row["stderr_tail"]),
        ]
    extras = [f"{row[k]} {k}" for k in ("prompts", "resources") if row[k]]
    lines = [f"{head}, {len(row['tools'])} tools" + "".join(f", {e}" for e in extras)]
    width = max((len(t["name"]) for t in row["tools"]), default=0)
    for tool in row["tools"]:
        summary = (tool["description"].strip().splitlines() or [""])[0]
        lines.append(f"  {tool['name']:<{width}}  {tool['permission']:<7}  {summary}")
    return lines
