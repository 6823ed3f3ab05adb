"""Google's Gemini API: ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse``,
``GET /v1beta/models``."""

from __future__ import annotations

import re
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, cast

from agentry.errors import AuthenticationError, ProviderError, ServerError, StreamError
from agentry.events import (
    ProviderEvent,
    RawArguments,
    ReasoningDelta,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)
from agentry.messages import content_text
from agentry.providers.base import alternating_turns, call_arguments, wire_fields
from agentry.providers.http_provider import Decoder, HttpProvider, Request

DEFAULT_BASE = "https://generativelanguage.googleapis.com"
# Google's documented stand-in for a function call whose thought signature is unknown (one made
# by another provider, or before a restart); Gemini 3 refuses unsigned calls otherwise.
SKIP_SIGNATURE = "skip_thought_signature_validator"
# What Gemini's Schema object accepts; anything else (additionalProperties, $schema, const,
# title, ...) makes the whole request fail with 400.
SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "items",
        "properties",
        "required",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "anyOf",
        "default",
        "example",
        "propertyOrdering",
    }
)
# The session parameters in generationConfig; it has no context length to ask for.
GENERATION_CONFIG = {
    "temperature": "temperature",
    "top_p": "topP",
    "max_tokens": "maxOutputTokens",
    "seed": "seed",
    "stop": "stopSequences",
}
_THINKING_MODEL = re.compile(r"gemini-(2\.5|[3-9])")


def gemini_schema(schema: Any) -> Any:
    """A JSON schema cut down to what Gemini's function declarations accept."""
    if not isinstance(schema, dict):
        return schema
    defs = schema.get("$defs") or schema.get("definitions") or {}

    def clean(node: Any, depth: int = 0) -> Any:
        if not isinstance(node, dict) or depth > 32:
            return node
        if "$ref" in node:
            ref = str(node["$ref"]).rsplit("/", 1)[-1]
            node = {**defs.get(ref, {}), **{k: v for k, v in node.items() if k != "$ref"}}
        out: dict[str, Any] = {}
        kind = node.get("type")
        if isinstance(kind, list):  # ["string", "null"] → type string, nullable
            others = [t for t in kind if t != "null"]
            kind = others[0] if others else "string"
            if "null" in node["type"]:
                out["nullable"] = True
        if kind is not None:
            out["type"] = kind
        if "const" in node and "enum" not in node:
            node = {**node, "enum": [node["const"]]}
        for key, value in node.items():
            if key not in SCHEMA_KEYS or key == "type":
                continue
            if key == "properties" and isinstance(value, dict):
                if value:
                    out[key] = {name: clean(sub, depth + 1) for name, sub in value.items()}
            elif key == "items":
                out[key] = clean(value, depth + 1)
            elif key == "anyOf" and isinstance(value, list):
                out[key] = [clean(sub, depth + 1) for sub in value]
            elif key == "enum":
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    out[key] = value
            else:
                out[key] = value
        if "required" in out and "properties" in out:
            out["required"] = [r for r in out["required"] if r in out["properties"]]
        elif "required" in out:
            del out["required"]
        return out

    return clean(schema)


