"""The one small interface every provider implements, whatever its wire protocol."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from agentry.errors import ModelNotFoundError
from agentry.events import ProviderEvent

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
