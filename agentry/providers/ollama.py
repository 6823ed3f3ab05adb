"""Ollama's native API: ``POST /api/chat`` streaming NDJSON, ``GET /api/tags``, ``POST
/api/show`` (a model's details, its context length among them), ``GET /api/ps`` (the models
loaded, with the context each runs with)."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from agentry.context.length import ServerLength
from agentry.errors import ProviderError
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers.base import call_arguments, wire_fields
from agentry.providers.http_provider import Decoder, HttpProvider, Request
from agentry.providers.openai import chat_body

DEFAULT_PORT = 11434
# The session parameters in /api/chat's "options" (Ollama's Modelfile parameter names).
OPTIONS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "num_predict",
    "context_length": "num_ctx",
    "seed": "seed",
    "stop": "stop",
}


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
    if message.get("images"):  # base64 strings, as /api/chat takes them
        wire["images"] = [i["data"] if isinstance(i, dict) else i for i in message["images"]]
    return wire


# The context Ollama runs a model with when neither the request (num_ctx), the model's Modelfile
# nor the server's OLLAMA_CONTEXT_LENGTH says one: 4k with less than 24 GiB of VRAM, more with
# more (docs/context-length). Agentry plans with it and sends it, so the two agree.
DEFAULT_CONTEXT = 4096


def shown_num_ctx(shown: Any) -> int | None:
    """The model's own ``num_ctx`` parameter (its Modelfile's) in an ``/api/show`` answer."""
    if not isinstance(shown, dict):
        return None
    for line in str(shown.get("parameters") or "").splitlines():
        name, _, value = line.strip().partition(" ")
        if name == "num_ctx" and value.strip().isdigit():
            return int(value.strip())
    return None


def shown_context_length(shown: Any) -> int | None:
    """The model's maximum context in an ``/api/show`` answer: ``<architecture>.context_length``
    of its ``model_info``."""
    if not isinstance(shown, dict):
        return None
    info = shown.get("model_info")
    if not isinstance(info, dict):
        return None
    length = info.get(f"{info.get('general.architecture')}.context_length")
    return length if isinstance(length, int) and length > 0 else None


def shown_vision(shown: Any) -> bool | None:
    """Whether an ``/api/show`` answer's ``capabilities`` include "vision"; None without them."""
    capabilities = shown.get("capabilities") if isinstance(shown, dict) else None
    if not isinstance(capabilities, list):
        return None
    return "vision" in capabilities


class OllamaDecoder(Decoder):
    """NDJSON chunks: a message's thinking, content and whole tool calls; counts in the last."""

    def __init__(self, provider: HttpProvider, url: str) -> None:
        super().__init__(provider, url)
        self.calls = 0
        self.counts = UsageEvent()

    def feed(self, piece: str) -> Iterator[ProviderEvent]:
        if not piece or piece.isspace():
            return
        chunk = self.json(piece)
        if "error" in chunk:
            raise self.mid_reply(f": {chunk['error']}")
        message = chunk.get("message") or {}
        if message.get("thinking"):
            yield ReasoningDelta(message["thinking"])
        if message.get("content"):
            yield TextDelta(message["content"])
        for call in message.get("tool_calls") or []:
            self.calls += 1
            function = call.get("function", {})
            yield ToolCallEvent(
                id=call.get("id") or f"call_{self.calls}",
                name=function.get("name", ""),
                arguments=function.get("arguments"),  # checked at the boundary
            )
        if chunk.get("done"):
            self.truncated = chunk.get("done_reason") == "length"
            self.counts = UsageEvent(
                prompt_tokens=chunk.get("prompt_eval_count"),
                completion_tokens=chunk.get("eval_count"),
                duration_s=(chunk["eval_duration"] / 1e9) if chunk.get("eval_duration") else None,
            )
            self.finished = self.ended = True

    def usage(self) -> UsageEvent:
        return self.counts


class OllamaProvider(HttpProvider):
    name = "ollama"
    label = "Ollama"
    sse = False
    models_path = "/api/tags"
    decoder = OllamaDecoder
    supported_params = frozenset(OPTIONS)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._vision: dict[str, bool | None] = {}  # what /api/show said, by model

    def missing_model_hint(self, model: str) -> str:
        return f"Run `ollama pull {model}` or choose another with --model."

    def endpoint_for(self, endpoint: str | None) -> str:
        if endpoint:
            return endpoint.rstrip("/")
        return parse_ollama_host(os.environ.get("OLLAMA_HOST"))

    def model_names(self, listing: Any) -> list[str]:
        return [m.get("name") or m.get("model") for m in listing.get("models", [])]

    async def context_length(self, model: str) -> int | None:
        window = await self.context_window(model)
        return window.tokens if window is not None else None

    async def context_window(self, model: str) -> ServerLength | None:
        """The context Ollama runs ``model`` with when a request names none: its Modelfile's
        num_ctx, else the one it is loaded with now (the server's OLLAMA_CONTEXT_LENGTH or its
        default for the machine's VRAM), else Ollama's smallest default. Each request names
        the length it is planned with (num_ctx), so the server runs exactly that."""
        try:
            shown = await self.http.post_json("/api/show", {"model": model})
        except ProviderError:  # an older server, or a model it cannot describe: not said
            return None
        maximum = shown_context_length(shown)
        if own := shown_num_ctx(shown):
            return ServerLength(own, "model's num_ctx", True, maximum)
        if loaded := await self._loaded_context(model):
            return ServerLength(loaded, "loaded in Ollama", True, maximum)
        if maximum and maximum < DEFAULT_CONTEXT:
            return ServerLength(maximum, "model's maximum", True, maximum)
        return ServerLength(DEFAULT_CONTEXT, "Ollama default", True, maximum)

    async def _loaded_context(self, model: str) -> int | None:
        """The context ``model`` runs with if it is loaded now (``/api/ps``), else None."""
        try:
            running = await self.http.get_json("/api/ps")
        except ProviderError:  # an older server: not said
            return None
        names = {model, model if ":" in model else f"{model}:latest"}
        models = running.get("models") if isinstance(running, dict) else None
        for loaded in models if isinstance(models, list) else ():
            length = loaded.get("context_length") if isinstance(loaded, dict) else None
            if {loaded.get("name"), loaded.get("model")} & names and isinstance(length, int):
                return length if length > 0 else None
        return None

    async def accepts_images(self, model: str) -> bool | None:
        """What ``/api/show`` says: its ``capabilities`` (Ollama 0.6.4 on) name "vision" for a
        model that takes images; None where it lists none or cannot be asked."""
        if model not in self._vision:
            try:
                shown = await self.http.post_json("/api/show", {"model": model})
            except ProviderError:
                return None
            self._vision[model] = shown_vision(shown)
        return self._vision[model]

    def no_models(self) -> str:
        return (
            f"Ollama at {self.endpoint} has no models installed. Install one with "
            "`ollama pull <model>` (for example `ollama pull llama3.2`)."
        )

    def request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> Request:
        return Request("/api/chat", chat_body(model, messages, tools, to_wire), model)

    def send_params(self, body: dict[str, Any], params: Mapping[str, Any]) -> None:
        body["options"] = wire_fields(params, OPTIONS)
