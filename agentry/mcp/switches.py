"""Per-session switch-off of MCP servers, kept in the session's metadata under ``"mcp_off"``
(a list of server names): the session's requests leave those servers' tools out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MCP_OFF = "mcp_off"


def servers_off(metadata: Mapping[str, Any]) -> frozenset[str]:
    """The servers switched off in a session (a malformed value switches none off)."""
    value = metadata.get(MCP_OFF)
    if not isinstance(value, list):
        return frozenset()
    return frozenset(name for name in value if isinstance(name, str))


def with_server_off(metadata: Mapping[str, Any], server: str, off: bool) -> dict[str, Any]:
    """A new metadata dict with ``server`` switched off (``off``) or on again."""
    names = set(servers_off(metadata))
    if off:
        names.add(server)
    else:
        names.discard(server)
    new = dict(metadata)
    if names:
        new[MCP_OFF] = sorted(names)
    else:
        new.pop(MCP_OFF, None)
    return new
