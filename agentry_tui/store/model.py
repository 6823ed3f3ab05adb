"""The session model the store keeps: one SessionEntry per session, made of four parts, each
changed by one part of the store and read by the widgets.

- ListingRow: the session's row in the list (from the listing, then from its messages);
- SaveState: how far the file is behind memory (kept by the saver and the façade);
- ReplyState: the reply arriving in it (kept by the reply runner; reset by /clear);
- DraftState: what the screen keeps for it that is never saved (prompt draft, notices).

The parts are dataclasses the entry inherits from, so the widgets keep reading
``entry.partial`` or ``entry.title`` as one flat record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentry.context import ContextLength, Plan
from agentry.events import ToolCallEvent
from agentry.messages import parse_time, usage
from agentry.sessions.session import AgentSession
from agentry.sessions.titles import session_title
from agentry_tui.formatting import tokens_per_second

if TYPE_CHECKING:
    from agentry.attachments import Pending


@dataclass(frozen=True)
class Connection:
    """The model connection. ``state`` is connecting, connected, unreachable (the server did not
    answer), problem (it answered with a refusal: no model, bad key) or none (no provider at
    all); ``detail`` says why and what to do, for every state but connected."""

    state: str = "connecting"
    provider: str | None = None
    model: str | None = None
    detail: str = ""


class Generation(Enum):
    IDLE = "idle"
    STREAMING = "streaming"
    ERROR = "error"


@dataclass
class Notice:
    """A line from the app (a command's answer, an error), shown in the chat but never saved."""

    text: str
    kind: str = "info"  # info | error
    after: int = 0  # the number of messages when it was made: where it sits in the chat


@dataclass
class PartialReply:
    """The assistant message being streamed, before the agent adds it to the session."""

    text: str = ""
    reasoning: str = ""
    calls: list[ToolCallEvent] = field(default_factory=list)


@dataclass
class ListingRow:
    """What the session list shows; read from the listing until the session is opened."""

    id: str
    file: str  # its path as listed; made a Path only when asked (a thousand Paths: 5 ms)
    title: str = ""
    message_count: int | None = 0  # None when the file is corrupt or not read yet (pending)
    created_at: datetime | None = None
    last_activity: datetime | None = None
    size: int | None = None
    corrupt: str | None = None  # what is wrong with the file (path and problem)
    pending: bool = False  # listed from its file's name and mtime; not read yet

    @property
    def path(self) -> Path:
        return Path(self.file)

    def fill_from(self, row: dict[str, Any]) -> None:
        """Take what a listing row says about the file."""
        self.title = row.get("title") or ""
        self.message_count = row.get("message_count")
        self.created_at = parse_time(row.get("created_at"))
        self.last_activity = parse_time(row.get("last_activity"))
        self.size = row.get("size")
        self.corrupt = row.get("error")
        self.pending = bool(row.get("pending"))

    def describe(self, session: AgentSession) -> bool:
        """Take the row from the session's messages; True if its last activity moved."""
        self.message_count = len(session.messages)
        self.title = session_title(session.metadata, session.messages)
        self.created_at = session.created_at
        moved = self.last_activity != session.last_activity
        self.last_activity = session.last_activity
        return moved


@dataclass
class SaveState:
    version: int = 0  # bumped on every change that should reach the disk
    saved_version: int = 0
    merges: int = 0  # times the messages were replaced by a merge with another process's


@dataclass
class ReplyState:
    generation: Generation = Generation.IDLE
    partial: PartialReply | None = None
    error: str | None = None

    @property
    def streaming(self) -> bool:
        return self.generation is Generation.STREAMING


@dataclass
class DraftState:
    draft: str = ""  # the unsent prompt text, kept while the person is elsewhere
    named: bool = False  # made with an id the person typed: listed while blank, not dropped
    notices: list[Notice] = field(default_factory=list)
    attachments: list[Pending] = field(default_factory=list)  # chips: sent with the next message


@dataclass
class SessionEntry(DraftState, ReplyState, SaveState, ListingRow):
    """One session: its row in the list, and once opened its messages and reply state."""

    session: AgentSession | None = None  # None until opened
    # What the next request sends and the context length (the store measures it when a message
    # is added or the session opened, never while a reply streams in); None until measured.
    context: Plan | None = None
    context_length: ContextLength | None = None

    @property
    def saved(self) -> bool:
        return self.version == self.saved_version and not self.streaming

    @property
    def blank(self) -> bool:
        """Made new and not changed since (no message, title or system message of the person's):
        nothing to write, so its file is written with its first change, and a blank session
        that is left is dropped (unused new sessions do not pile up)."""
        return self.session is not None and self.session.disk is None and self.version == 0

    @property
    def last_rate(self) -> float | None:
        """Tokens per second of the newest reply that reported its usage."""
        if self.session is None:
            return None
        for message in reversed(self.session.messages):
            if message.get("role") == "assistant" and (spent := usage(message)) is not None:
                return tokens_per_second(spent)
        return None

    @classmethod
    def from_summary(cls, row: dict[str, Any]) -> SessionEntry:
        entry = cls(row["id"], row["path"])
        entry.fill_from(row)
        return entry

    def add_notice(self, text: str, kind: str) -> None:
        count = len(self.session.messages) if self.session is not None else 0
        self.notices.append(Notice(text, kind, count))
