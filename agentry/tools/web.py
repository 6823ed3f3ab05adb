"""url_fetch: one HTTP(S) GET, returned as text for the model."""

from __future__ import annotations

import asyncio
import html
import re

import httpx

from agentry.env import env_seconds
from agentry.errors import ToolError
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool

FETCH_CAP = 512 * 1024  # bytes of body read
TIMEOUT = httpx.Timeout(20.0, connect=10.0)  # per step: connect, and each gap between reads
TOTAL_TIMEOUT = 60.0  # seconds for the whole fetch (a body may drip a byte at a time)
TOTAL_TIMEOUT_ENV = "AGENTRY_FETCH_TIMEOUT"
_TEXT_TYPES = re.compile(r"text/|application/(json|xml|javascript)|\+json|\+xml")
_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
# Tags that start a new line, so paragraphs do not run together.
_BREAK = re.compile(r"<(br|/?(p|div|h[1-6]|li|tr|pre|section|article|header|footer))\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


async def url_fetch(url: str) -> str:
    """Fetch a web page or file over http(s) and answer its text (HTML is reduced to plain text).

    Args:
        url: Absolute http:// or https:// address.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ToolError(f"Invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ToolError(f"Only absolute http:// and https:// URLs can be fetched, not {url!r}.")
    limit = _total_timeout()
    body = bytearray()
    try:
        async with (
            asyncio.timeout(limit),
            httpx.AsyncClient(follow_redirects=True, timeout=TIMEOUT) as client,
            client.stream("GET", parsed) as response,
        ):
            if response.status_code >= 400:
                raise ToolError(
                    f"{url} answered HTTP {response.status_code} {response.reason_phrase}."
                )
            truncated = await _read_capped(response, body)
    except httpx.HTTPError as exc:
        raise ToolError(f"Could not fetch {url}: {type(exc).__name__}: {exc}") from None
    except TimeoutError:
        raise ToolError(
            f"Gave up on {url} after {limit:g} s, the limit for a whole fetch, with {len(body)}"
            f" bytes of the body read. Set {TOTAL_TIMEOUT_ENV} (seconds) to allow longer."
        ) from None
    content_type = response.headers.get("content-type", "")
    if (content_type and not _TEXT_TYPES.search(content_type)) or b"\0" in body[:8192]:
        raise ToolError(f"{url} is not text ({content_type or 'binary content'}).")
    try:
        text = body.decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    if "html" in content_type:
        text = _html_to_text(text)
    note = f"\n[Truncated at {FETCH_CAP // 1024} KB.]" if truncated else ""
    return f"{response.url} ({content_type or 'unknown type'})\n\n{text}{note}"


def _total_timeout() -> float:
    """TOTAL_TIMEOUT, or the seconds set in the environment (read per call, like a setting)."""
    try:
        return env_seconds(TOTAL_TIMEOUT_ENV, TOTAL_TIMEOUT)
    except ValueError as exc:
        raise ToolError(f"{exc}.") from None


async def _read_capped(response: httpx.Response, body: bytearray) -> bool:
    """Reads into ``body`` (kept by the caller, to say how much came before a timeout) up to
    FETCH_CAP; answers whether the body was longer."""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > FETCH_CAP:
            del body[FETCH_CAP:]
            return True
    return False


def _html_to_text(text: str) -> str:
    """Crude but dependency-free: drop scripts, styles and tags, keep the words."""
    text = _TAG.sub(" ", _BREAK.sub("\n", _INVISIBLE.sub(" ", text)))
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fetch_tool() -> Tool:
    return tool_from_function(url_fetch, permission="network")
