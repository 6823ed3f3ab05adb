"""HTTP plumbing every provider shares: one client, timeouts, and HTTP failures turned into our
errors with messages a person can act on, and a stream read as lines or server-sent events.
Keys travel only in headers, never in URLs; a key a server echoes back is blanked out where
errors leave the provider (``redaction``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from agentry.env import env_seconds
from agentry.errors import (
    AuthenticationError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
    StreamError,
)
from agentry.providers.arguments import parse_json
from agentry.safe_text import clip

READ_TIMEOUT_ENV = "AGENTRY_READ_TIMEOUT"
REPLY_TIMEOUT_ENV = "AGENTRY_REPLY_TIMEOUT"
MAX_RETRY_AFTER_S = 60.0
# The longest stream line (and SSE event) we hold in memory: a server that never ends a line
# gets a StreamError once this much has arrived, instead of eating memory.
MAX_LINE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Connect fails fast (a server that is down should say so at once); read (the longest gap
    between two pieces of a stream) is generous because a local model may think for minutes
    before its first token; reply bounds one whole model call, so an endless stream ends."""

    connect: float = 5.0
    read: float = 300.0
    reply: float = 1800.0

    @classmethod
    def from_env(cls) -> Timeouts:
        return cls(
            read=env_seconds(READ_TIMEOUT_ENV, cls.read),
            reply=env_seconds(REPLY_TIMEOUT_ENV, cls.reply),
        )

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(self.read, connect=self.connect)


class HttpClient:
    """An httpx.AsyncClient bound to one provider, mapping failures to ProviderError types."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        headers: dict[str, str] | None = None,
        key_env: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.key_env = key_env
        self.timeouts = timeouts or Timeouts.from_env()
        self._headers = headers or {}
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        # Created on first use so an Agent can be built outside a running event loop.
        if self._client is None:
            self._client = httpx.AsyncClient(headers=self._headers, timeout=self.timeouts.httpx())
        return self._client

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get_json(self, path: str) -> Any:
        return await self._json("GET", path, None)

    async def post_json(self, path: str, payload: dict[str, Any]) -> Any:
        return await self._json("POST", path, payload)

    async def _json(self, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        url = self.url(path)
        async with self._guard(url):
            response = await self._send(method, url, payload)
            try:
                await self._raise_for_status(response, url, model=None)
                await response.aread()
                try:
                    return response.json()
                except ValueError:
                    raise ServerError(
                        f"{self.provider} at {url} answered with something that is not JSON.",
                        provider=self.provider,
                        url=url,
                    ) from None
            finally:
                await response.aclose()

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, payload: dict[str, Any], model: str | None = None
    ) -> AsyncIterator[httpx.Response]:
        """POST and yield the streaming response once its status is known to be good."""
        url = self.url(path)
        async with self._guard(url):
            response = await self._send("POST", url, payload)
            try:
                await self._raise_for_status(response, url, model)
                yield response
            finally:
                await response.aclose()

    async def _send(self, method: str, url: str, payload: dict[str, Any] | None) -> httpx.Response:
        """Send once, and once more after a 429 that says when to come back."""
        for attempt in (1, 2):
            request = self.client.build_request(method, url, json=payload)
            response = await self.client.send(request, stream=True)
            if response.status_code != 429 or attempt == 2:
                return response
            delay = _retry_after(response)
            await response.aclose()
            if delay is None:
                raise RateLimitError(
                    f"{self.provider} at {url} is rate limiting requests (HTTP 429). "
                    "Wait a moment and retry.",
                    provider=self.provider,
                    url=url,
                )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def _guard(self, url: str) -> AsyncIterator[None]:
        try:
            yield
        except ProviderError:
            raise
        except httpx.ConnectTimeout:
            raise ProviderTimeout(
                f"Could not connect to {self.provider} at {url} within "
                f"{self.timeouts.connect:g} s. Is the server up and the address right?",
                provider=self.provider,
                url=url,
            ) from None
        except httpx.ConnectError as exc:
            raise ProviderConnectionError(
                f"Cannot connect to {self.provider} at {url} ({self._reason(exc)}). "
                "Is the server running and the address right?",
                provider=self.provider,
                url=url,
            ) from None
        except httpx.ReadTimeout:
            raise ProviderTimeout(
                f"{self.provider} at {url} sent nothing for {self.timeouts.read:g} s. "
                f"Set {READ_TIMEOUT_ENV} (seconds) to wait longer.",
                provider=self.provider,
                url=url,
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise StreamError(
                f"The connection to {self.provider} at {url} was cut before the reply "
                f"finished ({self._reason(exc)}). The partial reply was kept.",
                provider=self.provider,
                url=url,
            ) from None
        except httpx.HTTPError as exc:
            raise ProviderConnectionError(
                f"Request to {self.provider} at {url} failed: {self._reason(exc)}",
                provider=self.provider,
                url=url,
            ) from None

    @staticmethod
    def _reason(exc: Exception) -> str:
        return str(exc) or type(exc).__name__

    async def _raise_for_status(
        self, response: httpx.Response, url: str, model: str | None
    ) -> None:
        status = response.status_code
        if status < 400:
            return
        await response.aread()
        detail = _error_detail(response)
        where = f"{self.provider} at {url}"
        if status in (401, 403):
            env = f" Check {self.key_env}." if self.key_env else ""
            what = "rejected the API key" if status == 401 else "refused access with this key"
            raise AuthenticationError(
                f"{where} {what} (HTTP {status}: {detail}).{env}", provider=self.provider, url=url
            )
        if status == 404 and model is not None:
            raise ModelNotFoundError(
                f"{where} has no model {model!r} (HTTP 404: {detail}).",
                provider=self.provider,
                url=url,
            )
        if status == 429:
            raise RateLimitError(
                f"{where} is still rate limiting after waiting the Retry-After time once "
                f"(HTTP 429: {detail}). Try again later.",
                provider=self.provider,
                url=url,
            )
        kind = "a server error" if status >= 500 else "an error"
        raise ServerError(
            f"{where} answered with {kind} (HTTP {status}: {detail}).",
            provider=self.provider,
            url=url,
        )


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait: ``retry-after-ms`` (OpenAI) or ``Retry-After`` in seconds."""
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            return min(max(float(value) / scale, 0.0), MAX_RETRY_AFTER_S)
        except ValueError:
            continue  # an HTTP date; rare enough from LLM APIs to treat as "no hint"
    return None


