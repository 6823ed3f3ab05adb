"""The context window of an agent's sessions, at the edge: asks the provider for the context
length (once a model), reads the session's settings, plans each request, and writes the
summaries of the "summarise" policy with the model."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agentry.config import settings_context_length
from agentry.context.estimate import CHARS_PER_TOKEN, tools_tokens
from agentry.context.length import ContextLength, ServerLength, positive_int, resolve_length
from agentry.context.texts import context_text, summarised_count
from agentry.context.window import SUMMARY, Plan, plan_request, policy_of
from agentry.errors import ProviderError
from agentry.events import TextDelta
from agentry.messages import CREATED_AT, content_text, wire_message
from agentry.providers import Provider
from agentry.providers.boundary import checked_stream

SUMMARY_PREFIX = "Summary of the earlier conversation:\n"
SUMMARISE_INSTRUCTION = (
    "You summarise conversations for someone who will continue them. Write a short summary of "
    "the conversation below: the facts, names, numbers, decisions and open questions it holds. "
    "Write only the summary."
)


def params(metadata: Mapping[str, Any]) -> Mapping[str, Any]:
    """The session's parameters (``metadata["params"]``), {} if it has none."""
    value = metadata.get("params")
    return value if isinstance(value, dict) else {}


class ContextKeeper:
    def __init__(self, provider: Provider, defaults: Mapping[str, Any] | None = None) -> None:
        """``defaults``: the parameters every request sends unless a session or a call says
        otherwise (the agent's)."""
        self.provider = provider
        self._defaults: Mapping[str, Any] = defaults if defaults is not None else {}
        self._server: dict[str, ServerLength | None] = {}  # by model: what the server said
        self._settings: int | None = settings_context_length()

    async def length(
        self, model: str, metadata: Mapping[str, Any], request: Mapping[str, Any] | None = None
    ) -> ContextLength | None:
        if model not in self._server:
            try:
                self._server[model] = await self.provider.context_window(model)
            except ProviderError:
                self._server[model] = None
        return self.known(model, metadata, request)

    def known(
        self,
        model: str | None,
        metadata: Mapping[str, Any],
        request: Mapping[str, Any] | None = None,
    ) -> ContextLength | None:
        """The length from what is known now, without asking the server. ``request``: the
        request's parameters, when known (else the session's over the defaults)."""
        if request is None:
            request = {**self._defaults, **params(metadata)}
        return resolve_length(
            model,
            server=self._server.get(model) if model else None,
            session=positive_int(request.get("context_length")),
            settings=self._settings,
        )

    @staticmethod
    def sent_params(params: Mapping[str, Any], length: ContextLength | None) -> Mapping[str, Any]:
        """The request's parameters, naming the length it was planned with where the server
        runs the length a request names (Ollama): what is planned is what the model sees."""
        if length is None or not length.sent:
            return params
        return {**params, "context_length": length.tokens}

    def plan(
        self,
        history: list[dict[str, Any]],
        metadata: Mapping[str, Any],
        length: ContextLength | None,
        tools: list[dict[str, Any]] | None,
    ) -> Plan:
        return plan_request(
            history,
            length.tokens if length else None,
            tools=tools_tokens(tools),
            max_reply=positive_int(params(metadata).get("max_tokens")),
        )

    async def report(
        self,
        history: list[dict[str, Any]],
        metadata: Mapping[str, Any],
        model: str | None,
        tools: list[dict[str, Any]] | None,
    ) -> str:
        """``/context``: what the next request sends and leaves out (the server asked for the
        context length if the model is known)."""
        length = await self.length(model, metadata) if model else self.known(None, metadata)
        plan = self.plan(history, metadata, length, tools)
        return context_text(history, plan, length, policy_of(metadata))

    async def summary(
        self,
        history: list[dict[str, Any]],
        plan: Plan,
        model: str,
        reply_timeout: float,
        stamp: datetime,
    ) -> dict[str, Any]:
        """A summary message standing in for the messages ``plan`` drops and for the summary it
        sends, written by the model a part at a time."""
        through = max(plan.dropped)
        earlier = history[plan.summary] if plan.summary is not None else None
        summary = (
            content_text(earlier.get("content")).removeprefix(SUMMARY_PREFIX) if earlier else ""
        )
        # A part takes half the context; the summary so far and the new one an eighth each.
        room = (plan.limit or 4096) * CHARS_PER_TOKEN // 2
        for part in _parts([history[i] for i in plan.dropped], room):
            summary = await self._summarise(summary, part, model, reply_timeout, room)
        covered = len(plan.dropped) + (summarised_count(earlier) if earlier else 0)
        return {
            "role": "system",
            "content": SUMMARY_PREFIX + summary.strip(),
            SUMMARY: {"through": through, "messages": covered},
            CREATED_AT: stamp.isoformat(),
        }

    async def _summarise(
        self, summary: str, part: str, model: str, reply_timeout: float, room: int
    ) -> str:
        earlier = f"The summary so far:\n{summary}\n\n" if summary else ""
        request = [
            {"role": "system", "content": SUMMARISE_INSTRUCTION},
            {"role": "user", "content": f"{earlier}The conversation:\n{part}"},
        ]
        pieces: list[str] = []
        size = 0
        stream = checked_stream(
            self.provider, request, None, model=model, reply_timeout=reply_timeout
        )
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    pieces.append(event.text)
                    size += len(event.text)
                    if size >= room // 4:  # long enough: a summary is no use longer than this
                        break
        return "".join(pieces)


def _parts(messages: list[dict[str, Any]], room: int) -> list[str]:
    """The messages as "role: text" lines, in parts of at most ``room`` characters."""
    parts: list[str] = [""]
    for message in messages:
        line = f"{message.get('role')}: {content_text(wire_message(message).get('content'))}\n"
        line = line[:room]
        if parts[-1] and len(parts[-1]) + len(line) > room:
            parts.append("")
        parts[-1] += line
    return [part for part in parts if part]
