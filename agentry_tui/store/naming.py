"""The ids the TUI gives sessions made without one, and how a list shows them.

An automatic id names the minute it was made (``chat-20261207-0314``, then ``-2``, ``-3`` in the
same minute): unique and a valid file name, but two hundred of them read alike as "chat-2…" in a
narrow list, so a list shows the date and time the id holds instead ("chat 12-07 03:14").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

_PREFIX = "chat-"
_AUTOMATIC = re.compile(r"chat-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(?:-(\d+))?")


def automatic_id(moment: datetime, taken: Callable[[str], bool]) -> str:
    """The first id for ``moment`` that is not ``taken``."""
    base = f"{_PREFIX}{moment:%Y%m%d-%H%M}"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def readable_id(session_id: str) -> str:
    """An automatic id as a list shows it ("chat 12-07 03:14", "chat 12-07 03:14 #2"); any
    other id as it is."""
    match = _AUTOMATIC.fullmatch(session_id)
    if match is None:
        return session_id
    _, month, day, hour, minute, n = match.groups()
    return f"chat {month}-{day} {hour}:{minute}" + (f" #{n}" if n else "")
