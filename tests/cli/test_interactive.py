"""The line client at a terminal (a pseudo-terminal), against the Ollama-protocol test server."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest

from agentry.sessions import SessionManager
from tests.servers.base import markdown_reply

DATE = r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"


def test_spec_example_workflow(cli, ollama_server) -> None:
    term = cli.pty()
    term.expect_exact("Using ollama, model llama3.2:latest (chosen with --provider)\n")
    term.expect_exact("[default] You: ")
    term.sendline("/new coding_task")
    term.expect_exact("Created new session: 'coding_task'\n")
    term.expect_exact("[coding_task] You: ")
    term.sendline("Create a factorial function")
    term.expect_exact("[coding_task] Assistant: Echo: Create a factorial function\n")
    term.expect_exact("[coding_task] You: ")
    term.sendline("/status")
    status = term.expect(
        r"Current Session Status:\n"
        r"   Session ID: coding_task\n"
        r"   Messages: 3\n"
        rf"   Created: {DATE}\n"
        rf"   Last Activity: {DATE}\n"
        r"   Saved: Yes\n"
    )
    created, last = (datetime.fromisoformat(t) for t in status.groups())
    assert created <= last
    assert datetime.fromisoformat(cli.stored("coding_task")["created_at"]) == created
    term.expect_exact("[coding_task] You: ")
    term.sendline("/new research")
    term.expect_exact("Created new session: 'research'\n")
    term.expect_exact("[research] You: ")
    term.sendline("/resume coding_task")
    term.expect_exact("Resumed session: 'coding_task' (3 messages)\n")
    term.expect_exact("[coding_task] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert "Traceback" not in term.text


def test_ctrl_c_mid_reply_keeps_the_partial_reply_and_returns_to_the_prompt(
    cli, ollama_server
) -> None:
    term = cli.pty("--session", "s")
    term.expect_exact("[s] You: ")
    term.sendline("#slow #long:400")  # 20 s of reply at 0.05 s a token
    term.expect_exact("[s] Assistant: ## Section 0")
    term.interrupt()
    term.expect_exact("(interrupted)\n", timeout=2)
    term.expect_exact("[s] You: ")
    last = cli.stored("s")["messages"][-1]  # saved when the turn ended, not only at exit
    assert last["role"] == "assistant" and last["_interrupted"] is True
    assert last["content"].startswith("## Section 0")
    assert len(last["content"]) < len(markdown_reply(400))
    term.sendline("/status")
    term.expect(r"   Messages: 3\n.*\n.*\n   Saved: Yes\n")
    term.expect_exact("[s] You: ")
    term.send_eof()
    assert term.wait() == 0


def test_ctrl_d_at_the_prompt_saves_and_exits(cli, ollama_server) -> None:
    term = cli.pty("--session", "d")
    term.expect_exact("[d] You: ")
    term.sendline("hello")
    term.expect_exact("[d] Assistant: Echo: hello\n")
    term.expect_exact("[d] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert [m["role"] for m in cli.stored("d")["messages"]] == ["system", "user", "assistant"]


def test_ctrl_c_at_the_prompt_saves_and_exits(cli, ollama_server) -> None:
    term = cli.pty("--session", "c")
    term.expect_exact("[c] You: ")
    term.interrupt_at_prompt()
    assert term.wait() == 0
    assert term.text.endswith("[c] You: \n")  # the shell's prompt starts on a line of its own
    assert "Traceback" not in term.text
    assert [m["role"] for m in cli.stored("c")["messages"]] == ["system"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_prints_one_line_and_the_prompt_returns(cli) -> None:
    cli.env_overrides["OLLAMA_HOST"] = f"127.0.0.1:{_closed_port()}"
    term = cli.pty("--session", "down")
    term.expect(r"Using ollama \(chosen with --provider\); no model yet: Cannot connect")
    term.expect_exact("[down] You: ")
    term.sendline("hi")
    term.expect(r"\nError: Cannot connect to ollama at http://127\.0\.0\.1:\d+/api/tags .*\n")
    term.expect_exact("[down] You: ")
    term.sendline("/status")
    term.expect_exact("   Messages: 2\n")
    term.expect_exact("[down] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert "Traceback" not in term.text


TOOL_CALL = '#tool:create_file {"path": "a.txt", "content": "x"}'
QUESTION = "Run it? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: "


def _ask_for_tool(cli):
    term = cli.pty("--session", "t")
    term.expect_exact("[t] You: ")
    term.sendline(TOOL_CALL)
    term.expect_exact('  ⚙ create_file {"path": "a.txt", "content": "x"}\n')
    term.expect_exact("  create_file needs approval (write permission). Arguments:\n")
    term.expect_exact('      "path": "a.txt",\n')
    term.expect_exact(QUESTION)
    return term


def test_tool_approval_yes_runs_it(cli, ollama_server) -> None:
    term = _ask_for_tool(cli)
    term.sendline("maybe")  # not an answer: asked again
    term.expect_exact(QUESTION)
    term.sendline("y")
    term.expect_exact("  ↳ Created a.txt (1 bytes).\n")
    term.expect_exact("[t] Assistant: Tool said: Created a.txt (1 bytes).\n")
    term.expect_exact("[t] You: ")
    assert (cli.workspace / "a.txt").read_text() == "x"
    term.send_eof()
    assert term.wait() == 0


def test_tool_approval_no_refuses_it(cli, ollama_server) -> None:
    term = _ask_for_tool(cli)
    term.sendline("n")
    term.expect_exact("[t] Assistant: Tool said: Error: The user declined to run create_file.\n")
    term.expect_exact("[t] You: ")
    assert not (cli.workspace / "a.txt").exists()
    term.send_eof()
    assert term.wait() == 0


def test_tool_approval_edit_runs_it_with_new_arguments(cli, ollama_server) -> None:
    term = _ask_for_tool(cli)
    term.sendline("e")
    term.expect_exact("New arguments as JSON (empty line to go back): ")
    term.sendline('{"path": "b.txt"')  # invalid JSON: asked again
    term.expect_exact("Not valid JSON: ")
    term.expect_exact("New arguments as JSON (empty line to go back): ")
    term.sendline('["b.txt"]')  # not an object: asked again
    term.expect_exact("The arguments must be a JSON object")
    term.expect_exact("New arguments as JSON (empty line to go back): ")
    term.sendline('{"path": "b.txt", "content": "edited"}')
    term.expect_exact("[t] Assistant: Tool said: Created b.txt (6 bytes).\n")
    term.expect_exact("[t] You: ")
    assert (cli.workspace / "b.txt").read_text() == "edited"
    assert not (cli.workspace / "a.txt").exists()
    term.send_eof()
    assert term.wait() == 0


def test_ctrl_c_at_the_approval_question_refuses_and_stops_the_turn(cli, ollama_server) -> None:
    term = _ask_for_tool(cli)
    term.interrupt_at_prompt()
    term.expect_exact("(interrupted)\n")
    term.expect_exact("[t] You: ")
    assert not (cli.workspace / "a.txt").exists()
    messages = cli.stored("t")["messages"]
    # The tool call is answered in the history, so the conversation stays valid to send on.
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert "declined" in messages[-1]["content"]
    term.send_eof()
    assert term.wait() == 0


@pytest.mark.parametrize("command", ["/new", "/resume", "/bogus"])
def test_wrong_command_at_the_terminal_prints_usage_and_keeps_the_session(
    cli, ollama_server, command
) -> None:
    term = cli.pty("--session", "w")
    term.expect_exact("[w] You: ")
    term.sendline(command)
    term.expect(r"Usage: /\w+ <id>\n|Unknown command '/bogus'\. Commands: /status, ")
    term.expect_exact("[w] You: ")
    term.send_eof()
    assert term.wait() == 0  # errors at a terminal are part of the conversation


def test_status_saved_compares_memory_with_the_file(cli, ollama_server) -> None:
    term = cli.pty("--session", "m")
    term.expect_exact("[m] You: ")
    term.sendline("/status")
    term.expect_exact("   Saved: Yes\n")
    term.expect_exact("[m] You: ")
    elsewhere = [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}]
    SessionManager(cli.history).save_session("m", elsewhere)  # another program wrote it
    term.sendline("/status")
    term.expect_exact("   Saved: No\n")
    term.expect_exact("[m] You: ")
    # Every switch saves first: merged with what the other program wrote, which is kept (the
    # client had changed nothing since, so the file's version stands).
    term.sendline("/resume m")
    term.expect_exact("Resumed session: 'm' (2 messages)\n")
    term.expect_exact("[m] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert cli.stored("m")["messages"] == elsewhere
