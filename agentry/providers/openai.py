"""OpenAI Chat Completions (``POST {base}/chat/completions`` streaming SSE, ``GET {base}/models``)
and the servers that speak it: Groq, llama.cpp's server, vLLM, LM Studio, Ollama's /v1."""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agentry.errors import ModelNotFoundError, StreamError
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers.base import MODEL_ENV, HttpProvider
from agentry.providers.http import (
    BAD_PIECE,
    Timeouts,
    cut_short,
    iter_sse,
    json_object,
    malformed,
    redact,
)


def openai_base_url(endpoint: str) -> str:
    """The API root for an endpoint: a bare server address (llama.cpp's
    ``http://127.0.0.1:8080``) gets ``/v1``; an address with a path is used as given."""
    endpoint = endpoint.strip().rstrip("/")
    if "://" not in endpoint:
        endpoint = f"http://{endpoint}"
    if not urllib.parse.urlsplit(endpoint).path:
        endpoint += "/v1"
    return endpoint


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
    return wire


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


class OpenAIProvider(HttpProvider):
    name: ClassVar[str] = "openai"
    label: ClassVar[str] = "OpenAI"
    DEFAULT_BASE: ClassVar[str] = "https://api.openai.com/v1"
    BASE_ENV: ClassVar[str | None] = "OPENAI_BASE_URL"
    KEY_ENV: ClassVar[str] = "OPENAI_API_KEY"

    def __init__(
        self,
        model: str | None = None,
        api_key: str | None = None,
        endpoint: str | None = None,
        timeouts: Timeouts | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        **_: Any,
    ) -> None:
        # Sampling settings sent with every request, where given (servers differ in defaults).
        self.sampling = {
            k: v for k, v in (("temperature", temperature), ("max_tokens", max_tokens))
            if v is not None
        }
        base = endpoint or (os.environ.get(self.BASE_ENV) if self.BASE_ENV else None)
        self.endpoint = openai_base_url(base) if base else self.DEFAULT_BASE
        self.model = model or os.environ.get(MODEL_ENV) or None
        self._connect_keyed(self.DEFAULT_BASE, api_key, (self.KEY_ENV,),
                            lambda key: {"Authorization": f"Bearer {key}"}, timeouts)

    async def list_models(self) -> list[str]:
        self._check_key()
        data = await self.http.get_json("/models")
        return [m["id"] for m in data.get("data") or [] if isinstance(m, dict) and m.get("id")]

    async def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
    ) -> AsyncIterator[ProviderEvent]:
        self._check_key()
        payload: dict[str, Any] = {
            "model": model,
            "messages": [to_wire(m) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            **self.sampling,
        }
        if tools:
            payload["tools"] = [{"type": "function", "function": t} for t in tools]
        url = self.http.url("/chat/completions")
        calls: dict[Any, _PartialCall] = {}
        usage: dict[str, Any] = {}
        duration: float | None = None
        finished = False
        try:
            async with self.http.stream("/chat/completions", payload, model=model) as response:
                async for _event, data in iter_sse(response, self.name, url):
                    try:
                        if data.strip() == "[DONE]":
                            finished = True
                            break
                        chunk = json_object(self.name, url, data)
                        if chunk.get("error"):
                            raise self._stream_error(url, chunk["error"])
                        # include_usage sends a last chunk with empty choices; Groq reports usage
                        # in x_groq; llama.cpp adds its own timings.
                        groq = chunk.get("x_groq") or {}
                        usage = chunk.get("usage") or groq.get("usage") or usage
                        if not isinstance(usage, dict):
                            raise TypeError("usage is not an object")
                        if isinstance(chunk.get("timings"), dict):
                            ms = chunk["timings"].get("predicted_ms")
                            duration = ms / 1000 if isinstance(ms, (int, float)) else duration
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
                                _merge_fragment(calls, fragment)
                            if choice.get("finish_reason"):
                                finished = True
                    except BAD_PIECE:  # a piece of an unexpected shape
                        raise malformed(self.name, url, data) from None
        except ModelNotFoundError:
            raise await self._model_not_found(model) from None
        if not finished:
            raise cut_short(self.name, url)
        for n, call in enumerate(calls.values(), 1):
            # Arguments as they came; the provider boundary parses and checks them.
            yield ToolCallEvent(
                id=call.id or f"call_{n}", name=call.name,
                arguments=call.whole if call.whole is not None else "".join(call.arguments),
            )
        yield UsageEvent(
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            duration_s=duration,
        )

    def _stream_error(self, url: str, error: Any) -> StreamError:
        message = error.get("message") if isinstance(error, dict) else error
        message = redact(str(message), self.api_key)
        return StreamError(
            f"{self.label} at {url} reported an error mid-reply: {message}. "
            "The partial reply was kept.",
            provider=self.name,
            url=url,
        )

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
    DEFAULT_BASE: ClassVar[str] = "https://api.groq.com/openai/v1"
    BASE_ENV: ClassVar[str | None] = None
    KEY_ENV: ClassVar[str] = "GROQ_API_KEY"
