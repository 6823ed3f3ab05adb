"""Anthropic's Messages API: ``POST /v1/messages`` streaming SSE events, ``GET /v1/models``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from agentry.errors import (
    AuthenticationError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamError,
)
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.messages import content_text
from agentry.providers.base import MODEL_ENV, HttpProvider, call_arguments
from agentry.providers.http import (
    BAD_PIECE,
    Timeouts,
    cut_short,
    iter_sse,
    json_object,
    malformed,
    redact,
)

DEFAULT_BASE = "https://api.anthropic.com"
KEY_ENV = "ANTHROPIC_API_KEY"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096


def to_wire(
    messages: list[dict[str, Any]], thinking: dict[str, list[dict[str, Any]]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages) in Messages API form: system text goes top level, tool calls
    become tool_use blocks, tool results tool_result blocks in a user turn; consecutive turns of
    one role are merged (the API wants them alternating). ``thinking`` maps a tool call id to
    the signed thinking blocks that preceded it, which the API wants back with the call."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        blocks: list[dict[str, Any]] = []
        if role == "system":
            if text := content_text(message.get("content")):
                system.append(text)
            continue
        if role == "tool":
            role = "user"
            blocks.append({
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id"),
                "content": content_text(message.get("content")),
            })
        elif role == "assistant":
            calls = message.get("tool_calls") or []
            if calls and thinking and calls[0].get("id") in thinking:
                blocks.extend(thinking[calls[0]["id"]])
            if text := content_text(message.get("content")):
                blocks.append({"type": "text", "text": text})
            blocks.extend(
                {"type": "tool_use", "id": c.get("id"), "name": c["function"]["name"],
                 "input": call_arguments(c)}
                for c in calls
            )
        elif text := content_text(message.get("content")):
            blocks.append({"type": "text", "text": text})
        if not blocks:
            continue  # the API refuses empty turns
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:  # a lone text block is sent as a plain string, as the docs show it
        if len(turn["content"]) == 1 and turn["content"][0]["type"] == "text":
            turn["content"] = turn["content"][0]["text"]
    return "\n\n".join(system), turns


class AnthropicProvider(HttpProvider):
    name = "anthropic"
    label = "Anthropic"

    def __init__(
        self,
        model: str | None = None,
        api_key: str | None = None,
        endpoint: str | None = None,
        timeouts: Timeouts | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        thinking_budget: int | None = None,
        **_: Any,
    ) -> None:
        base = (endpoint or DEFAULT_BASE).strip().rstrip("/")
        self.endpoint = base.removesuffix("/v1")
        self.model = model or os.environ.get(MODEL_ENV) or None
        self.max_tokens = max_tokens
        self.thinking_budget = thinking_budget
        # Signed thinking blocks by the id of the tool call they led to (sent back with it).
        self._thinking: dict[str, list[dict[str, Any]]] = {}
        self._connect_keyed(DEFAULT_BASE, api_key, (KEY_ENV,), lambda key: {"x-api-key": key},
                            timeouts, headers={"anthropic-version": API_VERSION})

    async def list_models(self) -> list[str]:
        self._check_key()
        data = await self.http.get_json("/v1/models?limit=1000")
        return [m["id"] for m in data.get("data") or [] if isinstance(m, dict) and m.get("id")]

    def payload(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> dict[str, Any]:
        system, turns = to_wire(messages, self._thinking)
        payload: dict[str, Any] = {
            "model": model,
            "max_tokens": self.max_tokens,
            "messages": turns,
            "stream": True,
        }
        if system:
            payload["system"] = system
        if tools:
            payload["tools"] = [
                {
                    "name": t["name"],
                    "description": t.get("description") or "",
                    "input_schema": t.get("parameters") or {"type": "object", "properties": {}},
                }
                for t in tools
            ]
        if self.thinking_budget:
            payload["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_budget}
            payload["max_tokens"] = max(self.max_tokens, self.thinking_budget + 1024)
        return payload

    async def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
    ) -> AsyncIterator[ProviderEvent]:
        self._check_key()
        payload = self.payload(messages, tools, model)
        url = self.http.url("/v1/messages")
        blocks: dict[int, dict[str, Any]] = {}  # open content blocks by index
        signed: list[dict[str, Any]] = []  # finished thinking blocks, to keep for tool calls
        usage: dict[str, int] = {}
        stop_reason = None
        try:
            async with self.http.stream("/v1/messages", payload, model=model) as response:
                async for _event, data in iter_sse(response, self.name, url):
                    try:
                        event = json_object(self.name, url, data)
                        kind = event.get("type")
                        if kind == "message_start":
                            _add_usage(usage, (event.get("message") or {}).get("usage"))
                        elif kind == "content_block_start":
                            block = dict(event.get("content_block") or {})
                            block["_json"] = []
                            blocks[event.get("index", 0)] = block
                            if block.get("type") == "text" and block.get("text"):
                                yield TextDelta(block["text"])
                        elif kind == "content_block_delta":
                            block = blocks.get(event.get("index", 0), {})
                            delta = event.get("delta") or {}
                            dtype = delta.get("type")
                            if dtype == "text_delta" and delta.get("text"):
                                yield TextDelta(delta["text"])
                            elif dtype == "thinking_delta" and delta.get("thinking"):
                                block["thinking"] = block.get("thinking", "") + delta["thinking"]
                                yield ReasoningDelta(delta["thinking"])
                            elif dtype == "signature_delta":
                                block["signature"] = delta.get("signature", "")
                            elif dtype == "input_json_delta":
                                block.setdefault("_json", []).append(
                                    delta.get("partial_json", "")
                                )
                        elif kind == "content_block_stop":
                            block = blocks.pop(event.get("index", 0), {})
                            btype = block.get("type")
                            if btype == "tool_use":
                                call = ToolCallEvent(
                                    id=block.get("id", ""),
                                    name=block.get("name", ""),
                                    arguments=_tool_input(block),
                                )
                                if signed:
                                    self._thinking[call.id] = signed
                                    signed = []
                                yield call
                            elif btype in ("thinking", "redacted_thinking"):
                                signed.append({k: v for k, v in block.items() if k != "_json"})
                        elif kind == "message_delta":
                            _add_usage(usage, event.get("usage"))
                            delta = event.get("delta") or {}
                            stop_reason = delta.get("stop_reason") or stop_reason
                        elif kind == "message_stop":
                            stop_reason = stop_reason or "message_stop"
                            break
                        elif kind == "error":
                            raise self._stream_error(url, event.get("error") or {})
                        # ping and event types added later are ignored, as the docs ask
                    except BAD_PIECE:  # a piece of an unexpected shape
                        raise malformed(self.name, url, data) from None
        except ModelNotFoundError:
            raise await self._model_not_found(model) from None
        if stop_reason is None:
            raise cut_short(self.name, url)
        yield UsageEvent(
            prompt_tokens=usage.get("input_tokens"),
            completion_tokens=usage.get("output_tokens"),
        )

    def _stream_error(self, url: str, error: Any) -> ProviderError:
        if not isinstance(error, dict):
            error = {"message": str(error)}
        kind = error.get("type", "error")
        message = str(error.get("message", ""))
        message = redact(message, self.api_key)
        text = (
            f"Anthropic at {url} reported an error mid-reply ({kind}: {message}). "
            "The partial reply was kept."
        )
        cls: type[ProviderError] = StreamError
        if kind in ("overloaded_error", "api_error"):
            cls = ServerError
            text += " The service is busy or failing; try again shortly."
        elif kind == "rate_limit_error":
            cls = RateLimitError
        elif kind in ("authentication_error", "permission_error"):
            cls = AuthenticationError
            text += f" Check {KEY_ENV}."
        return cls(text, provider=self.name, url=url)

def _tool_input(block: dict[str, Any]) -> Any:
    """The call's input as it came (streamed JSON text, else the start block's object); the
    provider boundary parses and checks it."""
    return "".join(block.get("_json") or []).strip() or block.get("input") or {}


def _add_usage(total: dict[str, int], usage: Any) -> None:
    """Prompt tokens include cached ones; message_delta's counts are cumulative."""
    if not isinstance(usage, dict):
        return
    if isinstance(usage.get("input_tokens"), int):
        total["input_tokens"] = sum(
            usage.get(k) or 0
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
    if isinstance(usage.get("output_tokens"), int):
        total["output_tokens"] = usage["output_tokens"]
