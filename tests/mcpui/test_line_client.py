"""The line client with an MCP server that asks things: its prompts as commands, sampling
approved at the terminal, a form asked field by field; without a terminal, nobody is asked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.mcpui.conftest import ASKING, configure

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="drives a POSIX pseudo-terminal")

ASK = '#tool:asking__ask_model {"question": "Capital of France?"}'


def test_prompts_sampling_and_forms_at_the_terminal(cli, ollama_server) -> None:
    configure({"asking": ASKING})
    term = cli.pty()
    term.expect_exact("[default] You: ", timeout=10)

    term.sendline("/asking:summarize 'the moon' brief")
    term.expect_exact("[default] Assistant: Echo: Go on: the moon.\n", timeout=20)
    stored = [(m["role"], m["content"]) for m in cli.stored("default")["messages"]]
    assert stored[1:4] == [
        ("user", "Summarise the moon in a brief way."),
        ("assistant", "Understood."),
        ("user", "Go on: the moon."),
    ]

    term.sendline(ASK)
    term.expect_exact(
        "asking asks the model for a completion, answered by llama3.2:latest (the current "
        "session's model), at most 50 tokens:\n"
        "    System prompt: Answer in one word.\n"
        "    user: Capital of France?\n",
        timeout=20,
    )
    term.expect_exact("Send it? [y]es / [n]o / [e]dit: ")
    term.sendline("y")
    term.expect_exact("Tool said: model llama3.2:latest said: Echo: Capital of France?", 20)

    term.expect_exact("[default] You: ")
    term.sendline("#tool:asking__book_table")
    term.expect_exact("asking asks for some information: Book a table: who, how many, when?")
    term.expect_exact("Answer it? [y]es / [n]o (decline): ", timeout=20)
    term.sendline("y")
    term.expect_exact("Who the table is for\n")
    term.expect_exact("Name (text): ")
    term.sendline("Ada")
    term.expect_exact("Guests (an integer, 1 to 12): ")
    term.sendline("13")
    term.expect_exact("Guests: 13 is out of range (an integer, 1 to 12).\n")
    term.expect_exact("Guests (an integer, 1 to 12): ")
    term.sendline("3")
    term.expect_exact("Terrace (yes or no) [no]: ")
    term.sendline("")
    term.expect_exact("Time (one of: 18:00, 20:00): ")
    term.sendline("20:00")
    term.expect_exact("Tool said: booked for Ada, 3 at 20:00, terrace False", timeout=20)


def test_without_a_terminal_nobody_is_asked_and_a_wrong_prompt_is_named(cli, ollama_server) -> None:
    configure({"asking": ASKING})
    lines = f"/asking:summarize style=brief\n/asking:nope\n{ASK}\n"
    run = subprocess.run(  # cli.pipe's 20 s: too short for a server's start on a loaded machine
        cli.command("--lines"),
        input=lines,
        capture_output=True,
        text=True,
        env=cli.env(),
        cwd=cli.workspace,
        timeout=90,
    )
    errors = run.stderr.splitlines()
    assert "/asking:summarize <topic> [style]: the required argument 'topic' is missing." in errors
    assert "MCP server 'asking' has no prompt 'nope'. Its prompts: greet, summarize." in errors
    assert (
        "  asking asked the model for a completion; declined because input is not a terminal."
        in errors
    )
    assert run.stdout == (
        "Tool said: sampling refused: The user declined the sampling request from 'asking'.\n"
    )
