"""Groq speaks OpenAI's protocol at its own address with its own key; run through the OpenAI
protocol server by overriding the endpoint."""

from __future__ import annotations

from agentry.providers.openai import GroqProvider
from tests.providers.harness import GROQ, KeyContract, ProviderContract


class TestGroq(ProviderContract, KeyContract):
    case = GROQ


def test_defaults(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080")  # OpenAI's, not Groq's
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    provider = GroqProvider()
    assert provider.endpoint == "https://api.groq.com/openai/v1"
    assert provider.api_key is None and provider.key_required
