"""Ollama's native API: the shared contract, OLLAMA_HOST, and its own "no models" advice."""

from __future__ import annotations

import pytest

from agentry.errors import ModelNotFoundError
from agentry.providers.ollama import OllamaProvider, parse_ollama_host
from tests.providers.harness import OLLAMA, ProviderContract, collect, text_of
from tests.servers.base import Reply


class TestOllama(ProviderContract):
    case = OLLAMA


@pytest.mark.parametrize(
    ("host", "url"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("example.com", "http://example.com:11434"),
        ("example.com:5678", "http://example.com:5678"),
        ("0.0.0.0:11434", "http://0.0.0.0:11434"),
        ("http://example.com:5678", "http://example.com:5678"),
        ("http://example.com", "http://example.com:80"),
        ("https://example.com", "https://example.com:443"),
        ("https://example.com:8443/ollama/", "https://example.com:8443/ollama"),
        ("[::1]:1234", "http://[::1]:1234"),
        ("[::1]", "http://[::1]:11434"),
    ],
)
def test_ollama_host_forms(host: str | None, url: str) -> None:
    assert parse_ollama_host(host) == url


async def test_endpoint_comes_from_ollama_host(ollama_server) -> None:
    provider = OllamaProvider()  # the fixture points OLLAMA_HOST at the server as host:port
    try:
        assert provider.endpoint == ollama_server.url
        ollama_server.enqueue(Reply(text="hi there"))
        assert text_of(await collect(provider)) == "hi there"
    finally:
        await provider.aclose()


async def test_no_models_installed_says_how_to_get_one(ollama_server) -> None:
    ollama_server.models = []
    provider = OllamaProvider()
    try:
        with pytest.raises(ModelNotFoundError) as info:
            await provider.resolve_model()
    finally:
        await provider.aclose()
    assert ollama_server.url in str(info.value)
    assert "ollama pull" in str(info.value)


async def test_unknown_model_suggests_pulling_it(ollama_server) -> None:
    provider = OllamaProvider()
    try:
        with pytest.raises(ModelNotFoundError) as info:
            await collect(provider, model="mistral:7b")
    finally:
        await provider.aclose()
    assert "ollama pull mistral:7b" in str(info.value)
