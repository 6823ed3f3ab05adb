"""MCP tools through Agent, against real MCP servers and the OpenAI-protocol test server: the
model asks for a tool, the agent approves it (or not), the result reaches the next request."""

from __future__ import annotations

import asyncio
import json

import mcp_types as types

from agentry import Agent
from agentry.events import ToolResultEvent
from agentry.mcp import McpHandlers, McpHub
from agentry.mcp.switches import with_server_off
from agentry.safe_text import is_safe
from tests.mcp.conftest import stdio_entry

SECRET = "s3cret-token-value"


def _agent(openai_server, **options) -> Agent:
    return Agent(llm="openai", model="gpt-4o-mini", api_key="k", **options)


def _offered(openai_server) -> set[str]:
    return {t["function"]["name"] for t in openai_server.requests[-1].body.get("tools", [])}


def _last_tool_message(openai_server) -> dict:
    return next(
        m for m in reversed(openai_server.requests[-1].body["messages"]) if m["role"] == "tool"
    )


async def _until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def _results(agent: Agent, text: str, session: str = "s") -> list[ToolResultEvent]:
    return [e async for e in agent.stream(text, session) if isinstance(e, ToolResultEvent)]


async def test_stdio_tools_approved_crash_restart_timeout_and_switch_off(openai_server) -> None:
    asked = []

    async def approve(call, tool, session):
        asked.append((tool.name, tool.server, tool.remote_name, tool.permission))
        return True

    agent = _agent(openai_server, approve=approve)
    agent.add_mcp_server("t", stdio_entry(env={"AGENTRY_TEST_TOKEN": SECRET}, timeout=1))
    try:
        # A tool without annotations asks for approval; its result reaches the next request.
        reply = await agent.chat('#tool:t__shout {"text": "hi there"}', "s")
        assert asked == [("t__shout", "t", "shout", "execute")]
        assert reply == "Tool said: HI THERE"
        assert _last_tool_message(openai_server)["content"] == "HI THERE"
        assert {"t__shout", "t__echo", "t__picture"} <= _offered(openai_server)
        # env is passed to the server (merged over the SDK's safe default environment), and its
        # values never leave in a result (to the provider, into the session file).
        reply = await agent.chat('#tool:t__environment {"variable": "AGENTRY_TEST_TOKEN"}', "s")
        assert reply == "Tool said: [API key]"
        assert await agent.chat('#tool:t__environment {"variable": "PATH"}', "s") != (
            "Tool said: <unset>"
        )
        # An image is a note; structured content without text is JSON.
        reply = await agent.chat("#tool:t__picture {}", "s")
        assert reply == "Tool said: a square\n[image: image/png, 12.3 KB]"
        assert json.loads(
            (await agent.chat("#tool:t__measure {}", "s")).removeprefix("Tool said: ")
        ) == {"width": 3, "unit": "m"}
        # isError: the server's text as a tool error (kept as sent; what shows it makes it safe).
        (failed,) = await _results(agent, "#tool:t__fail {}")
        assert failed.is_error and "the disk is full\x1b[2J" in failed.content
        # Over the cap: cut, and the result says so.
        (big,) = await _results(agent, "#tool:t__big {}")
        assert "[Output cut at 64K characters: the server sent 100,000.]" in big.content
        assert len(big.content) < 66_000
        # A server that never answers: timed out, the call cancelled, the turn goes on.
        (hung,) = await _results(agent, "#tool:t__hang {}")
        assert hung.is_error
        assert (
            "did not answer hang within 1 s (its timeout); the call was cancelled" in hung.content
        )
        # A server that exits mid-call: said so, with its last stderr line; started again next.
        started = await agent.chat("#tool:t__started {}", "s")
        (crashed,) = await _results(agent, "#tool:t__crash {}")
        assert crashed.is_error and "exited during the call to crash" in crashed.content
        assert "crashing on purpose" in crashed.content
        (state,) = agent.mcp.states()
        assert state.status == "failed" and "crashing on purpose" in state.stderr_tail
        assert await agent.chat('#tool:t__echo {"text": "back"}', "s") == "Tool said: echo: back"
        again = await agent.chat("#tool:t__started {}", "s")
        assert again != started  # a new process
        assert agent.mcp.states()[0].status == "ready"
        # One that exits while idle is seen to (its state says so) and started on the next call.
        assert await agent.chat("#tool:t__exit_soon {}", "s") == "Tool said: exiting soon"
        await _until(lambda: agent.mcp.states()[0].status == "failed")
        assert agent.mcp.states()[0].error == "exited"
        assert await agent.chat('#tool:t__echo {"text": "up"}', "s") == "Tool said: echo: up"
        assert await agent.chat("#tool:t__started {}", "s") not in (started, again)
        assert SECRET not in repr(agent.mcp.states()) + repr(agent.mcp.tools()[0])
        # Switched off in the session: its tools are not offered, and cannot be called.
        session = agent.get_session("s")
        session.metadata = with_server_off(session.metadata, "t", True)
        assert await agent.chat("hello", "s") == "Echo: hello"
        assert not any(name.startswith("t__") for name in _offered(openai_server))
        (refused,) = await _results(agent, '#tool:t__echo {"text": "x"}')
        assert refused.is_error and "Unknown tool 't__echo'" in refused.content
        assert [a[0] for a in asked] == ["t__shout"]  # read-only, closed-world tools never asked
    finally:
        await agent.aclose()
    assert agent.mcp.states()[0].status == "stopped"


