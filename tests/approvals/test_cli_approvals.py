"""The line client's approval question at a terminal: once, for the session, always (kept in
settings.json across a restart), /permissions to list and revoke."""

from __future__ import annotations

import json

from agentry.config import settings_path

QUESTION = "Run it? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: "


def tool_call(path: str) -> str:
    return f'#tool:create_file {{"path": "{path}", "content": "x"}}'


def test_allowed_for_the_session_is_not_asked_again_there(cli, ollama_server) -> None:
    term = cli.pty("--session", "t")
    term.expect_exact("[t] You: ")
    term.sendline(tool_call("a.txt"))
    term.expect_exact("  Always: create_file runs without asking, in every session, until ")
    term.expect_exact(QUESTION)
    term.sendline("s")
    term.expect_exact("[t] Assistant: Tool said: Created a.txt (1 bytes).\n")
    term.sendline(tool_call("b.txt"))  # not asked: the next thing is the reply
    term.expect_exact("[t] Assistant: Tool said: Created b.txt (1 bytes).\n")
    term.sendline("/permissions")
    term.expect_exact("Always allowed (settings.json):\n  (none)\n")
    term.expect_exact("Allowed in this session:\n  agentry create_file\n")
    term.sendline("/new other")
    term.expect_exact("[other] You: ")
    term.sendline(tool_call("c.txt"))
    term.expect_exact(QUESTION)  # another session: asked
    term.sendline("n")
    term.expect_exact("[other] Assistant: Tool said: Error: The user declined to run create_file.")
    term.expect_exact("[other] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert not (cli.workspace / "c.txt").exists() and not settings_path().exists()


def test_always_is_kept_across_a_restart_until_revoked(cli, ollama_server) -> None:
    term = cli.pty("--session", "t")
    term.expect_exact("[t] You: ")
    term.sendline(tool_call("a.txt"))
    term.expect_exact(QUESTION)
    term.sendline("a")
    term.expect_exact("[t] Assistant: Tool said: Created a.txt (1 bytes).\n")
    term.expect_exact("[t] You: ")
    term.send_eof()
    assert term.wait() == 0
    saved = json.loads(settings_path().read_bytes())["tool_approvals"]
    assert saved == {"always": {"agentry": ["create_file"]}}

    term = cli.pty("--session", "u")  # a restart, another session: not asked
    term.expect_exact("[u] You: ")
    term.sendline(tool_call("b.txt"))
    term.expect_exact("[u] Assistant: Tool said: Created b.txt (1 bytes).\n")
    term.sendline("/permissions revoke")
    term.expect_exact("Usage: /permissions [list|revoke] [server] [tool] — revoke needs the ")
    term.sendline("/permissions revoke agentry create_file")
    term.expect_exact("Revoked: agentry create_file asks again from its next call")
    term.sendline(tool_call("c.txt"))
    term.expect_exact(QUESTION)
    term.sendline("y")
    term.expect_exact("[u] Assistant: Tool said: Created c.txt (1 bytes).\n")
    term.expect_exact("[u] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert json.loads(settings_path().read_bytes())["tool_approvals"] == {"always": {}}


def test_always_for_the_shell_tool_says_what_it_means(cli, ollama_server) -> None:
    term = cli.pty("--session", "t")
    term.expect_exact("[t] You: ")
    term.sendline('#tool:execute_command {"command": "echo hi"}')
    term.expect_exact("  Always: ANY command the model writes runs without asking, in every ")
    term.expect_exact(QUESTION)
    term.sendline("n")
    term.expect_exact("[t] You: ")
    term.send_eof()
    assert term.wait() == 0


def test_a_deleted_sessions_allowance_does_not_pass_to_a_new_one_of_its_id(
    cli, ollama_server
) -> None:
    term = cli.pty("--session", "t")
    term.expect_exact("[t] You: ")
    term.sendline(tool_call("a.txt"))
    term.expect_exact(QUESTION)
    term.sendline("s")
    term.expect_exact("[t] Assistant: Tool said: Created a.txt (1 bytes).\n")
    term.sendline("/delete")
    term.expect_exact("Delete it? [y]es / [n]o: ")
    term.sendline("y")
    term.expect_exact("Deleted session 't'.")
    term.sendline("/new t")
    term.expect_exact("[t] You: ")
    term.sendline(tool_call("b.txt"))
    term.expect_exact(QUESTION)  # asked afresh
    term.sendline("n")
    term.expect_exact("[t] Assistant: Tool said: Error: The user declined to run create_file.")
    term.expect_exact("[t] You: ")
    term.send_eof()
    assert term.wait() == 0


def test_piped_input_runs_an_always_allowed_tool_and_refuses_the_rest(cli, ollama_server):
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(
        json.dumps({"tool_approvals": {"always": {"agentry": ["create_file"]}}})
    )
    allowed = cli.pipe(tool_call("a.txt") + "\n", "--session", "p")
    assert allowed.stdout == "Tool said: Created a.txt (1 bytes).\n"
    refused = cli.pipe('#tool:delete_file {"path": "a.txt"}\n', "--session", "p")
    assert "delete_file needs approval (write); refused because input is not a terminal." in (
        refused.stderr
    )
    assert (cli.workspace / "a.txt").exists()
