"""OpenAIProvider against a real ``python -m llama_cpp.server`` running the bundled SmolLM2
(the ``llama_server`` fixture; skipped when the local extra is not installed)."""

from __future__ import annotations

import asyncio
import time

import pytest

from agentry.agent import Agent
from agentry.events import TextDelta, UsageEvent
from agentry.providers.openai import OpenAIProvider

SYSTEM = {"role": "system", "content": "You are a helpful AI assistant."}
SHORT = [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]
LONG = [SYSTEM, {"role": "user", "content": "Write a long story about a dragon."}]


def provider_for(server, **options) -> OpenAIProvider:
    # No key is needed for a custom endpoint; temperature 0 makes replies repeatable.
    return OpenAIProvider(endpoint=server.url, **{"temperature": 0, "max_tokens": 48, **options})


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_reply_streams_in(llama_server) -> None:
    provider = provider_for(llama_server)
    try:
        assert provider.endpoint == f"{llama_server.url}/v1"
        model = await provider.resolve_model()
        assert model == llama_server.model
        events = [e async for e in provider.stream_chat(SHORT, model=model)]
    finally:
        await provider.aclose()
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 3
    assert "Paris" in text_of(events)
    assert isinstance(events[-1], UsageEvent)  # llama_cpp.server sends no usage when streaming


async def test_temperature_zero_repeats_itself(llama_server) -> None:
    provider = provider_for(llama_server, max_tokens=32)
    try:
        model = await provider.resolve_model()
        first = text_of([e async for e in provider.stream_chat(SHORT, model=model)])
        second = text_of([e async for e in provider.stream_chat(SHORT, model=model)])
    finally:
        await provider.aclose()
    assert first.strip() and first == second


async def test_cancel_mid_reply(llama_server) -> None:
    provider = provider_for(llama_server, max_tokens=1000)
    got: list[str] = []
    try:
        model = await provider.resolve_model()

        async def consume() -> None:
            async for event in provider.stream_chat(LONG, model=model):
                if isinstance(event, TextDelta):
                    got.append(event.text)

        task = asyncio.create_task(consume())
        deadline = time.monotonic() + 30
        while len(got) < 5:
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.01)
        cancelled_at = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.perf_counter() - cancelled_at < 0.5
        count = len(got)
        await asyncio.sleep(0.2)
        assert len(got) == count

        # The server noticed the disconnect and is free for the next request.
        started = time.perf_counter()
        events = [e async for e in provider.stream_chat(SHORT, model=model)]
        assert text_of(events).strip()
        assert time.perf_counter() - started < 15
    finally:
        await provider.aclose()


async def test_two_sessions_at_once(llama_server, tmp_path) -> None:
    agent = Agent(
        llm="openai", endpoint=llama_server.url, workspace=tmp_path, temperature=0, max_tokens=48
    )
    try:
        a, b = await asyncio.wait_for(
            asyncio.gather(
                agent.chat("What is the capital of France?", session_id="one"),
                agent.chat("Name a fruit that is yellow.", session_id="two"),
            ),
            timeout=60,
        )
    finally:
        await agent.aclose()
    assert a.strip() and b.strip()
    for session_id, reply in (("one", a), ("two", b)):
        messages = agent.get_session(session_id).messages
        assert [m["role"] for m in messages] == ["system", "user", "assistant"]
        assert messages[-1]["content"] == reply
        assert messages[-1]["_provider"] == "openai"
