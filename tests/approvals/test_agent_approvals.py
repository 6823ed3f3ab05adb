"""Allow once / for the session / always, revoke, deny and edited arguments, through a real
Agent and the Ollama-protocol test server; "always" is kept in settings.json (the test's own
AGENTRY_CONFIG_DIR, see tests/conftest.py) and read by every Agent that uses that folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agentry import Agent
from agentry.config import settings_path
from agentry.events import DoneEvent, NoticeEvent, ToolResultEvent
from agentry.tools import Allow
from tests.approvals.tools import files_write
from tests.servers.base import Reply

WRITE = ("create_file", {"path": "x.txt", "content": "hi", "overwrite": True})


class Asker:
    """An approver that answers from a script and records what it was asked."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []  # (session, tool)

    async def __call__(self, call, tool, session) -> Any:
        self.asked.append((session.session_id, call.name))
        return self.answers.pop(0)


def agent_for(tmp_path: Path, asker: Asker) -> Agent:
    agent = Agent(llm="ollama", workspace=tmp_path / "work", approve=asker)
    (tmp_path / "work").mkdir(exist_ok=True)
    agent.load_default_tools()
    return agent


async def call_tool(agent: Agent, server, session_id: str, call=WRITE) -> list:
    server.enqueue(Reply(tool_calls=[call]), Reply(text="Done."))
    return [e async for e in agent.stream("write it", session_id=session_id)]


def result_of(events: list) -> ToolResultEvent:
    return next(e for e in events if isinstance(e, ToolResultEvent))


def saved_always() -> dict[str, Any]:
    return json.loads(settings_path().read_bytes())["tool_approvals"]["always"]


async def test_allow_once_asks_again_next_time(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("once"), Allow())
    agent = agent_for(tmp_path, asker)
    assert not result_of(await call_tool(agent, ollama_server, "s")).is_error
    assert not result_of(await call_tool(agent, ollama_server, "s")).is_error
    assert asker.asked == [("s", "create_file"), ("s", "create_file")]
    assert not settings_path().exists()


async def test_allow_for_session_holds_in_that_session_only(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("session"), Allow("once"))
    agent = agent_for(tmp_path, asker)
    await call_tool(agent, ollama_server, "one")
    second = await call_tool(
        agent, ollama_server, "one", ("create_file", {"path": "y.txt", "content": ""})
    )
    assert not result_of(second).is_error and (tmp_path / "work" / "y.txt").exists()
    await call_tool(agent, ollama_server, "two")
    assert asker.asked == [("one", "create_file"), ("two", "create_file")]
    assert agent.approvals.session("one") == [("agentry", "create_file")]
    assert agent.approvals.session("two") == [] and agent.approvals.always() == []
    assert not settings_path().exists()  # a session's allowance is not saved


async def test_always_is_saved_and_read_by_a_new_agent(ollama_server, tmp_path) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps({"theme": "nord", "mcpServers": {"x": {"url": "u"}}}))
    first = agent_for(tmp_path, Asker(Allow("always")))
    await call_tool(first, ollama_server, "s")
    saved = json.loads(settings_path().read_bytes())
    assert saved["theme"] == "nord" and saved["mcpServers"] == {"x": {"url": "u"}}
    assert saved["tool_approvals"] == {"always": {"agentry": ["create_file"]}}

    never = Asker()  # the new agent (a restart) may not ask: it would fail on an empty script
    restarted = agent_for(tmp_path, never)
    events = await call_tool(
        restarted, ollama_server, "other", ("create_file", {"path": "z", "content": ""})
    )
    assert not result_of(events).is_error and never.asked == []
    assert restarted.approvals.always() == [("agentry", "create_file")]


async def test_revoke_holds_at_the_next_call_everywhere(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("always"), Allow("once"))
    agent = agent_for(tmp_path, asker)
    await call_tool(agent, ollama_server, "s")
    await call_tool(agent, ollama_server, "s")  # allowed: not asked
    assert len(asker.asked) == 1

    # Another Agent (as in another process: they share only the file) revokes it.
    other = agent_for(tmp_path, Asker())
    assert other.approvals.revoke("agentry", "create_file") is True
    assert other.approvals.revoke("agentry", "create_file") is False
    assert saved_always() == {}
    await call_tool(agent, ollama_server, "s")
    assert asker.asked == [("s", "create_file"), ("s", "create_file")]


