"""Fixtures that run the real client in a subprocess, through a pipe or a pseudo-terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.terminal import PtyProcess

# The console script pip made for the package: what people run.
AGENTRY = str(Path(sys.executable).with_name("agentry"))


class Cli:
    """Runs the ``agentry`` console script, through a pipe or on a pseudo-terminal, with a
    history folder and a workspace (its cwd) of the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.history = tmp_path / "history"
        self.workspace = tmp_path / "ws"
        self.workspace.mkdir()
        self.env_overrides: dict[str, str] = {}
        self._ptys: list[PtyProcess] = []

    def command(self, *args: str, provider: str | None = "ollama") -> list[str]:
        chosen = ["--provider", provider] if provider else []
        return [AGENTRY, "--history-dir", str(self.history), *chosen, *args]

    def env(self) -> dict[str, str]:
        # Read at call time: the ollama_server fixture has set OLLAMA_HOST by then.
        return {**os.environ, "TERM": "xterm", **self.env_overrides}

    def pipe(
        self,
        stdin: str | bytes,
        *args: str,
        provider: str | None = "ollama",
    ) -> subprocess.CompletedProcess[str]:
        """Run with ``stdin`` piped in (bytes: as they are); the output as text."""
        run = subprocess.run(
            self.command(*args, provider=provider),
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            capture_output=True,
            env=self.env(),
            cwd=self.workspace,
            timeout=20,
        )
        out, err = (_text(data) for data in (run.stdout, run.stderr))
        return subprocess.CompletedProcess(run.args, run.returncode, out, err)

    def pty(self, *args: str, provider: str | None = "ollama") -> PtyProcess:
        process = PtyProcess(self.command(*args, provider=provider), self.env(), self.workspace)
        self._ptys.append(process)
        return process

    def stored(self, session_id: str) -> dict[str, Any]:
        return json.loads((self.history / f"{session_id}_chat.toon").read_text())

    def close(self) -> None:
        for process in self._ptys:
            process.close()


def _text(data: bytes) -> str:
    """Output as text with universal newlines, as ``text=True`` reads it."""
    return data.decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path)
    yield runner
    runner.close()
