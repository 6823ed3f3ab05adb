"""What every provider must do, written once and run against each provider's protocol server.

Each ``test_<provider>.py`` subclasses ``ProviderContract`` (and ``KeyContract`` for services
with API keys), naming its ``Case``. The servers check keys as the real services do, so every
request here carries ``KEY``; every error a test provokes is also checked for not quoting it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from agentry.errors import (
    AuthenticationError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
    StreamError,
)
from agentry.events import ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers import make_provider
from agentry.providers.anthropic import AnthropicProvider
from agentry.providers.base import Provider
from agentry.providers.boundary import checked_stream
from agentry.providers.gemini import GeminiProvider
from agentry.providers.http import Timeouts
from agentry.providers.ollama import OllamaProvider
from agentry.providers.openai import GroqProvider, OpenAIProvider
from tests.servers.base import Reply, Request, ScriptedServer, tokenize
from tests.servers.gemini import SIGNATURE as GEMINI_SIGNATURE

KEY = "sk-agentry-TEST-0123456789-do-not-leak"
TOOLS = [
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
            "additionalProperties": False,
        },
    }
]
ARGS = {"path": "docs/notes.md", "lines": [1, 2, 3]}
HELLO = [{"role": "user", "content": "Hello"}]


# -- helpers --------------------------------------------------------------------------------


def checked(provider: Provider, messages, tools=None, *, model: str, reply_timeout=60.0):
    """The provider's stream as the agent sees it: through the provider boundary."""
    return checked_stream(provider, messages, tools, model=model, reply_timeout=reply_timeout)


async def collect(provider: Provider, messages=None, tools=None, model=None) -> list[Any]:
    model = model or await provider.resolve_model()
    return [e async for e in checked(provider, messages or HELLO, tools, model=model)]


async def collect_until_error(
    provider: Provider, error: type[ProviderError], messages=None, model=None
) -> tuple[list[Any], ProviderError]:
    """The events before the stream failed, and the failure (checked not to quote KEY)."""
    events: list[Any] = []
    model = model or await provider.resolve_model()
    with pytest.raises(error) as info:
        async for event in checked(provider, messages or HELLO, model=model):
            events.append(event)
    assert KEY not in str(info.value)
    return events, info.value


