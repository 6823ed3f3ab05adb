"""The context window at work: lengths read from the servers, and requests that send only
what fits, against the real Ollama- and OpenAI-protocol test servers."""

from __future__ import annotations

from typing import Any

from agentry import Agent, AgentSession
from agentry.context import PINNED, SUMMARY
from agentry.context.length import ServerLength
from agentry.context.texts import context_text
from agentry.errors import ContextFullError
from agentry.events import ErrorEvent, MessageAdded
from agentry.providers.ollama import OllamaProvider
from agentry.providers.openai import OpenAIProvider
from agentry.sessions import SessionManager
from tests.servers.base import Reply


def long_session(turns: int = 200) -> AgentSession:
    session = AgentSession("long")
    session.add_message({"role": "system", "content": "You are terse."})
    for i in range(turns):
        session.add_message({"role": "user", "content": f"question {i}: " + "about it " * 8})
        session.add_message({"role": "assistant", "content": f"answer {i}: " + "so it is " * 8})
    session.messages[5][PINNED] = True  # "question 2"
    return session


def chats(server: Any) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.path == "/api/chat"]


async def test_the_context_length_is_read_from_ollama_show_and_ps(ollama_server) -> None:
    provider = OllamaProvider()
    # Not loaded, no num_ctx of its own: Ollama runs its default, not the model's 131,072.
    window = await provider.context_window("llama3.2:latest")
    assert window == ServerLength(4096, "Ollama default", True, 131072)
    asked = [(r.method, r.path, r.body) for r in ollama_server.requests]
    assert asked == [("POST", "/api/show", {"model": "llama3.2:latest"}), ("GET", "/api/ps", None)]
    ollama_server.loaded["llama3.2:latest"] = 32768  # loaded (OLLAMA_CONTEXT_LENGTH, VRAM)
    assert await provider.context_window("llama3.2:latest") == ServerLength(
        32768, "loaded in Ollama", True, 131072
    )
    ollama_server.num_ctx = 8192  # the model's own Modelfile sets num_ctx: Ollama runs that
    assert await provider.context_length("llama3.2:latest") == 8192
    ollama_server.num_ctx, ollama_server.context_length = None, 2048
    ollama_server.loaded.clear()
    assert (await provider.context_window("llama3.2:latest")) == ServerLength(
        2048, "model's maximum", True, 2048
    )
    assert await provider.context_length("nope") is None  # 404: not said
    await provider.aclose()


async def test_ollama_runs_the_context_length_each_request_is_planned_with(ollama_server):
    # The model could take 131,072 tokens; Ollama runs 4,096 unless a request asks for more.
    agent = Agent(llm="ollama")
    session = long_session()
    await agent.chat("and now?", session)
    [body] = chats(ollama_server)
    plan = agent.context_plan(session)
    assert body["options"] == {"num_ctx": 4096} and plan.limit == 4096
    assert ollama_server.loaded == {"llama3.2:latest": 4096}  # what the server ran
    assert sum(len(m["content"].encode()) for m in body["messages"]) < 4096 * 4
    # The session's own length, above the Modelfile's num_ctx: asked for, and planned with.
    ollama_server.num_ctx = 8192
    other = Agent(llm="ollama")
    session.metadata["params"] = {"context_length": 16384}
    await other.chat("and then?", session)
    assert chats(ollama_server)[-1]["options"] == {"num_ctx": 16384}
    assert other.context_plan(session).limit == 16384
    # More than the model takes: its maximum, asked for and planned with alike.
    session.metadata["params"] = {"context_length": 200_000}
    await other.chat("and last?", session)
    assert chats(ollama_server)[-1]["options"] == {"num_ctx": 131072}
    assert other.context_plan(session).limit == 131072
    # A call's own length wins, as its other parameters do.
    await other.chat("once more", session, context_length=2048)
    assert chats(ollama_server)[-1]["options"] == {"num_ctx": 2048}
    await agent.aclose()
    await other.aclose()


async def test_the_context_length_is_read_from_llama_cpp_props(openai_server) -> None:
    provider = OpenAIProvider()
    assert await provider.context_length("m") is None  # no /props: not said
    openai_server.n_ctx = 2048
    assert await provider.context_length("m") == 2048
    await provider.aclose()


async def test_a_200_turn_session_in_a_4k_context_sends_only_what_fits(ollama_server) -> None:
    ollama_server.context_length = 4096
    agent = Agent(llm="ollama")
    session = long_session()
    ollama_server.enqueue(Reply(text="That is all.", prompt_tokens=3500))  # as a server counts
    events = [e async for e in agent.stream("and the last one?", session)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    [body] = chats(ollama_server)
    sent = body["messages"]
    assert sent[0] == {"role": "system", "content": "You are terse."}
    assert sent[1]["content"].startswith("question 2:")  # pinned
    assert sent[-1]["content"] == "and the last one?"
    texts = [m["content"] for m in sent]
    assert not any(t.startswith(("question 0:", "answer 0:", "question 100:")) for t in texts)
    assert "answer 199: " + "so it is " * 8 in texts
    # Only what fits: at about four bytes a token the messages' text stays within the 4k context.
    assert sum(len(m["content"].encode()) for m in sent) < 4096 * 4
    assert 20 < len(sent) < 200
    # Nothing was lost: the session still holds all of it, and /context says what was left out.
    assert session.messages[1]["content"].startswith("question 0:")
    plan = agent.context_plan(session)
    assert plan.limit == 4096 and 1 in plan.left_out and 5 in plan.sent
    shown = context_text(session.messages, plan, agent.context.known(None, {}), "drop")
    assert f"Not sent ({len(plan.left_out)}):" in shown and "1 user: question 0:" in shown
    await agent.aclose()


async def test_policy_ask_stops_before_sending(ollama_server) -> None:
    ollama_server.context_length = 4096
    agent = Agent(llm="ollama")
    session = long_session()
    session.metadata["context_policy"] = "ask"
    events = [e async for e in agent.stream("more?", session)]
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert isinstance(error.error, ContextFullError) and "/context summarise" in error.message
    assert chats(ollama_server) == []
    await agent.aclose()


async def test_policy_summarise_sends_a_saved_summary_instead(ollama_server, tmp_path) -> None:
    ollama_server.context_length = 4096
    agent = Agent(llm="ollama")
    session = long_session(150)
    session.metadata["context_policy"] = "summarise"
    ollama_server.enqueue(*(Reply(text=f"Part {n} summarised.") for n in range(1, 20)))
    events = [e async for e in agent.stream("go on", session)]
    added = [e.message for e in events if isinstance(e, MessageAdded)]
    summary = added[1]
    assert summary["role"] == "system" and summary[SUMMARY]["through"] >= 2
    *asked, answered = chats(ollama_server)
    # The oldest messages went to the model a part at a time, each with the summary so far.
    assert len(asked) >= 2 and "question 0:" in asked[0]["messages"][-1]["content"]
    assert "The summary so far:\nPart 1 summarised." in asked[1]["messages"][-1]["content"]
    assert summary["content"].endswith(f"Part {len(asked)} summarised.")
    sent = answered["messages"]
    assert sent[1]["content"] == summary["content"] and sent[-1]["content"] == "go on"
    assert not any(m["content"].startswith("question 0:") for m in sent)
    # The originals stay, and the summary is saved with its mark.
    manager = SessionManager(tmp_path)
    manager.save(session)
    loaded = manager.load("long")
    assert loaded is not None and loaded.messages[1]["content"].startswith("question 0:")
    assert [m for m in loaded.messages if SUMMARY in m] == [summary]
    await agent.aclose()
