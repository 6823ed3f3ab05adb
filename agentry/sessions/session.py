"""AgentSession: one conversation in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentry.sessions.index import StatKey
from agentry.sessions.titles import given_title, validate_title, with_title


def now() -> datetime:
    """Local wall-clock time to the second, naive, as the spec's files and examples show it."""
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class DiskState:
    """What a session object knows of its file: the messages and metadata it last read or wrote
    there (the base of a merge with what another process wrote since), and the file's stat key
    then. ``current``: the file held exactly these, so an unchanged key means nothing to read."""

    key: StatKey | None
    created_at: str
    messages: list[dict[str, Any]]
    metadata: dict[str, Any]
    current: bool


@dataclass(eq=False)
class AgentSession:
    session_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    last_activity: datetime = field(default_factory=now)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Set by SessionManager.load and .sync; None for a session never read from or written to disk.
    disk: DiskState | None = field(default=None, init=False, repr=False)

    @property
    def title(self) -> str:
        """The title a person gave it ("" for none); kept in ``metadata``, saved with it."""
        return given_title(self.metadata)

    @title.setter
    def title(self, title: str) -> None:
        """Give it a title ("" takes it away). Raises InvalidTitleError naming the rule."""
        self.metadata = with_title(self.metadata, validate_title(title) if title.strip() else "")

    def add_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.last_activity = now()

    def set_system(self, text: str) -> None:
        """Make ``text`` the system message: the first message if it is one, else a new first."""
        if self.messages and self.messages[0].get("role") == "system":
            self.messages[0] = {**self.messages[0], "content": text}
        else:
            self.messages.insert(0, {"role": "system", "content": text})

    def clear_history(self, keep_system: bool = True) -> None:
        """Drop the conversation; with keep_system the system messages stay."""
        if keep_system:
            self.messages = [m for m in self.messages if m.get("role") == "system"]
        else:
            self.messages = []
        self.last_activity = now()
