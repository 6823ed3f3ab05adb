"""Ollama's native API: ``POST /api/chat`` streaming NDJSON, ``GET /api/tags``."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

from agentry.errors import ModelNotFoundError, StreamError
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers.base import MODEL_ENV, HttpProvider, call_arguments
from agentry.providers.http import (
    BAD_PIECE,
    HttpClient,
    Timeouts,
    cut_short,
    iter_lines,
    json_object,
    malformed,
)

DEFAULT_PORT = 11434


def parse_ollama_host(host: str | None) -> str:
    """Read OLLAMA_HOST the way Ollama's own Python client does: ``host``, ``host:port``,
    ``http://host:port`` (a scheme without a port means 80/443), optional path."""
    host, port = host or "", DEFAULT_PORT
    scheme, _, hostport = host.partition("://")
    if not hostport:
        scheme, hostport = "http", host
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
    name = split.hostname or "127.0.0.1"
    port = split.port or port
    try:
        if isinstance(ipaddress.ip_address(name), ipaddress.IPv6Address):
            name = f"[{name}]"
    except ValueError:
        pass
    path = split.path.strip("/")
    return f"{scheme}://{name}:{port}" + (f"/{path}" if path else "")


def to_wire(message: dict[str, Any]) -> dict[str, Any]:
    """Ollama takes tool call arguments as objects and tool results as role "tool"."""
    wire: dict[str, Any] = {"role": message["role"], "content": message.get("content") or ""}
    if message.get("tool_calls"):
        wire["tool_calls"] = [
            {"function": {"name": c["function"]["name"], "arguments": call_arguments(c)}}
            for c in message["tool_calls"]
        ]
    if message["role"] == "tool" and message.get("name"):
        wire["tool_name"] = message["name"]
    if message.get("images"):
        wire["images"] = message["images"]
    return wire


class OllamaProvider(HttpProvider):
    name = "ollama"
    label = "Ollama"

    def missing_model_hint(self, model: str) -> str:
        return f"Run `ollama pull {model}` or choose another with --model."

    def __init__(
        self,
        model: str | None = None,
        endpoint: str | None = None,
        timeouts: Timeouts | None = None,
        **_: Any,
    ) -> None:
        self.endpoint = (
            endpoint.rstrip("/") if endpoint else parse_ollama_host(os.environ.get("OLLAMA_HOST"))
        )
        self.model = model or os.environ.get(MODEL_ENV) or None
        self.http = HttpClient(self.name, self.endpoint, timeouts=timeouts)

    async def list_models(self) -> list[str]:
        data = await self.http.get_json("/api/tags")
        return [m.get("name") or m.get("model") for m in data.get("models", [])]

    async def resolve_model(self) -> str:
        if self.model:
            return self.model
        models = await self.list_models()
        if not models:
            raise ModelNotFoundError(
                f"Ollama at {self.endpoint} has no models installed. "
                "Install one with `ollama pull <model>` (for example `ollama pull llama3.2`).",
                provider=self.name,
                url=self.endpoint,
            )
        self.model = models[0]
        return self.model

    async def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
    ) -> AsyncIterator[ProviderEvent]:
        payload: dict[str, Any] = {
            "model": model,
            "messages": [to_wire(m) for m in messages],
            "stream": True,
        }
        if tools:
            payload["tools"] = [{"type": "function", "function": t} for t in tools]
        url = self.http.url("/api/chat")
        calls = 0
        try:
            async with self.http.stream("/api/chat", payload, model=model) as response:
                async for line in iter_lines(response, self.name, url):
                    try:
                        if not line.strip():
                            continue
                        chunk = json_object(self.name, url, line)
                        if "error" in chunk:
                            raise StreamError(
                                f"Ollama at {url} reported an error mid-reply: {chunk['error']}. "
                                "The partial reply was kept.",
                                provider=self.name,
                                url=url,
                            )
                        message = chunk.get("message") or {}
                        if message.get("thinking"):
                            yield ReasoningDelta(message["thinking"])
                        if message.get("content"):
                            yield TextDelta(message["content"])
                        for call in message.get("tool_calls") or []:
                            calls += 1
                            function = call.get("function", {})
                            yield ToolCallEvent(
                                id=call.get("id") or f"call_{calls}",
                                name=function.get("name", ""),
                                arguments=function.get("arguments"),  # checked at the boundary
                            )
                        if chunk.get("done"):
                            yield UsageEvent(
                                prompt_tokens=chunk.get("prompt_eval_count"),
                                completion_tokens=chunk.get("eval_count"),
                                duration_s=(chunk["eval_duration"] / 1e9)
                                if chunk.get("eval_duration")
                                else None,
                            )
                            return
                    except BAD_PIECE:  # a piece of an unexpected shape
                        raise malformed(self.name, url, line) from None
        except ModelNotFoundError:
            raise await self._model_not_found(model) from None
        raise cut_short(self.name, url)
