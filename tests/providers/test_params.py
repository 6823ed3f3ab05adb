"""Session parameters on each provider's wire (asserted on the request the protocol server
received), parameters a provider cannot send said once, and replies cut by the length limit
marked truncated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentry.agent import Agent
from agentry.errors import ProviderError
from agentry.events import DoneEvent, ErrorEvent, NoticeEvent
from agentry.messages import TRUNCATED, is_truncated
from agentry.params import PARAMS_KEY, ParamsError
from agentry.providers import make_provider
from agentry.sessions.session import AgentSession
from tests.providers.harness import posts
from tests.servers.base import Reply

PARAMS = {
    "temperature": 0.3,
    "top_p": 0.9,
    "max_tokens": 50,
    "context_length": 2048,
    "seed": 7,
    "stop": ["END", "###"],
}
# (provider, server fixture, the wire fields the body must hold, what it cannot send)
CASES = [
    (
        "ollama",
        "ollama_server",
        {
            "options": {
                "temperature": 0.3,
                "top_p": 0.9,
                "num_predict": 50,
                "num_ctx": 2048,
                "seed": 7,
                "stop": ["END", "###"],
            }
        },
        [],
    ),
    (
        "openai",
        "openai_server",
        {"temperature": 0.3, "top_p": 0.9, "max_tokens": 50, "seed": 7, "stop": ["END", "###"]},
        ["context_length"],
    ),
    (
        "groq",
        "openai_server",
        {"temperature": 0.3, "top_p": 0.9, "max_tokens": 50, "seed": 7, "stop": ["END", "###"]},
        ["context_length"],
    ),
    (
        "anthropic",
        "anthropic_server",
        {"temperature": 0.3, "top_p": 0.9, "max_tokens": 50, "stop_sequences": ["END", "###"]},
        ["context_length", "seed"],
    ),
    (
        "gemini",
        "gemini_server",
        {
            "generationConfig": {
                "temperature": 0.3,
                "topP": 0.9,
                "maxOutputTokens": 50,
                "seed": 7,
                "stopSequences": ["END", "###"],
                "thinkingConfig": {"includeThoughts": True},  # kept beside them
            }
        },
        ["context_length"],
    ),
]
IDS = [case[0] for case in CASES]
# How an unsupported parameter would show in the body under any name: its value.
UNSENT = {"context_length": "2048", "seed": '"seed"'}


def _agent(name: str, server: Any, **options: Any) -> Agent:
    provider = make_provider(name, endpoint=server.url, api_key="sk-test", model=None)
    return Agent(provider, **options)


async def _turn(agent: Agent, session: AgentSession, text: str = "Hello", **params: Any) -> list:
    return [event async for event in agent.stream(text, session, **params)]


@pytest.mark.parametrize(("name", "fixture", "wire", "cannot"), CASES, ids=IDS)
async def test_each_parameter_reaches_the_wire_in_its_own_field(
    request: pytest.FixtureRequest, name: str, fixture: str, wire: dict, cannot: list
) -> None:
    server = request.getfixturevalue(fixture)
    agent = _agent(name, server)
    session = agent.new_session("p")
    session.metadata[PARAMS_KEY] = dict(PARAMS)
    try:
        events = await _turn(agent, session)
        again = await _turn(agent, session, "And again")
    finally:
        await agent.aclose()
    body = posts(server)[-1].body
    for field, value in wire.items():
        assert body[field] == value, field
    raw = json.dumps(body)
    assert [k for k in cannot if UNSENT[k] in raw] == []
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    if cannot:
        assert notices == [
            f"{name} does not support {', '.join(cannot)}: "
            + ("it is not sent." if len(cannot) == 1 else "they are not sent.")
        ]
    else:
        assert notices == []
    assert not any(isinstance(e, NoticeEvent) for e in again)  # said once per session
    assert isinstance(again[-1], DoneEvent)


@pytest.mark.parametrize(("name", "fixture", "wire", "cannot"), CASES, ids=IDS)
async def test_a_reply_cut_by_the_length_limit_is_marked_truncated(
    request: pytest.FixtureRequest, name: str, fixture: str, wire: dict, cannot: list
) -> None:
    server = request.getfixturevalue(fixture)
    agent = _agent(name, server)
    session = agent.new_session("t")
    server.enqueue(Reply(text="one two three four five six seven"), Reply(text="short"))
    try:
        await _turn(agent, session, max_tokens=3)
        await _turn(agent, session, "Next", max_tokens=3)
    finally:
        await agent.aclose()
    cut, whole = session.messages[2], session.messages[4]
    assert cut["content"] == "one two three" and cut[TRUNCATED] is True and is_truncated(cut)
    assert whole["content"] == "short" and TRUNCATED not in whole


async def test_call_params_win_over_the_session_and_the_agent(ollama_server) -> None:
    agent = _agent("ollama", ollama_server, temperature=1.5, seed=1)
    session = agent.new_session("layers")
    session.metadata[PARAMS_KEY] = {"temperature": 0.5, "top_p": 0.5}
    try:
        await _turn(agent, session, top_p=0.25)
    finally:
        await agent.aclose()
    options = posts(ollama_server)[-1].body["options"]
    # num_ctx: the context length the request was planned with (Ollama's default here).
    assert options == {"temperature": 0.5, "top_p": 0.25, "seed": 1, "num_ctx": 4096}


async def test_no_parameters_send_no_fields(ollama_server, openai_server) -> None:
    for name, server in (("ollama", ollama_server), ("openai", openai_server)):
        agent = _agent(name, server)
        try:
            await _turn(agent, agent.new_session("plain"))
        finally:
            await agent.aclose()
        body = posts(server)[-1].body
        assert not {"temperature", "top_p", "seed", "stop", "max_tokens"} & set(body)
        # Ollama is told the context length the request was planned with, and nothing else.
        assert body.get("options") == ({"num_ctx": 4096} if name == "ollama" else None)


async def test_a_wrong_value_is_refused_naming_it_and_nothing_is_sent(ollama_server) -> None:
    agent = _agent("ollama", ollama_server)
    try:
        with pytest.raises(ParamsError, match=r"temperature: .*less than or equal to 2.*5"):
            await agent.chat("Hello", temperature=5)
        with pytest.raises(ParamsError, match="temprature: there is no such parameter"):
            await agent.chat("Hello", temprature=0.5)  # type: ignore[call-arg]
        session = agent.new_session("edited")
        session.metadata[PARAMS_KEY] = {"seed": "seven"}  # a hand-edited file
        events = await _turn(agent, session)
    finally:
        await agent.aclose()
    assert posts(ollama_server) == []
    (error,) = [e for e in events if isinstance(e, ErrorEvent)]
    assert "The session's parameter seed" in error.message and "'seven'" in error.message
    assert session.metadata[PARAMS_KEY] == {"seed": "seven"}  # kept as it was


async def test_a_provider_that_takes_no_parameters_is_called_as_before() -> None:
    from agentry.events import TextDelta
    from agentry.providers.base import Provider

    class Plain(Provider):  # a custom provider written before parameters existed
        name = "plain"
        endpoint = "memory"
        model = "m"

        async def stream_chat(self, messages, tools=None, *, model):  # type: ignore[no-untyped-def]
            yield TextDelta("fine")

        async def list_models(self) -> list[str]:
            return ["m"]

    agent = Agent(Plain(), temperature=0.2)
    events = await _turn(agent, agent.new_session("c"))
    assert [e.text for e in events if isinstance(e, NoticeEvent)] == [
        "plain does not support temperature: it is not sent."
    ]
    assert events[-1] == DoneEvent("fine")


def test_agent_refuses_a_wrong_default_at_once() -> None:
    with pytest.raises(ParamsError, match="top_p"):
        Agent("ollama", top_p=0)
    assert issubclass(ParamsError, ValueError) and not issubclass(ParamsError, ProviderError)
