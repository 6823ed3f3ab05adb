"""OpenAI Chat Completions (``POST {base}/chat/completions`` streaming SSE, ``GET {base}/models``)
and the servers that speak it: Groq, llama.cpp's server, vLLM, LM Studio, Ollama's /v1."""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from agentry.attachments.wire import data_url
from agentry.errors import ProviderError
from agentry.events import (
    ProviderEvent,
    RawArguments,
    ReasoningDelta,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)
from agentry.providers.base import wire_fields
from agentry.providers.http_provider import Decoder, HttpProvider, Request, listed_ids

# The session parameters as Chat Completions fields (Groq, llama.cpp's server, vLLM and LM
# Studio take the same). There is none for the context length: the server fixes it at start.
FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "seed": "seed",
    "stop": "stop",
}


def openai_base_url(endpoint: str) -> str:
    """The API root for an endpoint: a bare server address (llama.cpp's
    ``http://127.0.0.1:8080``) gets ``/v1``; an address with a path is used as given."""
    endpoint = endpoint.strip().rstrip("/")
    if "://" not in endpoint:
        endpoint = f"http://{endpoint}"
    if not urllib.parse.urlsplit(endpoint).path:
        endpoint += "/v1"
    return endpoint


def props_context_length(props: Any) -> int | None:
    """``n_ctx`` in llama.cpp's ``/props`` answer (in ``default_generation_settings``)."""
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    n_ctx = (settings or {}).get("n_ctx") if isinstance(settings, dict) else None
    return n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None


def to_wire(message: dict[str, Any]) -> dict[str, Any]:
    """Chat Completions wants tool call arguments as JSON strings and results as role "tool"."""
    role = message["role"]
    wire: dict[str, Any] = {"role": role, "content": message.get("content")}
    if role == "assistant" and message.get("tool_calls"):
        wire["tool_calls"] = [
            {
                "id": call.get("id"),
                "type": "function",
                "function": {
                    "name": call["function"]["name"],
                    "arguments": _args_json(call["function"].get("arguments")),
                },
            }
            for call in message["tool_calls"]
        ]
    elif role == "tool":
        wire["tool_call_id"] = message.get("tool_call_id")
        wire["content"] = message.get("content") or ""
    elif wire["content"] is None:
        wire["content"] = ""
    if message.get("images"):  # content parts: the text, then each image as a data URL
        text = wire["content"]
        wire["content"] = [{"type": "text", "text": text}] if text else []
        wire["content"] += [
            {"type": "image_url", "image_url": {"url": data_url(image)}}
            for image in message["images"]
        ]
    return wire


