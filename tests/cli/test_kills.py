"""The line client killed mid-reply loses at most the last two seconds: the person's message is
on disk before the request goes out, the reply is saved as it grows, and SIGTERM or SIGHUP (the
terminal closed) save everything and exit cleanly."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.servers.base import Reply, markdown_reply

REPLY_HEADER = "[k] Assistant: "


def shown_reply(term) -> str:
    """The reply text on screen so far (control sequences and CRs removed by the helper)."""
    start = term.text.find(REPLY_HEADER)
    return "" if start < 0 else term.text[start + len(REPLY_HEADER) :]


def stored_messages(cli) -> list[dict]:
    return json.loads((cli.history / "k_chat.toon").read_text())["messages"]


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=["TERM", "HUP", "KILL"]
)
def test_a_kill_mid_reply_keeps_the_prompt_and_the_reply_up_to_two_seconds_before(
    cli, ollama_server, sig
) -> None:
    text = markdown_reply(400)
    ollama_server.enqueue(Reply(text=text, delay=0.02))  # 8 s of reply
    term = cli.pty("--session", "k")
    term.expect_exact("[k] You: ")
    term.sendline("tell me a long story")
    term.expect_exact(REPLY_HEADER)
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:  # read what arrives, as the terminal shows it
        term._read(0.05)
    two_seconds_before = shown_reply(term)
    time.sleep(2.0)
    term._read(0.01)
    at_kill = shown_reply(term)
    os.kill(term.proc.pid, sig)
    code = term.wait(timeout=10)
    messages = stored_messages(cli)
    assert messages[1]["role"] == "user" and messages[1]["content"] == "tell me a long story"
    reply = messages[2]
    assert reply["role"] == "assistant" and reply.get("_interrupted") is True
    assert len(two_seconds_before) > 50  # the reply was well under way
    # Screen text has the terminal's line ends and wraps: compare without whitespace.
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze(reply["content"]).startswith(squeeze(two_seconds_before))
    assert text.startswith(reply["content"])
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:  # saved as it stood when the signal came, and a clean exit
        assert squeeze(reply["content"]).startswith(squeeze(at_kill))
        assert code == 128 + sig


def test_the_prompt_is_on_disk_before_the_server_answers(cli, ollama_server) -> None:
    ollama_server.enqueue(Reply(hang=True))
    term = cli.pty("--session", "k")
    term.expect_exact("[k] You: ")
    term.sendline("are you there?")
    deadline = time.monotonic() + 5
    while (
        not [r for r in ollama_server.requests if r.path == "/api/chat"]
        and time.monotonic() < deadline
    ):
        time.sleep(0.02)
    assert [r for r in ollama_server.requests if r.path == "/api/chat"]  # the request went out...
    os.kill(term.proc.pid, signal.SIGKILL)
    term.wait()
    assert stored_messages(cli)[-1]["content"] == "are you there?"  # ...after the save


def test_sigterm_at_the_prompt_saves_and_exits(cli, ollama_server) -> None:
    term = cli.pty("--session", "k")
    term.expect_exact("[k] You: ")
    term.sendline("hello")
    term.expect_exact("[k] You: ")
    time.sleep(0.2)  # into input(), as in interrupt_at_prompt
    os.kill(term.proc.pid, signal.SIGTERM)
    assert term.wait() == 128 + signal.SIGTERM
    assert [m["content"] for m in stored_messages(cli)][1:] == ["hello", "Echo: hello"]
