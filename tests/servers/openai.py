"""OpenAI Chat Completions as https://platform.openai.com/docs/api-reference/chat shows it:
``POST /v1/chat/completions`` with ``stream: true`` answers ``text/event-stream`` of
``data: {chat.completion.chunk}`` events ending in ``data: [DONE]``; ``GET /v1/models`` lists
models. Errors carry ``{"error": {"message", "type", "param", "code"}}``.

Knobs besides the ``Reply`` script: ``api_key`` (None: no check, else ``Authorization: Bearer``
must match, as the real service checks), ``reasoning_field`` (llama.cpp, vLLM and DeepSeek say
``reasoning_content``; OpenRouter, Groq and Ollama ``reasoning``), ``end_early`` (close the
stream cleanly without the final chunk and ``[DONE]``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.servers.base import CUT, Reply, Request, Responder, ScriptedServer, paced, tokenize
from tests.servers.images import Refused, openai_images

MODELS = ("gpt-4o-mini", "gpt-4.1")
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
    500: "server_error",
    503: "server_error",
}
ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def _event(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def split_json(text: str, pieces: int = 3) -> list[str]:
    """``text`` cut into about ``pieces`` fragments, as a model streams tool arguments."""
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class OpenAIServer(ScriptedServer):
    MODELS = MODELS

    def reset(self) -> None:
        super().reset()
        self.reasoning_field = "reasoning_content"
        self.n_ctx: int | None = None  # set: answer GET /props as llama.cpp's server does

    def route(self, method: str, path: str):  # type: ignore[override]
        if (method, path) == ("GET", "/v1/models"):
            return self.list_models
        if (method, path) == ("GET", "/props") and self.n_ctx is not None:
            return self.props
        if (method, path) == ("POST", "/v1/chat/completions"):
            return self.chat
        return None

    async def props(self, request: Request, out: Responder) -> None:
        """llama.cpp's server: its settings, the context length among them."""
        await out.json(
            200,
            {
                "default_generation_settings": {"n_ctx": self.n_ctx, "temperature": 0.8},
                "total_slots": 1,
                "model_path": "models/SmolLM2-135M-Instruct.gguf",
                "chat_template": "{{ messages }}",
            },
        )

    async def _authorized(self, request: Request, out: Responder) -> bool:
        if self.api_key is None:
            return True
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer ") or not given[7:].strip():
            await out.json(
                401,
                error_body(
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
                    "or as the password field (with blank username) if you're accessing the API "
                    "from your browser and are prompted for a username and password. You can "
                    "obtain an API key from https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                ),
            )
            return False
        key = given[7:].strip()
        if key != self.api_key:
            masked = key[:3] + "*" * max(len(key) - 7, 0) + key[-4:]
            await out.json(
                401,
                error_body(
                    f"Incorrect API key provided: {masked}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                    "invalid_api_key",
                ),
            )
            return False
        return True

    async def list_models(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        await out.json(
            200,
            {
                "object": "list",
                "data": [
                    {
                        "id": name,
                        "object": "model",
                        "created": 1686935002,
                        "owned_by": "organization-owner",
                    }
                    for name in self.models
                ],
            },
        )

    async def chat(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        body = request.body or {}
        model = body.get("model", "")
        if model not in self.models:
            await out.json(
                404,
                error_body(
                    f"The model `{model}` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                ),
            )
            return
        try:
            self.images += openai_images(body)
        except Refused as exc:
            await out.json(400, error_body(str(exc), "invalid_request_error"))
            return
        reply = self.next_reply(
            body.get("messages", []), body.get("max_completion_tokens", body.get("max_tokens"))
        )
        if reply.status != 200:
            await out.json(
                reply.status,
                error_body(
                    reply.error or "error",
                    ERROR_TYPES.get(reply.status, "invalid_request_error"),
                    ERROR_CODES.get(reply.status),
                ),
                reply.headers,
            )
            return
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        await out.stream(
            "text/event-stream; charset=utf-8", self._chunks(model, reply, usage), reply
        )

    async def _chunks(self, model: str, reply: Reply, include_usage: bool) -> AsyncIterator[bytes]:
        ident = f"chatcmpl-{uuid.uuid4().hex[:29]}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            obj: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_44709d6fcb",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                obj["usage"] = None
            return _event(obj)

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        count = 0
        async for kind, tok in paced(reply):
            if kind == "cut":
                yield CUT
                return
            if kind == "malformed":
                yield (
                    b'data: {"id":"'
                    + ident.encode()
                    + b'","object":"chat.completion.chunk","choices":[{"delta":{"cont\n\n'
                )
                return
            count += 1
            yield chunk({self.reasoning_field: tok} if kind == "reasoning" else {"content": tok})
        for index, (name, args) in enumerate(reply.tool_calls):
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": f"call_{uuid.uuid4().hex[:24]}",
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
            for piece in split_json(json.dumps(args)):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        if self.end_early:
            return
        yield chunk(
            {}, "tool_calls" if reply.tool_calls else "length" if reply.truncated else "stop"
        )
        if include_usage:
            completion = count + sum(len(tokenize(json.dumps(a))) for _, a in reply.tool_calls)
            yield _event(
                {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_44709d6fcb",
                    "choices": [],
                    "usage": {
                        "prompt_tokens": reply.prompt_tokens,
                        "completion_tokens": completion,
                        "total_tokens": reply.prompt_tokens + completion,
                        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                        "completion_tokens_details": {
                            "reasoning_tokens": len(tokenize(reply.reasoning)),
                            "audio_tokens": 0,
                            "accepted_prediction_tokens": 0,
                            "rejected_prediction_tokens": 0,
                        },
                    },
                }
            )
        yield b"data: [DONE]\n\n"
