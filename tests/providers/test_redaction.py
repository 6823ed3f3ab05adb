"""The key is blanked by one rule where errors leave a provider: any copy of it, and the start
of it that a clipped quote ends with. Played against the real protocol servers of the three
keyed services, calling the provider itself (not only through the agent's boundary)."""

from __future__ import annotations

import pytest

from agentry.errors import ProviderError, ServerError, StreamError
from agentry.providers import make_provider
from agentry.providers.base import Provider
from agentry.providers.redaction import API_KEY_SHOWN, redact
from tests.servers.chaos import ANTHROPIC, GEMINI, OPENAI, ChaosServer, Fault, Protocol

KEY = "sk-cut-0123456789abcdef"
KEYED = (OPENAI, ANTHROPIC, GEMINI)


@pytest.fixture(params=KEYED, ids=[p.provider for p in KEYED])
def proto(request: pytest.FixtureRequest) -> Protocol:
    return request.param


def provider_for(chaos: ChaosServer, proto: Protocol, *faults: Fault) -> Provider:
    chaos.reset()
    chaos.play(*faults)
    return make_provider(
        proto.provider, model=proto.model, api_key=KEY, endpoint=chaos.url + proto.endpoint_path
    )


async def failure(provider: Provider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream_chat(
            [{"role": "user", "content": "hi"}], model=provider.model or ""
        ):
            pass
    await provider.aclose()
    return caught.value


def test_every_copy_and_a_clipped_start_are_blanked() -> None:
    assert redact(f"a {KEY} b {KEY}", KEY) == f"a {API_KEY_SHOWN} b {API_KEY_SHOWN}"
    assert redact(f"quoted: '{KEY[:9]}…'", KEY) == f"quoted: '{API_KEY_SHOWN}…'"
    assert redact(f"{KEY[:9]}… and {KEY[:5]}…", KEY) == f"{API_KEY_SHOWN}… and {API_KEY_SHOWN}…"
    # Too short a start to be told from text; no key, nothing to blank.
    assert redact("sk-… more…", KEY) == "sk-… more…"
    assert redact(f"{KEY}…", None) == f"{KEY}…"


async def test_a_malformed_line_cut_inside_the_key_shows_none_of_it(chaos, proto) -> None:
    # The quote of a malformed piece is clipped at 120 characters: here inside the key.
    line = "{" + "x" * 110 + KEY
    error = await failure(provider_for(chaos, proto, Fault(chunks=proto.body(line))))
    assert isinstance(error, StreamError) and "not valid in its stream format" in str(error)
    assert KEY[:5] not in str(error) and f"{API_KEY_SHOWN}…" in str(error)


async def test_an_error_body_cut_inside_the_key_shows_none_of_it(chaos, proto) -> None:
    # A server's error text is clipped at 300 characters: here inside the key.
    body = b'{"error": {"message": "' + b"y" * 290 + KEY.encode() + b'"}}'
    error = await failure(
        provider_for(
            chaos, proto, Fault(status=500, chunks=[body], content_type="application/json")
        )
    )
    assert isinstance(error, ServerError)
    assert KEY[:5] not in str(error) and API_KEY_SHOWN in str(error)


async def test_an_error_event_quoting_the_key_is_blanked(chaos, proto) -> None:
    said = {
        OPENAI: '{"error": {"message": "bad key ' + KEY + '"}}',
        ANTHROPIC: '{"type": "error", "error": {"type": "x", "message": "bad ' + KEY + '"}}',
        GEMINI: '{"error": {"status": "X", "message": "bad key ' + KEY + '"}}',
    }[proto]
    error = await failure(provider_for(chaos, proto, Fault(chunks=proto.body(said))))
    assert "reported an error mid-reply" in str(error)
    assert KEY not in str(error) and API_KEY_SHOWN in str(error)


async def test_a_model_list_error_quoting_the_key_is_blanked(chaos, proto, monkeypatch) -> None:
    provider = provider_for(chaos, proto)
    # The chaos server plays faults to POSTs only; here to the GET of the model list too.
    monkeypatch.setattr(chaos, "route", lambda method, path: chaos.answer)
    chaos.play(Fault(status=503, chunks=[b"down for " + KEY.encode()], content_type="text/plain"))
    with pytest.raises(ServerError) as caught:
        await provider.list_models()
    await provider.aclose()
    assert KEY not in str(caught.value) and API_KEY_SHOWN in str(caught.value)
