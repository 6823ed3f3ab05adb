"""Shared fixtures: the protocol servers, and a history folder per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.ollama import OllamaServer


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch) -> None:
    """No test reads the developer's sessions, keys or servers."""
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("AGENTRY_CONFIG_DIR", str(tmp_path / "config"))
    for var in ("OLLAMA_HOST", "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                "GROQ_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "AGENTRY_MODEL",
                "AGENTRY_PROVIDER"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def ollama_server_session() -> Iterator[OllamaServer]:
    with OllamaServer() as server:
        yield server


@pytest.fixture
def ollama_server(ollama_server_session: OllamaServer, monkeypatch) -> OllamaServer:
    """The Ollama protocol server, reset, with OLLAMA_HOST pointing at it."""
    ollama_server_session.reset()
    ollama_server_session.models = ["llama3.2:latest", "qwen3:0.6b"]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama_server_session.port}")
    return ollama_server_session
