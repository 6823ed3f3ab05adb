"""``SessionManager.sync`` from an event loop: the file work in a thread, the session untouched
by that thread, so the loop may go on changing it (a reply streaming in) meanwhile."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from agentry.sessions.manager import SessionManager, SyncReport
from agentry.sessions.session import AgentSession

# A reply arriving is saved at least this often (so a kill loses no more of it).
AUTOSAVE_S = 2.0


def snapshot(session: AgentSession) -> AgentSession:
    """A copy of the session's lists and metadata, as they stand, for another thread."""
    copied = AgentSession(
        session.session_id,
        created_at=session.created_at,
        last_activity=session.last_activity,
        metadata=copy.deepcopy(session.metadata),
    )
    # Branch calls make new branch lists, never change one: sharing the list is safe.
    copied.set_tree(list(session.messages), list(session.current_branches()))
    copied.disk = session.disk
    copied.pending_attachments = session.pending_attachments  # added to, never changed
    return copied


async def sync_in_background(
    manager: SessionManager,
    session: AgentSession,
    *,
    pending: Sequence[dict[str, Any]] = (),
    adopt: bool = True,
    executor: Executor | None = None,
) -> SyncReport:
    """Sync a snapshot of ``session`` in ``executor`` (saves of one session must not overlap:
    give one thread, or await each before the next). What the file then holds is adopted if
    ``adopt``, nothing was ``pending`` and the session did not change meanwhile."""
    copied = snapshot(session)
    pending = list(pending)

    def work() -> SyncReport:
        # The newest disk state: a save queued before this one may have set it since.
        copied.disk = session.disk
        report = manager.sync(copied, pending=pending, adopt=False)
        session.disk = copied.disk
        return report

    report = await asyncio.get_running_loop().run_in_executor(executor, work)
    if (
        adopt
        and not pending
        and session.messages == copied.messages
        and session.branches == copied.branches
        and session.metadata == copied.metadata
    ):
        report.adopt(session)
    return report
