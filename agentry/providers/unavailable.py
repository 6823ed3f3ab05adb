"""A stand-in for when no model can be reached, so a client starts and its commands work;
sending a message gets the notice on how to connect one, as any failed turn gets its error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agentry.errors import ProviderError
from agentry.events import ProviderEvent
from agentry.providers.base import Provider


class UnavailableProvider(Provider):
    name = "none"

    def __init__(self, notice: str) -> None:
        self.endpoint = ""
        self.model = None
        self.notice = notice

    async def list_models(self) -> list[str]:
        return []

    async def resolve_model(self) -> str:
        raise ProviderError(self.notice)

    def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        model: str,
    ) -> AsyncIterator[ProviderEvent]:
        raise ProviderError(self.notice)
