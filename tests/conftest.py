"""Shared fixtures: the protocol servers, and a history folder per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.anthropic import AnthropicServer
from tests.servers.chaos import ChaosServer
from tests.servers.gemini import GeminiServer
from tests.servers.ollama import OllamaServer
from tests.servers.openai import OpenAIServer


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch) -> None:
    """No test reads the developer's sessions, keys or servers."""
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("AGENTRY_CONFIG_DIR", str(tmp_path / "config"))
    for var in (
        "OLLAMA_HOST",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "GROQ_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "AGENTRY_MODEL",
        "AGENTRY_PROVIDER",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def ollama_server_session() -> Iterator[OllamaServer]:
    with OllamaServer() as server:
        yield server


@pytest.fixture
def ollama_server(ollama_server_session: OllamaServer, monkeypatch) -> OllamaServer:
    """The Ollama protocol server, reset, with OLLAMA_HOST pointing at it."""
    ollama_server_session.reset()
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama_server_session.port}")
    return ollama_server_session


@pytest.fixture(scope="session")
def llama_server() -> Iterator[object]:
    """A real ``python -m llama_cpp.server`` with the bundled SmolLM2 on 127.0.0.1 (one thread,
    requests queued rather than interrupted); ``.url`` is the base URL, ``.model`` the model id.
    Skips when the local extra is not installed."""
    from tests.servers.llama import SKIP_REASON, LlamaServer, server_available

    if not server_available():
        pytest.skip(SKIP_REASON)
    with LlamaServer(n_threads=1) as server:
        yield server


@pytest.fixture(scope="session")
def openai_server_session() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def openai_server(openai_server_session: OpenAIServer, monkeypatch) -> OpenAIServer:
    """The OpenAI Chat Completions server, reset (no key check), with OPENAI_BASE_URL at it."""
    openai_server_session.reset()
    monkeypatch.setenv("OPENAI_BASE_URL", f"{openai_server_session.url}/v1")
    return openai_server_session


@pytest.fixture(scope="session")
def anthropic_server_session() -> Iterator[AnthropicServer]:
    with AnthropicServer() as server:
        yield server


@pytest.fixture
def anthropic_server(anthropic_server_session: AnthropicServer) -> AnthropicServer:
    """The Anthropic Messages server, reset (no key check); pass its ``url`` as endpoint."""
    anthropic_server_session.reset()
    return anthropic_server_session


@pytest.fixture(scope="session")
def gemini_server_session() -> Iterator[GeminiServer]:
    with GeminiServer() as server:
        yield server


@pytest.fixture
def gemini_server(gemini_server_session: GeminiServer) -> GeminiServer:
    """The Gemini API server, reset (no key check); pass its ``url`` as endpoint."""
    gemini_server_session.reset()
    return gemini_server_session


@pytest.fixture(scope="session")
def chaos() -> Iterator[ChaosServer]:
    """The chaos server (faults in every protocol); a test resets it and plays its faults."""
    with ChaosServer() as server:
        yield server