def text_of(events: list[Any]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def posts(server: ScriptedServer) -> list[Request]:
    return [r for r in server.requests if r.method == "POST"]


def model_calls(server: ScriptedServer) -> list[Request]:
    """The requests for a reply: not the agent's look-up of the model's context length."""
    return [r for r in posts(server) if r.path != "/api/show"]


async def until(condition: Callable[[], Any], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def follow_up(call: ToolCallEvent, result: str) -> list[dict[str, Any]]:
    """The conversation after the model asked for ``call`` and the tool answered ``result``."""
    return [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Read the notes."},
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
        {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": result},
    ]


# -- the wire form of a tool call and its result, per protocol -----------------------------


def ollama_followup(body: dict[str, Any], call: ToolCallEvent, result: str) -> None:
    assistant, tool = body["messages"][-2:]
    assert assistant["tool_calls"] == [{"function": {"name": call.name, "arguments": ARGS}}]
    assert tool == {"role": "tool", "content": result, "tool_name": call.name}


def openai_followup(body: dict[str, Any], call: ToolCallEvent, result: str) -> None:
    system, _user, assistant, tool = body["messages"]
    assert system == {"role": "system", "content": "You are terse."}
    (wire_call,) = assistant["tool_calls"]
    assert wire_call["id"] == call.id and wire_call["type"] == "function"
    assert wire_call["function"]["name"] == call.name
    assert isinstance(wire_call["function"]["arguments"], str)  # a JSON string on this wire
    assert json.loads(wire_call["function"]["arguments"]) == ARGS
    assert tool == {"role": "tool", "tool_call_id": call.id, "content": result}


def anthropic_followup(body: dict[str, Any], call: ToolCallEvent, result: str) -> None:
    assert body["system"] == "You are terse."
    user, assistant, tool = body["messages"]
    assert user == {"role": "user", "content": "Read the notes."}
    assert assistant == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": call.id, "name": call.name, "input": ARGS}],
    }
    assert tool == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": call.id, "content": result}],
    }


def gemini_followup(body: dict[str, Any], call: ToolCallEvent, result: str) -> None:
    assert body["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    user, model, tool = body["contents"]
    assert user == {"role": "user", "parts": [{"text": "Read the notes."}]}
    assert model == {
        "role": "model",
        "parts": [
            {
                "functionCall": {"name": call.name, "args": ARGS},
                "thoughtSignature": GEMINI_SIGNATURE,  # the signature the call came with, sent back
            }
        ],
    }
    assert tool == {
        "role": "user",
        "parts": [{"functionResponse": {"name": call.name, "response": {"content": result}}}],
    }


# -- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # registry name
    cls: type[Provider]
    server_fixture: str
    followup: Callable[[dict[str, Any], ToolCallEvent, str], None]
    key_env: str | None = None  # the variable auth errors must name; None: no keys (Ollama)
    key_header: str | None = None  # where the key travels, as the server sees it
    key_value: Callable[[str], str] = lambda key: key  # the header value for a key


OLLAMA = Case("ollama", OllamaProvider, "ollama_server", ollama_followup)
OPENAI = Case(
    "openai",
    OpenAIProvider,
    "openai_server",
    openai_followup,
    "OPENAI_API_KEY",
    "authorization",
    lambda key: f"Bearer {key}",
)
GROQ = Case(
    "groq",
    GroqProvider,
    "openai_server",
    openai_followup,
    "GROQ_API_KEY",
    "authorization",
    lambda key: f"Bearer {key}",
)
ANTHROPIC = Case(
    "anthropic",
    AnthropicProvider,
    "anthropic_server",
    anthropic_followup,
    "ANTHROPIC_API_KEY",
    "x-api-key",
)
GEMINI = Case(
    "gemini", GeminiProvider, "gemini_server", gemini_followup, "GEMINI_API_KEY", "x-goog-api-key"
)


class _Base:
    case: ClassVar[Case]

    @pytest.fixture
    def server(self, request: pytest.FixtureRequest) -> ScriptedServer:
        server = request.getfixturevalue(self.case.server_fixture)
        if self.case.key_env:
            server.api_key = KEY  # check keys as the real service does
        return server

    @pytest.fixture
    async def make(self, server: ScriptedServer):
        """Build the provider under test against ``server`` (keyword arguments override)."""
        made: list[Provider] = []

        def make(**options: Any) -> Provider:
            options.setdefault("endpoint", server.url)
            if self.case.key_env:
                options.setdefault("api_key", KEY)
            provider = self.case.cls(**options)
            made.append(provider)
            return provider

        yield make
        for provider in made:
            await provider.aclose()


class ProviderContract(_Base):
    """Streaming, tools, usage and every failure a provider must turn into a ProviderError."""

    async def test_registry_name_builds_this_provider(self, server, make) -> None:
        provider = make_provider(self.case.name, endpoint=server.url)
        try:
            assert type(provider) is self.case.cls and provider.name == self.case.name
        finally:
            await provider.aclose()

    async def test_reply_streams_as_several_text_deltas(self, server, make) -> None:
        text = "Hello there! Streaming works, token by token."
        server.enqueue(Reply(text=text))
        events = await collect(make())
        deltas = [e for e in events if isinstance(e, TextDelta)]
        assert len(deltas) == len(tokenize(text)) > 1
        assert text_of(events) == text

    async def test_reasoning_arrives_apart_from_the_reply(self, server, make) -> None:
        server.enqueue(Reply(reasoning="First, consider the question.", text="The answer."))
        events = await collect(make())
        reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
        assert reasoning == "First, consider the question."
        assert text_of(events) == "The answer."
        first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
        assert all(not isinstance(e, ReasoningDelta) for e in events[first_text:])

    async def test_tool_call_is_assembled_and_its_result_sent_back(self, server, make) -> None:
        provider = make()
        server.enqueue(Reply(tool_calls=[("read_file", ARGS)]))
        events = await collect(provider, [{"role": "user", "content": "Read the notes."}], TOOLS)
        (call,) = [e for e in events if isinstance(e, ToolCallEvent)]
        assert call.name == "read_file" and call.arguments == ARGS and call.id
        assert text_of(events) == ""

        events = await collect(provider, follow_up(call, "42 lines of notes"), TOOLS)
        assert text_of(events) == "Tool said: 42 lines of notes"  # the server read the result
        self.case.followup(posts(server)[-1].body, call, "42 lines of notes")

    async def test_parallel_tool_calls_stay_apart(self, server, make) -> None:
        server.enqueue(Reply(tool_calls=[("read_file", ARGS), ("list_dir", {"path": "."})]))
        events = await collect(make(), tools=TOOLS)
        calls = [e for e in events if isinstance(e, ToolCallEvent)]
        assert [(c.name, c.arguments) for c in calls] == [
            ("read_file", ARGS),
            ("list_dir", {"path": "."}),
        ]
        assert len({c.id for c in calls}) == 2

    async def test_usage_is_reported(self, server, make) -> None:
        server.enqueue(Reply(text="one two three four", prompt_tokens=42))
        events = await collect(make())
        (usage,) = [e for e in events if isinstance(e, UsageEvent)]
        assert (usage.prompt_tokens, usage.completion_tokens) == (42, 4)
        assert isinstance(events[-1], UsageEvent)

    async def test_connection_cut_mid_reply_is_a_stream_error(self, server, make) -> None:
        server.enqueue(Reply(text="one two three four five six seven", cut_after=3))
        events, error = await collect_until_error(make(), StreamError)
        assert "one two three".startswith(text_of(events))
        assert "partial reply was kept" in str(error)

    async def test_stream_ending_without_its_end_marker_is_a_stream_error(
        self, server, make
    ) -> None:
        server.end_early = True
        server.enqueue(Reply(text="one two three"))
        events, error = await collect_until_error(make(), StreamError)
        assert text_of(events) == "one two three"
        assert "ended before the reply finished" in str(error)

    async def test_malformed_line_is_a_stream_error(self, server, make) -> None:
        server.enqueue(Reply(text="one two three", malformed_after=1))
        events, error = await collect_until_error(make(), StreamError)
        assert text_of(events) == "one"
        assert "not valid" in str(error)

    async def test_401_is_an_authentication_error_without_the_key(self, server, make) -> None:
        # Even a server that quotes the key back must not get it into our message.
        quoted = f"Incorrect API key provided: {KEY}" if self.case.key_env else "unauthorized"
        server.enqueue(Reply(status=401, error=quoted))
        _, error = await collect_until_error(make(), AuthenticationError)
        assert "401" in str(error)
        if self.case.key_env:
            assert self.case.key_env in str(error)

    async def test_unknown_model_names_it_and_lists_the_available_ones(self, server, make) -> None:
        _, error = await collect_until_error(make(), ModelNotFoundError, model="no-such-model")
        assert "no-such-model" in str(error)
        assert all(name in str(error) for name in server.models)

    async def test_429_with_retry_after_is_retried_once(self, server, make) -> None:
        server.enqueue(
            Reply(status=429, error="slow down", headers={"Retry-After": "0.1"}),
            Reply(text="made it"),
        )
        provider = make()
        model = await provider.resolve_model()
        start = time.monotonic()
        events = await collect(provider, model=model)
        assert text_of(events) == "made it"
        assert time.monotonic() - start >= 0.1
        assert len(posts(server)) == 2

    async def test_429_twice_is_a_rate_limit_error(self, server, make) -> None:
        limited = Reply(status=429, error="slow down", headers={"Retry-After": "0.1"})
        server.enqueue(limited, limited)
        _, error = await collect_until_error(make(), RateLimitError)
        assert len(posts(server)) == 2
        assert "slow down" in str(error)

    async def test_429_without_retry_after_is_not_retried(self, server, make) -> None:
        server.enqueue(Reply(status=429, error="quota exhausted"))
        await collect_until_error(make(), RateLimitError)
        assert len(posts(server)) == 1

    async def test_500_is_a_server_error_with_the_servers_words(self, server, make) -> None:
        server.enqueue(Reply(status=500, error="the GPU caught fire"))
        _, error = await collect_until_error(make(), ServerError)
        assert "500" in str(error) and "the GPU caught fire" in str(error)

    async def test_refused_connection_names_the_url(self, make) -> None:
        port = closed_port()
        provider = make(endpoint=f"http://127.0.0.1:{port}")
        _, error = await collect_until_error(provider, ProviderConnectionError, model="m")
        assert f"127.0.0.1:{port}" in str(error)

    async def test_silent_server_times_out(self, server, make) -> None:
        server.enqueue(Reply(hang=True))
        start = time.monotonic()
        _, error = await collect_until_error(make(timeouts=Timeouts(read=0.5)), ProviderTimeout)
        assert time.monotonic() - start < 3
        assert server.url in str(error)

    async def test_cancelling_a_hanging_stream_is_prompt(self, server, make) -> None:
        server.enqueue(Reply(hang=True))
        provider = make()
        model = await provider.resolve_model()
        task = asyncio.create_task(collect(provider, model=model))
        await until(lambda: posts(server))
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - start < 1
        assert await asyncio.to_thread(posts(server)[-1].closed.wait, 2), "connection left open"

    async def test_cancelling_mid_reply_closes_the_connection(self, server, make) -> None:
        server.enqueue(Reply(text="one two three four five six seven eight", delay=0.2))
        provider = make()
        model = await provider.resolve_model()
        first = asyncio.Event()

        async def consume() -> None:
            async for event in provider.stream_chat(HELLO, model=model):
                if isinstance(event, TextDelta):
                    first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 2)
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - start < 1
        assert await asyncio.to_thread(posts(server)[-1].closed.wait, 3), "connection left open"

    async def test_list_models(self, server, make) -> None:
        assert await make().list_models() == server.models

    async def test_resolve_model(self, server, make, monkeypatch) -> None:
        assert await make(model="chosen").resolve_model() == "chosen"
        monkeypatch.setenv("AGENTRY_MODEL", "from-env")
        assert await make().resolve_model() == "from-env"
        monkeypatch.delenv("AGENTRY_MODEL")
        assert await make().resolve_model() == server.models[0]

    async def test_resolve_model_with_no_models_says_so(self, server, make) -> None:
        server.models = []
        with pytest.raises(ModelNotFoundError) as info:
            await make().resolve_model()
        assert server.url in str(info.value)


class KeyContract(_Base):
    """Hosted services: keys travel in headers only, and a missing or wrong key is explained."""

    async def test_key_travels_in_a_header_only(self, server, make) -> None:
        server.enqueue(Reply(text="ok"))
        provider = make()
        await collect(provider, model=server.models[0])
        await provider.list_models()
        for request in server.requests:
            assert request.headers[self.case.key_header] == self.case.key_value(KEY)
            assert KEY not in request.path

    async def test_wrong_key_is_an_authentication_error_naming_the_variable(
        self, server, make
    ) -> None:
        server.api_key = "the-right-key"
        provider = make()
        for attempt in (provider.list_models(), collect(provider, model=server.models[0])):
            with pytest.raises(AuthenticationError) as info:
                await attempt
            assert self.case.key_env in str(info.value)
            assert KEY not in str(info.value)

    async def test_server_refuses_a_request_without_a_key(self, server, make) -> None:
        with pytest.raises(AuthenticationError) as info:
            await collect(make(api_key=None), model=server.models[0])
        assert self.case.key_env in str(info.value)

    async def test_missing_key_for_the_hosted_service_is_reported_at_first_use(self) -> None:
        provider = self.case.cls(model="some-model")  # no key: building it must still work
        try:
            with pytest.raises(AuthenticationError) as info:
                await collect(provider)
            assert self.case.key_env in str(info.value)
            with pytest.raises(AuthenticationError):
                await provider.list_models()
        finally:
            await provider.aclose()

    async def test_key_from_the_environment(self, server, make, monkeypatch) -> None:
        monkeypatch.setenv(self.case.key_env, KEY)
        server.enqueue(Reply(text="ok"))
        assert text_of(await collect(make(api_key=None), model=server.models[0])) == "ok"
