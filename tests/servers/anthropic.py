"""Anthropic's Messages API as https://docs.anthropic.com/en/docs/build-with-claude/streaming
shows it: ``POST /v1/messages`` with ``stream: true`` answers ``text/event-stream`` of named
events (message_start, content_block_start/delta/stop, ping, message_delta, message_stop);
``GET /v1/models`` lists models. Errors carry
``{"type": "error", "error": {"type", "message"}, "request_id"}``.

Knobs besides the ``Reply`` script: ``api_key`` (None: no check, else ``x-api-key`` must
match), ``error_event`` (an error type such as ``overloaded_error`` sent as an ``event: error``
after the first text token), ``end_early`` (close cleanly without message_delta/message_stop).
Requests without ``anthropic-version`` or ``max_tokens`` get the API's 400."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.servers.base import CUT, Reply, Request, Responder, ScriptedServer, paced, tokenize
from tests.servers.images import Refused, anthropic_images

MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"


def _event(name: str, obj: dict[str, Any]) -> bytes:
    return (
        f"event: {name}\ndata: ".encode()
        + json.dumps(obj, separators=(",", ":")).encode()
        + b"\n\n"
    )


def split_json(text: str, pieces: int = 3) -> list[str]:
    """``text`` cut into about ``pieces`` input_json_delta fragments."""
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


def error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
        "request_id": f"req_{uuid.uuid4().hex[:24]}",
    }


class AnthropicServer(ScriptedServer):
    MODELS = MODELS

    def reset(self) -> None:
        super().reset()
        self.error_event: str | None = None

    def route(self, method: str, path: str):  # type: ignore[override]
        if (method, path) == ("GET", "/v1/models"):
            return self.list_models
        if (method, path) == ("POST", "/v1/messages"):
            return self.messages
        return None

    async def _authorized(self, request: Request, out: Responder) -> bool:
        if "anthropic-version" not in request.headers:
            await out.json(400, error_body(400, "anthropic-version: header is required"))
            return False
        if self.api_key is None:
            return True
        given = request.headers.get("x-api-key")
        if not given:
            await out.json(401, error_body(401, "x-api-key header is required"))
            return False
        if given != self.api_key:
            await out.json(401, error_body(401, "invalid x-api-key"))
            return False
        return True

    async def list_models(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        data = [
            {
                "type": "model",
                "id": name,
                "display_name": name,
                "created_at": "2025-09-29T00:00:00Z",
            }
            for name in self.models
        ]
        await out.json(
            200,
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            },
        )

    async def messages(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        body = request.body or {}
        if "max_tokens" not in body:
            await out.json(400, error_body(400, "max_tokens: Field required"))
            return
        model = body.get("model", "")
        if model not in self.models:
            await out.json(404, error_body(404, f"model: {model}"))
            return
        try:
            self.images += anthropic_images(body)
        except Refused as exc:
            await out.json(400, error_body(400, str(exc)))
            return
        reply = self.next_reply(body.get("messages", []), body["max_tokens"])
        if reply.status != 200:
            await out.json(
                reply.status, error_body(reply.status, reply.error or "error"), reply.headers
            )
            return
        await out.stream("text/event-stream; charset=utf-8", self._events(model, reply), reply)

    async def _events(self, model: str, reply: Reply) -> AsyncIterator[bytes]:
        yield _event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": f"msg_{uuid.uuid4().hex[:24]}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": reply.prompt_tokens,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "output_tokens": 1,
                    },
                },
            },
        )
        index = 0
        block: str | None = None  # the open block's type
        count = 0

        async def close() -> AsyncIterator[bytes]:
            if block == "thinking":
                yield _event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "signature_delta", "signature": SIGNATURE},
                    },
                )
            yield _event("content_block_stop", {"type": "content_block_stop", "index": index})

        async for kind, tok in paced(reply):
            if kind == "cut":
                yield CUT
                return
            if kind == "malformed":
                yield (
                    b'event: content_block_delta\ndata: {"type":"content_block_delta",'
                    b'"index":' + str(index).encode() + b',"delta":{"type":"text_de\n\n'
                )
                return
            wanted = "thinking" if kind == "reasoning" else "text"
            if block != wanted:
                if block is not None:
                    async for b in close():
                        yield b
                    index += 1
                block = wanted
                yield _event(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "thinking", "thinking": "", "signature": ""}
                        if wanted == "thinking"
                        else {"type": "text", "text": ""},
                    },
                )
                if index == 0:
                    yield _event("ping", {"type": "ping"})
            count += 1
            yield _event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "thinking_delta", "thinking": tok}
                    if wanted == "thinking"
                    else {"type": "text_delta", "text": tok},
                },
            )
            if self.error_event and wanted == "text":
                yield _event(
                    "error",
                    {
                        "type": "error",
                        "error": {
                            "type": self.error_event,
                            "message": "Overloaded"
                            if self.error_event == "overloaded_error"
                            else "scripted failure",
                        },
                    },
                )
                return
        if block is not None:
            async for b in close():
                yield b
            index += 1
        for name, args in reply.tool_calls:
            yield _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {
                        "type": "tool_use",
                        "id": f"toolu_{uuid.uuid4().hex[:24]}",
                        "name": name,
                        "input": {},
                    },
                },
            )
            text = json.dumps(args)
            for piece in ["", *split_json(text)]:
                yield _event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
            count += len(tokenize(text))
            index += 1
        if self.end_early:
            return
        yield _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": "tool_use"
                    if reply.tool_calls
                    else "max_tokens"
                    if reply.truncated
                    else "end_turn",
                    "stop_sequence": None,
                },
                "usage": {"output_tokens": count},
            },
        )
        yield _event("message_stop", {"type": "message_stop"})
