"""The session store of the TUI: the session model, the reply runner, the model connection
and the saver, behind one façade (``SessionStore``)."""

from agentry_tui.store.facade import SessionStore
from agentry_tui.store.messages import (
    ApprovalRequested,
    ReplyFinished,
    SearchIndexProgress,
    SessionListChanged,
    SessionUpdated,
    StreamDelta,
)
from agentry_tui.store.model import Connection, Generation, Notice, PartialReply, SessionEntry

__all__ = [
    "ApprovalRequested",
    "Connection",
    "Generation",
    "Notice",
    "PartialReply",
    "ReplyFinished",
    "SearchIndexProgress",
    "SessionEntry",
    "SessionListChanged",
    "SessionStore",
    "SessionUpdated",
    "StreamDelta",
]
