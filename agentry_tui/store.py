"""The session store: the sessions, the reply in flight in each, and the model connection.

It holds no widgets. Widgets read it and ask it for things through the app; when something
changes it posts a message to the app (SessionListChanged, SessionUpdated, StreamDelta,
ApprovalRequested), and ``active_id`` and ``connection`` are reactive so views can watch them.

Each reply runs as a Textual worker in the group named after its session, so any number of
sessions can stream at once while the person reads or writes in another one. Sessions are
saved atomically on one background thread (saves of a session stay in order) after every
finished, failed or stopped reply.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.worker import Worker

from agentry.errors import (
    AgentryError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    SessionCorruptError,
)
from agentry.events import (
    DoneEvent,
    ErrorEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
    UsageEvent,
)
from agentry.messages import title_of
from agentry.safe_text import clip
from agentry.sessions import AgentSession, SessionManager, validate_session_id
from agentry.sessions.background_sync import AUTOSAVE_S, sync_in_background
from agentry.sessions.manager import SyncReport
from agentry.sessions.rescue import rescue_copy
from agentry_tui import export
from agentry_tui.formatting import parse_time, tokens_per_second
from agentry_tui.pacing import FRAME_S, TURN_S

if TYPE_CHECKING:
    from agentry.agent import Agent, Approval
    from agentry.config import ProviderChoice
    from agentry.tools import Tool

Clock = Callable[[], datetime]

LISTING_DELAY_S = 0.5  # the listing of sessions the index does not know waits this long
SAVE_RETRY_S = (2.0, 30.0)  # a failed save is tried again after the first, doubling to the last
# The session a reply worker serves, so the agent's one approval callback knows who is asking.
_serving: ContextVar[str] = ContextVar("agentry_tui_serving")


class Generation(Enum):
    IDLE = "idle"
    STREAMING = "streaming"
    ERROR = "error"


@dataclass(frozen=True)
class Connection:
    """The model connection. ``state`` is connecting, connected, unreachable (the server did not
    answer), problem (it answered with a refusal: no model, bad key) or none (no provider at
    all); ``detail`` says why and what to do, for every state but connected."""

    state: str = "connecting"
    provider: str | None = None
    model: str | None = None
    detail: str = ""


@dataclass
class Notice:
    """A line from the app (a command's answer, an error), shown in the chat but never saved."""

    text: str
    kind: str = "info"  # info | error
    after: int = 0  # the number of messages when it was made: where it sits in the chat


@dataclass
class PartialReply:
    """The assistant message being streamed, before the agent commits it to the session."""

    base: int  # len(session.messages) when it began; growth beyond means it was committed
    text: str = ""
    reasoning: str = ""
    calls: list[ToolCallEvent] = field(default_factory=list)


@dataclass
class SessionEntry:
    """One session: its row in the list, and once opened its messages and reply state."""

    id: str
    file: str  # its path as listed; made a Path only when asked (a thousand Paths: 5 ms)
    title: str = ""
    message_count: int | None = 0  # None when the file is corrupt or not read yet (pending)
    created_at: datetime | None = None
    last_activity: datetime | None = None
    size: int | None = None
    corrupt: str | None = None  # what is wrong with the file (path and problem)
    session: AgentSession | None = None  # None until opened
    generation: Generation = Generation.IDLE
    partial: PartialReply | None = None
    error: str | None = None
    notices: list[Notice] = field(default_factory=list)
    draft: str = ""  # the unsent prompt text, kept while the person is elsewhere
    version: int = 0  # bumped on every change that should reach the disk
    saved_version: int = 0
    pending: bool = False  # listed from its file's name and mtime; not read yet
    merges: int = 0  # times the messages were replaced by a merge with another process's

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def saved(self) -> bool:
        return self.version == self.saved_version and self.generation is not Generation.STREAMING

    @property
    def streaming(self) -> bool:
        return self.generation is Generation.STREAMING

    @property
    def last_rate(self) -> float | None:
        """Tokens per second of the newest reply that reported its usage."""
        if self.session is None:
            return None
        for message in reversed(self.session.messages):
            if message.get("role") == "assistant" and "_usage" in message:
                return tokens_per_second(message["_usage"])
        return None

    @classmethod
    def from_summary(cls, row: dict[str, Any]) -> SessionEntry:
        return cls(
            id=row["id"],
            file=row["path"],
            title=row.get("title") or "",
            message_count=row.get("message_count"),
            created_at=parse_time(row.get("created_at")),
            last_activity=parse_time(row.get("last_activity")),
            size=row.get("size"),
            corrupt=row.get("error"),
            pending=bool(row.get("pending")),
        )


# -- messages the store posts -------------------------------------------------------------


class SessionListChanged(Message):
    """Sessions were added, removed, renamed or reordered."""


class SessionUpdated(Message):
    """A session's messages, reply state, notices or saved state changed."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id


class StreamDelta(Message):
    """More of a reply arrived in ``session_id`` (batched per frame; read it from the partial)."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id


class ApprovalRequested(Message):
    """A tool needs the person's approval; set ``future``'s result to True, False or new
    arguments. The future is cancelled if the reply is stopped first."""

    def __init__(
        self, session_id: str, call: ToolCallEvent, tool: Tool, future: asyncio.Future[Approval]
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.call = call
        self.tool = tool
        self.future = future


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
        self.agent: Agent | None = None
        self._provider, self._model, self._endpoint = provider, model, endpoint
        self._workspace = workspace
        self._entries: dict[str, SessionEntry] = {}
        self._order: list[str] = []  # newest activity first
        self._sessions: dict[str, AgentSession] = {}  # opened sessions; shared with the Agent
        self._flushes: dict[str, asyncio.TimerHandle] = {}
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentry-save")
        self._saves: dict[asyncio.Future[None], str] = {}  # saves under way, by session id
        self._retries: dict[str, float] = {}  # sessions whose last save failed: the next delay

    def _post(self, message: Message) -> None:
        self._target.post_message(message)

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
        self.create(None if "default" in self._entries else "default")

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
                fresh = SessionEntry.from_summary(row)
                entry.title, entry.message_count = fresh.title, fresh.message_count
                entry.created_at, entry.last_activity = fresh.created_at, fresh.last_activity
                entry.size, entry.corrupt = fresh.size, fresh.corrupt
            entry.pending = False
        rank = {row["id"]: n for n, row in enumerate(rows)}
        self._order.sort(key=lambda sid: rank.get(sid, -1))  # sessions made since stay on top
        self._post(SessionListChanged())

    def open(self, session_id: str) -> SessionEntry:
        entry = self._entries[session_id]
        self._load(entry)
        self.active_id = session_id
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
        entry.session = self._sessions[entry.id] = session
        self._touch(entry)

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
        base = f"chat-{self.clock():%Y%m%d-%H%M}"
        candidate, n = base, 1
        while candidate in self._entries or self.manager.session_exists(candidate):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def create(self, session_id: str | None = None) -> SessionEntry:
        """A new session, saved and made active. Raises ValueError for a bad or taken id."""
        session_id = validate_session_id(session_id or self.fresh_id())
        if session_id in self._entries or self.manager.session_exists(session_id):
            raise ValueError(f"A session named '{session_id}' already exists.")
        session = self._new_session(session_id)
        entry = SessionEntry(session_id, str(self.manager.path_for(session_id)), session=session)
        entry.created_at = session.created_at
        entry.version = 1
        self._entries[session_id] = entry
        self._sessions[session_id] = session
        self._order.insert(0, session_id)
        self._touch(entry)
        self._save(entry)
        self._post(SessionListChanged())
        self.active_id = session_id
        return entry

    # -- replies --------------------------------------------------------------------------

    def _why_not_reply(self, entry: SessionEntry | None) -> str | None:
        if entry is None:
            return "No session is open."
        if entry.corrupt is not None:
            return "This session's file is corrupt, so it cannot go on. Start a new session " \
                "(ctrl+n) or repair the file."
        if entry.streaming:
            return "A reply is still arriving in this session. Press Esc to stop it first."
        if self.agent is None:
            if self.connection.state == "connecting":
                return "Still looking for a model server; try again in a moment."
            return f"No model provider: {self.connection.detail}"
        return None

    def send(self, text: str) -> str | None:
        """Ask for a reply to ``text`` in the active session. Returns why not, or None."""
        entry = self.active
        if (reason := self._why_not_reply(entry)) is not None:
            return reason
        assert entry is not None and entry.session is not None
        # The message goes in here rather than in the agent so it shows at once; the agent then
        # answers the session as it stands.
        entry.session.add_message(
            {"role": "user", "content": text, "_created_at": self.clock().isoformat()}
        )
        self._begin(entry)
        return None

    def retry(self, session_id: str) -> str | None:
        """Answer the last user message again, dropping what came after it. Returns why not."""
        entry = self._entries.get(session_id)
        if (reason := self._why_not_reply(entry)) is not None:
            return reason
        assert entry is not None and entry.session is not None
        messages = entry.session.messages
        last_user = next(
            (i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "user"),
            None,
        )
        if last_user is None:
            return "There is nothing to retry yet: no message was sent in this session."
        del messages[last_user + 1 :]
        self._begin(entry)
        return None

    def _begin(self, entry: SessionEntry) -> None:
        entry.generation = Generation.STREAMING
        entry.error = None
        entry.partial = None
        self._changed(entry)
        self.run_worker(
            self._reply(entry), group=entry.id, name=f"reply:{entry.id}", exit_on_error=False
        )
        self._post(SessionUpdated(entry.id))

    async def _reply(self, entry: SessionEntry) -> None:
        agent = self.agent
        assert agent is not None
        _serving.set(entry.id)
        loop = asyncio.get_running_loop()
        try:
            # The person's words are on disk before the request goes out.
            if (saving := self._save(entry, adopt=True)) is not None:
                await asyncio.shield(saving)
            async with contextlib.aclosing(agent.stream(None, entry.id)) as events:
                turn_ends = loop.time() + TURN_S
                next_save = loop.time() + AUTOSAVE_S
                async for event in events:
                    self._take(entry, event)
                    # A fast server fills the socket buffer faster than we read it, and reading
                    # buffered lines never waits: give key presses and paints their turn.
                    if loop.time() >= turn_ends:
                        await asyncio.sleep(0)
                        turn_ends = loop.time() + TURN_S
                    if loop.time() >= next_save and entry.id not in self._saves.values():
                        self._save(entry, agent.in_flight(entry.id))
                        next_save = loop.time() + AUTOSAVE_S
        except asyncio.CancelledError:
            # The agent has kept the partial reply in the session, marked interrupted.
            self._finish(entry)
            raise
        except Exception as exc:  # a failure the agent did not map: a notice, not a traceback
            self.log.error(f"reply in {entry.id} failed", exc)
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
        elif isinstance(event, ToolResultEvent | UsageEvent):
            self._commit(entry)
        elif isinstance(event, DoneEvent):
            if self.connection.state != "connected" and self.agent is not None:
                # The server came back (or the model resolved): say so.
                self.connection = replace(
                    self.connection, state="connected", model=self.agent.provider.model,
                    detail="",
                )
            self._finish(entry)
        elif isinstance(event, ErrorEvent):
            if isinstance(event.error, ProviderConnectionError | ProviderTimeout):
                self.connection = replace(
                    self.connection, state="unreachable", detail=event.message
                )
            self._finish(entry, error=event.message)

    def _partial(self, entry: SessionEntry) -> PartialReply:
        if entry.partial is None:
            assert entry.session is not None
            entry.partial = PartialReply(base=len(entry.session.messages))
            self._post(SessionUpdated(entry.id))
        return entry.partial

    def _commit(self, entry: SessionEntry) -> None:
        """Note what the agent added to the session (the finished message, a tool result)."""
        assert entry.session is not None
        if entry.partial is not None and len(entry.session.messages) > entry.partial.base:
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
            self._add_notice(entry, f"{error}\nctrl+r retries.", "error")
        self._changed(entry)
        self._save(entry)
        self._post(SessionUpdated(entry.id))

    def stop(self, session_id: str) -> bool:
        """Stop the reply arriving in the session; False if none was."""
        entry = self._entries.get(session_id)
        if entry is None or not entry.streaming:
            return False
        self.workers.cancel_group(self, session_id)
        return True

    async def _approve(self, call: ToolCallEvent, tool: Tool) -> Approval:
        session_id = _serving.get()
        entry = self._entries[session_id]
        self._commit(entry)  # the message asking for the call is in the session by now
        future: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
        self._post(ApprovalRequested(session_id, call, tool, future))
        return await future

    # -- the model connection -------------------------------------------------------------

    def connect(self) -> None:
        """Choose the provider and check it answers, in the background."""
        self.run_worker(self._connect(), group="connect", exclusive=True, exit_on_error=False)

    async def _connect(self) -> None:
        from agentry.config import NO_PROVIDER_HELP, choose_provider

        try:
            choice = await choose_provider(self._provider, self._endpoint)
        except ImportError:  # the offline model's bindings are not installed
            self.connection = Connection("none", detail=NO_PROVIDER_HELP)
            return
        if choice.name is None:
            self.connection = Connection("none", detail=choice.reason)
            return
        try:
            # Importing the agent, its tools and the HTTP client, and making the client (it
            # reads the TLS certificates), hold the interpreter ~0.3 s here: in a thread, so the
            # keys typed just after the first frame are not kept waiting behind them.
            agent = await asyncio.to_thread(self._make_agent, choice)
        except (AgentryError, ValueError, ImportError) as exc:
            self.connection = Connection("none", choice.name, detail=str(exc))
            return
        agent.sessions = self._sessions
        self.agent = agent
        self.connection = Connection("connecting", choice.name, agent.provider.model)
        try:
            model = await agent.provider.resolve_model()
        except (ProviderConnectionError, ProviderTimeout) as exc:
            self.connection = Connection("unreachable", choice.name, agent.provider.model, str(exc))
        except ProviderError as exc:
            self.connection = Connection("problem", choice.name, agent.provider.model, str(exc))
        else:
            self.connection = Connection("connected", choice.name, model, choice.reason)

    def _make_agent(self, choice: ProviderChoice) -> Agent:
        from agentry.agent import Agent
        from agentry.config import build_provider

        # The first request loads httpx's network backend (anyio's for asyncio, ~30 modules):
        # here, not on the event loop, where it held the keys typed then for 25-80 ms.
        with contextlib.suppress(ImportError):
            import anyio._backends._asyncio  # noqa: F401

        # The settings file's model and endpoint apply too, as in the line client.
        provider = build_provider(choice, self._model, self._endpoint)
        agent = Agent(provider, approve=self._approve, workspace=self._workspace)
        agent.load_default_tools()
        return agent

    async def list_models(self) -> list[str]:
        """The provider's models; raises ProviderError (or AgentryError without a provider)."""
        if self.agent is None:
            raise AgentryError(self._why_not_reply(self.active) or "No model provider.")
        return await self.agent.list_models()

    def set_model(self, name: str) -> None:
        if self.agent is None:
            raise AgentryError("No model provider is connected.")
        self.agent.provider.model = name
        self.connection = replace(self.connection, model=name)

    # -- changing sessions ----------------------------------------------------------------

    def _refuse_busy(self, entry: SessionEntry) -> None:
        if entry.streaming:
            raise AgentryError(
                f"A reply is still arriving in '{entry.id}'. Press Esc to stop it first."
            )

    def clear(self, session_id: str) -> None:
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        if entry.session is None:
            raise AgentryError(f"Session '{session_id}' is not open.")
        entry.session.clear_history(keep_system=True)
        entry.notices.clear()
        entry.error = None
        entry.generation = Generation.IDLE
        self._changed(entry)
        self._save(entry)
        self._post(SessionUpdated(session_id))

    def set_system(self, session_id: str, text: str) -> None:
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        assert entry.session is not None
        messages = entry.session.messages
        if messages and messages[0].get("role") == "system":
            messages[0] = {**messages[0], "content": text}
        else:
            messages.insert(0, {"role": "system", "content": text})
        self._changed(entry)
        self._save(entry)
        self._post(SessionUpdated(session_id))

    async def delete(self, session_id: str) -> None:
        """Delete the session's file; the next session becomes active (a new one if none)."""
        entry = self._entries[session_id]
        self._refuse_busy(entry)
        await self._drain_saves()
        await asyncio.get_running_loop().run_in_executor(
            self._io, self.manager.delete_session, session_id
        )
        index = self._order.index(session_id)
        self._order.remove(session_id)
        del self._entries[session_id]
        self._sessions.pop(session_id, None)
        self._post(SessionListChanged())
        if self.active_id == session_id:
            if self._order:
                self.open(self._order[min(index, len(self._order) - 1)])
            else:
                self.create()

    async def rename(self, old_id: str, new_id: str) -> None:
        """Give a session a new id (and file name). Raises ValueError for a bad or taken id."""
        entry = self._entries[old_id]
        self._refuse_busy(entry)
        validate_session_id(new_id)
        if new_id in self._entries or self.manager.session_exists(new_id):
            raise ValueError(f"A session named '{new_id}' already exists.")
        await self._drain_saves()
        if self.manager.session_exists(old_id):
            await asyncio.get_running_loop().run_in_executor(
                self._io, self.manager.rename_session, old_id, new_id
            )
        entry.id = new_id
        entry.file = str(self.manager.path_for(new_id))
        self._entries = {(new_id if k == old_id else k): v for k, v in self._entries.items()}
        self._order[self._order.index(old_id)] = new_id
        if entry.session is not None:
            entry.session.session_id = new_id
            self._sessions[new_id] = self._sessions.pop(old_id)
        if self.active_id == old_id:
            self.active_id = new_id
        self._post(SessionListChanged())
        self._post(SessionUpdated(new_id))

    async def export(self, session_id: str, fmt: str | None, target: str | None) -> list[Path]:
        """Write the session as Markdown and/or JSON; ``target`` is a file or a folder (default:
        the current folder). Returns the files written."""
        entry = self._entries[session_id]
        if entry.session is None:
            raise AgentryError(f"Session '{session_id}' cannot be exported: {entry.corrupt}")
        formats = [fmt] if fmt else ["md", "json"]
        folder = Path(target).expanduser() if target else Path.cwd()
        renders = {"md": export.to_markdown, "json": export.to_json}
        files: list[tuple[Path, str]] = []
        for kind in formats:
            if target and not folder.is_dir() and len(formats) == 1:
                path = folder
            else:
                path = folder / f"{session_id}.{kind}"
            files.append((path, renders[kind](entry.session)))

        def write() -> None:
            for path, text in files:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")

        await asyncio.get_running_loop().run_in_executor(self._io, write)
        return [path for path, _ in files]

    # -- notices --------------------------------------------------------------------------

    def notify_session(self, session_id: str, text: str, kind: str = "info") -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            self._add_notice(entry, text, kind)
            self._post(SessionUpdated(session_id))

    def _add_notice(self, entry: SessionEntry, text: str, kind: str) -> None:
        count = len(entry.session.messages) if entry.session is not None else 0
        entry.notices.append(Notice(text, kind, count))

    # -- bookkeeping and saving -----------------------------------------------------------

    def _changed(self, entry: SessionEntry) -> None:
        """The session changed in a way the file should get."""
        entry.version += 1
        self._touch(entry)

    def _touch(self, entry: SessionEntry) -> None:
        """Refresh the list row from the session's messages; newest activity goes first."""
        session = entry.session
        if session is None:
            return
        entry.message_count = len(session.messages)
        entry.title = title_of(session.messages)
        entry.created_at = session.created_at
        moved = entry.last_activity != session.last_activity
        entry.last_activity = session.last_activity
        if moved and self._order and self._order[0] != entry.id:
            self._order.remove(entry.id)
            self._order.insert(0, entry.id)
            self._post(SessionListChanged())

    def _save(
        self,
        entry: SessionEntry,
        pending: list[dict[str, Any]] | None = None,
        adopt: bool | None = None,
    ) -> asyncio.Future[None] | None:
        """Save the session off the loop, merged with what other processes saved to it.
        ``pending``: a reply still arriving, written but not part of the session yet. What the
        file then holds becomes the session's (``adopt``) by default only when no reply is
        arriving, as the reply's view counts the session's messages."""
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
                self.manager, session, pending=pending or (), adopt=adopt, executor=self._io
            )
        except (OSError, ValueError) as exc:  # SessionCorruptError is a ValueError
            self._save_failed(entry, exc)
            return
        if entry.id not in self._entries:
            return
        entry.size = report.size
        if not pending:
            entry.saved_version = max(entry.saved_version, version)
        shown = False  # whether the person can see a difference
        if self._retries.pop(entry.id, None) is not None:
            self._add_notice(entry, f"Saved session '{entry.id}' again.", "info")
            shown = True
        if (report.taken or report.conflicts) and session.messages == report.messages:
            self._merged(entry, report)  # adopted: said once, when it shows
            shown = True
        # While a reply arrives the status says "not saved" whatever the disk holds: a save
        # then changes nothing on screen, and a repaint would hold up the reply.
        if shown or not entry.streaming:
            self._post(SessionUpdated(entry.id))

    def _merged(self, entry: SessionEntry, report: SyncReport) -> None:
        """Another process saved to this session meanwhile: say what the merge did."""
        entry.merges += 1
        if report.taken:
            n = report.taken
            self._add_notice(entry, f"{n} message{'s' if n != 1 else ''} saved to this session "
                             f"by another Agentry process {'was' if n == 1 else 'were'} merged "
                             "in.", "info")
        if report.conflicts:
            self._add_notice(entry, "Another process changed the same messages of this session "
                             "as this one: both versions were kept, theirs first.", "info")
        self._touch(entry)

    def _save_failed(self, entry: SessionEntry, exc: Exception) -> None:
        """Keep the messages in memory and try again later, backing off; say so once."""
        if entry.id not in self._entries:
            return
        delay = self._retries.get(entry.id)
        if delay is None:
            self._add_notice(
                entry,
                f"Could not save session '{entry.id}': {clip(str(exc), 300)}\nYour messages are "
                f"kept here; saving is tried again every {SAVE_RETRY_S[-1]:g} s at most.",
                "error",
            )
            self._post(SessionUpdated(entry.id))
        delay = min(SAVE_RETRY_S[0] if delay is None else delay * 2, SAVE_RETRY_S[-1])
        self._retries[entry.id] = delay
        self.app.set_timer(delay, lambda: self._retry_save(entry))

    def _retry_save(self, entry: SessionEntry) -> None:
        if entry.id in self._entries and entry.id not in self._saves.values():
            self._save(entry)

    async def _drain_saves(self) -> None:
        while self._saves:
            await asyncio.gather(*list(self._saves), return_exceptions=True)

    async def shutdown(self) -> list[str]:
        """Stop every reply (keeping their partial text), save what is unsaved, close. Returns
        what to tell the person about sessions that could not be saved."""
        replies = [
            w for w in self.workers if w.node is self and w.group in self._entries and w.is_running
        ]
        for worker in replies:
            worker.cancel()
        for worker in replies:
            with contextlib.suppress(Exception):
                await worker.wait()
        for entry in self._entries.values():
            if entry.session is not None and entry.version != entry.saved_version:
                self._save(entry)
        await self._drain_saves()
        self._io.shutdown(wait=True)
        if self.agent is not None:
            await self.agent.aclose()
        return self._rescue_unsaved()

    def _rescue_unsaved(self) -> list[str]:
        """Sessions that could not be saved are copied where they can be: what to tell."""
        lines = []
        for entry in self._entries.values():
            if entry.session is None or entry.version == entry.saved_version:
                continue
            try:
                path = rescue_copy(entry.session)
            except OSError as exc:
                lines.append(f"Session '{entry.id}' could not be saved, nor copied elsewhere "
                             f"({clip(str(exc), 300)}).")
            else:
                lines.append(f"Session '{entry.id}' could not be saved in its folder; a copy is "
                             f"in {path} (move it to {entry.path.parent} to go on with it).")
        return lines
