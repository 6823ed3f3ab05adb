"""The Agent's chat/tool loop against the real Ollama-protocol server."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from agentry import Agent
from agentry.errors import AuthenticationError, ModelNotFoundError, ProviderConnectionError
from agentry.events import (
    DoneEvent,
    ErrorEvent,
    ReasoningDelta,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
    UsageEvent,
)
from tests.servers.base import Reply


async def collect(agent: Agent, text: str | None, session_id: str = "s") -> list:
    return [e async for e in agent.stream(text, session_id=session_id)]


def test_unknown_provider_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="Unknown provider 'nope'.*ollama.*openai.*anthropic"):
        Agent(llm="nope")


async def test_stream_events_and_message_bookkeeping(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(text="Hello there, friend.", reasoning="Thinking hard."))
    events = await collect(agent, "Hi")
    kinds = [type(e) for e in events]
    assert kinds.count(ReasoningDelta) == 2 and kinds.count(TextDelta) == 3
    assert isinstance(events[-2], UsageEvent) and events[-2].completion_tokens == 5
    assert events[-1] == DoneEvent("Hello there, friend.")
    messages = agent.get_session("s").messages
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    reply = messages[-1]
    assert reply["content"] == "Hello there, friend."
    assert reply["_provider"] == "ollama" and reply["_model"] == "llama3.2:latest"
    assert reply["_reasoning"] == "Thinking hard."
    assert reply["_usage"]["prompt_tokens"] == 26
    assert "_created_at" in reply


async def test_bookkeeping_keys_never_reach_the_provider(ollama_server) -> None:
    agent = Agent(llm="ollama")
    await agent.chat("first")
    await agent.chat("second")
    sent = ollama_server.requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert not any(k.startswith("_") for m in sent for k in m)


async def test_system_message_starts_each_session(ollama_server) -> None:
    agent = Agent(llm="ollama", system_message="Be terse.")
    await agent.chat("a", session_id="one")
    assert agent.get_session("two").messages == [{"role": "system", "content": "Be terse."}]
    assert ollama_server.requests[-1].body["messages"][0] == {
        "role": "system",
        "content": "Be terse.",
    }


async def test_read_only_tool_runs_without_approval(ollama_server, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("the secret is 42\n")
    agent = Agent(llm="ollama", workspace=tmp_path)
    agent.load_default_tools()
    ollama_server.enqueue(Reply(tool_calls=[("read_file", {"path": "notes.txt"})]))
    events = await collect(agent, "read it")
    call = next(e for e in events if isinstance(e, ToolCallEvent))
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert call.name == "read_file" and not result.is_error
    assert "the secret is 42" in result.content
    assert events[-1].text.startswith("Tool said:") and "the secret is 42" in events[-1].text
    roles = [m["role"] for m in agent.get_session("s").messages]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    follow_up = ollama_server.requests[-1].body
    assert follow_up["messages"][2]["tool_calls"][0]["function"] == {
        "name": "read_file",
        "arguments": {"path": "notes.txt"},
    }
    assert follow_up["messages"][3]["role"] == "tool"
    assert {t["function"]["name"] for t in follow_up["tools"]} >= {"read_file", "execute_command"}


async def test_write_tool_is_refused_without_an_approval_callback(ollama_server, tmp_path) -> None:
    agent = Agent(llm="ollama", workspace=tmp_path)
    agent.load_default_tools()
    ollama_server.enqueue(Reply(tool_calls=[("create_file", {"path": "x.txt", "content": "hi"})]))
    events = await collect(agent, "write it")
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert result.is_error and "approval" in result.content
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize(
    ("answer", "expected_file", "expected_content"),
    [
        (True, "x.txt", "hi"),
        (False, None, None),
        ({"path": "y.txt", "content": "edited"}, "y.txt", "edited"),
    ],
)
async def test_approval_yes_no_and_edited_arguments(
    ollama_server, tmp_path, answer, expected_file, expected_content
) -> None:
    asked = []

    async def approve(call, tool):
        asked.append((call.name, dict(call.arguments), tool.permission))
        return answer

    agent = Agent(llm="ollama", workspace=tmp_path, approve=approve)
    agent.load_default_tools()
    ollama_server.enqueue(Reply(tool_calls=[("create_file", {"path": "x.txt", "content": "hi"})]))
    events = await collect(agent, "write it")
    assert asked == [("create_file", {"path": "x.txt", "content": "hi"}, "write")]
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    files = sorted(p.name for p in tmp_path.iterdir())
    if expected_file is None:
        assert result.is_error and "declined" in result.content and files == []
    else:
        assert not result.is_error
        assert files == [expected_file]
        assert (tmp_path / expected_file).read_text() == expected_content


class ApproverFailed(Exception):
    pass


async def _raises(call, tool):
    raise ApproverFailed("the dialog crashed")


@pytest.mark.parametrize(
    "answer",
    [None, 0, 1, "no", "yes", [], ["x"], {1: "x"}, _raises],
    # Names, not reprs: a function's repr holds its address, which differs between xdist workers.
    ids=lambda answer: answer.__name__ if callable(answer) else repr(answer),
)
async def test_approval_fails_closed(ollama_server, tmp_path, answer) -> None:
    # Only exactly True or a dict of arguments runs a tool; anything else refuses it.
    async def approve(call, tool):
        return await answer(call, tool) if callable(answer) else answer

    agent = Agent(llm="ollama", workspace=tmp_path, approve=approve)
    agent.load_default_tools()
    ollama_server.enqueue(Reply(tool_calls=[("create_file", {"path": "x.txt", "content": "hi"})]))
    events = await collect(agent, "write it")
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert result.is_error and "create_file" in result.content
    assert ("approval callback failed" if callable(answer) else "declined") in result.content
    assert list(tmp_path.iterdir()) == [] and isinstance(events[-1], DoneEvent)


async def test_a_stored_call_with_unparsable_arguments_does_not_stop_the_session(
    ollama_server,
) -> None:
    # An older session may hold a call whose arguments are a broken JSON string: it is sent
    # as {} rather than failing every later turn.
    agent = Agent(llm="ollama")
    session = agent.get_session("s")
    session.add_message(
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "echo", "arguments": '{"a": '},
                }
            ],
        }
    )
    session.add_message({"role": "tool", "tool_call_id": "c1", "name": "echo", "content": "x"})
    events = await collect(agent, "go on")
    assert events[-1] == DoneEvent("Echo: go on")
    sent = ollama_server.requests[-1].body["messages"][1]
    assert sent["tool_calls"] == [{"function": {"name": "echo", "arguments": {}}}]


async def test_custom_function_tool(ollama_server) -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: the first number
            b: the second number
        """
        return a + b

    agent = Agent(llm="ollama")
    agent.register_tool_from_function(add)
    ollama_server.enqueue(Reply(tool_calls=[("add", {"a": 2, "b": "40"})]))
    assert await agent.chat("add") == "Tool said: 42"
    chat_request = next(r for r in ollama_server.requests if r.path == "/api/chat")
    spec = chat_request.body["tools"][0]["function"]
    assert spec["name"] == "add" and spec["parameters"]["required"] == ["a", "b"]


