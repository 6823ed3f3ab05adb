"""Answering on branches against the real Ollama-protocol server: answer again, edit, resend."""

from __future__ import annotations

import pytest

from agentry import Agent, SessionManager
from agentry.events import DoneEvent, MessageAdded
from agentry.sessions import branches as tree
from tests.servers.base import Reply


async def answered(agent: Agent, session_id: str) -> list:
    return [event async for event in agent.answer(session_id=session_id)]


async def test_answer_again_three_times_keeps_every_answer(ollama_server, tmp_path) -> None:
    agent = Agent(llm="ollama")
    sm = SessionManager(tmp_path)
    ollama_server.enqueue(*(Reply(text=f"Answer number {n}.") for n in range(4)))
    assert await agent.chat("Tell me something", session_id="s") == "Answer number 0."
    session = agent.get_session("s")
    for n in range(2, 5):
        session.prepare_answer_again(2)
        assert [m["role"] for m in session.messages] == ["system", "user"]
        events = await answered(agent, "s")
        assert isinstance(events[-1], DoneEvent)
        assert session.alternatives(2) == (n, n)  # the newest answer is the last: ‹3/3›...
    assert session.alternatives(2) == (4, 4)
    assert session.messages[2]["content"] == "Answer number 3."
    # The model was asked the same conversation each time: no second copy of the question.
    assert all(len(r.body["messages"]) == 2 for r in ollama_server.requests[-3:])
    sm.save(session)
    text = sm.path_for("s").read_text()
    for n in range(4):
        assert text.count(f"Answer number {n}.") == 1
    again = sm.load("s")
    assert again is not None and again.alternatives(2) == (4, 4)


async def test_stream_answers_the_active_branch_after_an_edit(ollama_server) -> None:
    agent = Agent(llm="ollama")
    await agent.chat("first question", session_id="s")
    await agent.chat("second question", session_id="s")
    session = agent.get_session("s")
    session.edit_message(1, "edited question")
    await answered(agent, "s")
    sent = ollama_server.requests[-1].body["messages"]
    assert [m["content"] for m in sent] == [agent.system_message, "edited question"]
    assert session.messages[-1]["content"] == "Echo: edited question"
    await agent.chat("and then", session_id="s")
    assert [m["content"] for m in ollama_server.requests[-1].body["messages"]][1:] == [
        "edited question",
        "Echo: edited question",
        "and then",
    ]
    session.switch_alternative(1, -1)
    assert [m["content"] for m in session.messages][1:] == [
        "first question",
        "Echo: first question",
        "second question",
        "Echo: second question",
    ]


@pytest.mark.parametrize(
    "failure", [Reply(status=500, error="boom"), Reply(text="a b c d", cut_after=2)]
)
async def test_sending_again_after_a_failed_reply_does_not_repeat_the_message(
    ollama_server, failure: Reply
) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(failure, Reply(text="It worked."))
    with pytest.raises(Exception):  # noqa: B017 - which error depends on the failure
        await agent.chat("hello", session_id="s")
    events = [e async for e in agent.stream("hello", session_id="s")]
    assert isinstance(events[0], MessageAdded) and events[0].index == 1
    assert events[-1] == DoneEvent("It worked.")
    session = agent.get_session("s")
    assert [m["content"] for m in session.messages][1:] == ["hello", "It worked."]
    assert [m["content"] for m in ollama_server.requests[-1].body["messages"]][1:] == ["hello"]
    # A partial reply that failed is kept, as a sibling of the new one.
    failed = [
        tree.conversation(session.messages, session.branches, b["id"]) for b in session.branches
    ]
    assert [whole[-1].get("_error") is not None for whole in failed] == (
        [True] if failure.cut_after else []
    )


async def test_a_different_message_after_a_failure_is_a_new_turn(ollama_server) -> None:
    agent = Agent(llm="ollama")
    ollama_server.enqueue(Reply(status=500, error="boom"))
    with pytest.raises(Exception, match="HTTP 500"):
        await agent.chat("hello", session_id="s")
    await agent.chat("something else", session_id="s")
    contents = [m["content"] for m in agent.get_session("s").messages][1:]
    assert contents == ["hello", "something else", "Echo: something else"]
