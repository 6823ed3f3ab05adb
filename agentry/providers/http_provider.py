"""The skeleton every provider reached over HTTP shares, written once: the API key (from the
argument or the environment, checked before any request), the request, reading the stream,
malformed pieces, an unknown model, a stream cut short, the usage at the end, and the key blanked
out of every error that leaves. A protocol module says only what differs: its endpoint and
headers, the request body, a ``Decoder`` that turns one stream piece into events, and how to
read its model list."""

from __future__ import annotations

import abc
import os
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from agentry.errors import AuthenticationError, ModelNotFoundError, ProviderError, StreamError
from agentry.events import ProviderEvent, ToolCallEvent, UsageEvent
from agentry.providers.base import MODEL_ENV, Provider, key_problem
from agentry.providers.http import (
    BAD_PIECE,
    HttpClient,
    Timeouts,
    cut_short,
    iter_lines,
    iter_sse,
    json_object,
    malformed,
)
from agentry.providers.redaction import redacted


@dataclass(frozen=True)
class Request:
    """One model call: where it goes, what it sends, and the model an HTTP 404 is about."""

    path: str
    body: dict[str, Any]
    model: str


class Decoder(abc.ABC):
    """One reply's stream read piece by piece (an NDJSON line, or one server-sent event's data).
    ``feed`` runs once per piece, thousands of times a reply: keep it lean. A piece of an
    unexpected shape may raise any of ``BAD_PIECE``; the skeleton reports it quoting the piece."""

    finished = False  # the stream said the reply is complete (else it was cut short)
    truncated = False  # it said the reply stopped at the length limit
    ended = False  # read no further (the stream's own end marker)

    def __init__(self, provider: HttpProvider, url: str) -> None:
        self.provider = provider
        self.url = url
        # A piece as the JSON object it must be (bound once: it runs for every piece).
        self.json: Callable[[str], dict[str, Any]] = partial(json_object, provider.name, url)

    @abc.abstractmethod
    def feed(self, piece: str) -> Iterable[ProviderEvent]:
        """The events one piece carries."""

    def held(self) -> Iterable[ToolCallEvent]:
        """Tool calls complete only once the stream has ended (fragments assembled)."""
        return ()

    @abc.abstractmethod
    def usage(self) -> UsageEvent:
        """The reply's token counts, the last event of a finished reply."""

    def mid_reply(
        self, detail: str, cls: type[ProviderError] = StreamError, advice: str = ""
    ) -> ProviderError:
        """The error for an error the server reported inside the stream (``detail`` is what it
        said, as ``": text"`` or ``" (kind: text)"``)."""
        return cls(
            f"{self.provider.label} at {self.url} reported an error mid-reply{detail}. "
            f"The partial reply was kept.{advice}",
            provider=self.provider.name,
            url=self.url,
        )


