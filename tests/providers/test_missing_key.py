"""The keyed services: a key from the argument or the environment, required only on the
official host, and a missing one named in a clear error before any request."""

from __future__ import annotations

import pytest

from agentry.errors import AuthenticationError
from agentry.providers.anthropic import AnthropicProvider
from agentry.providers.gemini import GeminiProvider
from agentry.providers.http_provider import HttpProvider
from agentry.providers.openai import GroqProvider, OpenAIProvider

KEY_ENVS = (
    "OPENAI_API_KEY",
    "GROQ_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENAI_BASE_URL",
)

MISSING = [
    (
        OpenAIProvider,
        "No API key for OpenAI at https://api.openai.com/v1. Set OPENAI_API_KEY (or pass api_key).",
    ),
    (
        GroqProvider,
        "No API key for Groq at https://api.groq.com/openai/v1. "
        "Set GROQ_API_KEY (or pass api_key).",
    ),
    (
        AnthropicProvider,
        "No API key for Anthropic at https://api.anthropic.com. "
        "Set ANTHROPIC_API_KEY (or pass api_key).",
    ),
    (
        GeminiProvider,
        "No API key for Gemini at https://generativelanguage.googleapis.com. "
        "Set GEMINI_API_KEY (or GOOGLE_API_KEY, or pass api_key).",
    ),
]


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in KEY_ENVS:
        monkeypatch.delenv(env, raising=False)


@pytest.mark.parametrize(("provider", "message"), MISSING)
async def test_missing_key_on_the_official_host(provider: type[HttpProvider], message: str) -> None:
    p = provider()
    with pytest.raises(AuthenticationError) as caught:
        await p.list_models()
    assert str(caught.value) == message
    await p.aclose()


@pytest.mark.parametrize(("provider", "_"), MISSING)
def test_no_key_needed_on_another_host(provider: type[HttpProvider], _: str) -> None:
    p = provider(endpoint="http://127.0.0.1:9")
    assert not p.key_required and p.api_key is None
    p._check_key()


def test_second_environment_variable_is_used_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")
    p = GeminiProvider()
    assert (p.api_key, p.key_env, p.key_required) == ("g-key", "GOOGLE_API_KEY", True)
    assert p.http.key_env == "GOOGLE_API_KEY"


def test_an_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    p = AnthropicProvider(api_key="given")
    assert (p.api_key, p.key_env) == ("given", "ANTHROPIC_API_KEY")
