"""Saving: each session's file written off the event loop (one thread, so the saves of a
session stay in order), merged with what other processes saved; failed saves tried again with
a growing delay; exports; and at shutdown a copy elsewhere of what could not be saved."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from agentry.errors import Refused
from agentry.export_target import export_session
from agentry.safe_text import clip
from agentry.sessions import AgentSession, SessionManager
from agentry.sessions.background_sync import sync_in_background
from agentry.sessions.manager import SyncReport
from agentry.sessions.rescue import rescue_copy
from agentry_tui.store.model import SessionEntry

SAVE_RETRY_S = (2.0, 30.0)  # a failed save is tried again after the first, doubling to the last


class Saver:
    """``lookup`` finds a session's entry (None once it is gone); ``shown`` says the person can
    see a difference in it; ``touched`` refreshes its list row; ``later`` runs a callback after
    a delay."""

    def __init__(
        self,
        manager: SessionManager,
        *,
        lookup: Callable[[str], SessionEntry | None],
        shown: Callable[[SessionEntry], None],
        touched: Callable[[SessionEntry], None],
        later: Callable[[float, Callable[[], None]], object],
    ) -> None:
        self.manager = manager
        self._lookup, self._shown, self._touched, self._later = lookup, shown, touched, later
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentry-save")
        self._saves: dict[asyncio.Future[None], str] = {}  # saves under way, by session id
        self._retries: dict[str, float] = {}  # sessions whose last save failed: the next delay

    def saving(self, session_id: str) -> bool:
        return session_id in self._saves.values()

    def save(
        self,
        entry: SessionEntry,
        pending: list[dict[str, Any]] | None = None,
        adopt: bool | None = None,
    ) -> asyncio.Future[None] | None:
        """Save the session off the loop, merged with what other processes saved to it.
        ``pending``: a reply still arriving, written but not part of the session yet. What the
        file then holds becomes the session's (``adopt``) by default only when no reply is
        arriving, as the agent is adding to the session then."""
        session = entry.session
        if session is None or entry.corrupt is not None:
            return None  # a corrupt file is never overwritten
        if adopt is None:
            adopt = not entry.streaming
        future = asyncio.ensure_future(self._sync(entry, session, pending, adopt))
        self._saves[future] = entry.id
        future.add_done_callback(self._saves.pop)
        return future

    async def _sync(
        self,
        entry: SessionEntry,
        session: AgentSession,
        pending: list[dict[str, Any]] | None,
        adopt: bool,
    ) -> None:
        version = entry.version
        try:
            report = await sync_in_background(
                self.manager, session, pending=pending or (), adopt=adopt, executor=self.io
            )
        except (OSError, ValueError) as exc:  # SessionCorruptError is a ValueError
            self._failed(entry, exc)
            return
        if self._lookup(entry.id) is not entry:
            return
        entry.size = report.size
        if not pending:
            entry.saved_version = max(entry.saved_version, version)
        shown = False  # whether the person can see a difference
        if self._retries.pop(entry.id, None) is not None:
            entry.add_notice(f"Saved session '{entry.id}' again.", "info")
            shown = True
        if (report.taken or report.conflicts) and session.messages == report.messages:
            self._merged(entry, report)  # adopted: said once, when it shows
            shown = True
        # While a reply arrives the status says "not saved" whatever the disk holds: a save
        # then changes nothing on screen, and a repaint would hold up the reply.
        if shown or not entry.streaming:
            self._shown(entry)

    def _merged(self, entry: SessionEntry, report: SyncReport) -> None:
        """Another process saved to this session meanwhile: say what the merge did."""
        entry.merges += 1
        if report.taken:
            n = report.taken
            entry.add_notice(
                f"{n} message{'s' if n != 1 else ''} saved to this session "
                f"by another Agentry process {'was' if n == 1 else 'were'} merged "
                "in.",
                "info",
            )
        if report.conflicts:
            entry.add_notice(
                "Another process changed the same messages of this session "
                "as this one: both versions were kept, theirs first.",
                "info",
            )
        self._touched(entry)

    def _failed(self, entry: SessionEntry, exc: Exception) -> None:
        """Keep the messages in memory and try again later, backing off; say so once."""
        if self._lookup(entry.id) is not entry:
            return
        delay = self._retries.get(entry.id)
        if delay is None:
            entry.add_notice(
                f"Could not save session '{entry.id}': {clip(str(exc), 300)}\nYour messages are "
                f"kept here; saving is tried again every {SAVE_RETRY_S[-1]:g} s at most.",
                "error",
            )
            self._shown(entry)
        delay = min(SAVE_RETRY_S[0] if delay is None else delay * 2, SAVE_RETRY_S[-1])
        self._retries[entry.id] = delay
        self._later(delay, lambda: self._retry(entry))

    def _retry(self, entry: SessionEntry) -> None:
        if self._lookup(entry.id) is entry and not self.saving(entry.id):
            self.save(entry)

    async def drain(self) -> None:
        """Wait for every save under way (and those they lead to)."""
        while self._saves:
            await asyncio.gather(*list(self._saves), return_exceptions=True)

    async def run(self, job: Callable[..., Any], *args: Any) -> Any:
        """Run a file operation on the saving thread, after the saves before it."""
        return await asyncio.get_running_loop().run_in_executor(self.io, job, *args)

    async def export(self, entry: SessionEntry, fmt: str | None, target: str | None) -> list[Path]:
        """Write the session as Markdown and/or JSON to ``target`` (see agentry.export_target);
        returns the files written. Raises Refused for a format or target that will not do."""
        session = entry.session
        if session is None:
            raise Refused(f"Session '{entry.id}' cannot be exported: {entry.corrupt}")
        # On the saving thread, after the saves before it; rendered there from a copy of the
        # session as it stands now, so a reply arriving meanwhile cannot change it mid-render.
        snapshot = replace(session, messages=list(session.messages))
        files: list[Path] = await self.run(export_session, snapshot, fmt, target)
        return files

    async def close(self, entries: list[SessionEntry]) -> list[str]:
        """Save what is unsaved, stop the thread, and copy elsewhere what could not be saved.
        Returns what to tell the person about those."""
        for entry in entries:
            if entry.session is not None and entry.version != entry.saved_version:
                self.save(entry)
        await self.drain()
        self.io.shutdown(wait=True)
        return _rescue_unsaved(entries)


def _rescue_unsaved(entries: list[SessionEntry]) -> list[str]:
    """Sessions that could not be saved are copied where they can be: what to tell."""
    lines = []
    for entry in entries:
        if entry.session is None or entry.version == entry.saved_version:
            continue
        try:
            path = rescue_copy(entry.session)
        except OSError as exc:
            lines.append(
                f"Session '{entry.id}' could not be saved, nor copied elsewhere "
                f"({clip(str(exc), 300)})."
            )
        else:
            lines.append(
                f"Session '{entry.id}' could not be saved in its folder; a copy is "
                f"in {path} (move it to {entry.path.parent} to go on with it)."
            )
    return lines