class HttpProvider(Provider):
    """A provider that talks HTTP through one ``HttpClient``. Subclasses set ``label``,
    ``models_path`` and ``decoder`` (and, for a keyed service, ``key_envs``, ``official`` and
    ``auth``); they implement ``endpoint_for``, ``request`` and ``model_names``."""

    label: ClassVar[str]  # the service's name as people write it, for messages
    sse: ClassVar[bool] = True  # the stream is server-sent events (else NDJSON lines)
    models_path: ClassVar[str]
    decoder: ClassVar[type[Decoder]]
    key_envs: ClassVar[tuple[str, ...]] = ()  # where a key may come from, first the one to name
    official: ClassVar[str] = ""  # the service's own address: there a key is required
    headers: ClassVar[dict[str, str]] = {}  # sent with every request, besides the key
    http: HttpClient
    api_key: str | None = None
    key_env: str | None = None  # the one it came from
    key_required = False
    _key_problem: str | None = None  # why the configured key is not sent (see key_problem)

    def __init__(
        self,
        model: str | None = None,
        api_key: str | None = None,
        endpoint: str | None = None,
        timeouts: Timeouts | None = None,
        **_: Any,
    ) -> None:
        """``model``, else $AGENTRY_MODEL, else the server's first; ``endpoint``, else the
        service's own (see ``endpoint_for``). A keyed service takes the key from ``api_key``,
        else the first of ``key_envs`` set, and requires one only on the ``official`` host (a
        local server on a custom endpoint usually needs none). Other options are a subclass's
        own, or ignored."""
        self.endpoint = self.endpoint_for(endpoint)
        self.model = model or os.environ.get(MODEL_ENV) or None
        headers = dict(self.headers)
        if self.key_envs:
            self.key_env, source = self.key_envs[0], "the api_key argument"
            key = api_key or None
            for env in self.key_envs:
                if not key and os.environ.get(env):
                    key, self.key_env, source = os.environ[env], env, env
            # A key read with `$(cat keyfile)` or pasted with a newline: the ends are trimmed; a
            # key with other control characters is refused (httpx would quote it in its error).
            key = key.strip() if key else None
            self._key_problem = key_problem(key, source, self.endpoint)
            self.api_key = None if self._key_problem else key or None
            self.key_required = (
                urllib.parse.urlsplit(self.endpoint).hostname
                == urllib.parse.urlsplit(self.official).hostname
            )
            headers.update(self.auth(self.api_key) if self.api_key else {})
        self.http = HttpClient(
            self.name, self.endpoint, headers=headers, key_env=self.key_env, timeouts=timeouts
        )

    @abc.abstractmethod
    def endpoint_for(self, endpoint: str | None) -> str:
        """The address to use for the one given (None: the service's own)."""

    def auth(self, key: str) -> dict[str, str]:
        """The headers that send ``key`` (a keyed service says which)."""
        raise NotImplementedError(f"{type(self).__name__} names key_envs but no auth headers")

    @abc.abstractmethod
    def request(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, model: str
    ) -> Request:
        """The model call for these messages and tools."""

    def send_params(self, body: dict[str, Any], params: Mapping[str, Any]) -> None:
        """Put the session parameters (those in ``supported_params``) into a request body, in
        the service's own fields."""

    @abc.abstractmethod
    def model_names(self, listing: Any) -> list[str]:
        """The model names in the server's answer to ``models_path``."""

    def missing_model_hint(self, model: str) -> str:
        return "Choose another with --model."

    def settled(self, exc: ProviderError) -> ProviderError:
        """The error to raise for ``exc``, where a service says something in its own way."""
        return exc

    async def list_models(self) -> list[str]:
        try:
            self._check_key()
            listing = await self.http.get_json(self.models_path)
        except ProviderError as exc:
            raise self._leaving(exc) from None
        return self.model_names(listing)

    async def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ProviderEvent]:
        try:
            self._check_key()
            request = self.request(messages, tools, model)
            if params:
                self.send_params(request.body, params)
            url = self.http.url(request.path)
            decoder = self.decoder(self, url)
            feed = decoder.feed  # the hot path: once per piece, thousands of times a reply
            pieces = iter_sse if self.sse else iter_lines
            try:
                async with self.http.stream(request.path, request.body, request.model) as response:
                    async for piece in pieces(response, self.name, url):
                        try:
                            for event in feed(piece):
                                yield event
                        except BAD_PIECE:  # a piece of an unexpected shape
                            raise malformed(self.name, url, piece) from None
                        if decoder.ended:
                            break
            except ModelNotFoundError:
                raise await self._model_not_found(request.model) from None
            if not decoder.finished:
                raise cut_short(self.name, url)
            for call in decoder.held():
                yield call
            usage = decoder.usage()
            usage.truncated = decoder.truncated
            yield usage
        except ProviderError as exc:
            raise self._leaving(exc) from None

    def _leaving(self, exc: ProviderError) -> ProviderError:
        """Every error on its way out: in the service's own terms, without the key."""
        return redacted(self.settled(exc), self.api_key)

    def _check_key(self) -> None:
        if self._key_problem:
            raise AuthenticationError(
                f"{self._key_problem} ({self.label} at {self.endpoint}).",
                provider=self.name,
                url=self.endpoint,
            )
        if self.key_required and not self.api_key:
            first, *others = self.key_envs
            alternatives = "".join(f"{env}, or " for env in others)
            raise AuthenticationError(
                f"No API key for {self.label} at {self.endpoint}. Set {first} "
                f"(or {alternatives}pass api_key).",
                provider=self.name,
                url=self.endpoint,
            )

    async def _model_not_found(self, model: str) -> ModelNotFoundError:
        """The error for an unknown model, naming what the server does have."""
        try:
            have = await self.list_models()
        except ProviderError:
            have = []
        offer = ", ".join(have) if have else "none listed"
        return ModelNotFoundError(
            f"{self.label} at {self.endpoint} has no model {model!r} (available: {offer}). "
            f"{self.missing_model_hint(model)}",
            provider=self.name,
            url=self.endpoint,
        )

    async def aclose(self) -> None:
        await self.http.aclose()


def listed_ids(listing: Any) -> list[str]:
    """The ``id`` of each model in an OpenAI-style list (``{"data": [{"id": ...}, ...]}``)."""
    return [m["id"] for m in listing.get("data") or [] if isinstance(m, dict) and m.get("id")]
