"""OpenAI Chat Completions: the shared contract, base URL rules, and the wire details."""

from __future__ import annotations

import json

import pytest

import tests.servers.openai as openai_server_module
from agentry.errors import StreamError
from agentry.events import ReasoningDelta, ToolCallEvent
from agentry.providers.openai import OpenAIProvider, _merge_fragment, _PartialCall, openai_base_url
from tests.providers.harness import (
    ARGS,
    KEY,
    OPENAI,
    TOOLS,
    KeyContract,
    ProviderContract,
    collect,
    collect_until_error,
    posts,
    text_of,
)
from tests.servers.base import Reply


class TestOpenAI(ProviderContract, KeyContract):
    case = OPENAI


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"),  # llama.cpp's server
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1"),
        ("127.0.0.1:1234", "http://127.0.0.1:1234/v1"),  # LM Studio, scheme left out
        ("http://localhost:8000/v1", "http://localhost:8000/v1"),  # vLLM
        ("http://localhost:11434/v1/", "http://localhost:11434/v1"),  # Ollama's /v1
        ("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
        # a path that is not /v1 is somebody's deliberate API root
        (
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "https://generativelanguage.googleapis.com/v1beta/openai",
        ),
    ],
)
def test_base_url(endpoint: str, base: str) -> None:
    assert openai_base_url(endpoint) == base


def test_base_url_precedence(monkeypatch) -> None:
    assert OpenAIProvider().endpoint == "https://api.openai.com/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080")
    assert OpenAIProvider().endpoint == "http://127.0.0.1:8080/v1"
    assert OpenAIProvider(endpoint="http://10.0.0.2:8000/v1").endpoint == "http://10.0.0.2:8000/v1"


async def test_local_server_needs_no_key(openai_server) -> None:
    provider = OpenAIProvider()  # OPENAI_BASE_URL points at the server; no key anywhere
    try:
        openai_server.enqueue(Reply(text="no key needed"))
        assert text_of(await collect(provider)) == "no key needed"
    finally:
        await provider.aclose()
    assert all("authorization" not in r.headers for r in openai_server.requests)
    assert posts(openai_server)[-1].path == "/v1/chat/completions"


async def test_request_body(openai_server) -> None:
    provider = OpenAIProvider(api_key=KEY)
    try:
        openai_server.enqueue(Reply(text="ok"))
        await collect(provider, tools=TOOLS, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    body = posts(openai_server)[-1].body
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "Hello"}]
    assert body["tools"] == [{"type": "function", "function": TOOLS[0]}]
    assert "temperature" not in body and "max_tokens" not in body  # server defaults apply


async def test_sampling_settings_are_sent_when_given(openai_server) -> None:
    provider = OpenAIProvider(temperature=0, max_tokens=48)
    try:
        openai_server.enqueue(Reply(text="ok"))
        await collect(provider)
    finally:
        await provider.aclose()
    body = posts(openai_server)[-1].body
    assert (body["temperature"], body["max_tokens"]) == (0, 48)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_field_variants(openai_server, field: str) -> None:
    openai_server.reasoning_field = field
    openai_server.enqueue(Reply(reasoning="Hmm, let me see.", text="Yes."))
    provider = OpenAIProvider()
    try:
        events = await collect(provider, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Hmm, let me see."
    assert text_of(events) == "Yes."


async def test_unparsable_tool_arguments_are_the_calls_problem(openai_server, monkeypatch) -> None:
    # Not a failed turn: the call carries what was wrong, and the agent answers it as a tool error.
    monkeypatch.setattr(openai_server_module, "split_json", lambda text: ['{"path": "a', "b"])
    openai_server.enqueue(Reply(tool_calls=[("read_file", ARGS)]))
    provider = OpenAIProvider()
    try:
        events = await collect(provider, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    (call,) = [e for e in events if isinstance(e, ToolCallEvent)]
    assert call.name == "read_file" and call.arguments == {}
    assert call.problem == 'the arguments are not valid JSON: \'{"path": "ab\''


def test_fragments_without_an_index_are_keyed_by_id() -> None:
    # Some OpenAI-compatible servers send each call whole, without "index".
    calls: dict = {}
    _merge_fragment(calls, {"id": "a", "function": {"name": "f", "arguments": '{"x": 1}'}})
    _merge_fragment(calls, {"id": "b", "function": {"name": "g", "arguments": "{}"}})
    _merge_fragment(calls, {"id": "c", "function": {"name": "h", "arguments": {"y": 2}}})
    assert [(c.id, c.name, "".join(c.arguments), c.whole) for c in calls.values()] == [
        ("a", "f", '{"x": 1}', None),
        ("b", "g", "{}", None),
        ("c", "h", "", {"y": 2}),
    ]
    assert isinstance(calls["a"], _PartialCall)


async def test_arguments_given_as_json_strings_are_accepted(openai_server) -> None:
    # Messages loaded from an OpenAI session keep arguments as the JSON string they came as.
    provider = OpenAIProvider()
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "read_file", "arguments": json.dumps(ARGS)},
    }
    messages = [
        {"role": "user", "content": "Read"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
    ]
    try:
        events = await collect(provider, messages, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    assert text_of(events) == "Tool said: done"
    sent = posts(openai_server)[-1].body["messages"][1]["tool_calls"][0]["function"]
    assert json.loads(sent["arguments"]) == ARGS
    assert not any(isinstance(e, ToolCallEvent) for e in events)


async def test_error_chunk_mid_stream_is_a_stream_error(openai_server, monkeypatch) -> None:
    # vLLM and OpenRouter report a failure after the 200 as a chunk with "error".
    async def chunks(model, reply, include_usage):
        yield b'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
        yield b'data: {"error":{"message":"upstream timed out","type":"server_error"}}\n\n'

    monkeypatch.setattr(openai_server, "_chunks", chunks)
    provider = OpenAIProvider()
    try:
        events, error = await collect_until_error(provider, StreamError, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    assert text_of(events) == "Hi" and "upstream timed out" in str(error)
