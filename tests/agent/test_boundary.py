"""The provider boundary holds for custom Provider subclasses too (the library's extension
point): whatever one yields or raises, the agent stores valid messages and reports one
readable error, and a reply ends within its total time limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agentry import Agent
from agentry.errors import ProviderTimeout, StreamError
from agentry.events import DoneEvent, ErrorEvent, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers.arguments import tool_arguments, valid_unicode
from agentry.providers.base import Provider
from agentry.providers.http import REPLY_TIMEOUT_ENV, Timeouts
from agentry.sessions.manager import SessionManager

KEY = "sk-custom-secret-42"


class Scripted(Provider):
    """A custom provider yielding ``script`` items (an exception item is raised there)."""

    name = "custom"

    def __init__(self, *scripts: list[Any]) -> None:
        self.endpoint = "http://127.0.0.1:1"
        self.model = "m"
        self.api_key = KEY
        self.scripts = list(scripts)

    async def stream_chat(self, messages, tools=None, *, model) -> AsyncIterator[Any]:
        for item in self.scripts.pop(0):
            if isinstance(item, BaseException):
                raise item
            if item == "sleep":
                await asyncio.sleep(3600)
            yield item

    async def list_models(self) -> list[str]:
        return ["m"]


def echo(text: str) -> str:
    """Say it back."""
    return text


async def run(provider: Provider, tmp_path: Path, **kw: Any) -> tuple[list, list[dict]]:
    agent = Agent(llm=provider, workspace=tmp_path, **kw)
    agent.register_tool_from_function(echo)
    events = [e async for e in agent.stream("hi", session_id="b")]
    messages = agent.get_session("b").messages
    manager = SessionManager(tmp_path / "h")
    manager.save_session("b", messages)
    assert manager.load_session("b") == messages
    return events, messages


@pytest.mark.parametrize(
    "exc",
    [
        KeyError("choices"),
        TypeError("'int' object is not iterable"),
        AttributeError("'str' object has no attribute 'get'"),
        ValueError("Exceeds the limit"),
        RecursionError("maximum recursion depth exceeded"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"),
        RuntimeError(f"header Bearer {KEY} invalid"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_any_exception_of_a_provider_is_one_readable_stream_error(tmp_path, exc) -> None:
    events, messages = await run(Scripted([TextDelta("partial "), exc]), tmp_path)
    error = events[-1].error
    assert isinstance(error, StreamError) and error.provider == "custom"
    assert str(error).startswith(
        f"custom at http://127.0.0.1:1 sent a reply Agentry could not read ({type(exc).__name__}: "
    )
    assert KEY not in str(error) and "The partial reply was kept." in str(error)
    assert messages[-1]["content"] == "partial " and messages[-1]["_error"] == str(error)


async def test_a_model_list_of_the_wrong_shape_is_the_same_readable_error(tmp_path) -> None:
    class NoModels(Scripted):
        async def resolve_model(self) -> str:
            return [].get("name")  # what reading {"models": [...]} as a dict fails with

    events, messages = await run(NoModels(), tmp_path)
    assert str(events[-1].error) == (
        "custom at http://127.0.0.1:1 sent a reply Agentry could not read (AttributeError: "
        "'list' object has no attribute 'get'). The partial reply was kept."
    )
    assert [m["role"] for m in messages] == ["system", "user"]


async def test_a_provider_error_has_the_key_blanked(tmp_path) -> None:
    events, _ = await run(Scripted([StreamError(f"echoed {KEY}", provider="custom")]), tmp_path)
    assert str(events[-1].error) == "echoed [API key]"


async def test_text_that_is_not_a_string_is_an_error(tmp_path) -> None:
    events, _ = await run(Scripted([TextDelta(5)]), tmp_path)
    assert "could not read (text that is a int)" in str(events[-1].error)


async def test_surrogates_are_joined_or_replaced(tmp_path) -> None:
    script = [TextDelta("a\ud83d"), TextDelta("\ude00b\udc00"), TextDelta("\ud800")]
    events, messages = await run(Scripted(script), tmp_path)
    assert events[-1] == DoneEvent("a\U0001f600b\ufffd\ufffd") and messages[-1]["content"] == (
        "a\U0001f600b\ufffd\ufffd"
    )


async def test_arguments_a_list_are_answered_with_a_tool_error(tmp_path) -> None:
    script = [ToolCallEvent("c1", "echo", [1, 2]), UsageEvent(prompt_tokens="3")]
    events, messages = await run(Scripted(script, [TextDelta("ok")]), tmp_path)
    assert messages[2]["tool_calls"][0]["function"] == {"name": "echo", "arguments": {}}
    assert "_usage" in messages[2] and messages[2]["_usage"]["prompt_tokens"] is None
    assert (
        messages[3]["_error"]
        and "the arguments are a JSON array, not an object" in (messages[3]["content"])
    )
    assert events[-1] == DoneEvent("ok")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            '{"a": "\\ud83d\\ude00", "b": [1, {"c": null}]}',
            ({"a": "\U0001f600", "b": [1, {"c": None}]}, None),
        ),
        ({"a": "x\ud800"}, ({"a": "x\ufffd"}, None)),
        ("", ({}, None)),
        ('{"a": NaN}', ({}, "the arguments are not valid JSON: '{\"a\": NaN}'")),
        ('"{}"', ({}, "the arguments are a JSON string, not an object")),
        ({1: "x"}, ({}, "the arguments cannot be used: the key 1 is not a string")),
        ({"a": float("inf")}, ({}, "the arguments cannot be used: inf is not a JSON number")),
        ({"a": object}, ({}, "the arguments cannot be used: a type is not a JSON value")),
        ("[" * 100 + "]" * 100, ({}, "the arguments are a JSON array, not an object")),
        (
            '{"a":' * 100 + "1" + "}" * 100,
            ({}, "the arguments cannot be used: nested deeper than 64 levels"),
        ),
    ],
)
def test_tool_arguments(raw, expected) -> None:
    assert tool_arguments(raw) == expected


def test_valid_unicode() -> None:
    assert valid_unicode("\ud83d\ude00 \udfff x") == "\U0001f600 \ufffd x"


async def test_an_endless_reply_ends_at_the_total_limit(tmp_path) -> None:
    provider = Scripted([TextDelta("partial "), "sleep"])
    events, messages = await run(provider, tmp_path, timeouts=Timeouts(reply=0.2))
    error = events[-1].error
    assert isinstance(error, ProviderTimeout) and "total reply limit of 0.2 s" in str(error)
    assert REPLY_TIMEOUT_ENV in str(error) and messages[-1]["_interrupted"]


def test_the_reply_limit_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(REPLY_TIMEOUT_ENV, "12.5")
    assert Agent(llm=Scripted()).reply_timeout == 12.5 == Timeouts.from_env().reply
    monkeypatch.setenv(REPLY_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match="AGENTRY_REPLY_TIMEOUT must be a positive number"):
        Timeouts.from_env()


async def test_cancelling_the_consumer_is_still_a_cancellation(tmp_path) -> None:
    agent = Agent(llm=Scripted([TextDelta("partial "), "sleep"]), workspace=tmp_path)
    started = asyncio.Event()

    async def consume() -> None:
        async for event in agent.stream("hi", session_id="c"):
            if isinstance(event, TextDelta):
                started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert agent.get_session("c").messages[-1]["_interrupted"]


async def test_a_slow_consumer_does_not_trip_the_limit_inside_its_own_code(tmp_path) -> None:
    # The limit fires while the consumer holds the event: the consumer is not cancelled, the
    # next read from the provider reports the timeout.
    agent = Agent(
        llm=Scripted([TextDelta("a"), TextDelta("b")]),
        workspace=tmp_path,
        timeouts=Timeouts(reply=0.05),
    )
    seen = []
    async for event in agent.stream("hi", session_id="d"):
        seen.append(event)
        if isinstance(event, TextDelta):
            await asyncio.sleep(0.1)
    assert isinstance(seen[-1], ErrorEvent) and isinstance(seen[-1].error, ProviderTimeout)
    assert [e.text for e in seen if isinstance(e, TextDelta)] == ["a"]
