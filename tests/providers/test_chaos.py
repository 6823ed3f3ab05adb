"""Faults played by the chaos server against the agent, for every protocol: only Agentry's own
errors come out (readable, naming the provider, never quoting the key or a Python error), the
partial reply is kept, and the session afterwards saves and loads back equal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentry import Agent
from agentry.errors import (
    AgentryError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
    StreamError,
)
from agentry.events import DoneEvent, ErrorEvent, StreamEvent
from agentry.providers import http
from agentry.providers.http import Timeouts
from agentry.sessions.manager import SessionManager
from tests.servers.chaos import PROTOCOLS, PYTHON_ERROR, ChaosServer, Fault, Protocol

KEY = "sk-chaos-0123456789abcdef"
# Pieces that are not the JSON object a stream line must be.
NOT_AN_OBJECT = (
    "[1, 2]",
    '"text"',
    "42",
    "null",
    "true",
    "NaN",
    "-Infinity",
    "{not json",
    "1" + "0" * 5000,
    "[" * 20000 + "]" * 20000,
    '{"a": ' * 20000,
)


@pytest.fixture(params=PROTOCOLS, ids=[p.provider for p in PROTOCOLS])
def proto(request: pytest.FixtureRequest) -> Protocol:
    return request.param


def echo(text: str) -> str:
    """Say the text back."""
    return text


def make_agent(
    chaos: ChaosServer, proto: Protocol, tmp_path: Path, read: float = 2.0, reply: float = 5.0
) -> Agent:
    agent = Agent(
        llm=proto.provider,
        model=proto.model,
        api_key=KEY,
        endpoint=chaos.url + proto.endpoint_path,
        workspace=tmp_path,
        timeouts=Timeouts(connect=2.0, read=read, reply=reply),
    )
    agent.register_tool_from_function(echo)
    return agent


async def turn(
    chaos: ChaosServer,
    proto: Protocol,
    tmp_path: Path,
    *faults: Fault,
    read: float = 2.0,
    reply: float = 5.0,
    agent: Agent | None = None,
) -> tuple[list[StreamEvent], list[dict[str, Any]]]:
    """One user turn against ``faults`` (by ``agent``, else a new one): the events, and the
    session's messages, checked to save and load back equal."""
    chaos.reset()
    chaos.play(*faults)
    own = agent is None
    agent = agent or make_agent(chaos, proto, tmp_path, read, reply)
    agent.sessions.clear()
    try:
        events = [e async for e in agent.stream("hi", session_id="chaos")]
    finally:
        if own:
            await agent.aclose()
    messages = agent.get_session("chaos").messages
    manager = SessionManager(tmp_path / "history")
    manager.save_session("chaos", messages)
    assert manager.load_session("chaos") == messages
    return events, messages


def outcome(events: list[StreamEvent], proto: Protocol) -> AgentryError | str:
    """The turn's error, checked to be readable, or its final text."""
    last = events[-1]
    if isinstance(last, DoneEvent):
        return last.text
    assert isinstance(last, ErrorEvent), last
    error = last.error
    assert isinstance(error, ProviderError), repr(error)
    text = str(error)
    assert proto.provider in text.lower(), text
    assert KEY not in text
    assert not PYTHON_ERROR.search(text), text
    assert len(text) < 1200, text
    return error


def partial_kept(messages: list[dict[str, Any]], error: AgentryError) -> None:
    (reply,) = [m for m in messages if m["role"] == "assistant"]
    assert reply["content"].startswith("partial") and reply["_interrupted"]
    assert reply["_error"] == str(error)


# -- text that is not valid as it comes ----------------------------------------------------


async def test_surrogate_halves_split_across_chunks_are_joined(chaos, proto, tmp_path) -> None:
    events, messages = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(
            chunks=proto.reply(
                proto.text("Hi "), proto.text("\ud83d"), proto.text("\ude00"), proto.text("!")
            )
        ),
    )
    assert outcome(events, proto) == "Hi \U0001f600!" == messages[-1]["content"]


async def test_lone_surrogates_become_replacement_characters(chaos, proto, tmp_path) -> None:
    events, _ = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(
            chunks=proto.reply(proto.text("a\ud800b"), proto.text("\udc00"), proto.text("c\udbff"))
        ),
    )
    assert outcome(events, proto) == "a\ufffdb\ufffdc\ufffd"


async def test_invalid_utf8_becomes_replacement_characters(chaos, proto, tmp_path) -> None:
    broken = proto.frame(proto.text("x@@y")).replace(b"@@", b"\xff\xc3")
    events, _ = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(chunks=proto.body() + [broken] + proto.body(*proto.end, begin=False)),
    )
    assert outcome(events, proto) == "x\ufffd\ufffdy"


async def test_escape_sequences_in_text_are_stored_as_sent(chaos, proto, tmp_path) -> None:
    # The library keeps the model's text; showing it safely is the terminal client's job.
    text = "\x1b[2J\x1b]0;owned\x07 done"
    events, _ = await turn(chaos, proto, tmp_path, Fault(chunks=proto.reply(proto.text(text))))
    assert outcome(events, proto) == text


# -- pieces of the wrong shape ---------------------------------------------------------------


# One agent plays all the pieces of a kind (making an HTTP client costs ~0.1 s).


