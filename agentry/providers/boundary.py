"""The provider boundary: everything any provider (custom subclasses included) streams passes
through ``checked_stream`` before the agent stores it. Past it, text is valid Unicode, tool call
arguments are a dict with str keys (or the call carries the problem, answered as a tool error),
every failure is a readable ProviderError that names the provider, and a reply ends within the
total reply time limit."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from agentry.errors import ProviderError, ProviderTimeout, StreamError
from agentry.events import ProviderEvent, ReasoningDelta, TextDelta, ToolCallEvent, UsageEvent
from agentry.providers.arguments import tool_arguments, valid_unicode
from agentry.providers.base import Provider
from agentry.providers.http import REPLY_TIMEOUT_ENV
from agentry.providers.redaction import redact, redacted


class _Surrogates:
    """Joins UTF-16 surrogate halves split across deltas ("\\ud83d" then "\\ude00", as a
    JSON stream may send an emoji); lone halves become U+FFFD."""

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held = ""  # a high half waiting for its low half in the next delta

    def clean(self, text: str) -> str:
        if self.held:
            text, self.held = self.held + text, ""
        elif text.isascii():  # O(1) in CPython: the common case costs nothing more
            return text
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            pass
        if "\ud800" <= text[-1] <= "\udbff":
            text, self.held = text[:-1], text[-1]
        return valid_unicode(text)

    def flush(self) -> str:
        held, self.held = self.held, ""
        return "\ufffd" if held else ""


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _where(provider: Provider) -> tuple[str, str]:
    name = getattr(provider, "name", "") or type(provider).__name__
    return name, str(getattr(provider, "endpoint", "") or "")


def _unreadable(provider: Provider, what: str) -> StreamError:
    name, url = _where(provider)
    at = f" at {url}" if url else ""
    key = getattr(provider, "api_key", None)
    return StreamError(
        redact(
            f"{name}{at} sent a reply Agentry could not read ({what}). The partial reply was kept.",
            key,
        ),
        provider=name,
        url=url,
    )


def _redact_error(provider: Provider, exc: ProviderError) -> None:
    """Blank the key out of an error a provider raised (custom ones included)."""
    redacted(exc, getattr(provider, "api_key", None))


class _Deadline:
    """The total time limit of one reply. One timer per reply, not one per event: it cancels
    the task only while that task waits inside the provider (``inside``); otherwise the next
    wait sees it fired. ``cancelled`` tells its own cancellation from anyone else's."""

    __slots__ = ("cancelled", "fired", "handle", "inside")

    def __init__(self, seconds: float) -> None:
        self.fired = self.cancelled = False
        self.inside: asyncio.Task[Any] | None = None  # the task waiting inside the provider
        self.handle = asyncio.get_running_loop().call_later(seconds, self._fire)

    def _fire(self) -> None:
        self.fired = True
        if self.inside is not None:
            self.cancelled = True
            self.inside.cancel("agentry reply timeout")

    def was_mine(self) -> bool:
        """After a CancelledError inside: True if it was only this deadline's cancellation."""
        task = asyncio.current_task()
        return self.cancelled and task is not None and task.uncancel() == 0


def reply_timeout_error(provider: Provider, seconds: float) -> ProviderTimeout:
    name, url = _where(provider)
    at = f" at {url}" if url else ""
    return ProviderTimeout(
        f"The reply from {name}{at} took longer than the total reply limit of {seconds:g} s. "
        f"Set {REPLY_TIMEOUT_ENV} (seconds) or pass Timeouts(reply=...) to allow longer. "
        "The partial reply was kept.",
        provider=name,
        url=url,
    )


async def checked_model(provider: Provider) -> str:
    """``provider.resolve_model()``, any unexpected failure (a model list of the wrong shape)
    being the same readable error as in a stream."""
    try:
        model = await provider.resolve_model()
    except ProviderError as exc:
        _redact_error(provider, exc)
        raise
    except Exception as exc:
        raise _unreadable(provider, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(model, str) or not model:
        raise _unreadable(provider, f"a model name that is {model!r}")
    return model


async def checked_stream(
    provider: Provider,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    *,
    model: str,
    reply_timeout: float,
    params: Mapping[str, Any] | None = None,
) -> AsyncGenerator[ProviderEvent, None]:
    """``provider.stream_chat`` made safe to store (see the module docstring). ``params``: the
    session parameters to send, those in the provider's ``supported_params``; passed only when
    there are some, so a provider that takes none is called as it always was."""
    options = {"params": params} if params else {}
    text, reasoning = _Surrogates(), _Surrogates()
    deadline = _Deadline(reply_timeout)
    events: Any = None
    try:
        while True:
            if deadline.fired:
                raise reply_timeout_error(provider, reply_timeout)
            deadline.inside = asyncio.current_task()
            try:
                if events is None:
                    events = aiter(provider.stream_chat(messages, tools, model=model, **options))
                event = await anext(events)
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                if deadline.was_mine():
                    raise reply_timeout_error(provider, reply_timeout) from None
                raise
            except ProviderError as exc:
                _redact_error(provider, exc)
                raise
            except Exception as exc:  # a provider's decoding failed: ONE readable error
                raise _unreadable(provider, f"{type(exc).__name__}: {exc}") from exc
            finally:
                deadline.inside = None
            kind = type(event)
            if kind is TextDelta or kind is ReasoningDelta:
                if not isinstance(event.text, str):
                    raise _unreadable(provider, f"text that is a {type(event.text).__name__}")
                event.text = (text if kind is TextDelta else reasoning).clean(event.text)
                if event.text:
                    yield event
            elif kind is ToolCallEvent:
                yield _checked_call(event)
            elif kind is UsageEvent:
                yield UsageEvent(
                    _count(event.prompt_tokens),
                    _count(event.completion_tokens),
                    event.duration_s
                    if isinstance(event.duration_s, (int, float))
                    and math.isfinite(event.duration_s)
                    else None,
                    event.truncated is True,
                )
            else:
                raise _unreadable(provider, f"an event of type {kind.__name__}")
        # A high surrogate half left at the very end has no partner any more.
        for left, cls in ((text.flush(), TextDelta), (reasoning.flush(), ReasoningDelta)):
            if left:
                yield cls(left)
    finally:
        deadline.handle.cancel()
        if hasattr(events, "aclose"):
            await events.aclose()


def _checked_call(event: ToolCallEvent) -> ToolCallEvent:
    arguments, problem = tool_arguments(event.arguments)
    call_id = event.id if isinstance(event.id, str) else ""
    name = event.name if isinstance(event.name, str) else ""
    if event.problem:
        problem = event.problem
    return ToolCallEvent(valid_unicode(call_id), valid_unicode(name), arguments, problem)
