"""The one small interface every provider implements, whatever its wire protocol."""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from agentry.errors import ModelNotFoundError, ProviderError
from agentry.events import ProviderEvent

if TYPE_CHECKING:
    from agentry.providers.http import HttpClient

MODEL_ENV = "AGENTRY_MODEL"


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


def content_text(content: Any) -> str:
    """Plain text of a message's content (a string, or OpenAI-style parts)."""
    if isinstance(content, list):
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return content or ""


def call_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """A stored tool call's arguments as a dict (OpenAI-style calls carry a JSON string)."""
    args = call["function"].get("arguments") or {}
    return json.loads(args) if isinstance(args, str) else args
