"""Anthropic Messages: the shared contract and the Messages API's own rules."""

from __future__ import annotations

import pytest

import tests.servers.anthropic as anthropic_server_module
from agentry.errors import RateLimitError, ServerError, StreamError
from agentry.events import ToolCallEvent
from agentry.providers.anthropic import AnthropicProvider, to_wire
from tests.providers.harness import (
    ANTHROPIC,
    ARGS,
    KEY,
    TOOLS,
    KeyContract,
    ProviderContract,
    collect,
    collect_until_error,
    posts,
    text_of,
)
from tests.servers.anthropic import SIGNATURE
from tests.servers.base import Reply


class TestAnthropic(ProviderContract, KeyContract):
    case = ANTHROPIC


@pytest.fixture
async def claude(anthropic_server):
    provider = AnthropicProvider(endpoint=anthropic_server.url, api_key=KEY)
    anthropic_server.api_key = KEY
    yield provider
    await provider.aclose()


MODEL = "claude-sonnet-4-5-20250929"


async def test_request_shape(anthropic_server, claude) -> None:
    anthropic_server.enqueue(Reply(text="ok"))
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use British spelling."},
        {"role": "user", "content": "Hello"},
    ]
    await collect(claude, messages, TOOLS, model=MODEL)
    request = posts(anthropic_server)[-1]
    assert request.path == "/v1/messages"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.body == {
        "model": MODEL,
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": True,
        "system": "Be brief.\n\nUse British spelling.",
        "tools": [
            {
                "name": "read_file",
                "description": "Read a text file.",
                "input_schema": TOOLS[0]["parameters"],
            }
        ],
    }


async def test_max_tokens_is_configurable(anthropic_server) -> None:
    provider = AnthropicProvider(endpoint=f"{anthropic_server.url}/v1/", max_tokens=512)
    try:
        await collect(provider, model=MODEL)
    finally:
        await provider.aclose()
    assert posts(anthropic_server)[-1].body["max_tokens"] == 512
    assert posts(anthropic_server)[-1].path == "/v1/messages"  # a trailing /v1 is not doubled


def test_consecutive_tool_results_share_one_user_turn() -> None:
    calls = [
        {
            "id": f"toolu_{n}",
            "type": "function",
            "function": {"name": "read_file", "arguments": {"path": f"{n}.txt"}},
        }
        for n in (1, 2)
    ]
    system, turns = to_wire(
        [
            {"role": "user", "content": "Read both"},
            {"role": "assistant", "content": "Reading.", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "toolu_1", "name": "read_file", "content": "one"},
            {"role": "tool", "tool_call_id": "toolu_2", "name": "read_file", "content": "two"},
            {"role": "user", "content": "And?"},
        ]
    )
    assert system == ""
    assert turns == [
        {"role": "user", "content": "Read both"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Reading."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "read_file",
                    "input": {"path": "1.txt"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "read_file",
                    "input": {"path": "2.txt"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "one"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "two"},
                {"type": "text", "text": "And?"},
            ],
        },
    ]


def test_empty_assistant_turns_are_left_out() -> None:
    _, turns = to_wire(
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "b"},
        ]
    )
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("overloaded_error", ServerError),
        ("api_error", ServerError),
        ("rate_limit_error", RateLimitError),
        ("invalid_request_error", StreamError),
    ],
)
async def test_error_event_mid_stream(anthropic_server, claude, kind: str, error) -> None:
    anthropic_server.error_event = kind
    anthropic_server.enqueue(Reply(text="one two three"))
    events, exc = await collect_until_error(claude, error, model=MODEL)
    assert text_of(events) == "one"
    assert kind in str(exc)


async def test_529_overloaded_is_a_server_error(anthropic_server, claude) -> None:
    anthropic_server.enqueue(Reply(status=529, error="Overloaded"))
    _, exc = await collect_until_error(claude, ServerError, model=MODEL)
    assert "529" in str(exc) and "Overloaded" in str(exc)


async def test_unparsable_tool_input_is_the_calls_problem(
    anthropic_server, claude, monkeypatch
) -> None:
    monkeypatch.setattr(anthropic_server_module, "split_json", lambda text: ['{"path": '])
    anthropic_server.enqueue(Reply(tool_calls=[("read_file", ARGS)]))
    events = await collect(claude, model=MODEL)
    (call,) = [e for e in events if isinstance(e, ToolCallEvent)]
    assert call.name == "read_file" and call.arguments == {}
    assert call.problem == "the arguments are not valid JSON: '{\"path\":'"


async def test_thinking_is_requested_and_sent_back_with_the_tool_call(anthropic_server) -> None:
    provider = AnthropicProvider(endpoint=anthropic_server.url, thinking_budget=2048)
    try:
        anthropic_server.enqueue(
            Reply(reasoning="I should read it.", tool_calls=[("read_file", ARGS)])
        )
        events = await collect(provider, [{"role": "user", "content": "Read"}], TOOLS, model=MODEL)
        first = posts(anthropic_server)[-1].body
        assert first["thinking"] == {"type": "enabled", "budget_tokens": 2048}
        assert first["max_tokens"] > 2048
        (call,) = [e for e in events if isinstance(e, ToolCallEvent)]
        await collect(
            provider,
            [
                {"role": "user", "content": "Read"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": call.arguments},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": call.id, "content": "text"},
            ],
            TOOLS,
            model=MODEL,
        )
    finally:
        await provider.aclose()
    assistant = posts(anthropic_server)[-1].body["messages"][1]
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": "I should read it.",
        "signature": SIGNATURE,
    }
    assert assistant["content"][1]["type"] == "tool_use"


def test_hosted_default(monkeypatch) -> None:
    provider = AnthropicProvider()
    assert provider.endpoint == "https://api.anthropic.com" and provider.key_required
    monkeypatch.setenv("AGENTRY_MODEL", "claude-opus-4-1")
    assert AnthropicProvider().model == "claude-opus-4-1"
