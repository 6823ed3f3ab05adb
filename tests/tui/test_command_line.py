"""agentry-tui's command line, run as a process: bad arguments and a missing terminal end it at
once, with a message and exit code 2, before Textual starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_tui(
    tmp_path: Path, *args: str, stdin: object = subprocess.DEVNULL, stdout: object = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AGENTRY_HISTORY_DIR": str(tmp_path / "history"),
        "AGENTRY_CONFIG_DIR": str(tmp_path / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "agentry_tui", *args],
        stdin=stdin,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        text=True,
        timeout=30,  # the old app never ended: this raises, and the test fails
    )


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("redirected", ["stdin", "stdout"])
def test_without_a_terminal_it_ends_at_once_saying_why(tmp_path: Path, redirected: str) -> None:
    """stdin at end of file (cron, `< /dev/null`) once made Textual's input thread spin at 100%
    CPU for ever; stdout into a file or pipe drew the app on stderr regardless."""
    master, slave = os.openpty()
    try:
        with os.fdopen(os.dup(slave), "r") as tty_in, os.fdopen(os.dup(slave), "w") as tty_out:
            if redirected == "stdin":
                run = run_tui(tmp_path, stdin=subprocess.DEVNULL, stdout=tty_out)
                assert "standard input is not a terminal" in run.stderr
            else:
                run = run_tui(tmp_path, stdin=tty_in)
                assert "standard output is not a terminal" in run.stderr
                assert run.stdout == ""
    finally:
        os.close(master)
        os.close(slave)
    assert run.returncode == 2
    assert "agentry --session" in run.stderr  # what to use instead
    assert not (tmp_path / "history").exists()  # nothing was started


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--provider", "foo"], "invalid choice: 'foo'"),
        (["--endpoint", "localhost:11434"], "'localhost:11434' is not an http(s) URL"),
        (["--endpoint", "ftp://h/"], "'ftp://h/' is not an http(s) URL"),
        (["--history-dir", "afile"], "--history-dir: 'afile' is a file, not a folder"),
        (["--session", "../x"], "--session '../x'"),
    ],
)
def test_bad_arguments_are_refused_before_the_app_starts(
    tmp_path: Path, args: list[str], said: str
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    run = run_tui(tmp_path, *args)
    assert run.returncode == 2
    assert said in run.stderr
    assert run.stderr.startswith("usage: agentry-tui")
    if "--provider" in args:  # the choices are named (quoted or not, by Python version)
        assert all(name in run.stderr for name in ("ollama", "openai", "gemini", "local"))


def test_a_provider_name_is_taken_in_any_case() -> None:
    from agentry_tui.__main__ import parse_args

    assert parse_args(["--provider", "Ollama"]).provider == "ollama"
