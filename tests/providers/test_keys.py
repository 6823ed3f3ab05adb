"""API keys: surrounding whitespace trimmed, a key with control characters refused without
being echoed, and never sent over plain http:// to another machine unless opted in."""

from __future__ import annotations

import pytest

from agentry.errors import AuthenticationError, ProviderConnectionError, ProviderTimeout
from agentry.providers.anthropic import AnthropicProvider
from agentry.providers.base import INSECURE_HTTP_ENV, key_problem
from agentry.providers.gemini import GeminiProvider
from agentry.providers.http import Timeouts
from agentry.providers.openai import OpenAIProvider
from tests.providers.harness import collect, posts
from tests.servers.base import Reply

KEY = "sk-test-0123456789"


async def test_a_key_read_with_a_trailing_newline_is_sent_trimmed(
    openai_server, monkeypatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", f"  {KEY}\n")
    openai_server.api_key = KEY
    openai_server.enqueue(Reply(text="ok"))
    provider = OpenAIProvider()
    try:
        await collect(provider, model="gpt-4o-mini")
    finally:
        await provider.aclose()
    assert posts(openai_server)[-1].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("bad", [f"{KEY}\nX-Evil: 1", f"{KEY}\x7f", f"{KEY}\x1b[2J", "sk-ключ"])
@pytest.mark.parametrize(
    ("cls", "env"),
    [
        (OpenAIProvider, "OPENAI_API_KEY"),
        (AnthropicProvider, "ANTHROPIC_API_KEY"),
        (GeminiProvider, "GEMINI_API_KEY"),
    ],
)
async def test_a_key_with_control_characters_is_refused_unechoed(
    monkeypatch, bad, cls, env
) -> None:
    monkeypatch.setenv(env, bad)
    provider = cls()
    with pytest.raises(AuthenticationError) as caught:
        await provider.list_models()
    await provider.aclose()
    text = str(caught.value)
    assert text.startswith(f"The API key in {env} contains a line break, control or non-ASCII")
    assert KEY not in text and "ключ" not in text and provider.api_key is None


async def test_the_argument_is_named_when_the_key_came_from_it() -> None:
    provider = OpenAIProvider(api_key=f"{KEY}\r\nHost: x", endpoint="http://127.0.0.1:9")
    with pytest.raises(AuthenticationError, match="The API key in the api_key argument"):
        await provider.list_models()
    await provider.aclose()


@pytest.mark.parametrize(
    ("endpoint", "refused"),
    [
        ("http://192.0.2.1:9", True),
        ("http://example.com/v1", True),
        ("http://[2001:db8::1]:8080", True),
        ("https://192.0.2.1:9", False),
        ("http://127.0.0.1:9", False),
        ("http://127.5.6.7:9", False),
        ("http://localhost:9", False),
        ("http://[::1]:9", False),
    ],
)
def test_plain_http_to_another_host_is_refused(monkeypatch, endpoint, refused) -> None:
    monkeypatch.delenv(INSECURE_HTTP_ENV, raising=False)
    problem = key_problem(KEY, "OPENAI_API_KEY", endpoint)
    assert (problem is not None) == refused
    if refused:
        assert "over plain http://" in problem and f"{INSECURE_HTTP_ENV}=1" in problem
        assert KEY not in problem
    assert key_problem(None, "OPENAI_API_KEY", endpoint) is None  # no key: nothing to protect


async def test_the_refusal_comes_before_any_request_and_the_opt_in_lifts_it(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv(INSECURE_HTTP_ENV, raising=False)
    refused = OpenAIProvider(endpoint="http://192.0.2.1:9/v1", timeouts=Timeouts(connect=0.2))
    with pytest.raises(
        AuthenticationError,
        match="Refusing to send the API key from OPENAI_API_KEY over plain http:// to 192.0.2.1",
    ):
        await refused.list_models()
    assert "authorization" not in {k.lower() for k in refused.http.client.headers}
    await refused.aclose()
    monkeypatch.setenv(INSECURE_HTTP_ENV, "1")
    allowed = OpenAIProvider(endpoint="http://192.0.2.1:9/v1", timeouts=Timeouts(connect=0.2))
    # It did try (the address is a documentation one: no answer, or no route).
    with pytest.raises((ProviderTimeout, ProviderConnectionError)):
        await allowed.list_models()
    assert allowed.http.client.headers["authorization"] == f"Bearer {KEY}"
    await allowed.aclose()
