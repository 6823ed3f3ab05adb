"""Sessions: AgentSession in memory, SessionManager on disk."""

from agentry.sessions.ids import ID_RULE, is_valid_session_id, validate_session_id
from agentry.sessions.manager import SessionManager, default_history_dir
from agentry.sessions.session import AgentSession

__all__ = [
    "ID_RULE",
    "AgentSession",
    "SessionManager",
    "default_history_dir",
    "is_valid_session_id",
    "validate_session_id",
]