def to_wire(
    messages: list[dict[str, Any]], signatures: dict[str, str], model: str = ""
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(systemInstruction, contents): roles user/model, function calls and responses as parts,
    consecutive parts of one role merged into one content."""
    names: dict[str, str] = {}  # tool call id → function name, for the responses
    needs_signature = model.startswith(("gemini-3", "models/gemini-3"))

    def convert(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        role = message["role"]
        text = content_text(message.get("content"))
        if role == "tool":
            name = message.get("name") or names.get(message.get("tool_call_id") or "", "")
            return "user", [{"functionResponse": {"name": name, "response": {"content": text}}}]
        parts: list[dict[str, Any]] = [  # images before the text, as the docs advise
            {"inline_data": {"mime_type": i["media_type"], "data": i["data"]}}
            for i in message.get("images") or ()
        ]
        if text:
            parts.append({"text": text})
        if role != "assistant":
            return role, parts
        for n, call in enumerate(message.get("tool_calls") or []):
            names[call.get("id") or ""] = call["function"]["name"]
            part: dict[str, Any] = {
                "functionCall": {"name": call["function"]["name"], "args": call_arguments(call)}
            }
            signature = signatures.get(call.get("id") or "")
            if signature is None and n == 0 and needs_signature:
                signature = SKIP_SIGNATURE
            if signature:
                part["thoughtSignature"] = signature
            parts.append(part)
        return "model", parts

    system, contents = alternating_turns(messages, convert, "parts")
    instruction = {"parts": [{"text": "\n\n".join(system)}]} if system else None
    return instruction, contents


class GenerateContentDecoder(Decoder):
    """SSE chunks of candidates whose parts are text, thoughts or whole function calls."""

    provider: GeminiProvider

    def __init__(self, provider: GeminiProvider, url: str) -> None:
        super().__init__(provider, url)
        self.counts: dict[str, Any] = {}

    def feed(self, piece: str) -> Iterator[ProviderEvent]:
        chunk = self.json(piece)
        if chunk.get("error"):
            raise self._error(chunk["error"])
        self.counts = chunk.get("usageMetadata") or self.counts
        if not isinstance(self.counts, dict):
            raise TypeError("usageMetadata is not an object")
        candidates = chunk.get("candidates") or []
        blocked = (chunk.get("promptFeedback") or {}).get("blockReason")
        if blocked and not candidates:
            raise ProviderError(
                f"Gemini at {self.url} refused the prompt (blockReason {blocked}).",
                provider=self.provider.name,
                url=self.url,
            )
        if not candidates:
            return
        candidate = candidates[0]
        for part in (candidate.get("content") or {}).get("parts") or []:
            if "functionCall" in part:
                yield self._tool_call(part)
            elif part.get("text"):
                if part.get("thought"):
                    yield ReasoningDelta(part["text"])
                else:
                    yield TextDelta(part["text"])
        if reason := candidate.get("finishReason"):
            self.finished = True
            self.truncated = reason == "MAX_TOKENS"

    def usage(self) -> UsageEvent:
        completion = [self.counts.get(k) for k in ("candidatesTokenCount", "thoughtsTokenCount")]
        return UsageEvent(
            prompt_tokens=self.counts.get("promptTokenCount"),
            # thinking is output the model generated (and is billed as such)
            completion_tokens=sum(n for n in completion if isinstance(n, int))
            if any(isinstance(n, int) for n in completion)
            else None,
        )

    def _tool_call(self, part: dict[str, Any]) -> ToolCallEvent:
        """The call with its args as they came; the provider boundary checks them."""
        call = part["functionCall"] or {}
        call_id = call.get("id") or f"call_{uuid.uuid4().hex[:24]}"
        if isinstance(part.get("thoughtSignature"), str):
            self.provider.signatures[call_id] = part["thoughtSignature"]
        return ToolCallEvent(
            id=call_id, name=call.get("name", ""), arguments=cast(RawArguments, call.get("args"))
        )

    def _error(self, error: Any) -> ProviderError:
        if not isinstance(error, dict):
            error = {"message": str(error)}
        status = error.get("status", "")
        cls: type[ProviderError] = StreamError
        if status in ("UNAVAILABLE", "INTERNAL") or error.get("code") in (500, 503):
            cls = ServerError
        return self.mid_reply(f" ({status or error.get('code')}: {error.get('message', '')})", cls)


class GeminiProvider(HttpProvider):
    name = "gemini"
    label = "Gemini"
    official = DEFAULT_BASE
    key_envs = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    models_path = "/v1beta/models?pageSize=1000"
    decoder = GenerateContentDecoder
    supported_params = frozenset(GENERATION_CONFIG)

    def __init__(self, *, include_thoughts: bool | None = None, **options: Any) -> None:
        # None: ask for thought summaries from the models that think (2.5 and later).
        self.include_thoughts = include_thoughts
        # Thought signatures by tool call id: Gemini wants each call sent back with its own.
        self.signatures: dict[str, str] = {}
        super().__init__(**options)

    def endpoint_for(self, endpoint: str | None) -> str:
        return (endpoint or DEFAULT_BASE).strip().rstrip("/").removesuffix("/v1beta")

    def auth(self, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key}

    def settled(self, exc: ProviderError) -> ProviderError:
        """Gemini answers a wrong key with 400 INVALID_ARGUMENT, not 401."""
        text = str(exc)
        if isinstance(exc, ServerError) and "HTTP 400" in text and "valid api key" in text.lower():
            return AuthenticationError(
                text.replace("answered with an error", "rejected the API key").rstrip(".")
                + f". Check {self.key_env}.",
                provider=self.name,
                url=exc.url,
            )
        return exc

    def model_names(self, listing: Any) -> list[str]:
        names = []
        for m in listing.get("models") or []:
            if not isinstance(m, dict) or not m.get("name"):
                continue
            methods = m.get("supportedGenerationMethods")
            if methods is not None and "generateContent" not in methods:
                continue  # embedding and other non-chat models
            names.append(m["name"].removeprefix("models/"))
        return names

    def payload(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> dict[str, Any]:
        instruction, contents = to_wire(messages, self.signatures, model)
        payload: dict[str, Any] = {"contents": contents}
        if instruction:
            payload["systemInstruction"] = instruction
        if tools:
            declarations = []
            for t in tools:
                declaration = {"name": t["name"], "description": t.get("description") or ""}
                parameters = gemini_schema(t.get("parameters") or {})
                if parameters.get("properties"):  # Gemini refuses an empty object schema
                    declaration["parameters"] = parameters
                declarations.append(declaration)
            payload["tools"] = [{"functionDeclarations": declarations}]
        thoughts = self.include_thoughts
        if thoughts is None:
            thoughts = bool(_THINKING_MODEL.match(model.removeprefix("models/")))
        if thoughts:
            payload["generationConfig"] = {"thinkingConfig": {"includeThoughts": True}}
        return payload

    def request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> Request:
        model_id = model.removeprefix("models/")
        path = f"/v1beta/models/{urllib.parse.quote(model_id)}:streamGenerateContent?alt=sse"
        return Request(path, self.payload(messages, tools, model_id), model_id)

    def send_params(self, body: dict[str, Any], params: Mapping[str, Any]) -> None:
        config = body.setdefault("generationConfig", {})
        config.update(wire_fields(params, GENERATION_CONFIG))
