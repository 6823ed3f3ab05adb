"""The last resort when a session cannot be saved where it belongs (a failing disk, a folder
gone) and the client is about to exit: a copy in the system's temporary folder, in the session
format, that the person can move back into the history folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from agentry.sessions import fileformat
from agentry.sessions.fileformat import SessionRecord
from agentry.sessions.ids import file_name
from agentry.sessions.session import AgentSession, now
from agentry.sessions.storage import atomic_write


def rescue_copy(session: AgentSession, folder: Path | None = None) -> Path:
    """Write the session to ``<folder>/<when>/<its file name>`` (default folder:
    ``<temp>/agentry-rescue``); return its path. Raises OSError if that fails too."""
    folder = (folder or Path(tempfile.gettempdir()) / "agentry-rescue") / f"{now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=True)
    record = SessionRecord(
        session.session_id,
        session.created_at.isoformat(),
        session.last_activity.isoformat(),
        session.metadata,
        session.messages,
        session.current_branches(),
    )
    path = folder / file_name(session.session_id)
    atomic_write(path, fileformat.encode(record))
    return path