def _error_detail(response: httpx.Response, limit: int = 300) -> str:
    """The error text a server sent, from the common JSON shapes, shortened."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip()
    else:
        text = _find_message(data) or json.dumps(data)
    return clip(" ".join(text.split()) or response.reason_phrase, limit)


def _find_message(data: Any) -> str | None:
    # {"error": "..."} (Ollama), {"error": {"message": ...}} (OpenAI, Anthropic, Gemini)
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, str):
            return error
        if isinstance(error, dict) and isinstance(message := error.get("message"), str):
            return message
    return None


def _partial_kept(provider: str, url: str, what: str) -> StreamError:
    return StreamError(f"{what} The partial reply was kept.", provider=provider, url=url)


def malformed(provider: str, url: str, line: str) -> StreamError:
    return _partial_kept(
        provider,
        url,
        f"{provider} at {url} sent a line that is not valid in "
        f"its stream format: {clip(line, 120)!r}.",
    )


# What decoding a stream piece of an unexpected shape raises (a list where an object belongs,
# a number where text does, JSON nested too deep, an integer too long to convert, ...): the
# providers turn these into ``malformed`` errors quoting the piece.
BAD_PIECE = (
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
    RecursionError,
)


def json_object(provider: str, url: str, text: str, shown: str | None = None) -> dict[str, Any]:
    """``text`` (a stream line) parsed as a JSON object; anything else is the ``malformed``
    error, quoting ``shown`` (the text itself unless given)."""
    try:
        value = parse_json(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise malformed(provider, url, text if shown is None else shown)
    return value


def cut_short(provider: str, url: str) -> StreamError:
    return _partial_kept(
        provider, url, f"The stream from {provider} at {url} ended before the reply finished."
    )


def _too_long(provider: str, url: str) -> StreamError:
    return _partial_kept(
        provider,
        url,
        f"{provider} at {url} sent a stream line or event longer "
        f"than {MAX_LINE_BYTES:,} bytes; reading stopped there.",
    )


async def iter_lines(response: httpx.Response, provider: str, url: str) -> AsyncIterator[str]:
    """The response's lines (``\n`` or ``\r\n`` ended), invalid UTF-8 replaced by U+FFFD,
    none longer than MAX_LINE_BYTES (a StreamError instead)."""
    held: list[bytes] = []  # the start of a line not yet ended
    size = 0
    async for chunk in response.aiter_bytes():
        if b"\n" not in chunk:
            held.append(chunk)
            size += len(chunk)
            if size > MAX_LINE_BYTES:
                raise _too_long(provider, url)
            continue
        if held:
            chunk = b"".join(held) + chunk
            held.clear()
        *lines, rest = chunk.split(b"\n")
        for line in lines:
            if len(line) > MAX_LINE_BYTES:
                raise _too_long(provider, url)
            yield line.removesuffix(b"\r").decode("utf-8", "replace")
        if rest:
            held.append(rest)
        size = len(rest)
        if size > MAX_LINE_BYTES:
            raise _too_long(provider, url)
    if held:
        yield b"".join(held).removesuffix(b"\r").decode("utf-8", "replace")


async def iter_sse(response: httpx.Response, provider: str, url: str) -> AsyncIterator[str]:
    """The data of each server-sent event (every protocol here names an event's kind inside its
    data, so the ``event:`` field is not needed); multi-line data joined with newlines; an
    event's data bounded by MAX_LINE_BYTES (characters) like a line."""
    data: list[str] = []
    size = 0
    async for line in iter_lines(response, provider, url):
        if not line:
            if data:
                yield "\n".join(data)
            data, size = [], 0
        elif line.startswith(":"):
            continue  # comment / keep-alive
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
                size += len(value)
                if size > MAX_LINE_BYTES:
                    raise _too_long(provider, url)
    if data:
        yield "\n".join(data)
