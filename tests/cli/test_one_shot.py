"""The habits of llm and aichat (issue 16 items 3 and 15), through the real console script: piped
stdin is one prompt, a PROMPT argument answers and exits, --version, -s, -c, -m and --list."""

from __future__ import annotations

import shlex
from importlib import metadata

from agentry.cli_input import MAX_PIPED_BYTES
from agentry.sessions import SessionManager
from tests.cli.terminal import PtyProcess

CODE = "Explain:\ndef f(x):\n  return x\n"


def chats(server) -> list:
    return [r for r in server.requests if r.path == "/api/chat"]


def test_piped_text_is_one_prompt(cli, ollama_server) -> None:
    result = cli.pipe(CODE, "--session", "p")
    assert result.returncode == 0, result.stderr
    [request] = chats(ollama_server)  # one request, not one a line
    assert request.body["messages"][-1] == {"role": "user", "content": CODE.rstrip("\n")}
    assert result.stdout == "Echo: " + CODE  # the reply alone
    assert [m["role"] for m in cli.stored("p")["messages"]] == ["system", "user", "assistant"]


def test_the_prompt_argument_comes_first_then_a_blank_line_then_the_piped_text(
    cli, ollama_server
) -> None:
    result = cli.pipe(CODE, "--session", "p", "explain", "this")
    assert result.returncode == 0, result.stderr
    [request] = chats(ollama_server)
    assert request.body["messages"][-1]["content"] == "explain this\n\n" + CODE.rstrip("\n")


def test_piped_text_is_sent_as_it_is_even_when_it_looks_like_a_command(cli, ollama_server) -> None:
    result = cli.pipe("/clear\n//x\n", "--session", "p")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: /clear\n//x\n"
    assert [m["content"] for m in cli.stored("p")["messages"][1:]] == [
        "/clear\n//x",
        "Echo: /clear\n//x",
    ]


def test_too_much_piped_input_is_refused_and_nothing_is_sent(cli, ollama_server) -> None:
    result = cli.pipe("x" * (MAX_PIPED_BYTES + 1), "--session", "big")
    assert result.returncode == 1
    assert result.stderr == (
        "The piped input is larger than 4 MiB, the most one prompt may be. "
        "Pipe less (head -c, or the part that matters).\n"
    )
    assert ollama_server.requests == [] and not cli.history.exists()


def test_piped_input_that_is_not_utf8_is_refused_naming_the_byte(cli, ollama_server) -> None:
    result = cli.pipe(b"caf\xe9\n", "--session", "latin")
    assert result.returncode == 1
    assert result.stderr.startswith("The piped input is not UTF-8 text (byte 3 is 0xe9).")
    assert ollama_server.requests == [] and not cli.history.exists()


def test_an_empty_pipe_and_no_prompt_is_refused(cli, ollama_server) -> None:
    result = cli.pipe("\n", "--session", "e")
    assert result.returncode == 1
    assert "Nothing to send: no PROMPT was given and the piped input is empty." in result.stderr
    assert ollama_server.requests == []


def test_a_prompt_argument_at_a_terminal_answers_and_exits(cli, ollama_server) -> None:
    term = cli.pty("--session", "t", "what is 2+2")
    term.expect_exact("Echo: what is 2+2\n")
    assert term.wait() == 0
    assert "Assistant:" not in term.text and "You:" not in term.text  # no chat, no decoration
    assert [m["content"] for m in cli.stored("t")["messages"][1:]] == [
        "what is 2+2",
        "Echo: what is 2+2",
    ]


def test_version_is_the_package_version(cli) -> None:
    result = cli.pipe("", "--version")
    assert result.returncode == 0
    assert result.stdout == f"agentry {metadata.version('agentry')}\n"


