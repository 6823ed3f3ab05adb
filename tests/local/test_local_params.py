"""Session parameters on the embedded model (real generations with the bundled SmolLM2)."""

from __future__ import annotations

import pytest

import agentry.providers.local as local_mod
from agentry.agent import Agent
from agentry.events import TextDelta, UsageEvent
from agentry.messages import TRUNCATED
from agentry.params import PARAMS_KEY
from agentry.providers.local import LocalProvider

SKIP_REASON = "the local extra (agentry[local]) is not installed"
SYSTEM = {"role": "system", "content": "You are a helpful AI assistant."}
SHORT = [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def provider() -> LocalProvider:
    if not local_mod.local_available():
        pytest.skip(SKIP_REASON)
    return LocalProvider(n_ctx=1024)


async def collect(provider: LocalProvider, **params) -> list:
    model = await provider.resolve_model()
    return [e async for e in provider.stream_chat(SHORT, model=model, params=params)]


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_max_tokens_cuts_the_reply_and_says_so(provider: LocalProvider) -> None:
    events = await collect(provider, temperature=0, max_tokens=4)
    usage = events[-1]
    assert isinstance(usage, UsageEvent) and usage.truncated
    assert usage.completion_tokens is not None and usage.completion_tokens <= 4
    whole = (await collect(provider, temperature=0, max_tokens=200))[-1]
    assert not whole.truncated


async def test_stop_and_seed_reach_the_model(provider: LocalProvider) -> None:
    answer = text_of(await collect(provider, temperature=0, max_tokens=48))
    assert "Paris" in answer
    stopped = text_of(await collect(provider, temperature=0, max_tokens=48, stop=["Paris"]))
    assert "Paris" not in stopped and answer.startswith(stopped.rstrip())
    hot = {"temperature": 1.5, "top_p": 1.0, "max_tokens": 24}
    first = text_of(await collect(provider, seed=11, **hot))
    assert first == text_of(await collect(provider, seed=11, **hot))  # the seed decides


async def test_context_length_loads_the_model_with_that_context(provider: LocalProvider) -> None:
    await collect(provider, max_tokens=2)
    assert provider._llama.n_ctx() == 1024
    await collect(provider, max_tokens=2, context_length=512)
    assert provider.n_ctx == 512 and provider._llama.n_ctx() == 512


async def test_agent_marks_a_cut_reply_in_the_session(provider: LocalProvider) -> None:
    agent = Agent(provider)
    session = agent.new_session("cut")
    session.metadata[PARAMS_KEY] = {"max_tokens": 3, "temperature": 0}
    assert (await agent.chat("Write a long story about a dragon.", session)).strip()
    assert session.messages[-1][TRUNCATED] is True
