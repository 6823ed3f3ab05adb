"""Fixtures for the TUI tests: a history folder, a workspace, and apps bound to the test server."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentry_tui.app import AgentryApp

SIZE = (120, 36)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return tmp_path / "history"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The agent's workspace and the current folder (where exports land)."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def make_app(history: Path, workspace: Path) -> Callable[..., AgentryApp]:
    def make(**options: Any) -> AgentryApp:
        options.setdefault("provider", "ollama")
        return AgentryApp(history_dir=history, workspace=workspace, **options)

    return make


@pytest.fixture
def app(ollama_server: Any, make_app: Callable[..., AgentryApp]) -> AgentryApp:
    return make_app()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
