"""Gemini: the shared contract, schema clean-up, thought signatures and Google's auth errors."""

from __future__ import annotations

import pytest

from agentry.errors import AuthenticationError, ProviderError
from agentry.events import ToolCallEvent
from agentry.providers.gemini import SKIP_SIGNATURE, GeminiProvider, gemini_schema, to_wire
from tests.providers.harness import (
    GEMINI,
    KEY,
    TOOLS,
    KeyContract,
    ProviderContract,
    collect,
    posts,
    text_of,
)
from tests.servers.base import Reply


class TestGemini(ProviderContract, KeyContract):
    case = GEMINI


MODEL = "gemini-2.5-flash"


@pytest.fixture
async def gemini(gemini_server):
    provider = GeminiProvider(endpoint=gemini_server.url, api_key=KEY)
    gemini_server.api_key = KEY
    yield provider
    await provider.aclose()


async def test_request_shape(gemini_server, gemini) -> None:
    no_args = {
        "name": "now",
        "description": "The time.",
        "parameters": {"type": "object", "properties": {}},
    }
    await collect(
        gemini,
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
        [*TOOLS, no_args],
        model=MODEL,
    )
    request = posts(gemini_server)[-1]
    assert request.path == f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"
    assert request.body == {
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "read_file",
                        "description": "Read a text file.",
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "path": {"type": "string"},
                                "lines": {"type": "array", "items": {"type": "integer"}},
                            },
                            "required": ["path"],
                        },
                    },  # additionalProperties is refused by Gemini
                    {"name": "now", "description": "The time."},  # an empty object schema is too
                ]
            }
        ],
        "generationConfig": {"thinkingConfig": {"includeThoughts": True}},
    }


def test_schema_is_cut_down_to_what_gemini_accepts() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Args",
        "type": "object",
        "additionalProperties": False,
        "$defs": {"Mode": {"title": "Mode", "type": "string", "enum": ["fast", "slow"]}},
        "properties": {
            "mode": {"$ref": "#/$defs/Mode"},
            "limit": {"type": ["integer", "null"], "default": None, "title": "Limit"},
            "kind": {"const": "file"},
            "level": {"type": "integer", "enum": [1, 2]},
            "tags": {"type": "array", "items": {"type": "string", "title": "Tag"}},
        },
        "required": ["mode", "ghost"],
    }
    assert gemini_schema(schema) == {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "limit": {"type": "integer", "nullable": True, "default": None},
            "kind": {"enum": ["file"]},
            "level": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["mode"],
    }


def test_tool_results_are_named_and_merged() -> None:
    calls = [
        {"id": f"c{n}", "type": "function", "function": {"name": f"tool{n}", "arguments": {"n": n}}}
        for n in (1, 2)
    ]
    _, contents = to_wire(
        [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "On it.", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "c1", "content": "one"},  # no name: found by id
            {"role": "tool", "tool_call_id": "c2", "content": "two"},
        ],
        signatures={},
    )
    assert contents[1] == {
        "role": "model",
        "parts": [
            {"text": "On it."},
            {"functionCall": {"name": "tool1", "args": {"n": 1}}},
            {"functionCall": {"name": "tool2", "args": {"n": 2}}},
        ],
    }
    assert contents[2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "tool1", "response": {"content": "one"}}},
            {"functionResponse": {"name": "tool2", "response": {"content": "two"}}},
        ],
    }


def test_gemini_3_gets_the_documented_stand_in_for_an_unknown_signature() -> None:
    call = {
        "id": "from-another-provider",
        "type": "function",
        "function": {"name": "f", "arguments": {}},
    }
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": [call, call]},
    ]
    _, contents = to_wire(messages, {}, model="gemini-3-pro-preview")
    assert [p.get("thoughtSignature") for p in contents[1]["parts"]] == [SKIP_SIGNATURE, None]
    _, contents = to_wire(messages, {}, model="gemini-2.5-flash")
    assert "thoughtSignature" not in contents[1]["parts"][0]


async def test_wrong_key_answered_with_400_is_an_authentication_error(gemini_server) -> None:
    gemini_server.api_key = "the-right-key"
    provider = GeminiProvider(endpoint=gemini_server.url, api_key=KEY)
    try:
        with pytest.raises(AuthenticationError) as info:
            await collect(provider, model=MODEL)
    finally:
        await provider.aclose()
    assert "API key not valid" in str(info.value) and "GEMINI_API_KEY" in str(info.value)
    assert KEY not in str(info.value)


async def test_google_api_key_is_used_and_named(gemini_server, monkeypatch) -> None:
    gemini_server.api_key = "the-right-key"
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    provider = GeminiProvider(endpoint=gemini_server.url)
    try:
        with pytest.raises(AuthenticationError) as info:
            await provider.list_models()
    finally:
        await provider.aclose()
    assert "GOOGLE_API_KEY" in str(info.value)
    assert gemini_server.requests[-1].headers["x-goog-api-key"] == KEY


def test_gemini_api_key_comes_first(monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "google")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini")
    assert GeminiProvider().api_key == "gemini"


@pytest.mark.parametrize(
    ("model", "include"),
    [
        ("gemini-2.5-flash", True),
        ("gemini-3-pro-preview", True),
        ("gemini-2.0-flash", False),
        ("gemma-3-27b-it", False),
    ],
)
def test_thought_summaries_are_asked_of_thinking_models(model: str, include: bool) -> None:
    payload = GeminiProvider().payload([{"role": "user", "content": "hi"}], None, model)
    assert ("generationConfig" in payload) is include
    forced = GeminiProvider(include_thoughts=False).payload([], None, "gemini-2.5-pro")
    assert "generationConfig" not in forced


async def test_models_prefix_is_accepted(gemini_server, gemini) -> None:
    gemini_server.enqueue(Reply(text="ok"))
    assert text_of(await collect(gemini, model=f"models/{MODEL}")) == "ok"
    assert posts(gemini_server)[-1].path.startswith(f"/v1beta/models/{MODEL}:")


async def test_signature_is_kept_per_call(gemini_server, gemini) -> None:
    gemini_server.enqueue(Reply(tool_calls=[("a", {}), ("b", {"x": 1})]))
    events = await collect(gemini, tools=TOOLS, model=MODEL)
    calls = [e for e in events if isinstance(e, ToolCallEvent)]
    assert [c.name for c in calls] == ["a", "b"]
    assert all(c.id.startswith("call_") for c in calls)
    assert set(gemini.signatures) == {calls[0].id}  # only the first call of a step is signed


async def test_blocked_prompt_is_explained(gemini_server, gemini, monkeypatch) -> None:
    async def chunks(model, reply):
        yield (
            b'data: {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": '
            b'{"promptTokenCount": 8, "totalTokenCount": 8}}\r\n\r\n'
        )

    monkeypatch.setattr(gemini_server, "_chunks", chunks)
    with pytest.raises(ProviderError) as info:
        await collect(gemini, model=MODEL)
    assert "SAFETY" in str(info.value)
