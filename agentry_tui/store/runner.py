"""The reply runner: asks the agent for a reply in a session and follows it to the end.

Each reply runs as a Textual worker in the group named after its session, so any number of
sessions can stream at once while the person reads or writes in another one. The agent reports
every message it adds (MessageAdded); deltas are gathered into one StreamDelta a frame.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.message import Message

from agentry.errors import Refused
from agentry.events import (
    DoneEvent,
    ErrorEvent,
    MessageAdded,
    NoticeEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
)
from agentry.sessions import AgentSession
from agentry.sessions.background_sync import AUTOSAVE_S
from agentry.sessions.branches import last_turn
from agentry_tui.pacing import FRAME_S, TURN_S, Gulps
from agentry_tui.store.connection import ModelConnection
from agentry_tui.store.messages import (
    ApprovalRequested,
    ReplyFinished,
    SessionUpdated,
    StreamDelta,
)
from agentry_tui.store.model import Generation, PartialReply, SessionEntry
from agentry_tui.store.saver import Saver

if TYPE_CHECKING:
    from agentry.agent import Approval
    from agentry.attachments import Pending
    from agentry.tools import Tool


class ReplyRunner:
    """``host`` runs the workers; ``changed`` is told of every change the file should get."""

    def __init__(
        self,
        host: DOMNode,
        connection: ModelConnection,
        saver: Saver,
        *,
        lookup: Callable[[str], SessionEntry | None],
        changed: Callable[[SessionEntry], None],
        post: Callable[[Message], None],
    ) -> None:
        self._host, self._connection, self._saver = host, connection, saver
        self._lookup, self._changed, self._post = lookup, changed, post
        self._flushes: dict[str, asyncio.TimerHandle] = {}

    def check(self, entry: SessionEntry | None) -> SessionEntry:
        """The entry, if a reply can be asked for in it now; else Refused, saying why."""
        if entry is None:
            raise Refused("No session is open.")
        if entry.corrupt is not None:
            raise Refused(
                "This session's file is corrupt, so it cannot go on. Start a new "
                "session (ctrl+n) or repair the file."
            )
        if entry.streaming:
            raise Refused("A reply is still arriving in this session. Press Esc to stop it first.")
        if (reason := self._connection.why_not()) is not None:
            raise Refused(reason)
        return entry

    def send(
        self, entry: SessionEntry | None, text: str, attachments: Sequence[Pending] = ()
    ) -> None:
        """Ask for a reply to ``text`` (with ``attachments``); raises Refused if none can be
        asked for now."""
        self._begin(self.check(entry), text, attachments)

    def retry(self, entry: SessionEntry | None) -> None:
        """Answer the last user message again; the old answer is kept as a sibling of the new
        one. Raises Refused."""
        entry = self.check(entry)
        assert entry.session is not None
        last_user = last_turn(entry.session.messages)
        if last_user is None:
            raise Refused("There is nothing to retry yet: no message was sent in this session.")
        entry.session.prepare_answer_again(last_user)
        self._begin(entry, None)

    def answer_after(
        self, entry: SessionEntry | None, change: Callable[[AgentSession], None]
    ) -> None:
        """Change the active branch (a message edited, an answer set aside as a sibling), then
        answer it as it stands. Refused, changing nothing, if no reply can be asked for now."""
        entry = self.check(entry)
        assert entry.session is not None
        change(entry.session)
        self._begin(entry, None)

    def stop(self, entry: SessionEntry | None) -> bool:
        """Stop the reply arriving in the session; False if none was."""
        if entry is None or not entry.streaming:
            return False
        self._host.workers.cancel_group(self._host, entry.id)
        return True

    def _begin(
        self, entry: SessionEntry, text: str | None, attachments: Sequence[Pending] = ()
    ) -> None:
        entry.generation = Generation.STREAMING
        entry.error = None
        entry.partial = None
        self._changed(entry)
        self._host.run_worker(
            self._reply(entry, text, attachments),
            group=entry.id,
            name=f"reply:{entry.id}",
            exit_on_error=False,
        )
        self._post(SessionUpdated(entry.id))

    async def _reply(
        self, entry: SessionEntry, text: str | None, attachments: Sequence[Pending]
    ) -> None:
        agent = self._connection.agent
        assert agent is not None and entry.session is not None
        loop = asyncio.get_running_loop()
        try:
            model = self._connection.session_model(entry.session.metadata)  # its /model
            stream = agent.stream(text, entry.session, model=model, attachments=attachments)
            async with contextlib.aclosing(stream) as events:
                if text is not None:  # the agent adds the person's message first
                    self._take(entry, await anext(events))
                # The person's words are on disk before the request goes out.
                if (saving := self._saver.save(entry, adopt=True)) is not None:
                    await asyncio.shield(saving)
                turn_ends = loop.time() + TURN_S
                next_save = loop.time() + AUTOSAVE_S
                gulps = Gulps()
                while True:
                    read_at = loop.time()
                    try:
                        event = await anext(events)
                    except StopAsyncIteration:
                        break
                    self._take(entry, event)
                    pause = gulps.pause_after(loop.time(), loop.time() - read_at)
                    # A fast server fills the socket buffer faster than we read it, and reading
                    # buffered lines never waits: give key presses and paints their turn.
                    if pause or loop.time() >= turn_ends:
                        await asyncio.sleep(pause)
                        turn_ends = loop.time() + TURN_S
                    if loop.time() >= next_save and not self._saver.saving(entry.id):
                        self._saver.save(entry, agent.in_flight(entry.session))
                        next_save = loop.time() + AUTOSAVE_S
        except asyncio.CancelledError:
            # The agent has kept the partial reply in the session, marked interrupted.
            self._finish(entry)
            raise
        except Exception as exc:  # noqa: BLE001 - a failure the agent did not map: a notice
            self._host.log.error(f"reply in {entry.id} failed", exc)
            self._finish(entry, error=f"The reply failed unexpectedly: {exc!r}")

    def _take(self, entry: SessionEntry, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._partial(entry).text += event.text
            self._schedule_flush(entry)
        elif isinstance(event, ReasoningDelta):
            self._partial(entry).reasoning += event.text
            self._schedule_flush(entry)
        elif isinstance(event, ToolCallEvent):
            self._partial(entry).calls.append(event)
            self._flush(entry)
            self._post(SessionUpdated(entry.id))
        elif isinstance(event, MessageAdded):
            self._added(entry)
        elif isinstance(event, DoneEvent):
            self._connection.replied()
            self._finish(entry)
        elif isinstance(event, ErrorEvent):
            self._connection.failed(event.error)
            self._finish(entry, error=event.message)
        elif isinstance(event, NoticeEvent):  # a parameter the provider cannot send
            entry.add_notice(event.text, "info")
            self._post(SessionUpdated(entry.id))

    def _partial(self, entry: SessionEntry) -> PartialReply:
        if entry.partial is None:
            entry.partial = PartialReply()
            self._post(SessionUpdated(entry.id))
        return entry.partial

    def _added(self, entry: SessionEntry) -> None:
        """The agent added a message to the session: the one streamed so far, if any, is it."""
        if entry.partial is not None:
            self._flush(entry)
            entry.partial = None
        self._changed(entry)
        self._post(SessionUpdated(entry.id))

    def _schedule_flush(self, entry: SessionEntry) -> None:
        if entry.id not in self._flushes:
            loop = asyncio.get_running_loop()
            self._flushes[entry.id] = loop.call_later(FRAME_S, self._flush, entry)

    def _flush(self, entry: SessionEntry) -> None:
        handle = self._flushes.pop(entry.id, None)
        if handle is not None:
            handle.cancel()
            self._post(StreamDelta(entry.id))

    def _finish(self, entry: SessionEntry, error: str | None = None) -> None:
        self._flush(entry)
        entry.partial = None
        entry.generation = Generation.ERROR if error else Generation.IDLE
        entry.error = error
        if error:
            entry.add_notice(f"{error}\nctrl+r retries.", "error")
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(entry.id))
        self._post(ReplyFinished(entry.id, error))

    async def approve(self, call: ToolCallEvent, tool: Tool, session: AgentSession) -> Approval:
        """The agent's approver: the app asks the person about the session asking."""
        future: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
        self._post(ApprovalRequested(session.session_id, call, tool, future))
        return await future
