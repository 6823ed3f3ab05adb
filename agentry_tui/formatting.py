"""Pure text helpers shared by the widgets, the slash commands and the exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from rich.cells import cell_len, get_character_cell_size

from agentry.messages import Usage
from agentry.wording import byte_size


def relative_time(moment: datetime | None, now: datetime) -> str:
    """'just now', '5m ago', '3h ago', '2d ago', else the date: how a list shows last activity."""
    if moment is None:
        return "—"
    if moment.tzinfo is not None and now.tzinfo is None:
        moment = moment.astimezone().replace(tzinfo=None)
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return moment.strftime("%Y-%m-%d")


def clock_time(moment: datetime | None, now: datetime) -> str:
    """HH:MM for today, else the date too: the time on a message header."""
    if moment is None:
        return ""
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def human_size(size: int | None) -> str:
    return "—" if size is None else byte_size(size)


# Below both, a speed says more about the request's overhead than about the model: a 3-token
# reply in 30 ms is not "100 tok/s".
MEANINGFUL_S, MEANINGFUL_TOKENS = 1.0, 20


def tokens_per_second(usage: Usage | None) -> float | None:
    """completion_tokens / duration_s of a reply's usage (``messages.usage``), when both are
    known and the reply was long enough (1 s or 20 tokens) for the speed to mean something."""
    if not isinstance(usage, dict):  # also a raw ``_usage`` value of the wrong type
        return None
    tokens, seconds = usage.get("completion_tokens"), usage.get("duration_s")
    if not isinstance(tokens, int | float) or not isinstance(seconds, int | float):
        return None
    if tokens <= 0 or seconds <= 0:  # a reply that only asked for tools has no speed to show
        return None
    if seconds < MEANINGFUL_S and tokens < MEANINGFUL_TOKENS:
        return None
    return tokens / seconds


T = TypeVar("T")


def fitting(parts: Sequence[tuple[T, int, int]], width: int) -> list[T]:
    """The (part, cells, rank) parts that fit in ``width`` cells, in their order, each whole:
    the highest rank goes first (the rightmost of equals); rank 0 always stays. A line of
    labelled parts (a status bar, a message header) loses whole parts, never half a word."""
    kept = list(range(len(parts)))
    used = sum(cells for _, cells, _ in parts)
    for index in sorted(kept, key=lambda i: (parts[i][2], i), reverse=True):
        if used <= width or parts[index][2] == 0:
            break
        kept.remove(index)
        used -= parts[index][1]
    return [parts[i][0] for i in kept]


def home_relative(path: Path) -> str:
    """The path with the home folder written as ~ (shorter, and the same on every machine)."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def cut_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: if longer, its start and its end with "…" between,
    so titles that begin alike (a long shared prefix) still differ where they end."""
    if cell_len(text) <= width:
        return text
    if width < 2:
        return "…"[:width]
    room = width - 1
    head = text[: _cells_from(text, room * 3 // 5)]  # the start reads best; the end differs
    tail = text[len(text) - _cells_from(text[::-1], room - cell_len(head)) :]
    return head.rstrip() + "…" + tail.lstrip()


def _cells_from(text: str, cells: int) -> int:
    """How many characters from the start of ``text`` fit in ``cells``."""
    used = 0
    for count, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > cells:
            return count
    return len(text)
