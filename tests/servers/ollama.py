"""Ollama's native API as https://github.com/ollama/ollama/blob/main/docs/api.md shows it:
``POST /api/chat`` streams NDJSON (``application/x-ndjson``), ``GET /api/tags`` lists models."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from tests.servers.base import CUT, Reply, Request, Responder, ScriptedServer, now_rfc3339, paced


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj).encode() + b"\n"


class OllamaServer(ScriptedServer):
    def route(self, method: str, path: str):  # type: ignore[override]
        if (method, path) == ("GET", "/api/tags"):
            return self.tags
        if (method, path) == ("POST", "/api/chat"):
            return self.chat
        return None

    async def tags(self, request: Request, out: Responder) -> None:
        await out.json(
            200,
            {
                "models": [
                    {
                        "name": name,
                        "model": name,
                        "modified_at": "2024-12-07T09:32:18.757212583-08:00",
                        "size": 3338801804,
                        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",  # noqa: E501
                        "details": {
                            "parent_model": "",
                            "format": "gguf",
                            "family": "llama",
                            "families": ["llama"],
                            "parameter_size": "3.2B",
                            "quantization_level": "Q4_K_M",
                        },
                    }
                    for name in self.models
                ]
            },
        )

    async def chat(self, request: Request, out: Responder) -> None:
        body = request.body or {}
        model = body.get("model", "")
        if model not in self.models:
            await out.json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        options = body.get("options") or {}
        reply = self.next_reply(body.get("messages", []), options.get("num_predict"))
        if reply.status != 200:
            await out.json(reply.status, {"error": reply.error or "error"}, reply.headers)
            return
        await out.stream("application/x-ndjson", self._chunks(model, reply), reply)

    async def _chunks(self, model: str, reply: Reply) -> AsyncIterator[bytes]:
        count = 0
        async for kind, tok in paced(reply):
            if kind == "cut":
                yield CUT
                return
            if kind == "malformed":
                yield b'{"model": "' + model.encode() + b'", "message": {"con\n'
                return
            message = {"role": "assistant", "content": tok if kind == "text" else ""}
            if kind == "reasoning":
                message["thinking"] = tok
            count += 1
            yield _line(
                {"model": model, "created_at": now_rfc3339(), "message": message, "done": False}
            )
        if reply.tool_calls:
            yield _line(
                {
                    "model": model,
                    "created_at": now_rfc3339(),
                    "message": {
                        "role": "assistant",
                        "content": "",
                        "tool_calls": [
                            {"function": {"name": name, "arguments": args}}
                            for name, args in reply.tool_calls
                        ],
                    },
                    "done": False,
                }
            )
        if self.end_early:
            return
        yield _line(
            {
                "model": model,
                "created_at": now_rfc3339(),
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "length" if reply.truncated else "stop",
                "total_duration": 4883583458,
                "load_duration": 1334875,
                "prompt_eval_count": reply.prompt_tokens,
                "prompt_eval_duration": 342546000,
                "eval_count": count,
                "eval_duration": 4535599000,
            }
        )
