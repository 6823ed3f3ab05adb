"""Session titles: the name a person gives a session, kept in its file's metadata.

A title is any text on one line ("My Pirate Chat ☠"); unlike the id it never becomes a file
name, so it has no character rule beyond being printable. A session without one is titled by
its first user message, as before.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from agentry.errors import Refused
from agentry.messages import title_of

TITLE_KEY = "title"  # in the session's metadata
MAX_TITLE = 120
# Control characters (a newline, ESC) and line separators; format characters such as the
# joiner in emoji and the marks of right-to-left text are kept (clients show every title
# through safe_text.visible).
_BREAKING = frozenset(("Cc", "Zl", "Zp"))
TITLE_RULE = f"a title is 1 to {MAX_TITLE} characters on one line, with no control characters"


class InvalidTitleError(Refused, ValueError):
    """A title that breaks TITLE_RULE."""


def validate_title(title: object) -> str:
    """The title with surrounding spaces trimmed, or InvalidTitleError naming what is wrong."""
    if not isinstance(title, str):
        raise InvalidTitleError(f"Invalid title {title!r}: it must be text.")
    text = title.strip()
    if not text or len(text) > MAX_TITLE:
        raise InvalidTitleError(f"Invalid title ({len(text)} characters): {TITLE_RULE}.")
    for char in text:
        if unicodedata.category(char) in _BREAKING:
            raise InvalidTitleError(
                f"Invalid title {text!r}: it holds U+{ord(char):04X}; {TITLE_RULE}."
            )
    return text


def given_title(metadata: dict[str, Any]) -> str:
    """The title a person gave the session ("" for none, or for one that is not text)."""
    title = metadata.get(TITLE_KEY)
    return title if isinstance(title, str) else ""


def session_title(metadata: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    """What a session is called in a listing: its given title, else its first user message."""
    return given_title(metadata) or title_of(messages)


def with_title(metadata: dict[str, Any], title: str) -> dict[str, Any]:
    """A copy of ``metadata`` holding ``title`` (a valid one), or none if it is ""."""
    changed = {key: value for key, value in metadata.items() if key != TITLE_KEY}
    if title:
        changed[TITLE_KEY] = title
    return changed
