"""The one small interface every provider implements, whatever its wire protocol."""

from __future__ import annotations

import abc
import ipaddress
import os
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from agentry.errors import AuthenticationError, ModelNotFoundError, ProviderError
from agentry.events import ProviderEvent
from agentry.providers.arguments import tool_arguments

if TYPE_CHECKING:
    from agentry.providers.http import HttpClient, Timeouts

MODEL_ENV = "AGENTRY_MODEL"
# Set to 1 to send an API key over plain http:// to a host other than this machine.
INSECURE_HTTP_ENV = "AGENTRY_ALLOW_INSECURE_HTTP"


class Provider(abc.ABC):
    """Streams one model call. Messages come in Agentry's form (OpenAI-style dicts, tool call
    arguments as dicts, bookkeeping keys already stripped); the provider translates them to its
    wire format and its stream back to ``ProviderEvent``s, assembling streamed tool calls."""

    name: ClassVar[str]
    endpoint: str
    model: str | None

    @abc.abstractmethod
    def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
    ) -> AsyncIterator[ProviderEvent]:
        """Yield events for one reply; raise ProviderError subclasses on failure."""

    @abc.abstractmethod
    async def list_models(self) -> list[str]:
        """Names of the models the server offers."""

    async def resolve_model(self) -> str:
        """The model to use: the configured one, else the server's first."""
        if self.model:
            return self.model
        models = await self.list_models()
        if not models:
            raise ModelNotFoundError(
                f"{self.name} at {self.endpoint} offers no models. Name one with --model or "
                f"{MODEL_ENV}.",
                provider=self.name,
                url=self.endpoint,
            )
        self.model = models[0]
        return self.model

    async def aclose(self) -> None:
        """Release connections."""


class HttpProvider(Provider):
    """A provider that talks HTTP through one ``HttpClient``."""

    label: ClassVar[str]  # the service's name as people write it, for messages
    http: HttpClient
    api_key: str | None = None
    key_envs: tuple[str, ...] = ()  # where a key may come from, first the one to name
    key_env: str | None = None  # the one it came from
    key_required = False
    _key_problem: str | None = None  # why the configured key is not sent (see key_problem)

    def _connect_keyed(
        self,
        official: str,
        api_key: str | None,
        key_envs: tuple[str, ...],
        auth: Callable[[str], dict[str, str]],
        timeouts: Timeouts | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Set up a service that takes an API key, once ``self.endpoint`` is set: the key from
        the argument, else the first of ``key_envs`` set; a key is required only on the
        ``official`` host (a local server on a custom endpoint usually needs none); one
        HttpClient that sends it (``auth`` makes its headers) and keeps it out of messages."""
        from agentry.providers.http import HttpClient

        self.key_envs, self.key_env, source = key_envs, key_envs[0], "the api_key argument"
        key = api_key or None
        for env in key_envs:
            if not key and os.environ.get(env):
                key, self.key_env, source = os.environ[env], env, env
        # A key read with `$(cat keyfile)` or pasted with a newline: the ends are trimmed; a
        # key with other control characters is refused (httpx would quote it in its error).
        key = key.strip() if key else None
        self._key_problem = key_problem(key, source, self.endpoint)
        self.api_key = None if self._key_problem else key or None
        self.key_required = (
            urllib.parse.urlsplit(self.endpoint).hostname
            == urllib.parse.urlsplit(official).hostname
        )
        headers = {**(headers or {}), **(auth(self.api_key) if self.api_key else {})}
        self.http = HttpClient(
            self.name, self.endpoint, headers=headers, key_env=self.key_env, timeouts=timeouts,
            secret=self.api_key,
        )

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

    def missing_model_hint(self, model: str) -> str:
        return "Choose another with --model."

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


def key_problem(key: str | None, source: str, endpoint: str) -> str | None:
    """Why ``key`` (from ``source``, an env name or the argument) must not be sent to
    ``endpoint``, or None. The text never contains the key."""
    if not key:
        return None
    if not key.isascii() or not key.isprintable():
        return (f"The API key in {source} contains a line break, control or non-ASCII "
                "character; it was not sent. Set it to the key alone")
    split = urllib.parse.urlsplit(endpoint)
    if split.scheme == "http" and not _loopback(split.hostname or "") \
            and os.environ.get(INSECURE_HTTP_ENV) != "1":
        return (f"Refusing to send the API key from {source} over plain http:// to "
                f"{split.hostname}, where anyone on the network path can read it. Use https://, "
                f"or set {INSECURE_HTTP_ENV}=1 to send it anyway")
    return None


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def call_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """A stored tool call's arguments as a dict (OpenAI-style calls carry a JSON string; one
    that is not a JSON object, as an older session may hold, is sent as {})."""
    return tool_arguments(call["function"].get("arguments"))[0]
