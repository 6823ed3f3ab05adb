"""The context window with the embedded model (real llama.cpp generations, kept short)."""

from __future__ import annotations

import pytest

import agentry.providers.local as local_mod
from agentry import Agent, AgentSession
from agentry.context import SUMMARY
from agentry.events import ErrorEvent, MessageAdded
from agentry.providers.local import LocalProvider

pytestmark = pytest.mark.skipif(
    not local_mod.local_available(), reason="the local extra (agentry[local]) is not installed"
)


async def test_the_context_length_is_the_embedded_models() -> None:
    assert await LocalProvider(n_ctx=1000).context_length("m") == 1024  # as it will be run
    provider = LocalProvider(n_ctx=0)  # the model's own length: llama.cpp reads it on load
    assert await provider.context_length("m") == 8192  # SmolLM2-135M's trained context
    assert provider.loaded
    provider.unload()


async def test_a_summary_turn_with_the_embedded_model() -> None:
    agent = Agent(llm=LocalProvider(temperature=0, max_tokens=24, seed=1))
    session = AgentSession("summed")
    session.add_message({"role": "system", "content": "You are a helpful AI assistant."})
    for i in range(14):
        session.add_message(
            {"role": "user", "content": f"My pet number {i} is a cat named Tom{i}."}
        )
        session.add_message({"role": "assistant", "content": f"Noted: pet {i} is Tom{i}, a cat."})
    session.metadata.update(params={"context_length": 300}, context_policy="summarise")
    events = [e async for e in agent.stream("What are my pets?", session)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    summary = [e.message for e in events if isinstance(e, MessageAdded)][1]
    assert summary[SUMMARY]["through"] >= 2 and len(summary["content"]) > 40
    plan = agent.context_plan(session)
    assert plan.summary == session.messages.index(summary) and plan.summary in plan.sent
    assert 1 in plan.left_out and plan.fits  # the originals stay in the session, not sent
    assert session.messages[-1]["role"] == "assistant" and session.messages[-1]["content"]
    await agent.aclose()
