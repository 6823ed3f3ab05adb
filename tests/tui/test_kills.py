"""agentry-tui killed mid-reply, on a real pseudo-terminal: the prompt is always on disk, and
the reply as it stood at most two seconds before the kill (SIGKILL), or when the signal came
(SIGTERM, SIGHUP: saved, then a clean exit)."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.cli.terminal import PtyProcess
from tests.servers.base import Reply, markdown_reply

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
SECTION = re.compile(r"Section (\d+)")


def stored(history: Path) -> list[dict]:
    try:
        return json.loads((history / "t_chat.toon").read_text())["messages"]
    except (FileNotFoundError, ValueError):
        return []


def wait_for(condition, timeout: float, term: PtyProcess) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out; screen so far:\n{term.text[-2000:]}"
        try:
            term._read(0.05)
        except EOFError:
            raise AssertionError(f"the app ended:\n{term.text[-2000:]}") from None


def pump(term: PtyProcess, seconds: float) -> None:
    """Read what the app draws for ``seconds``, as a terminal does (a full pty stalls it)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        term._read(min(left, 0.05))


def last_section(text: str) -> int:
    return max((int(n) for n in SECTION.findall(text)), default=-1)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=["TERM", "HUP", "KILL"]
)
def test_a_kill_mid_reply_keeps_the_prompt_and_the_reply(tmp_path, ollama_server, sig) -> None:
    history = tmp_path / "history"
    # A section every ~70 tokens: one every 1.4 s at this pace, 10 s in all.
    ollama_server.enqueue(Reply(text=markdown_reply(500), delay=0.02))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path.cwd())}
    term = PtyProcess(
        [
            sys.executable,
            "-m",
            "agentry_tui",
            "--provider",
            "ollama",
            "--history-dir",
            str(history),
            "--session",
            "t",
        ],
        env,
        tmp_path,
        size=(120, 36),
    )
    try:
        wait_for(lambda: "Message (Enter sends" in term.text, 30, term)
        pump(term, 0.5)  # the prompt has focus once the first frame is up
        os.write(term.fd, b"a long story please\r")
        wait_for(lambda: last_section(term.text) >= 0, 15, term)
        pump(term, 2.5)  # well into the reply, past the first autosave
        seen_before = last_section(term.text)  # what the screen showed by then
        pump(term, 2.0)
        seen_at_kill = last_section(term.text)
        os.kill(term.proc.pid, sig)
        code = term.wait(timeout=15)
    finally:
        term.close()
    messages = stored(history)
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[1]["content"] == "a long story please"
    reply = messages[2]
    assert reply["_interrupted"] is True
    saved = last_section(reply["content"])
    assert seen_before >= 1
    assert saved >= seen_before  # at most two seconds lost
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert saved >= seen_at_kill  # everything shown, saved at the signal
        assert code == 128 + sig
