"""The context length a session's requests get: the first of what the server says (or the
session's own setting: Ollama runs what a request names as num_ctx, another server at most its
own), the session's setting, the settings file, and a table of well-known models
(known_models.json)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ContextLength:
    tokens: int
    # Where it came from, in words: "server", "session", "settings", "table", or the server's
    # own (ServerLength.source).
    source: str
    sent: bool = False  # each request names it (Ollama's num_ctx): the server runs this length


@dataclass(frozen=True)
class ServerLength:
    """What a server says of a model's context: ``tokens``, the length it runs the model with
    for a request that names none, and where that comes from (``source``, in words). ``sent``:
    a request names the length it is planned with and the server runs that (Ollama's num_ctx),
    so a session may choose another, up to ``maximum`` (the model's, where known)."""

    tokens: int
    source: str = "server"
    sent: bool = False
    maximum: int | None = None


def resolve_length(
    model: str | None,
    *,
    server: ServerLength | int | None = None,
    session: int | None = None,
    settings: int | None = None,
) -> ContextLength | None:
    """The context length to plan with, or None when nothing says one (then nothing is
    dropped: the server is left to decide). ``server`` as a number: a length it runs and a
    request cannot change."""
    if isinstance(server, int):
        server = ServerLength(server) if server > 0 else None
    if server is not None and server.sent:
        if not session:
            return ContextLength(server.tokens, server.source, sent=True)
        if server.maximum and session > server.maximum:
            return ContextLength(server.maximum, "model's maximum", sent=True)
        return ContextLength(session, "session", sent=True)
    if server is not None:
        if session and session < server.tokens:
            return ContextLength(session, "session")
        return ContextLength(server.tokens, server.source)
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