def test_system_flag_sets_the_sessions_system_message(cli, ollama_server) -> None:
    result = cli.pipe("", "-s", "Answer like a pirate.", "--session", "s", "hi")
    assert result.returncode == 0, result.stderr
    [request] = chats(ollama_server)
    assert request.body["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
    assert cli.stored("s")["messages"][0]["content"] == "Answer like a pirate."
    cli.pipe("", "--system", "-terse-", "--session", "s", "again")  # a text may start with '-'
    assert cli.stored("s")["messages"][0]["content"] == "-terse-"
    assert len(cli.stored("s")["messages"]) == 5  # replaced, not added


def test_continue_opens_the_most_recently_active_session(cli, ollama_server) -> None:
    result = cli.pipe("", "-c", "first")
    assert result.returncode == 0, result.stderr
    assert len(cli.stored("default")["messages"]) == 3  # none yet: 'default'
    for session_id in ("older", "newer"):
        cli.pipe("", "--session", session_id, "hi")
    result = cli.pipe("", "--continue", "and then?")
    assert result.returncode == 0, result.stderr
    assert cli.stored("newer")["messages"][-1]["content"] == "Echo: and then?"
    assert len(cli.stored("older")["messages"]) == 3


def test_continue_and_session_together_are_a_usage_error(cli) -> None:
    result = cli.pipe("", "-c", "--session", "x", "hi")
    assert result.returncode == 2
    assert "argument --session: not allowed with argument -c/--continue" in result.stderr


def test_model_flag_short_form_picks_the_model(cli, ollama_server) -> None:
    result = cli.pipe("", "-m", "qwen3:0.6b", "--session", "m", "hi")
    assert result.returncode == 0, result.stderr
    [request] = chats(ollama_server)
    assert request.body["model"] == "qwen3:0.6b"


def test_list_prints_the_sessions_for_scripts_without_a_chat(cli, ollama_server) -> None:
    cli.pipe("", "--session", "alpha", "Tab\there\nand a line")
    cli.pipe("", "--session", "beta", "second")
    (cli.history / "broken_chat.toon").write_text("{")
    ollama_server.requests.clear()
    result = cli.pipe("", "--list")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("beta", "3", "second"),
        ("alpha", "3", "Tab here and a line"),
    ]
    stamps = {row[0]: row[2] for row in rows}
    listed = {s["id"]: s for s in SessionManager(cli.history).list_sessions()}
    assert stamps["beta"] == listed["beta"]["last_activity"].replace("T", " ")
    assert "Unreadable session 'broken'" in result.stderr
    assert ollama_server.requests == []  # no provider is asked


def test_list_with_no_sessions_says_so_on_stderr(cli) -> None:
    result = cli.pipe("", "--list")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.startswith("No sessions yet in ")


def test_help_documents_the_piped_prompt_and_lines(cli) -> None:
    result = cli.pipe("", "--help")
    assert result.returncode == 0
    for text in ("--lines", "--list", "-c, --continue", "-s TEXT, --system TEXT", "--version"):
        assert text in result.stdout, text
    assert "the piped text is ONE prompt" in result.stdout


def test_with_stdout_in_a_file_the_approval_is_asked_on_stderr(cli, ollama_server) -> None:
    # `agentry "..." > out.txt` at a terminal: the question must reach the person, and the file
    # must hold the reply alone.
    out = cli.workspace / "out.txt"
    ask = '#tool:create_file {"path": "a.txt", "content": "x"}'
    shell = f"{shlex.join(cli.command('--session', 'w', ask))} > {shlex.quote(str(out))}"
    term = PtyProcess(["sh", "-c", shell], cli.env(), cli.workspace)
    try:
        term.expect_exact("create_file needs approval (write permission). Arguments:\n")
        term.expect_exact("Run it? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: ")
        term.sendline("y")
        assert term.wait() == 0
    finally:
        term.close()
    assert out.read_text() == "Tool said: Created a.txt (1 bytes).\n"
    assert (cli.workspace / "a.txt").read_text() == "x"
