"""Anthropic's Messages API: ``POST /v1/messages`` streaming SSE events, ``GET /v1/models``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from agentry.errors import AuthenticationError, ProviderError, RateLimitError, ServerError
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.messages import content_text
from agentry.providers.base import alternating_turns, call_arguments, wire_fields
from agentry.providers.http_provider import Decoder, HttpProvider, Request, listed_ids

DEFAULT_BASE = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
# The session parameters as Messages API fields; it has no seed and no context length.
FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "stop": "stop_sequences",
}


def to_wire(
    messages: list[dict[str, Any]], thinking: dict[str, list[dict[str, Any]]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages) in Messages API form: system text goes top level, tool calls
    become tool_use blocks, tool results tool_result blocks in a user turn; consecutive turns of
    one role are merged (the API wants them alternating). ``thinking`` maps a tool call id to
    the signed thinking blocks that preceded it, which the API wants back with the call."""

    def convert(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        role = message["role"]
        text = content_text(message.get("content"))
        if role == "tool":
            return "user", [
                {"type": "tool_result", "tool_use_id": message.get("tool_call_id"), "content": text}
            ]
        blocks: list[dict[str, Any]] = []
        calls = (message.get("tool_calls") or []) if role == "assistant" else []
        if calls and thinking and calls[0].get("id") in thinking:
            blocks.extend(thinking[calls[0]["id"]])
        blocks.extend(  # images before the text, as the docs advise
            {
                "type": "image",
                "source": {"type": "base64", "media_type": i["media_type"], "data": i["data"]},
            }
            for i in message.get("images") or ()
        )
        if text:
            blocks.append({"type": "text", "text": text})
        blocks.extend(
            {
                "type": "tool_use",
                "id": c.get("id"),
                "name": c["function"]["name"],
                "input": call_arguments(c),
            }
            for c in calls
        )
        return role, blocks

    system, turns = alternating_turns(messages, convert, "content")
    for turn in turns:  # a lone text block is sent as a plain string, as the docs show it
        if len(turn["content"]) == 1 and turn["content"][0]["type"] == "text":
            turn["content"] = turn["content"][0]["text"]
    return "\n\n".join(system), turns


class MessagesDecoder(Decoder):
    """SSE events of content blocks: text, thinking (signed, kept for the tool call it leads to)
    and tool_use blocks whose input streams as JSON text."""

    provider: AnthropicProvider

    def __init__(self, provider: AnthropicProvider, url: str) -> None:
        super().__init__(provider, url)
        self.blocks: dict[int, dict[str, Any]] = {}  # open content blocks by index
        self.signed: list[dict[str, Any]] = []  # finished thinking blocks, to keep for tool calls
        self.counts: dict[str, int] = {}

    def feed(self, piece: str) -> Iterator[ProviderEvent]:
        event = self.json(piece)
        kind = event.get("type")
        if kind == "content_block_delta":
            block = self.blocks.get(event.get("index", 0), {})
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
                block.setdefault("_json", []).append(delta.get("partial_json", ""))
        elif kind == "message_start":
            _add_usage(self.counts, (event.get("message") or {}).get("usage"))
        elif kind == "content_block_start":
            block = dict(event.get("content_block") or {})
            block["_json"] = []
            self.blocks[event.get("index", 0)] = block
            if block.get("type") == "text" and block.get("text"):
                yield TextDelta(block["text"])
        elif kind == "content_block_stop":
            block = self.blocks.pop(event.get("index", 0), {})
            btype = block.get("type")
            if btype == "tool_use":
                call = ToolCallEvent(
                    id=block.get("id", ""),
                    name=block.get("name", ""),
                    arguments=_tool_input(block),
                )
                if self.signed:
                    self.provider.thinking_blocks[call.id] = self.signed
                    self.signed = []
                yield call
            elif btype in ("thinking", "redactedthinking_blocks"):
                self.signed.append({k: v for k, v in block.items() if k != "_json"})
        elif kind == "message_delta":
            _add_usage(self.counts, event.get("usage"))
            if reason := (event.get("delta") or {}).get("stop_reason"):
                self.finished = True
                self.truncated = reason == "max_tokens"
        elif kind == "message_stop":
            self.finished = self.ended = True
        elif kind == "error":
            raise self._error(event.get("error") or {})
        # ping and event types added later are ignored, as the docs ask

    def usage(self) -> UsageEvent:
        return UsageEvent(
            prompt_tokens=self.counts.get("input_tokens"),
            completion_tokens=self.counts.get("output_tokens"),
        )

    def _error(self, error: Any) -> ProviderError:
        if not isinstance(error, dict):
            error = {"message": str(error)}
        kind = error.get("type", "error")
        detail = f" ({kind}: {error.get('message', '')})"
        if kind in ("overloaded_error", "api_error"):
            return self.mid_reply(
                detail, ServerError, " The service is busy or failing; try again shortly."
            )
        if kind == "rate_limit_error":
            return self.mid_reply(detail, RateLimitError)
        if kind in ("authentication_error", "permission_error"):
            return self.mid_reply(detail, AuthenticationError, f" Check {self.provider.key_env}.")
        return self.mid_reply(detail)


class AnthropicProvider(HttpProvider):
    name = "anthropic"
    label = "Anthropic"
    official = DEFAULT_BASE
    key_envs = ("ANTHROPIC_API_KEY",)
    headers: ClassVar[dict[str, str]] = {"anthropic-version": API_VERSION}
    models_path = "/v1/models?limit=1000"
    decoder = MessagesDecoder
    supported_params = frozenset(FIELDS)

    def __init__(
        self,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        thinking_budget: int | None = None,
        **options: Any,
    ) -> None:
        self.max_tokens = max_tokens
        self.thinking_budget = thinking_budget
        # Signed thinking blocks by the id of the tool call they led to (sent back with it).
        self.thinking_blocks: dict[str, list[dict[str, Any]]] = {}
        super().__init__(**options)

    def endpoint_for(self, endpoint: str | None) -> str:
        return (endpoint or DEFAULT_BASE).strip().rstrip("/").removesuffix("/v1")

    def auth(self, key: str) -> dict[str, str]:
        return {"x-api-key": key}

    def model_names(self, listing: Any) -> list[str]:
        return listed_ids(listing)

    def request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> Request:
        system, turns = to_wire(messages, self.thinking_blocks)
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": self.max_tokens,
            "messages": turns,
            "stream": True,
        }
        if system:
            body["system"] = system
        if tools:
            body["tools"] = [
                {
                    "name": t["name"],
                    "description": t.get("description") or "",
                    "input_schema": t.get("parameters") or {"type": "object", "properties": {}},
                }
                for t in tools
            ]
        if self.thinking_budget:
            body["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_budget}
            body["max_tokens"] = max(self.max_tokens, self.thinking_budget + 1024)
        return Request("/v1/messages", body, model)

    def send_params(self, body: dict[str, Any], params: Mapping[str, Any]) -> None:
        body.update(wire_fields(params, FIELDS))
        if "thinking" in body:  # the API wants room for the thinking budget and a reply
            body["max_tokens"] = max(body["max_tokens"], body["thinking"]["budget_tokens"] + 1024)


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
