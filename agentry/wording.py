"""Small pieces of wording shared by the library's texts and both clients."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 message', '3 messages'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
