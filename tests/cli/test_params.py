"""/set, /continue and the settings file's session defaults in the line client."""

from __future__ import annotations

import json
import os
from pathlib import Path

from agentry.cli_output import CONTINUE_HINT
from agentry.params import CONTINUE_PROMPT, TRUNCATED_NOTE
from tests.servers.base import Reply


def chats(server) -> list:
    return [r for r in server.requests if r.path == "/api/chat"]


def test_set_sets_lists_refuses_and_sends(cli, ollama_server) -> None:
    result = cli.pipe(
        '/set temperature 0.5\n/set seed x\n/set stop ["END", "###"]\n/set\nhi\n',
        "--lines",
        "--session",
        "p",
    )
    assert "temperature set to 0.5.\n" in result.stdout
    assert "seed: 'x' is not a whole number.\n" in result.stderr
    assert "  temperature     0.5\n" in result.stdout
    assert '  stop            ["END", "###"]\n' in result.stdout
    assert "  seed            (provider default)\n" in result.stdout
    [request] = chats(ollama_server)
    # num_ctx: the context length the request was planned with (Ollama's default here).
    options = {"temperature": 0.5, "stop": ["END", "###"], "num_ctx": 4096}
    assert request.body["options"] == options
    assert cli.stored("p")["metadata"]["params"] == {"temperature": 0.5, "stop": ["END", "###"]}


def test_a_cut_reply_is_marked_and_enter_goes_on(cli, ollama_server) -> None:
    ollama_server.enqueue(Reply(text="one two three four"), Reply(text="three four"))
    term = cli.pty("--session", "cut")
    term.expect_exact("[cut] You: ")
    term.sendline("/set max_tokens 2")
    term.expect_exact("max_tokens set to 2.")
    term.sendline("count")
    term.expect_exact(f"({TRUNCATED_NOTE} {CONTINUE_HINT})")
    term.expect_exact("[cut] You: ")
    term.sendline("")  # Enter alone
    term.expect_exact("three four")
    term.expect_exact("[cut] You: ")
    term.sendline("/exit")
    term.wait()
    assert chats(ollama_server)[-1].body["messages"][-1] == {
        "role": "user",
        "content": CONTINUE_PROMPT,
    }
    messages = cli.stored("cut")["messages"]
    assert messages[2]["_truncated"] is True and "_truncated" not in messages[-1]


def test_continue_after_a_whole_reply_says_there_is_nothing_to_go_on(cli, ollama_server) -> None:
    result = cli.pipe("hi\n/continue\n", "--lines", "--session", "c")
    assert "there is nothing to go on" in result.stderr
    assert len(chats(ollama_server)) == 1


def test_new_sessions_take_the_settings_files_defaults(cli, ollama_server) -> None:
    config = Path(os.environ["AGENTRY_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    settings = {"params": {"system": "Be terse.", "temperature": 0.1, "max_tokens": 64}}
    (config / "settings.json").write_text(json.dumps(settings))
    result = cli.pipe("hi\n/set\n", "--lines", "--session", "d")
    assert result.returncode == 0, result.stderr
    [request] = chats(ollama_server)
    assert request.body["messages"][0] == {"role": "system", "content": "Be terse."}
    assert request.body["options"] == {"temperature": 0.1, "num_predict": 64, "num_ctx": 4096}
    assert "  temperature     0.1  (default)\n" in result.stdout


def test_a_wrong_default_in_the_settings_file_is_named(cli, ollama_server) -> None:
    config = Path(os.environ["AGENTRY_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps({"params": {"top_p": 3}}))
    result = cli.pipe("hi\n", "--lines", "--session", "w")
    assert result.returncode == 1
    assert "settings.json: params.top_p: input should be less than or equal to 1" in result.stderr
    assert chats(ollama_server) == []