async def test_http_server_beside_stdio_same_tool_names_denied_call(
    openai_server, mcp_http_url
) -> None:
    async def deny(call, tool, session):
        return False

    asked: list[tuple[str, str]] = []

    async def elicit(server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append((server, params.message))
        return types.ElicitResult(action="accept", content={"name": "Ada"})

    async def sample(server: str, params: types.CreateMessageRequestParams):
        asked.append((server, params.messages[0].content.text))
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(text="short"), model="test"
        )

    agent = _agent(openai_server, approve=deny)
    # The client's own hub, with handlers; servers added to it (the settings' shape).
    agent.use_mcp(McpHub(handlers=McpHandlers(sampling=sample, elicitation=elicit)))
    agent.add_mcp_server("web", {"url": mcp_http_url, "headers": {"Authorization": SECRET}})
    agent.add_mcp_server("t", stdio_entry())
    try:
        # Read-only and closed-world: no approval asked, over HTTP.
        assert await agent.chat('#tool:web__echo {"text": "far"}') == "Tool said: echo: far"
        offered = _offered(openai_server)
        assert {"web__echo", "t__echo", "web__shout", "t__shout"} <= offered
        # Denied: answered to the model as a tool error, and the turn goes on.
        (denied,) = await _results(agent, '#tool:web__shout {"text": "x"}')
        assert denied.is_error and "declined" in denied.content
        assert openai_server.requests[-1].body["messages"][-1]["role"] == "tool"
        # Sampling and elicitation reach the handlers, named by server, over both transports.
        assert await agent.chat("#tool:t__ask_name {}") == "Tool said: accept: Ada"
        assert await agent.chat('#tool:web__summarise {"text": "long"}') == "Tool said: short"
        assert asked == [("t", "What is your name?"), ("web", "Summarise: long")]
        reply = await agent.chat("#tool:t__capabilities {}")
        assert reply == "Tool said: sampling=True elicitation=True"
        prompts = await agent.mcp.list_prompts()
        assert {(p.server, p.name) for p in prompts} == {("web", "greet"), ("t", "greet")}
        messages = await agent.mcp.get_prompt("web", "greet", {"who": "Ann"})
        assert messages == [{"role": "user", "content": "Please greet Ann."}]
        resources = await agent.mcp.list_resources()
        assert ("web", "note://hello", "text/plain") in {
            (r.server, r.uri, r.mime_type) for r in resources
        }
        (content,) = await agent.mcp.read_resource("t", "note://hello")
        assert (content.text, content.data) == ("hello from the note", None)
    finally:
        await agent.aclose()


async def test_failing_servers_have_clear_states_and_the_agent_answers(openai_server) -> None:
    agent = _agent(openai_server)  # no handlers: neither capability is advertised
    agent.add_mcp_server("noisy", stdio_entry("--garbage"))
    agent.add_mcp_server("missing", {"command": "agentry-no-such-command", "env": {"K": SECRET}})
    agent.add_mcp_server("early", stdio_entry("--exit"))
    try:
        assert await agent.chat("hello") == "Echo: hello"
        states = {s.name: s for s in agent.mcp.states()}
        assert states["missing"].status == "failed"
        assert states["missing"].error == "command not found: agentry-no-such-command"
        assert states["early"].status == "failed"
        assert states["early"].error == "exited before it was ready"
        assert states["early"].stderr_tail == ("cannot start: no database",)
        # Lines on stdout that are not JSON-RPC are skipped, named in the tail (shown safely),
        # and the server works.
        noisy = states["noisy"]
        assert noisy.status == "ready" and noisy.tools == 14
        assert any("'starting up... not json'" in line for line in noisy.stderr_tail)
        assert any("\\x1b[31m" in line for line in noisy.stderr_tail)  # quoted, not sent
        assert all(is_safe(line) for line in noisy.stderr_tail)
        assert await agent.chat('#tool:noisy__echo {"text": "ok"}') == "Tool said: echo: ok"
        reply = await agent.chat("#tool:noisy__capabilities {}")
        assert reply == "Tool said: sampling=False elicitation=False"
        assert not any(
            name.startswith(("missing__", "early__")) for name in _offered(openai_server)
        )
        assert SECRET not in repr(agent.mcp.states())
    finally:
        await agent.aclose()


async def test_a_server_restarted_by_hand_is_a_new_process() -> None:
    hub = McpHub()
    hub.add("t", stdio_entry())
    hub.start()
    try:
        await hub.settled(30)
        started = next(tool for tool in hub.tools() if tool.remote_name == "started")
        before = await started.run({})
        await hub.restart("t")
        assert [state.status for state in hub.states()] == ["starting"]
        await hub.settled(30)
        assert [state.status for state in hub.states()] == ["ready"]
        started = next(tool for tool in hub.tools() if tool.remote_name == "started")
        assert await started.run({}) != before
    finally:
        await hub.aclose()