def chat_body(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    to_wire: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """A streamed chat request as Chat Completions takes it (and Ollama's /api/chat, modelled
    on it): the messages in the server's form, tools as functions."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [to_wire(m) for m in messages],
        "stream": True,
    }
    if tools:
        body["tools"] = [{"type": "function", "function": t} for t in tools]
    return body


def _args_json(args: Any) -> str:
    if isinstance(args, str):
        return args or "{}"
    return json.dumps(args or {}, ensure_ascii=False)


@dataclass
class _PartialCall:
    """A tool call being assembled from index-keyed fragments."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    whole: Any = None  # servers that send arguments as an object


class ChatCompletionsDecoder(Decoder):
    """SSE chunks of deltas; tool calls come in fragments, assembled once the stream ends."""

    def __init__(self, provider: HttpProvider, url: str) -> None:
        super().__init__(provider, url)
        self.calls: dict[Any, _PartialCall] = {}
        self.counts: dict[str, Any] = {}
        self.duration: float | None = None

    def feed(self, piece: str) -> Iterator[ProviderEvent]:
        if "[DONE]" in piece and piece.strip() == "[DONE]":  # no copy of every piece
            self.finished = self.ended = True
            return
        chunk = self.json(piece)
        if chunk.get("error"):
            error = chunk["error"]
            raise self.mid_reply(f": {error.get('message') if isinstance(error, dict) else error}")
        # include_usage sends a last chunk with empty choices; Groq reports usage in x_groq;
        # llama.cpp adds its own timings.
        groq = chunk.get("x_groq") or {}
        self.counts = chunk.get("usage") or groq.get("usage") or self.counts
        if not isinstance(self.counts, dict):
            raise TypeError("usage is not an object")
        if isinstance(chunk.get("timings"), dict):
            ms = chunk["timings"].get("predicted_ms")
            self.duration = ms / 1000 if isinstance(ms, (int, float)) else self.duration
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                yield ReasoningDelta(reasoning)  # the boundary checks the type
            if content := delta.get("content"):
                yield TextDelta(content)
            for fragment in delta.get("tool_calls") or []:
                _merge_fragment(self.calls, fragment)
            if reason := choice.get("finish_reason"):
                self.finished = True
                self.truncated = reason == "length"

    def held(self) -> Iterator[ToolCallEvent]:
        for n, call in enumerate(self.calls.values(), 1):
            # Arguments as they came; the provider boundary parses and checks them.
            yield ToolCallEvent(
                id=call.id or f"call_{n}",
                name=call.name,
                arguments=cast(
                    RawArguments, call.whole if call.whole is not None else "".join(call.arguments)
                ),
            )

    def usage(self) -> UsageEvent:
        return UsageEvent(
            prompt_tokens=self.counts.get("prompt_tokens"),
            completion_tokens=self.counts.get("completion_tokens"),
            duration_s=self.duration,
        )


class OpenAIProvider(HttpProvider):
    name: ClassVar[str] = "openai"
    label: ClassVar[str] = "OpenAI"
    official: ClassVar[str] = "https://api.openai.com/v1"
    key_envs: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    BASE_ENV: ClassVar[str | None] = "OPENAI_BASE_URL"
    models_path = "/models"
    decoder = ChatCompletionsDecoder
    supported_params = frozenset(FIELDS)

    def __init__(
        self, *, temperature: float | None = None, max_tokens: int | None = None, **options: Any
    ) -> None:
        # Sampling settings sent with every request, where given (servers differ in defaults).
        self.sampling = {
            k: v
            for k, v in (("temperature", temperature), ("max_tokens", max_tokens))
            if v is not None
        }
        super().__init__(**options)

    def endpoint_for(self, endpoint: str | None) -> str:
        base = endpoint or (os.environ.get(self.BASE_ENV) if self.BASE_ENV else None)
        return openai_base_url(base) if base else self.official

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def model_names(self, listing: Any) -> list[str]:
        return listed_ids(listing)

    async def context_length(self, model: str) -> int | None:
        """llama.cpp's server says its context length at ``/props`` (next to ``/v1``); a
        hosted service is not asked (it has no such page, and would be sent the key)."""
        if self.key_required or not self.endpoint.endswith("/v1"):
            return None
        try:
            props = await self.http.get_json("../props")
        except ProviderError:
            return None
        return props_context_length(props)

    def request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> Request:
        body = chat_body(model, messages, tools, to_wire)
        body.update(stream_options={"include_usage": True}, **self.sampling)
        return Request("/chat/completions", body, model)

    def send_params(self, body: dict[str, Any], params: Mapping[str, Any]) -> None:
        body.update(wire_fields(params, FIELDS))


def _merge_fragment(calls: dict[Any, _PartialCall], fragment: dict[str, Any]) -> None:
    """Fold one streamed tool call fragment into ``calls``. Fragments are keyed by ``index``;
    a server that leaves it out is keyed by id (a new id starts a new call)."""
    if "index" in fragment:
        key: Any = fragment["index"]
    elif fragment.get("id"):
        key = fragment["id"]
    else:
        key = next(reversed(calls), 0) if calls else 0
    call = calls.setdefault(key, _PartialCall())
    if isinstance(fragment.get("id"), str) and not call.id:
        call.id = fragment["id"]
    function = fragment.get("function") or {}
    if isinstance(function.get("name"), str):
        call.name = call.name or function["name"]
    args = function.get("arguments")
    if isinstance(args, str):
        call.arguments.append(args)
    elif args is not None:
        call.whole = args  # an object (some servers), or anything else for the boundary to refuse


class GroqProvider(OpenAIProvider):
    name: ClassVar[str] = "groq"
    label: ClassVar[str] = "Groq"
    official: ClassVar[str] = "https://api.groq.com/openai/v1"
    key_envs: ClassVar[tuple[str, ...]] = ("GROQ_API_KEY",)
    BASE_ENV: ClassVar[str | None] = None
