"""Property tests: arbitrary bytes, and arbitrary JSON values put anywhere in a well-formed
reply, in arbitrary chunkings, streamed by a real server to each provider through the agent.
Nothing but a readable ProviderError comes out, and the session always saves and loads back
equal."""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentry import Agent
from agentry.errors import ProviderError
from agentry.events import DoneEvent, ErrorEvent
from agentry.providers.http import Timeouts
from agentry.sessions.manager import SessionManager
from tests.providers.test_chaos import KEY, echo
from tests.servers.chaos import PROTOCOLS, PYTHON_ERROR, ChaosServer, Fault, Protocol

EXAMPLES = 60  # per protocol and property: 4 x 2 x 60 = 480 examples
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


class Player:
    """Plays examples on one event loop with one agent per protocol (an HTTP client costs
    ~0.1 s to make; an example should cost milliseconds)."""

    def __init__(self, chaos: ChaosServer) -> None:
        self.chaos = chaos
        self.loop = asyncio.new_event_loop()
        self.agents: dict[str, Agent] = {}

    def agent(self, proto: Protocol) -> Agent:
        if proto.provider not in self.agents:
            agent = Agent(
                llm=proto.provider,
                model=proto.model,
                api_key=KEY,
                endpoint=self.chaos.url + proto.endpoint_path,
                timeouts=Timeouts(connect=2.0, read=2.0, reply=5.0),
            )
            agent.register_tool_from_function(echo)
            self.agents[proto.provider] = agent
        return self.agents[proto.provider]

    def play(self, proto: Protocol, chunks: list[bytes]) -> None:
        """One turn against ``chunks`` (then a plain reply for any tool follow-up): only a
        readable ProviderError, or a reply; the session saves and loads back equal."""
        self.chaos.reset()
        self.chaos.play(Fault(chunks=chunks), Fault(chunks=proto.reply(proto.text("after"))))
        agent = self.agent(proto)
        agent.sessions.clear()
        events = self.loop.run_until_complete(self._events(agent))
        last = events[-1]
        if isinstance(last, ErrorEvent):
            assert isinstance(last.error, ProviderError), repr(last.error)
            text = str(last.error)
            assert proto.provider in text.lower() and KEY not in text, text
            assert not PYTHON_ERROR.search(text), text
        else:
            assert isinstance(last, DoneEvent), last
        messages = agent.get_session("p").messages
        with tempfile.TemporaryDirectory() as folder:
            manager = SessionManager(Path(folder))
            manager.save_session("p", messages)
            assert manager.load_session("p") == messages

    @staticmethod
    async def _events(agent: Agent) -> list[Any]:
        return [e async for e in agent.stream("hi", session_id="p")]

    def close(self) -> None:
        for agent in self.agents.values():
            self.loop.run_until_complete(agent.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def player() -> Iterator[Player]:
    with ChaosServer() as server:
        player = Player(server)
        yield player
        player.close()


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def paths(value: Any, here: tuple = ()) -> list[tuple]:
    """Every place in a JSON value another value could be put."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*here, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths(item, (*here, i))
    return found


def put(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = put(value[path[0]], path[1:], new)
    return value


@pytest.mark.parametrize("proto", PROTOCOLS, ids=[p.provider for p in PROTOCOLS])
@SETTINGS
@given(data=st.binary(max_size=400), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_arbitrary_bytes(player, proto, data, cuts) -> None:
    player.play(proto, chunked(proto.frame(proto.text("partial ")) + data, cuts))


@pytest.mark.parametrize("proto", PROTOCOLS, ids=[p.provider for p in PROTOCOLS])
@SETTINGS
@given(choice=st.data(), value=json_values, cuts=st.lists(st.integers(0, 2000), max_size=6))
def test_arbitrary_json_anywhere_in_a_reply(player, proto, choice, value, cuts) -> None:
    pieces = [
        json.loads(p)
        for p in (*proto.begin, proto.text("partial "), *proto.call('{"text": "x"}'), *proto.end)
        if p != "[DONE]"
    ]
    n = choice.draw(st.integers(0, len(pieces) - 1), label="piece")
    where = choice.draw(st.sampled_from(paths(pieces[n])), label="path")
    pieces[n] = put(pieces[n], where, value)
    body = b"".join(proto.frame(json.dumps(p)) for p in pieces)
    if proto.provider == "openai":
        body += proto.frame("[DONE]")
    player.play(proto, chunked(body, cuts))
