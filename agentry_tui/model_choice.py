"""What `/model NAME` asks for: a model of the provider in use, another provider, or both."""

from __future__ import annotations

from typing import NamedTuple

from agentry.providers import PROVIDER_NAMES


class ModelChoice(NamedTuple):
    provider: str | None  # a provider to switch to, or None for the one in use
    model: str | None  # a model for the session, or None for the provider's own


def parse_model_choice(text: str) -> ModelChoice:
    """``local`` (a provider name) switches the provider; ``ollama:llama3.2`` switches it and
    picks its model; anything else is a model name of the provider in use (``llama3.2:latest``
    too: the part before a colon is a provider only when it names one)."""
    name = text.strip()
    if name.lower() in PROVIDER_NAMES:
        return ModelChoice(name.lower(), None)
    head, colon, rest = name.partition(":")
    if colon and head.lower() in PROVIDER_NAMES:
        return ModelChoice(head.lower(), rest.strip() or None)
    return ModelChoice(None, name)
