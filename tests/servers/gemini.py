"""Google's Gemini API as https://ai.google.dev/api/generate-content shows it:
``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` answers ``text/event-stream`` of
``data: {GenerateContentResponse}`` events (no end marker: the last one carries
``finishReason``); ``GET /v1beta/models`` lists models. Errors carry
``{"error": {"code", "message", "status"}}``; a wrong key is a 400 INVALID_ARGUMENT with reason
API_KEY_INVALID and a missing one a 403 PERMISSION_DENIED, as the real service answers.

Knobs besides the ``Reply`` script: ``api_key`` (None: no check, else ``x-goog-api-key`` must
match), ``end_early`` (close cleanly without the chunk carrying finishReason)."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.servers.base import CUT, Reply, Request, Responder, ScriptedServer, paced
from tests.servers.images import Refused, gemini_images

MODELS = ("gemini-2.5-flash", "gemini-2.5-pro")
# Listed first, as the real list starts with non-chat models; a client must skip them.
EMBEDDING_MODELS = ["embedding-001", "text-embedding-004"]
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
SIGNATURE = "CiQB0e2Kb6mGaS+nN5dKIZ0uZ9U1Jv2qFh4r0Yq2p9Y3oX1x8mMSKQHR7Ypa"
STREAM = ":streamGenerateContent"


def _event(obj: dict[str, Any]) -> bytes:
    # Google's SSE separates events with CRLF pairs.
    return b"data: " + json.dumps(obj, separators=(",", ": ")).encode() + b"\r\n\r\n"


def error_body(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUS.get(status, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return {"error": error}


def as_messages(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gemini contents in the OpenAI-like form the base server's echo script reads."""
    messages = []
    for content in contents:
        parts = content.get("parts") or []
        responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
        if responses:
            text = " ".join(str((r.get("response") or {}).get("content", "")) for r in responses)
            messages.append({"role": "tool", "content": text})
        else:
            text = "".join(p.get("text", "") for p in parts)
            role = "assistant" if content.get("role") == "model" else "user"
            messages.append({"role": role, "content": text})
    return messages


class GeminiServer(ScriptedServer):
    MODELS = MODELS

    def route(self, method: str, path: str):  # type: ignore[override]
        if (method, path) == ("GET", "/v1beta/models"):
            return self.list_models
        if method == "POST" and path.startswith("/v1beta/models/") and path.endswith(STREAM):
            return self.stream_generate
        return None

    async def _authorized(self, request: Request, out: Responder) -> bool:
        if self.api_key is None:
            return True
        given = request.headers.get("x-goog-api-key")
        if not given:
            await out.json(
                403,
                error_body(
                    403,
                    "Method doesn't allow unregistered callers (callers without established "
                    "identity). Please use API Key or other form of API consumer identity to call "
                    "this API.",
                ),
            )
            return False
        if given != self.api_key:
            await out.json(
                400,
                error_body(
                    400,
                    "API key not valid. Please pass a valid API key.",
                    [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                            "metadata": {"service": "generativelanguage.googleapis.com"},
                        },
                        {
                            "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                            "locale": "en-US",
                            "message": "API key not valid. Please pass a valid API key.",
                        },
                    ],
                ),
            )
            return False
        return True

    async def list_models(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        entries = [
            {
                "name": f"models/{name}",
                "version": "001",
                "displayName": name,
                "description": "Obtain a distributed representation of a text.",
                "inputTokenLimit": 2048,
                "outputTokenLimit": 1,
                "supportedGenerationMethods": ["embedContent"],
            }
            for name in EMBEDDING_MODELS
        ] + [
            {
                "name": f"models/{name}",
                "version": "001",
                "displayName": name,
                "description": f"Stable version of {name}",
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 65536,
                "supportedGenerationMethods": [
                    "generateContent",
                    "countTokens",
                    "createCachedContent",
                    "batchGenerateContent",
                ],
                "temperature": 1,
                "topP": 0.95,
                "topK": 64,
                "maxTemperature": 2,
                "thinking": True,
            }
            for name in self.models
        ]
        await out.json(200, {"models": entries})

    async def stream_generate(self, request: Request, out: Responder) -> None:
        if not await self._authorized(request, out):
            return
        path, _, query = request.path.partition("?")
        model = urllib.parse.unquote(path[len("/v1beta/models/") : -len(STREAM)])
        if model not in self.models:
            await out.json(
                404,
                error_body(
                    404,
                    f"models/{model} is not found for API version v1beta, or is not supported for "
                    "generateContent. Call ListModels to see the list of available models and their "  # noqa: E501 - the service's text
                    "supported methods.",
                ),
            )
            return
        if urllib.parse.parse_qs(query).get("alt") != ["sse"]:
            await out.json(400, error_body(400, "This test server streams only with alt=sse."))
            return
        body = request.body or {}
        try:
            self.images += gemini_images(body)
        except Refused as exc:
            await out.json(400, error_body(400, str(exc)))
            return
        config = body.get("generationConfig") or {}
        reply = self.next_reply(
            as_messages(body.get("contents", [])), config.get("maxOutputTokens")
        )
        if reply.status != 200:
            await out.json(
                reply.status, error_body(reply.status, reply.error or "error"), reply.headers
            )
            return
        await out.stream("text/event-stream", self._chunks(model, reply), reply)

    async def _chunks(self, model: str, reply: Reply) -> AsyncIterator[bytes]:
        response_id = uuid.uuid4().hex[:22]
        thoughts = text = 0

        def chunk(parts: list[dict[str, Any]], finish: str | None = None) -> bytes:
            candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
            if finish:
                candidate["finishReason"] = finish
            candidate["index"] = 0
            usage: dict[str, Any] = {
                "promptTokenCount": reply.prompt_tokens,
                "candidatesTokenCount": text,
                "totalTokenCount": reply.prompt_tokens + text + thoughts,
            }
            if thoughts:
                usage["thoughtsTokenCount"] = thoughts
            usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": reply.prompt_tokens}]
            return _event(
                {
                    "candidates": [candidate],
                    "usageMetadata": usage,
                    "modelVersion": model,
                    "responseId": response_id,
                }
            )

        async for kind, tok in paced(reply):
            if kind == "cut":
                yield CUT
                return
            if kind == "malformed":
                yield b'data: {"candidates": [{"content": {"parts": [{"te\r\n\r\n'
                return
            if kind == "reasoning":
                thoughts += 1
                yield chunk([{"text": tok, "thought": True}])
            else:
                text += 1
                yield chunk([{"text": tok}])
        if reply.tool_calls:
            parts = [
                {"functionCall": {"name": name, "args": args}} for name, args in reply.tool_calls
            ]
            parts[0]["thoughtSignature"] = SIGNATURE  # only the first call of a step is signed
            text += 5 * len(parts)
            if self.end_early:
                yield chunk(parts)
                return
            yield chunk(parts, "STOP")
            return
        if self.end_early:
            return
        yield chunk([{"text": ""}], "MAX_TOKENS" if reply.truncated else "STOP")