async def test_a_piece_that_is_not_an_object_is_a_stream_error(chaos, proto, tmp_path) -> None:
    agent = make_agent(chaos, proto, tmp_path)
    for piece in NOT_AN_OBJECT:
        events, messages = await turn(
            chaos,
            proto,
            tmp_path,
            Fault(chunks=proto.reply(proto.text("partial "), piece)),
            agent=agent,
        )
        error = outcome(events, proto)
        assert isinstance(error, StreamError) and "not valid in its stream format" in str(error)
        partial_kept(messages, error)
    await agent.aclose()


async def test_a_piece_with_fields_of_the_wrong_type_is_a_readable_error(
    chaos, proto, tmp_path
) -> None:
    agent = make_agent(chaos, proto, tmp_path)
    for shape in proto.wrong_shapes:
        events, messages = await turn(
            chaos,
            proto,
            tmp_path,
            Fault(chunks=proto.reply(proto.text("partial "), shape)),
            agent=agent,
        )
        error = outcome(events, proto)
        assert isinstance(error, ProviderError), f"{shape} was accepted"
        partial_kept(messages, error)
    await agent.aclose()


# -- tool calls whose arguments cannot be used -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("[1, 2]", "the arguments are a JSON array, not an object"),
        ("7", "the arguments are a JSON number, not an object"),
        ('{"text": ', "the arguments are not valid JSON"),
    ],
)
async def test_unusable_tool_arguments_are_answered_as_a_tool_error(
    chaos, proto, tmp_path, args, problem
) -> None:
    events, messages = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(chunks=proto.reply(*proto.call(args))),
        Fault(chunks=proto.reply(proto.text("after"))),
    )
    assert outcome(events, proto) == "after"
    call = next(m for m in messages if m.get("tool_calls"))["tool_calls"][0]
    assert call["function"] == {"name": "echo", "arguments": {}}
    result = next(m for m in messages if m["role"] == "tool")
    assert result["_error"] and problem in result["content"]


# -- the connection misbehaves -------------------------------------------------------------


async def test_a_stall_is_a_read_timeout(chaos, proto, tmp_path) -> None:
    events, messages = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(chunks=proto.body(proto.text("partial ")), stall=True),
        read=0.2,
    )
    error = outcome(events, proto)
    assert isinstance(error, ProviderTimeout) and "AGENTRY_READ_TIMEOUT" in str(error)
    partial_kept(messages, error)


@pytest.mark.parametrize("cut", [True, False], ids=["aborted", "ended"])
async def test_a_reply_cut_mid_line_is_a_stream_error(chaos, proto, tmp_path, cut) -> None:
    half = proto.frame(proto.text("more words"))[:12]
    events, messages = await turn(
        chaos, proto, tmp_path, Fault(chunks=proto.body(proto.text("partial ")) + [half], cut=cut)
    )
    error = outcome(events, proto)
    assert isinstance(error, StreamError)
    partial_kept(messages, error)


@pytest.mark.parametrize("kind", ["text", "keep-alive"])
async def test_an_endless_reply_ends_at_the_reply_timeout(chaos, proto, tmp_path, kind) -> None:
    endless = (
        proto.frame(proto.text("la "))
        if kind == "text"
        else (b"\n" if proto.provider == "ollama" else b": ping\n\n")
    )
    events, messages = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(chunks=proto.body(proto.text("partial ")), endless=endless),
        reply=0.3,
    )
    error = outcome(events, proto)
    assert isinstance(error, ProviderTimeout), error
    assert "total reply limit of 0.3 s" in str(error) and "AGENTRY_REPLY_TIMEOUT" in str(error)
    partial_kept(messages, error)


async def test_a_line_that_never_ends_is_bounded(chaos, proto, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(http, "MAX_LINE_BYTES", 256 * 1024)
    start = proto.frame(proto.text("partial ")) + b'data: {"x": "'
    if proto.provider == "ollama":
        start = proto.frame(proto.text("partial ")) + b'{"x": "'
    events, messages = await turn(
        chaos, proto, tmp_path, Fault(chunks=proto.body() + [start], endless=b"a" * 8192)
    )
    error = outcome(events, proto)
    assert isinstance(error, StreamError) and "longer than 262,144 bytes" in str(error)
    partial_kept(messages, error)


@pytest.mark.parametrize(("status", "error_type"), [(429, RateLimitError), (500, ServerError)])
async def test_an_error_status_with_a_huge_body_is_shortened(
    chaos, proto, tmp_path, status, error_type
) -> None:
    # The server quotes the key it was sent (Ollama is sent none); a 429 without Retry-After
    # is answered at once, without its body.
    key = b"" if proto.provider == "ollama" else KEY.encode()
    body = b'{"error": {"message": "no (key ' + key + b") " + b"\x1b[31m" * 200_000
    events, _ = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(status=status, chunks=[body + b'"}}'], content_type="application/json"),
    )
    error = outcome(events, proto)
    assert isinstance(error, error_type) and f"HTTP {status}" in str(error)
    assert ("[API key]" in str(error)) == (status == 500 and bool(key))


async def test_huge_headers_are_a_readable_error(chaos, proto, tmp_path) -> None:
    events, _ = await turn(
        chaos,
        proto,
        tmp_path,
        Fault(headers={"X-Huge": "h" * 300_000}, chunks=proto.reply(proto.text("hi"))),
    )
    assert isinstance(outcome(events, proto), ProviderError)
