"""Small pieces of wording shared by the library's texts and both clients."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 message', '3 messages'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def byte_size(size: int) -> str:
    """'512 B', '12.3 KB', '256 KB', '1.5 MB' (1 KB = 1024 bytes, as file managers count)."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
