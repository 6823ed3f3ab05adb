"""The one small interface every provider implements, whatever its wire protocol."""

from __future__ import annotations

import abc
import ipaddress
import os
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, ClassVar

from agentry.context.length import ServerLength
from agentry.errors import ModelNotFoundError
from agentry.events import ProviderEvent
from agentry.messages import content_text
from agentry.providers.arguments import tool_arguments

MODEL_ENV = "AGENTRY_MODEL"
# Set to 1 to send an API key over plain http:// to a host other than this machine.
INSECURE_HTTP_ENV = "AGENTRY_ALLOW_INSECURE_HTTP"


class Provider(abc.ABC):
    """Streams one model call. Messages come in Agentry's form (OpenAI-style dicts, tool call
    arguments as dicts, bookkeeping keys already stripped; a user message's attached images in
    ``images``, see agentry.attachments.wire); the provider translates them to its wire format
    and its stream back to ``ProviderEvent``s, assembling streamed tool calls."""

    name: ClassVar[str]
    endpoint: str
    model: str | None
    # The session parameters (agentry/params.py) ``stream_chat`` takes as ``params=`` and sends;
    # a provider naming none is never passed any (custom subclasses keep working as they are).
    supported_params: ClassVar[frozenset[str]] = frozenset()

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
            raise ModelNotFoundError(self.no_models(), provider=self.name, url=self.endpoint)
        self.model = models[0]
        return self.model

    async def context_length(self, model: str) -> int | None:
        """The context length (tokens) the server runs ``model`` with, where it says one; None
        where it does not (then settings or the table of well-known models decide)."""
        return None

    async def context_window(self, model: str) -> ServerLength | None:
        """What the server says of ``model``'s context; by default the length
        ``context_length`` says, which a request cannot change."""
        tokens = await self.context_length(model)
        return ServerLength(tokens) if tokens else None

    async def accepts_images(self, model: str) -> bool | None:
        """Whether ``model`` takes images: False where it certainly does not (they are then left
        out, and the person told), True or None (unknown) where they are sent."""
        return None

    def no_models(self) -> str:
        """What to say when the server offers no model at all."""
        return (
            f"{self.name} at {self.endpoint} offers no models. Name one with --model or "
            f"{MODEL_ENV}."
        )

    async def aclose(self) -> None:  # noqa: B027 - optional: most providers hold nothing
        """Release connections."""


def key_problem(key: str | None, source: str, endpoint: str) -> str | None:
    """Why ``key`` (from ``source``, an env name or the argument) must not be sent to
    ``endpoint``, or None. The text never contains the key."""
    if not key:
        return None
    if not key.isascii() or not key.isprintable():
        return (
            f"The API key in {source} contains a line break, control or non-ASCII "
            "character; it was not sent. Set it to the key alone"
        )
    split = urllib.parse.urlsplit(endpoint)
    if (
        split.scheme == "http"
        and not _loopback(split.hostname or "")
        and os.environ.get(INSECURE_HTTP_ENV) != "1"
    ):
        return (
            f"Refusing to send the API key from {source} over plain http:// to "
            f"{split.hostname}, where anyone on the network path can read it. Use https://, "
            f"or set {INSECURE_HTTP_ENV}=1 to send it anyway"
        )
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


def alternating_turns(
    messages: list[dict[str, Any]],
    convert: Callable[[dict[str, Any]], tuple[str, list[dict[str, Any]]]],
    key: str,
) -> tuple[list[str], list[dict[str, Any]]]:
    """(system texts, turns) for the APIs that take the system prompt apart and want roles to
    alternate: ``convert`` makes each other message (role, parts); a message with no parts is
    dropped (these APIs refuse empty turns), consecutive ones of one role are merged under
    ``key``."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] == "system":
            if text := content_text(message.get("content")):
                system.append(text)
            continue
        role, parts = convert(message)
        if not parts:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1][key].extend(parts)
        else:
            turns.append({"role": role, key: parts})
    return system, turns


def wire_fields(params: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The session parameters under the field names a service gives them (``names``)."""
    return {names[name]: value for name, value in params.items() if name in names}