async def test_unknown_tool_is_reported_to_the_model(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(tool_calls=[("nope", {})]))
    reply = await agent.chat("x")
    assert "Unknown tool 'nope'" in reply


async def test_max_iterations_stops_a_tool_loop(ollama_server) -> None:
    agent = Agent(llm="ollama", max_iterations=3)
    agent.register_tool_from_function(lambda: "again", name="loop", description="loops")
    ollama_server.enqueue(*[Reply(tool_calls=[("loop", {})]) for _ in range(5)])
    events = await collect(agent, "go")
    assert isinstance(events[-1], ErrorEvent) and "max_iterations" in events[-1].message
    assert sum(r.path == "/api/chat" for r in ollama_server.requests) == 3


async def test_error_event_and_chat_raises(ollama_server) -> None:
    agent = Agent(llm="ollama", model="missing-model")
    events = await collect(agent, "hi")
    assert isinstance(events[-1], ErrorEvent)
    assert isinstance(events[-1].error, ModelNotFoundError)
    assert "missing-model" in events[-1].message and "llama3.2:latest" in events[-1].message
    with pytest.raises(ModelNotFoundError):
        await agent.chat("again")


async def test_connection_refused_names_the_url(monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")
    agent = Agent(llm="ollama")
    with pytest.raises(ProviderConnectionError, match=r"http://127\.0\.0\.1:9"):
        await agent.chat("hi")


async def test_no_models_installed(ollama_server) -> None:
    ollama_server.models = []
    with pytest.raises(ModelNotFoundError, match="ollama pull"):
        await Agent(llm="ollama").chat("hi")


async def test_auth_error_is_an_error_not_a_reply(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(status=401, error="unauthorized"))
    with pytest.raises(AuthenticationError):
        await agent.chat("hi")
    assert [m["role"] for m in agent.get_session("default").messages] == ["system", "user"]


async def test_stream_cut_keeps_the_partial_reply(ollama_server) -> None:
    agent = Agent(llm="ollama")
    events = await collect(agent, "#cut")
    assert isinstance(events[-1], ErrorEvent) and "cut" in events[-1].message
    partial = agent.get_session("s").messages[-1]
    assert partial["role"] == "assistant" and partial["_interrupted"] is True
    assert partial["content"] == "This reply will be cut off"
    assert "_error" in partial


async def test_cancel_closes_the_stream_and_keeps_partial(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(text="word " * 200, delay=0.02))
    seen = []

    async def consume() -> None:
        async for event in agent.stream("go", session_id="c"):
            if isinstance(event, TextDelta):
                seen.append(event.text)

    task = asyncio.create_task(consume())
    while len(seen) < 5:
        await asyncio.sleep(0.01)
    task.cancel()
    started = time.monotonic()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.5
    partial = agent.get_session("c").messages[-1]
    assert partial["_interrupted"] is True
    assert partial["content"] == "".join(seen)
    # The server sees the client go away: its remaining writes fail and the handler ends.
    await asyncio.sleep(0.3)
    assert len(seen) < 200


async def test_consumer_that_stops_iterating_keeps_partial(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(text="one two three four five six"))
    async with contextlib.aclosing(agent.stream("go", session_id="b")) as events:
        async for event in events:
            if isinstance(event, TextDelta) and event.text.strip() == "two":
                break
    partial = agent.get_session("b").messages[-1]
    assert partial["content"] == "one two" and partial["_interrupted"] is True


async def test_retry_with_no_new_message(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(status=500, error="boom"), Reply(text="second try"))
    with pytest.raises(Exception, match="HTTP 500"):
        await agent.chat("hi")
    events = await collect(agent, None, session_id="default")
    assert events[-1] == DoneEvent("second try")
    assert [m["role"] for m in agent.get_session("default").messages] == [
        "system",
        "user",
        "assistant",
    ]


async def test_cancel_while_a_tool_awaits_approval_answers_every_call(ollama_server, tmp_path):
    asked = asyncio.Event()

    async def approve(call, tool):
        asked.set()
        await asyncio.sleep(3600)  # the person never answers; the turn is cancelled instead

    agent = Agent(llm="ollama", workspace=tmp_path, approve=approve)
    agent.load_default_tools()
    ollama_server.enqueue(
        Reply(
            tool_calls=[
                ("create_file", {"path": "a.txt", "content": "1"}),
                ("read_file", {"path": "a.txt"}),
            ]
        )
    )
    task = asyncio.create_task(collect(agent, "go", session_id="t"))
    await asyncio.wait_for(asked.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    messages = agent.get_session("t").messages
    call_ids = [c["id"] for c in messages[2]["tool_calls"]]
    answers = [m for m in messages[3:] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in answers] == call_ids
    assert all(m["_interrupted"] and m["content"] == "Stopped before it finished." for m in answers)
    # The next turn sends a history every provider accepts, and works.
    assert await agent.chat("again", session_id="t") == "Echo: again"