async def test_revoke_ends_session_allowances_too(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("session"), False)
    agent = agent_for(tmp_path, asker)
    await call_tool(agent, ollama_server, "s")
    assert agent.approvals.revoke("agentry", "create_file") is True
    events = await call_tool(agent, ollama_server, "s")
    assert result_of(events).is_error and len(asker.asked) == 2


async def test_a_file_edited_by_hand_is_read_again(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("always"), Allow("once"))
    agent = agent_for(tmp_path, asker)
    await call_tool(agent, ollama_server, "s")
    data = json.loads(settings_path().read_bytes())
    data["tool_approvals"]["always"] = {"agentry": ["create_fil_"]}  # same size as before
    stat = settings_path().stat()
    settings_path().write_text(json.dumps(data, indent=2))  # in place: the same inode
    os.utime(settings_path(), ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    await call_tool(agent, ollama_server, "s")
    assert len(asker.asked) == 2


async def test_deny_is_a_tool_error_and_the_turn_goes_on(ollama_server, tmp_path) -> None:
    agent = agent_for(tmp_path, Asker(False))
    events = await call_tool(agent, ollama_server, "s")
    result = result_of(events)
    assert result.is_error and "declined to run create_file" in result.content
    assert events[-1] == DoneEvent("Done.")
    answered = ollama_server.requests[-1].body["messages"][-1]
    assert answered["role"] == "tool" and "declined" in answered["content"]
    assert not (tmp_path / "work" / "x.txt").exists()


async def test_edited_arguments_run_once_and_the_scope_is_kept(ollama_server, tmp_path) -> None:
    asker = Asker(Allow("session", {"path": "edited.txt", "content": "mine"}))
    agent = agent_for(tmp_path, asker)
    await call_tool(agent, ollama_server, "s")
    assert (tmp_path / "work" / "edited.txt").read_text() == "mine"
    await call_tool(agent, ollama_server, "s")  # the model's own arguments, not asked
    assert (tmp_path / "work" / "x.txt").read_text() == "hi" and len(asker.asked) == 1


async def test_an_mcp_tool_is_kept_under_its_server_and_remote_name(
    ollama_server, tmp_path
) -> None:
    ran: list[dict[str, Any]] = []

    async def write(**arguments: Any) -> str:
        ran.append(arguments)
        return "written"

    tool = files_write(write)
    agent = agent_for(tmp_path, Asker(Allow("always")))
    agent.tools.register(tool)
    await call_tool(agent, ollama_server, "s", ("files__write", {"path": "a"}))
    assert ran == [{"path": "a"}] and saved_always() == {"files": ["write"]}
    assert agent.approvals.always() == [("files", "write")]


async def test_always_that_cannot_be_saved_allows_and_says_so(ollama_server, tmp_path) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{not json")
    asker = Asker(Allow("always"))
    agent = agent_for(tmp_path, asker)
    events = await call_tool(agent, ollama_server, "s")
    assert not result_of(events).is_error
    notice = next(e for e in events if isinstance(e, NoticeEvent))
    assert "Cannot save the approval" in notice.text and str(settings_path()) in notice.text
    assert settings_path().read_text() == "{not json"  # nothing lost
    await call_tool(agent, ollama_server, "s")  # still allowed for the session
    assert len(asker.asked) == 1


@dataclass(frozen=True)
class LooksLikeAllow:
    scope: str = "always"
    arguments: dict[str, Any] | None = None


@pytest.mark.parametrize(
    "answer",
    [LooksLikeAllow(), Allow("always", {1: "x"}), Allow(arguments=[]), {1: "x"}, "always"],  # type: ignore[arg-type]
    ids=["not-an-Allow", "Allow-bad-keys", "Allow-list-arguments", "dict-bad-keys", "str"],
)
async def test_anything_but_true_a_dict_or_an_allow_denies(ollama_server, tmp_path, answer):
    agent = agent_for(tmp_path, Asker(answer))
    events = await call_tool(agent, ollama_server, "s")
    assert result_of(events).is_error and "declined" in result_of(events).content
    assert agent.approvals.session("s") == [] and agent.approvals.always() == []
    assert not (tmp_path / "work" / "x.txt").exists() and events[-1] == DoneEvent("Done.")


def test_an_unknown_scope_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="once, session, always, not 'forever'"):
        Allow("forever")  # type: ignore[arg-type]
