"""The alt keys as a terminal sends them, to agentry-tui on a real pseudo-terminal: tmux, GNOME
Terminal, Windows Terminal and xterm send alt+c as ESC c, and `tmux send-keys M-c M-e M-t` writes
the three in one go."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import pytest

from agentry.sessions import SessionManager
from tests.cli.terminal import PtyProcess
from tests.tui.scenes import seed_short
from tests.tui.test_kills import pump, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def test_alt_keys_sent_as_escape_act_and_type_nothing(tmp_path: Path, ollama_server) -> None:
    history, workspace = tmp_path / "history", tmp_path / "ws"
    workspace.mkdir()
    seed_short(history, ["first", "second"])
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "PYTHONPATH": str(Path.cwd()),
        "AGENTRY_CONFIG_DIR": str(tmp_path / "config"),
    }
    command = [sys.executable, "-m", "agentry_tui", "--provider", "ollama"]
    term = PtyProcess([*command, "--history-dir", str(history)], env, workspace, size=(120, 36))
    try:
        wait_for(lambda: "Message (Enter sends" in term.text, 30, term)
        pump(term, 0.5)
        os.write(term.fd, b"\x1bc\x1be\x1bt")  # copy, export, theme: one read
        copied = b"\x1b]52;c;" + base64.b64encode(b"a first")
        wait_for(lambda: copied in term.raw and "Search for themes" in term.text, 15, term)
        wait_for(lambda: (workspace / "first.md").exists(), 15, term)
        os.write(term.fd, b"\x1b")  # the theme picker closes
        pump(term, 0.5)
        os.write(term.fd, b"\r")  # a letter typed into the box would be sent now
        pump(term, 0.5)
        os.write(term.fd, b"\x1b2")  # the second session
        wait_for(lambda: "a second" in term.text[-4000:], 15, term)
        os.write(term.fd, b"\r\x11")  # Enter again, then ctrl+q
        assert term.wait(timeout=15) == 0
    finally:
        term.close()
    # Nothing sent to the model (/api/show, asking the context length, is not a message).
    assert [r.path for r in ollama_server.requests if r.path == "/api/chat"] == []
    manager = SessionManager(history)
    assert [len(manager.load(name).messages) for name in ("first", "second")] == [3, 3]
