"""The agent owns a turn: every message it adds is reported once, in order; the approver is told
which session asks; one clock stamps every message. Against the real Ollama-protocol server."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from agentry import Agent, AgentSession
from agentry.events import ErrorEvent, MessageAdded, TextDelta, UsageEvent
from tests.servers.base import Reply

MOMENT = datetime(2025, 11, 22, 20, 30, 15)


def added(events: list) -> list:
    return [e for e in events if isinstance(e, MessageAdded)]


def assert_reported_once_in_order(events: list, session: AgentSession, before: int) -> None:
    """The reported messages are exactly those the turn appended, each at its index."""
    reports = added(events)
    assert [e.index for e in reports] == list(range(before, before + len(reports)))
    assert all(session.messages[e.index] is e.message for e in reports)
    assert len(session.messages) == before + len(reports)


async def test_a_tool_turn_reports_every_message_it_adds(ollama_server, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("the secret is 42\n")
    agent = Agent(llm="ollama", workspace=tmp_path)
    agent.load_default_tools()
    ollama_server.enqueue(
        Reply(
            tool_calls=[
                ("read_file", {"path": "notes.txt"}),
                ("read_file", {"path": "missing.txt"}),
            ]
        )
    )
    session = agent.get_session("t")
    events = [e async for e in agent.stream("read them", "t")]
    assert_reported_once_in_order(events, session, before=1)
    assert [e.message["role"] for e in added(events)] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
    assert added(events)[0].message["content"] == "read them"
    assert added(events)[3].message["_error"] is True  # the missing file: a tool error, reported


async def test_an_error_turn_reports_the_partial_reply_it_keeps(ollama_server) -> None:
    agent = Agent(llm="ollama")
    session = agent.get_session("e")
    events = [e async for e in agent.stream("#cut", "e")]
    assert isinstance(events[-1], ErrorEvent)
    assert_reported_once_in_order(events, session, before=1)
    assert [e.message["role"] for e in added(events)] == ["user", "assistant"]
    assert added(events)[-1].message["_error"]
    # reported before the error, so a client has it when it handles the error
    assert events.index(added(events)[-1]) < len(events) - 1


async def test_a_refused_request_reports_the_person_s_message_only(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(status=401, error="unauthorized"))
    session = agent.get_session("a")
    events = [e async for e in agent.stream("hi", "a")]
    assert_reported_once_in_order(events, session, before=1)
    assert [e.message["role"] for e in added(events)] == ["user"]


async def test_a_cancelled_turn_reports_what_came_before_and_keeps_the_rest(
    ollama_server,
) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(text="word " * 200, delay=0.02))
    session = agent.get_session("c")
    events: list = []

    async def consume() -> None:
        async for event in agent.stream("go", "c"):
            events.append(event)

    task = asyncio.create_task(consume())
    while sum(isinstance(e, TextDelta) for e in events) < 5:
        await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    reports = added(events)
    assert [e.message["role"] for e in reports] == ["user"]
    assert session.messages[1] is reports[0].message
    # What could not be reported (the turn was being cancelled) is the interrupted tail.
    assert [m["role"] for m in session.messages[2:]] == ["assistant"]
    assert session.messages[2]["_interrupted"] is True


async def test_stopping_after_a_tool_call_is_kept_still_answers_every_call(ollama_server) -> None:
    """A consumer that stops once the message asking for tools is in the session (here at its
    usage report) leaves a history every provider accepts."""
    agent = Agent(llm="ollama")
    agent.register_tool_from_function(lambda: "ran", name="noop", description="does nothing")
    ollama_server.enqueue(Reply(tool_calls=[("noop", {}), ("noop", {})]))
    async with contextlib.aclosing(agent.stream("go", "s")) as events:
        async for event in events:
            if isinstance(event, UsageEvent):
                break
    messages = agent.get_session("s").messages
    call_ids = [c["id"] for c in messages[2]["tool_calls"]]
    assert [m.get("tool_call_id") for m in messages[3:]] == call_ids
    assert all(m["_interrupted"] for m in messages[3:])
    assert await agent.chat("again", session_id="s") == "Echo: again"


async def test_a_session_of_the_client_s_own_is_answered_in_place(ollama_server) -> None:
    agent = Agent(llm="ollama")
    mine = AgentSession("mine", [{"role": "system", "content": "Be brief."}])
    events = [e async for e in agent.stream("hello", mine)]
    assert_reported_once_in_order(events, mine, before=1)
    assert mine.messages[-1]["content"] == "Echo: hello"
    assert agent.sessions == {}  # the agent did not take it over
    assert ollama_server.requests[-1].body["messages"][0]["content"] == "Be brief."


async def test_the_approver_is_told_which_session_asks(ollama_server, tmp_path) -> None:
    asked: list[tuple[str, AgentSession]] = []

    async def approve(call, tool, session):
        asked.append((call.name, session))
        return True

    agent = Agent(llm="ollama", workspace=tmp_path, approve=approve)
    agent.load_default_tools()
    one, two = AgentSession("one"), AgentSession("two")
    for session in (one, two):
        ollama_server.enqueue(
            Reply(
                tool_calls=[("create_file", {"path": f"{session.session_id}.txt", "content": "x"})]
            )
        )
        await agent.chat("write", session_id=session)
    assert asked == [("create_file", one), ("create_file", two)]
    assert (tmp_path / "one.txt").exists() and (tmp_path / "two.txt").exists()


async def test_one_clock_stamps_every_message_of_a_turn(ollama_server, tmp_path) -> None:
    agent = Agent(llm="ollama", workspace=tmp_path, clock=lambda: MOMENT)
    agent.register_tool_from_function(lambda: "ran", name="noop", description="does nothing")
    ollama_server.enqueue(Reply(tool_calls=[("noop", {})]))
    await agent.chat("go", session_id="k")
    stamps = [m.get("_created_at") for m in agent.get_session("k").messages[1:]]
    assert len(stamps) == 4 and set(stamps) == {MOMENT.isoformat()}
