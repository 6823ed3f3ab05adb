"""agentry and agentry_tui as on Windows: in interpreters where ``fcntl``, ``termios``, ``tty``,
``pty`` and ``resource`` cannot be imported and ``os.killpg`` and ``os.setsid`` are gone (see
without_posix/sitecustomize.py), the documented session API, the line client through a pipe, a
TUI Pilot flow and the command tool's process ending all work as they do here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import agentry
from tests.portable.without_posix.sitecustomize import HIDDEN_CALLS, HIDDEN_MODULES
from tests.servers.ollama import OllamaServer

REPO_ROOT = Path(agentry.__file__).resolve().parents[1]
STAND_IN = Path(__file__).with_name("without_posix")
AGENTRY = str(Path(sys.executable).with_name("agentry"))  # the console script people run

# Run again inside the stand-in: every code block of spec/session-management.md (the two files
# that copy them verbatim), TUI flows through Pilot, and the command tool ending what it started.
TESTS = [
    "tests/sessions/test_spec_examples.py",
    "tests/agent/test_spec_agent_examples.py",
    "tests/tui/test_chat.py::test_send_streams_the_reply_and_saves_it",
    "tests/tui/test_chat.py::test_quit_mid_stream_keeps_the_partial_reply",
    "tests/tui/test_tools.py::test_approve",
    "tests/tools/test_shell_tool.py::test_timeout_ends_every_process_the_command_started",
    "tests/tools/test_shell_tool.py::test_cancelling_ends_every_process_the_command_started",
]

PROBE = """
import importlib, json, os, pkgutil, sys
import agentry, agentry_tui, psutil
modules = []
for package in (agentry, agentry_tui):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)  # every module of both packages imports
        modules.append(module.name)
refused = []
for name in sys.argv[1].split():
    try:
        exec(f"import {name}")
    except ModuleNotFoundError:
        refused.append(name)
print(json.dumps({
    "refused": refused,
    "calls": [name for name in sys.argv[2].split() if hasattr(os, name)],
    "psutil": psutil.Process().pid == os.getpid(),
    "imported": "agentry.sessions.storage" in modules and "agentry_tui.app" in modules,
}))
"""


def without_posix() -> dict[str, str]:
    """The current environment, with the stand-in first on PYTHONPATH (children inherit it)."""
    path = [str(STAND_IN), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path))}


def test_the_stand_in_hides_the_posix_modules_and_calls() -> None:
    # Every module of agentry and agentry_tui imports. After that (and psutil's Linux backend
    # loading `resource`), the modules are still refused and the calls gone: the stand-in holds.
    run = subprocess.run(
        [sys.executable, "-c", PROBE, " ".join(sorted(HIDDEN_MODULES)), " ".join(HIDDEN_CALLS)],
        env=without_posix(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "refused": sorted(HIDDEN_MODULES),
        "calls": [],
        "psutil": True,
        "imported": True,
    }


def test_session_api_tui_and_command_tool_pass(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "inner"),
            *TESTS,
        ],
        env=without_posix(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    # Every test ran and passed: none skipped, none deselected.
    assert re.fullmatch(r"\d+ passed in [\d.]+s", summary), summary


def test_line_client_through_a_pipe(tmp_path: Path, ollama_server: OllamaServer) -> None:
    history = tmp_path / "history"
    run = subprocess.run(
        [
            AGENTRY,
            "--history-dir",
            str(history),
            "--provider",
            "ollama",
            "--lines",
            "--session",
            "x",
        ],
        input="hi\n/status\n",
        env=without_posix(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:3] == ["Echo: hi", "Current Session Status:", "   Session ID: x"]
    stored = json.loads((history / "x_chat.toon").read_text())
    assert [m["content"] for m in stored["messages"][1:]] == ["hi", "Echo: hi"]
