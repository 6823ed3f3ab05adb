"""The context window in the metadata panel: its length and where it came from, and what the
next request spends it on (system, pinned, summary, history, tools, room for the reply)."""

from __future__ import annotations

from agentry.context.texts import breakdown_rows
from agentry_tui.store.model import SessionEntry


def context_rows(entry: SessionEntry) -> list[tuple[str, str]]:
    """(label, value) rows; none before the store has measured the session."""
    if entry.context is None:
        return []
    return breakdown_rows(entry.context, entry.context_length)
