"""Tool names the model sees for MCP tools: ``<server>__<tool>``, fitted to ``Tool``'s rule
(1-64 of letters, digits, '_' and '-') and unique across servers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_LENGTH = 64
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]+")


def tool_names(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A model-facing name for each (server, tool) pair. A name that had to be cut, or that two
    pairs would share once sanitised, ends in a hash of its pair: stable across restarts and
    independent of the order servers became ready."""
    wanted = {pair: _sanitised(*pair) for pair in pairs}
    counts: dict[str, int] = {}
    for name in wanted.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        pair: name if counts[name] == 1 and len(name) <= MAX_LENGTH else _hashed(name, pair)
        for pair, name in wanted.items()
    }


def _sanitised(server: str, tool: str) -> str:
    return f"{_NOT_ALLOWED.sub('_', server)}__{_NOT_ALLOWED.sub('_', tool)}"


def _hashed(name: str, pair: tuple[str, str]) -> str:
    digest = hashlib.sha256("\0".join(pair).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name[: MAX_LENGTH - 9]}_{digest}"
