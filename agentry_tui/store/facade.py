"""SessionStore: the sessions of the TUI, behind one façade over the reply runner, the model
connection and the saver.

It holds no widgets. Widgets read it and ask it for things through the app; when something
changes it posts a message to the app (SessionListChanged, SessionUpdated, StreamDelta,
ApprovalRequested), and ``active_id`` and ``connection`` are reactive so views can watch them.
Requests it will not carry out raise ``Refused`` with the reason to show.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.timer import Timer
from textual.worker import Worker

from agentry import commands, params
from agentry.context import policy_of
from agentry.context.pins import set_pinned, toggled
from agentry.context.texts import context_text
from agentry.context.window import POLICY_KEY
from agentry.errors import Refused, SessionCorruptError
from agentry.sessions import AgentSession, SessionManager, validate_session_id
from agentry_tui.file_match import list_files
from agentry_tui.store.connection import ModelConnection
from agentry_tui.store.mcp_link import McpLink
from agentry_tui.store.messages import SearchIndexProgress, SessionListChanged, SessionUpdated
from agentry_tui.store.model import Connection, Generation, SessionEntry
from agentry_tui.store.naming import automatic_id
from agentry_tui.store.runner import ReplyRunner
from agentry_tui.store.saver import Saver

if TYPE_CHECKING:
    from agentry.agent import Agent, Approval
    from agentry.events import ToolCallEvent
    from agentry.mcp.hub import PromptInfo
    from agentry.mcp.sampling import SamplingTarget
    from agentry.sessions.search import Hit
    from agentry.tools import Tool

Clock = Callable[[], datetime]

LISTING_DELAY_S = 0.5  # the listing of sessions the index does not know waits this long
SEARCH_LIMIT = 100  # hits the search screen lists
PROGRESS_FROM = 200  # files to index from which the search screen shows how far it is
SWITCH_SAVE_S = 1.0  # a switch between branches is saved this long after the last one


class SessionStore(DOMNode):
    active_id: reactive[str | None] = reactive(None, init=False)
    connection: reactive[Connection] = reactive(Connection(), init=False)

    def __init__(
        self,
        target: MessagePump,
        history_dir: str | Path | None = None,
        *,
        clock: Clock,
        provider: str | None = None,
        model: str | None = None,
        endpoint: str | None = None,
        workspace: Path | None = None,
    ) -> None:
        super().__init__()
        # Worker state messages would pile up unread: the store has no message loop of its own.
        self.disable_messages(Worker.StateChanged)
        self._target = target
        self.manager = SessionManager(history_dir)
        self.clock = clock
        self._entries: dict[str, SessionEntry] = {}
        self._switch_saves: dict[str, Timer] = {}  # by session id: a switch saved soon
        self._order: list[str] = []  # newest activity first
        self._indexing = False  # a refresh of the search index is running
        self._saver = Saver(
            self.manager,
            lookup=self.get,
            shown=self._shown,
            touched=self._touch,
            later=lambda delay, callback: self.app.set_timer(delay, callback),
        )
        self._link = ModelConnection(
            self._set_connection,
            approve=self._approve,
            clock=clock,
            provider=provider,
            model=model,
            endpoint=endpoint,
            workspace=workspace,
            mcp=McpLink(self._post, self._sampling_target),
        )
        self._runner = ReplyRunner(
            self,
            self._link,
            self._saver,
            lookup=self.get,
            changed=self._changed,
            post=self._post,
        )

    def _post(self, message: Message) -> None:
        self._target.post_message(message)

    def _shown(self, entry: SessionEntry) -> None:
        self._post(SessionUpdated(entry.id))

    # -- reading --------------------------------------------------------------------------

    @property
    def order(self) -> list[str]:
        return list(self._order)

    @property
    def entries(self) -> list[SessionEntry]:
        return [self._entries[sid] for sid in self._order]

    def get(self, session_id: str) -> SessionEntry | None:
        return self._entries.get(session_id)

    @property
    def active(self) -> SessionEntry | None:
        return self._entries.get(self.active_id) if self.active_id else None

    @property
    def agent(self) -> Agent | None:
        return self._link.agent

    # -- opening and creating -------------------------------------------------------------

    def start(self, session_id: str | None = None) -> None:
        """List the sessions and open the named one (created if new), else the newest readable
        one, else a new one. The caller shows what it finds (no SessionListChanged, no
        ``active_id`` watcher call unless a session is created).

        The listing reads no file: sessions the index does not know yet (a first start, files
        from elsewhere) are listed by name and mtime, and read by a worker after the first frame.
        """
        for row in self.manager.list_sessions(include_corrupt=True, parse=False):
            entry = SessionEntry.from_summary(row)
            self._entries[entry.id] = entry
            self._order.append(entry.id)
        if any(entry.pending for entry in self._entries.values()):
            # After the first frames: parsing competes with them for the interpreter.
            self.app.set_timer(LISTING_DELAY_S, self._complete_listing)
        if session_id is not None:
            if session_id in self._entries:
                self.open(session_id)
            else:
                self.create(session_id)
            return
        for entry in self.entries:
            if entry.corrupt is None:
                self._load(entry)  # a pending file may turn out corrupt: then the next one
                if entry.corrupt is None:
                    self.open(entry.id)
                    return
        self.create(None if "default" in self._entries else "default", named=False)

    @work(group="listing", exit_on_error=False)
    async def _complete_listing(self) -> None:
        rows = await asyncio.to_thread(self.manager.list_sessions, include_corrupt=True)
        self._merge_listing(rows)

    def _merge_listing(self, rows: list[dict[str, Any]]) -> None:
        """The full listing came: fill in what the quick one could not say."""
        for row in rows:
            entry = self._entries.get(row["id"])
            if entry is None:
                continue
            if entry.pending and entry.session is None:
                entry.fill_from(row)
            entry.pending = False
        rank = {row["id"]: n for n, row in enumerate(rows)}
        self._order.sort(key=lambda sid: rank.get(sid, -1))  # sessions made since stay on top
        self._post(SessionListChanged())

    # -- search (issue 18) ----------------------------------------------------------------

    def search(self, text: str) -> list[Hit]:
        """The hits for a typed text, from the index (blocking: call it in a thread)."""
        return self.manager.search(text, SEARCH_LIMIT)

    def sessions_matching(self, text: str) -> set[str]:
        """Ids of the sessions whose messages match ``text`` as typed so far (its last word
        a prefix), from the index (blocking: call it in a thread)."""
        return self.manager.search_sessions(text if text.endswith((" ", '"')) else text + "*")

    def refresh_search(self) -> None:
        """Bring the search index up to date with the files other processes or a sync tool
        changed (every file, the first time), in a thread; one at a time."""
        if not self._indexing:
            self._indexing = True
            self._refresh_search_index()

    @work(thread=True, group="search-index", exit_on_error=False)
    def _refresh_search_index(self) -> None:
        try:
            self.manager.refresh_search(self._index_progress)
        finally:
            self._indexing = False

    def _index_progress(self, done: int, total: int) -> None:
        if total >= PROGRESS_FROM:
            self._post(SearchIndexProgress(done, total))

    def open(self, session_id: str) -> SessionEntry:
        entry = self._entries[session_id]
        self._load(entry)
        self.active_id = session_id
        self._discover(session_id)
        return entry

    def _load(self, entry: SessionEntry) -> None:
        if entry.session is not None:
            return
        try:
            session = self.manager.load(entry.id)
        except SessionCorruptError as exc:
            entry.corrupt = str(exc)
            entry.message_count = None
            return
        if session is None:  # the file went away since the listing: start it afresh
            session = self._new_session(entry.id)
            entry.version += 1  # unsaved until the first reply
        entry.corrupt = None
        entry.session = session
        self._touch(entry)
        # Measured once the session is painted: its first frame does not need the plan.
        self.app.call_after_refresh(self._measure_loaded, entry)

    def _new_session(self, session_id: str) -> AgentSession:
        if self.agent is not None:
            system = self.agent.system_message
        else:
            from agentry.agent import DEFAULT_SYSTEM_MESSAGE as system
        moment = self.clock()
        return AgentSession(
            session_id,
            [{"role": "system", "content": system}],
            created_at=moment,
            last_activity=moment,
        )

    def fresh_id(self) -> str:
        return automatic_id(
            self.clock(), lambda sid: sid in self._entries or self.manager.session_exists(sid)
        )

    def create(self, session_id: str | None = None, *, named: bool = True) -> SessionEntry:
        """A new session, made active; its file is written with its first change (see
        ``SessionEntry.blank``). Without an id (or with ``named`` false) it is one the person
        did not name, dropped if they leave it blank. Raises Refused for a bad or taken id."""
        requested = session_id
        session_id = validate_session_id(session_id or self.fresh_id())
        self._refuse_taken(session_id)
        session = self._new_session(session_id)
        entry = SessionEntry(session_id, str(self.manager.path_for(session_id)), session=session)
        entry.created_at = session.created_at
        entry.named = named and session_id == requested
        self._entries[session_id] = entry
        self._order.insert(0, session_id)
        self._touch(entry)
        self._measure(entry)
        self._post(SessionListChanged())
        self.active_id = session_id
        self._discover(session_id)
        return entry

    def discard_if_blank(self, session_id: str) -> None:
        """Drop a blank session the person did not name (ctrl+n, the first start's default)
        once they leave it without a draft or attachment: unused, it must not pile up."""
        entry = self._entries.get(session_id)
        if entry is None or not entry.blank or entry.named or entry.draft or entry.attachments:
            return
        if session_id == self.active_id:  # (it is left once another is opened)
            return
        del self._entries[session_id]
        self._order.remove(session_id)
        self._post(SessionListChanged())

    # -- replies --------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Ask for a reply to ``text`` in the active session; raises Refused saying why not."""
        self._runner.send(self.active, text)

    def send_with_attachments(self, text: str) -> None:
        """Ask for a reply to ``text`` with the active session's pending attachments, cleared
        once asked for; raises Refused, keeping them, if no reply can be asked for now."""
        entry = self.active
        pending = tuple(entry.attachments) if entry is not None else ()
        self._runner.send(entry, text, pending)
        if entry is not None:
            entry.attachments.clear()

    def attachment_bytes(self, entry: SessionEntry | None, ref: Mapping[str, Any]) -> bytes | None:
        """The bytes of an attachment of the session's messages (held since it was sent, else
        stored beside its file); None if they are gone. Reads the disk: call it in a thread."""
        from agentry.agent import _attachment_bytes  # TODO(attach): a public name for it

        session = entry.session if entry is not None else None
        return _attachment_bytes(session, ref) if session is not None else None  # type: ignore[arg-type]

    def workspace_files(self) -> list[str]:
        """The files the `@` menu offers (agentry_tui/file_match.py). Reads the disk: call it
        in a thread."""
        return list_files(self.workspace)

    @property
    def workspace(self) -> Path:
        """The working folder: what the `@` picker lists and attachments must be inside."""
        return self._link.workspace

    def retry(self, session_id: str) -> None:
        """Answer the last user message again, dropping what came after it; raises Refused."""
        self._runner.retry(self.get(session_id))

    def stop(self, session_id: str) -> bool:
        """Stop the reply arriving in the session; False if none was."""
        return self._runner.stop(self.get(session_id))

    # -- branches (issue 17): nothing written is lost by asking again --------------------

    def edit_and_send(self, session_id: str, index: int, text: str) -> None:
        """Send ``text`` in place of the user message at ``index``: a new branch, the old one
        kept as its sibling. Raises Refused (busy, no provider) or ValueError (a bad index)."""
        self._runner.answer_after(self.get(session_id), lambda s: s.edit_message(index, text))

    def answer_again(self, session_id: str, index: int) -> None:
        """Ask for another reply in place of the one at ``index``; the old one stays a
        sibling. Raises Refused or ValueError."""
        self._runner.answer_after(self.get(session_id), lambda s: s.prepare_answer_again(index))

    def switch_alternative(self, session_id: str, index: int, step: int) -> None:
        """Show the next (``step`` 1) or previous (-1) sibling of the message at ``index``, with
        its branch below it. Saved once the switching stops (SWITCH_SAVE_S): every branch is on
        disk already, and saving a long session while the switch is painted would delay it."""
        entry = self._changeable(session_id)
        assert entry.session is not None
        entry.session.switch_alternative(index, step)
        self._changed(entry)
        if (timer := self._switch_saves.pop(session_id, None)) is not None:
            timer.stop()
        self._switch_saves[session_id] = self.app.set_timer(
            SWITCH_SAVE_S, lambda: self._save_switch(entry)
        )
        # The status bar and metadata panel after the conversation is painted, not before.
        self.app.call_after_refresh(self._post, SessionUpdated(session_id))

    def switch_to_branch(self, session_id: str, branch: str) -> None:
        """Make the stored branch ``branch`` the one shown (a search hit in it), saved."""
        self._load(self._entries[session_id])
        entry = self._changeable(session_id)
        assert entry.session is not None
        entry.session.switch_to_branch(branch)
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))

    def _save_switch(self, entry: SessionEntry) -> None:
        self._switch_saves.pop(entry.id, None)
        if self.get(entry.id) is entry:  # not deleted meanwhile
            self._saver.save(entry)

    def delete_message(self, session_id: str, index: int) -> None:
        """Delete the message at ``index`` (and what followed it; see AgentSession)."""
        entry = self._changeable(session_id)
        assert entry.session is not None
        entry.session.delete_message(index)
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))

    def _changeable(self, session_id: str) -> SessionEntry:
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        if entry.session is None:
            raise Refused(f"Session '{session_id}' cannot be changed: {entry.corrupt}")
        return entry

    async def fork(self, session_id: str, index: int) -> SessionEntry:
        """A new session holding the conversation up to the message at ``index`` (saved, its
        origin in its metadata), opened."""
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        self._saver.save(entry)  # the source's file, as on screen, is what the fork reads
        await self._saver.drain()
        new_id = self.fresh_id()
        session = await self._saver.run(self.manager.fork, session_id, new_id, index)
        entry = SessionEntry(new_id, str(self.manager.path_for(new_id)), session=session)
        entry.created_at = session.created_at
        entry.named = True  # it is kept even before a message is sent in it
        self._entries[new_id] = entry
        self._order.insert(0, new_id)
        self._touch(entry)
        self._post(SessionListChanged())
        self.active_id = new_id
        return entry

    async def _approve(self, call: ToolCallEvent, tool: Tool, session: AgentSession) -> Approval:
        return await self._runner.approve(call, tool, session)

    # -- the model connection -------------------------------------------------------------

    def connect(self) -> None:
        """Choose the provider and check it answers, in the background."""
        self.run_worker(self._link.connect(), group="connect", exclusive=True, exit_on_error=False)

    def _set_connection(self, connection: Connection) -> None:
        self.connection = connection
        if self.active_id is not None:
            self._discover(self.active_id)

    async def list_models(self) -> list[str]:
        """The provider's models; raises ProviderError (or Refused without a provider)."""
        return await self._link.list_models()

    def model_of(self, entry: SessionEntry | None) -> str | None:
        """The model replies in the session use: its own (/model), else the provider's."""
        session = entry.session if entry is not None else None
        chosen = self._link.session_model(session.metadata) if session is not None else None
        return chosen or self.connection.model

    def set_model(self, session_id: str, name: str) -> None:
        """The session's replies use this model of the provider in use (kept in its file)."""
        entry = self._entries[session_id]
        if entry.session is None:
            raise Refused(f"Session '{session_id}' is not open.")
        if self.connection.provider is None:
            raise Refused(self._link.why_not() or "No model provider.")
        entry.session.metadata.update(model=name, provider=self.connection.provider)
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))

    async def switch_provider(self, name: str) -> None:
        """Use another provider from now on; raises Refused if it cannot be made."""
        await self._link.switch(name)

    # -- MCP servers (issue 20) -------------------------------------------------------------

    @property
    def mcp(self) -> McpLink:
        return self._link.mcp

    def _sampling_target(self) -> SamplingTarget | None:
        """A sampling request is answered by the model of the session on screen."""
        from agentry.mcp.sampling import SamplingTarget

        entry = self.active
        if self.agent is None or entry is None:
            return None
        return SamplingTarget(self.agent, self.model_of(entry), entry.id)

    def set_server_off(self, session_id: str, server: str, off: bool) -> None:
        """Leave the server's tools out of the session's requests (``off``), or offer them
        again; kept in the session's file."""
        from agentry.mcp.switches import with_server_off

        entry, session = self._open(session_id)
        session.metadata = with_server_off(session.metadata, server, off)
        self._saved_change(entry)

    async def send_prompt(self, text: str) -> PromptInfo:
        """``/server:prompt args``: the prompt's messages are added to the active session and
        the model answers them. Refused (the prompt, its arguments, no servers, busy) changes
        nothing."""
        from agentry.mcp.prompts import prompt_messages_for, run_prompt_command

        entry = self._runner.check(self.active)
        prompt, messages = await run_prompt_command(self.mcp.require(), text)
        added = prompt_messages_for(messages, self.clock().isoformat())

        def add(session: AgentSession) -> None:
            for message in added:
                session.add_message(message)

        self._runner.answer_after(entry, add)
        return prompt

    # -- changing sessions ----------------------------------------------------------------

    def check_changeable(self, session_id: str) -> None:
        """Refused if a reply is arriving in the session (it may not be changed then)."""
        self._refuse_busy(self._entries[session_id])

    def _refuse_busy(self, entry: SessionEntry) -> None:
        if entry.streaming:
            raise Refused(f"A reply is still arriving in '{entry.id}'. Press Esc to stop it first.")

    def _refuse_taken(self, session_id: str) -> None:
        if session_id in self._entries or self.manager.session_exists(session_id):
            raise Refused(commands.taken_text(session_id))

    def clear(self, session_id: str) -> None:
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        if entry.session is None:
            raise Refused(f"Session '{session_id}' is not open.")
        entry.session.clear_history(keep_system=True)
        entry.notices.clear()
        entry.error = None
        entry.generation = Generation.IDLE
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))

    def set_system(self, session_id: str, text: str) -> None:
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        assert entry.session is not None
        entry.session.set_system(text)
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))

    def set_param(self, session_id: str, text: str) -> str:
        """``/set NAME VALUE`` in the session (kept in its file); the answer to show. Raises
        ParamsError (Refused) naming the wrong value; nothing changes then."""
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        if entry.session is None:
            raise Refused(f"Session '{session_id}' cannot be changed: {entry.corrupt}")
        provider = self.agent.provider if self.agent is not None else None
        answer = params.apply_setting(
            entry.session,
            text,
            provider.name if provider else "the provider",
            provider.supported_params if provider else params.WIRE_NAMES,
        )
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))
        return answer

    def params_text(self, session_id: str) -> str:
        """What ``/set`` alone shows for the session."""
        session = self._entries[session_id].session
        if session is None:
            raise Refused(f"Session '{session_id}' is not open.")
        agent = self.agent
        return params.listing_text(
            params.system_prompt(session.messages),
            session.metadata,
            agent.params if agent is not None else {},
            agent.provider.name if agent is not None else "the provider",
            agent.provider.supported_params if agent is not None else params.WIRE_NAMES,
        )

    def set_title(self, session_id: str, title: str) -> str:
        """Give the session a title ("" takes it away); returns it as kept (trimmed). Raises
        Refused (InvalidTitleError) naming the rule."""
        entry = self._entries[session_id]
        if entry.session is None:
            raise Refused(f"Session '{session_id}' cannot be changed: {entry.corrupt}")
        entry.session.title = title
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(session_id))
        return entry.session.title

    async def delete(self, session_id: str) -> None:
        """Delete the session's file; the next session becomes active (a new one if none)."""
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        await self._saver.drain()
        await self._saver.run(self.manager.delete_session, session_id)
        if self.agent is not None:  # a new session of that id asks afresh
            self.agent.approvals.forget_session(session_id)
        index = self._order.index(session_id)
        self._order.remove(session_id)
        del self._entries[session_id]
        self._post(SessionListChanged())
        if self.active_id == session_id:
            if self._order:
                self.open(self._order[min(index, len(self._order) - 1)])
            else:
                self.create()

    async def rename(self, old_id: str, new_id: str) -> None:
        """Give a session a new id (and file name). Raises Refused for a bad or taken id."""
        entry = self._entries[old_id]
        self._refuse_busy(entry)
        validate_session_id(new_id)
        self._refuse_taken(new_id)
        await self._saver.drain()
        if self.manager.session_exists(old_id):
            await self._saver.run(self.manager.rename_session, old_id, new_id)
        entry.id = new_id
        entry.named = True  # a blank session the person named stays listed
        entry.file = str(self.manager.path_for(new_id))
        self._entries = {(new_id if k == old_id else k): v for k, v in self._entries.items()}
        self._order[self._order.index(old_id)] = new_id
        if entry.session is not None:
            entry.session.session_id = new_id
        if self.active_id == old_id:
            self.active_id = new_id
        self._post(SessionListChanged())
        self._post(SessionUpdated(new_id))

    async def export(self, session_id: str, fmt: str | None, target: str | None) -> list[Path]:
        """Write the session as Markdown and/or JSON; ``target`` is a file or a folder (default:
        the current folder). Returns the files written."""
        return await self._saver.export(self._entries[session_id], fmt, target)

    # -- notices --------------------------------------------------------------------------

    def notify_session(self, session_id: str, text: str, kind: str = "info") -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.add_notice(text, kind)
            self._post(SessionUpdated(session_id))

    # -- the context window ---------------------------------------------------------------

    def _discover(self, session_id: str) -> None:
        if self.connection.state == "connected":
            # Once the session is painted: asking the server can wait a frame.
            self.app.call_after_refresh(
                lambda: self.run_worker(
                    self.discover_context(session_id), group="context", exit_on_error=False
                )
            )

    def measure_again(self, session_id: str) -> None:
        """Measure the session's next request again: the tools on offer changed (an MCP server
        came or went), and their specs go with every request."""
        if (entry := self._entries.get(session_id)) is not None:
            self._measure_loaded(entry)

    def _measure_loaded(self, entry: SessionEntry) -> None:
        if self._entries.get(entry.id) is entry:  # not deleted or renamed meanwhile
            self._measure(entry)
            self._post(SessionUpdated(entry.id))

    def _measure(self, entry: SessionEntry) -> None:
        """What the next request in the session would send, as far as is known now."""
        if (agent := self.agent) is None or entry.session is None:
            return
        model = self.model_of(entry)
        entry.context_length = agent.context.known(model, entry.session.metadata)
        entry.context = agent.context_plan(entry.session, model)

    async def discover_context(self, session_id: str) -> None:
        """Ask the server for the session's model's context length (once a model), then
        measure again."""
        entry = self._entries.get(session_id)
        if (agent := self.agent) is None or entry is None or entry.session is None:
            return
        if (model := self.model_of(entry)) is not None:
            await agent.context.length(model, entry.session.metadata)
        self._measure(entry)
        self._post(SessionUpdated(session_id))

    async def context_report(self, session_id: str) -> str:
        """``/context``: what the next request sends and leaves out."""
        await self.discover_context(session_id)
        entry = self._entries[session_id]
        if entry.session is None or entry.context is None:
            raise Refused(self._link.why_not() or f"Session '{session_id}' is not open.")
        policy = policy_of(entry.session.metadata)
        return context_text(entry.session.messages, entry.context, entry.context_length, policy)

    def set_context_policy(self, session_id: str, policy: str) -> None:
        """What the session's requests do when the conversation would not fit (in its file)."""
        entry, session = self._open(session_id)
        session.metadata[POLICY_KEY] = policy
        self._saved_change(entry)

    def set_pin(self, session_id: str, index: int, pinned: bool) -> str:
        """Pin or unpin message ``index`` (kept in the file); says what it did. Raises Refused."""
        entry, session = self._open(session_id)
        self._refuse_busy(entry)
        answer = set_pinned(session.messages, index, pinned)
        self._saved_change(entry)
        return answer

    def toggle_pin(self, session_id: str, index: int) -> str:
        """Pin message ``index`` if it is not pinned, else unpin it (a key on the message list
        calls this); says what it did. Raises Refused."""
        entry, session = self._open(session_id)
        self._refuse_busy(entry)
        answer = toggled(session.messages, index)
        self._saved_change(entry)
        return answer

    def _open(self, session_id: str) -> tuple[SessionEntry, AgentSession]:
        entry = self._entries[session_id]
        if entry.session is None:
            raise Refused(f"Session '{session_id}' is not open.")
        return entry, entry.session

    def _saved_change(self, entry: SessionEntry) -> None:
        self._changed(entry)
        self._saver.save(entry)
        self._post(SessionUpdated(entry.id))

    # -- bookkeeping -----------------------------------------------------------

    def _changed(self, entry: SessionEntry) -> None:
        """The session changed in a way the file should get."""
        entry.version += 1
        self._touch(entry)
        self._measure(entry)  # a message added or changed: never per streamed delta

    def _touch(self, entry: SessionEntry) -> None:
        """Refresh the list row from the session's messages; newest activity goes first."""
        if entry.session is None:
            return
        moved = entry.describe(entry.session)
        if moved and self._order and self._order[0] != entry.id:
            self._order.remove(entry.id)
            self._order.insert(0, entry.id)
            self._post(SessionListChanged())

    async def shutdown(self) -> list[str]:
        """Stop every reply (keeping their partial text), save what is unsaved, close. Returns
        what to tell the person about sessions that could not be saved."""
        self.manager.stop_search_refresh()  # a first build of the index could take half a minute
        replies = [
            w for w in self.workers if w.node is self and w.group in self._entries and w.is_running
        ]
        for worker in replies:
            worker.cancel()
        for worker in replies:
            with contextlib.suppress(Exception):
                await worker.wait()
        unsaved = await self._saver.close(list(self._entries.values()))
        await self._link.aclose()
        return unsaved
