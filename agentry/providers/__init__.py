"""Providers by name. Modules load on first use, so naming one never imports the others."""

from __future__ import annotations

import importlib
from typing import Any

from agentry.providers.base import Provider

_REGISTRY = {
    "ollama": "agentry.providers.ollama:OllamaProvider",
    "openai": "agentry.providers.openai:OpenAIProvider",
    "groq": "agentry.providers.openai:GroqProvider",
    "anthropic": "agentry.providers.anthropic:AnthropicProvider",
    "gemini": "agentry.providers.gemini:GeminiProvider",
    "local": "agentry.providers.local:LocalProvider",
}
PROVIDER_NAMES = tuple(_REGISTRY)


def provider_class(name: str) -> type[Provider]:
    target = _REGISTRY.get(name.lower())
    if target is None:
        raise ValueError(f"Unknown provider {name!r}. Known providers: {', '.join(_REGISTRY)}.")
    module, _, attr = target.partition(":")
    found: type[Provider] = getattr(importlib.import_module(module), attr)
    return found


def make_provider(name: str, **options: Any) -> Provider:
    """Build a provider by name; options are model, api_key, endpoint, timeouts, ..."""
    return provider_class(name)(**options)


__all__ = ["PROVIDER_NAMES", "Provider", "make_provider", "provider_class"]
