"""The one rule that keeps an API key out of every error text: applied where errors leave a
provider (``HttpProvider``'s public calls, and the agent's provider boundary for any provider),
so a server that echoes the key back, in a status body, a stream error or a malformed line,
cannot put it on a screen, in a file or in a log. No imports: the boundary and the HTTP
providers both use it."""

from __future__ import annotations

from typing import TypeVar

API_KEY_SHOWN = "[API key]"
CUT = "…"  # how ``safe_text.clip`` marks a cut: a quote clipped inside the key ends with it
# The shortest start of a key, just before a cut, taken to be the key (shorter ones are too
# likely to be ordinary text, and tell nothing: every key of a service starts alike).
MIN_CUT_KEY = 4

E = TypeVar("E", bound=BaseException)


def redact(text: str, secret: str | None) -> str:
    """``text`` with each copy of ``secret`` shown as ``[API key]``, as is a start of it that a
    clipped quote ends with (``…sk-proj-12…``): quotes are clipped before they reach here."""
    if not secret:
        return text
    if secret in text:
        text = text.replace(secret, API_KEY_SHOWN)
    at = text.find(CUT)
    while at != -1:
        for length in range(min(len(secret) - 1, at), MIN_CUT_KEY - 1, -1):
            if text.startswith(secret[:length], at - length):
                text = text[: at - length] + API_KEY_SHOWN + text[at:]
                at += len(API_KEY_SHOWN) - length
                break
        at = text.find(CUT, at + 1)
    return text


def redacted(exc: E, secret: str | None) -> E:
    """``exc`` with ``secret`` blanked out of its text (in place; returned for ``raise``)."""
    if secret:
        text = str(exc)
        clean = redact(text, secret)
        if clean != text:
            exc.args = (clean,)
    return exc
