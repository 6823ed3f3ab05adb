"""The context length a session's requests get: the first of what the server says (or the
session's own setting, when smaller: Ollama applies it as num_ctx), the session's setting, the
settings file, and a table of well-known models (known_models.json)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ContextLength:
    tokens: int
    source: str  # where it came from, in words: "server", "session", "settings", "table"


def resolve_length(
    model: str | None,
    *,
    server: int | None = None,
    session: int | None = None,
    settings: int | None = None,
) -> ContextLength | None:
    """The context length to plan with, or None when nothing says one (then nothing is
    dropped: the server is left to decide)."""
    if server and session:
        return ContextLength(min(server, session), "session" if session < server else "server")
    if server:
        return ContextLength(server, "server")
    if session:
        return ContextLength(session, "session")
    if settings:
        return ContextLength(settings, "settings")
    if model and (tokens := known_length(model)):
        return ContextLength(tokens, "table")
    return None


def known_length(model: str) -> int | None:
    """The table's length for a model name ("llama3.2:3b", "openai/gpt-4o-mini"), or None."""
    name = model.lower().rpartition("/")[2].partition(":")[0]
    for prefix, tokens in _table():
        if name.startswith(prefix):
            return tokens
    return None


@functools.cache
def _table() -> list[tuple[str, int]]:
    raw = resources.files("agentry.context").joinpath("known_models.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    rows = [(k, v) for k, v in data.items() if isinstance(v, int) and not k.startswith("_")]
    return sorted(rows, key=lambda row: -len(row[0]))  # longest prefix first


def positive_int(value: Any) -> int | None:
    """A stored length as an int: a positive whole number (or its text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None
