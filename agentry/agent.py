"""Agent: sessions in memory and the chat/tool loop over one provider."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, Unpack

from agentry.attachments import AttachmentError, AttachmentRef, Pending, read_attachment
from agentry.attachments import folder as attachment_folder
from agentry.attachments.wire import KEY as ATTACHMENTS
from agentry.attachments.wire import Unsent, refs_of, with_attachments
from agentry.context import ContextLength, Plan, policy_of
from agentry.context.keeper import ContextKeeper
from agentry.context.texts import ask_text, does_not_fit
from agentry.errors import AgentryError, ContextFullError, ProviderError, ToolError
from agentry.events import (
    DoneEvent,
    ErrorEvent,
    MessageAdded,
    NoticeEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
    UsageEvent,
)
from agentry.messages import (
    CREATED_AT,
    ERROR,
    INTERRUPTED,
    MODEL,
    PROVIDER,
    REASONING,
    TRUNCATED,
    USAGE,
    wire_message,
)
from agentry.params import (
    WIRE_NAMES,
    ParamsError,
    ParamValues,
    checked,
    merged,
    session_params,
    unsupported,
    unsupported_text,
)
from agentry.providers import Provider, make_provider
from agentry.providers.boundary import checked_model, checked_stream
from agentry.providers.http import Timeouts
from agentry.sessions.branches import unanswered_turn
from agentry.sessions.session import AgentSession, now
from agentry.tools import Tool, ToolRegistry, Workspace, default_tools
from agentry.tools.approvals import Allow, ApprovalRules, ApprovalsError

if TYPE_CHECKING:  # agentry.mcp loads the MCP SDK: only once a server is configured
    from agentry.mcp import McpHub, ServerConfig

DEFAULT_SYSTEM_MESSAGE = "You are a helpful AI assistant."
# How long the first request waits for MCP servers still starting (their tools join the turn).
MCP_START_WAIT = 10.0

# The answer to a tool call that needs approval: exactly True runs it, a dict of edited arguments
# runs it with those, an Allow runs it and says for how long the answer holds (this call, the
# session, always); anything else (False, None, 0, "yes", "no", ...) or an exception raised by
# the approver refuses it, and the model is told so as a tool error. Approval fails closed.
Approval = bool | dict[str, Any] | Allow
# Called as approve(call, tool, session): the session asking. An approver that takes only
# (call, tool) is still called that way.
Approver = Callable[..., Awaitable[Approval]]
Clock = Callable[[], datetime]
# A file to attach: a path (relative to the workspace root), or one already read.
Attachment = Pending | str | os.PathLike[str]


class Agent:
    def __init__(
        self,
        llm: str | Provider = "ollama",
        model: str | None = None,
        api_key: str | None = None,
        endpoint: str | None = None,
        system_message: str | None = None,
        max_iterations: int = 20,
        approve: Approver | None = None,
        workspace: str | Path | None = None,
        timeouts: Timeouts | None = None,
        clock: Clock = now,
        **provider_options: Any,
    ) -> None:
        # Parameters for every request (temperature=..., see agentry/params.py); a session's own
        # and a call's win. Taken from the options, which used to go to the provider only.
        given = {k: provider_options.pop(k) for k in WIRE_NAMES if k in provider_options}
        self.params = checked(given) if given else {}
        self._said: set[tuple[str, str, str]] = set()  # (session, provider, parameter) told
        if isinstance(llm, Provider):
            self.provider = llm
        else:
            self.provider = make_provider(
                llm,
                model=model,
                api_key=api_key,
                endpoint=endpoint,
                timeouts=timeouts,
                **provider_options,
            )
        # The total time one model call may take (Timeouts.reply, else AGENTRY_REPLY_TIMEOUT).
        self.reply_timeout = (timeouts or _provider_timeouts(self.provider)).reply
        self.system_message = system_message or DEFAULT_SYSTEM_MESSAGE
        self.max_iterations = max_iterations
        self.approve = approve
        self.clock = clock  # stamps every message the agent adds (``_created_at``)
        self.workspace = Workspace(Path(workspace) if workspace else Path.cwd())
        self.tools = ToolRegistry()
        self.mcp: McpHub | None = None  # MCP servers' tools, offered beside ``tools``
        # Tools allowed without asking, for a session or always (settings.json, read when used).
        self.approvals = ApprovalRules()
        self._approval_notes: dict[str, list[str]] = {}  # by session id: said after the call
        # What of a session each request sends, and the context length it is planned for.
        self.context = ContextKeeper(self.provider, self.params)
        self.sessions: dict[str, AgentSession] = {}
        self._in_flight: dict[str, _ReplyInProgress] = {}  # by session id

    # -- sessions ---------------------------------------------------------------------------

    def get_session(self, session_id: str = "default") -> AgentSession:
        """The in-memory session of that id, created (with the system message) if new."""
        session = self.sessions.get(session_id)
        if session is None:
            session = self.sessions[session_id] = self.new_session(session_id)
        return session

    def new_session(self, session_id: str) -> AgentSession:
        """A new session with the system message, for a client that keeps its own sessions
        (and passes them to ``stream``); the agent does not keep it."""
        session = AgentSession(session_id)
        session.add_message({"role": "system", "content": self.system_message})
        return session

    def _session(self, session: AgentSession | str) -> AgentSession:
        return session if isinstance(session, AgentSession) else self.get_session(session)

    def in_flight(self, session: AgentSession | str) -> list[dict[str, Any]]:
        """What a reply still arriving in the session (or the session of that id) would leave
        there if it stopped now: the partial assistant message, or answers to the tool calls
        not yet answered, each marked interrupted. Empty when no reply is under way. For saving
        a reply as it grows."""
        key = session.session_id if isinstance(session, AgentSession) else session
        reply = self._in_flight.get(key)
        return reply.stopped_tail() if reply is not None else []

    # -- tools ------------------------------------------------------------------------------

    def load_default_tools(self) -> None:
        """Register the built-in file, search, command and fetch tools."""
        for tool in default_tools(self.workspace):
            self.tools.register(tool)

    def register_tool_from_function(self, func: Callable[..., Any], **options: Any) -> Tool:
        return self.tools.register_tool_from_function(func, **options)

    def add_custom_tool(
        self, schema: dict[str, Any], executor: Callable[..., Any], **options: Any
    ) -> Tool:
        return self.tools.add_custom_tool(schema, executor, **options)

    # -- MCP servers ------------------------------------------------------------------------

    def use_mcp(self, hub: McpHub) -> None:
        """Offer the tools of ``hub``'s servers (a client's own hub, started by it)."""
        self.mcp = hub

    def add_mcp_server(self, name: str, config: ServerConfig | Mapping[str, Any]) -> None:
        """Add an MCP server, in the settings.json shape (``{"command": ..., "args": [...]}``
        or ``{"url": ..., "headers": {...}}``), and start it in the background (now when
        called on the event loop, else with the first request). ValueError if it is wrong."""
        from agentry.mcp import McpHub

        if self.mcp is None:
            self.mcp = McpHub()
        self.mcp.add(name, config)
        with contextlib.suppress(RuntimeError):  # no running loop: started by ``stream``
            asyncio.get_running_loop()
            self.mcp.start()

    def offered(self, session: AgentSession) -> ToolRegistry:
        """The tools a request in ``session`` offers: the agent's own, and those of the MCP
        servers not switched off in the session (an MCP name taken by one of ours is left out)."""
        if self.mcp is None:
            return self.tools
        from agentry.mcp.switches import servers_off

        offered = ToolRegistry(self.tools.get(name) for name in self.tools.names())
        for tool in self.mcp.tools(off=servers_off(session.metadata)):
            if tool.name not in offered:
                offered.register(tool)
        return offered

    async def _run_tool(self, call: ToolCallEvent, session: AgentSession) -> ToolResultEvent:
        arguments = call.arguments
        tools = self.offered(session)
        try:
            if call.problem:
                raise ToolError(
                    f"{call.name} was not run: {call.problem}. Call it again with "
                    "the arguments as a JSON object."
                )
            tool = tools.get(call.name)  # an unknown name is a ToolError the model sees
            if tool.needs_approval:
                arguments = await self._approved_arguments(call, tool, session)
            content = await tools.execute(call.name, arguments)
        except ToolError as exc:
            return ToolResultEvent(call.id, call.name, f"Error: {exc}", is_error=True)
        return ToolResultEvent(call.id, call.name, content)

    async def _approved_arguments(
        self, call: ToolCallEvent, tool: Tool, session: AgentSession
    ) -> dict[str, Any]:
        """The arguments to run an approved call with: the call's own if the tool is allowed
        without asking (``approvals``), else as the approver answered; a ToolError unless it
        said exactly True, gave a dict or an Allow (fails closed). The answer's scope is kept."""
        if self.approvals.allows(session.session_id, tool):
            return call.arguments
        if self.approve is None:
            raise ToolError(
                f"{call.name} was refused: it needs the user's approval "
                f"({tool.permission}) and this agent has no approval callback."
            )
        try:
            if _takes_session(self.approve):
                answer = await self.approve(call, tool, session)
            else:
                answer = await self.approve(call, tool)
        except Exception as exc:
            raise ToolError(
                f"{call.name} was refused: the approval callback failed "
                f"({type(exc).__name__}: {exc})."
            ) from exc
        allow = _allow_of(answer)
        if allow is None:
            raise ToolError(f"The user declined to run {call.name}.")
        try:  # in a thread: saving "always" writes and fsyncs the settings file
            await asyncio.to_thread(self.approvals.remember, session.session_id, tool, allow.scope)
        except ApprovalsError as exc:  # allowed this time and for the session, just not saved
            self._approval_notes.setdefault(session.session_id, []).append(str(exc))
        return call.arguments if allow.arguments is None else allow.arguments

    # -- chat -------------------------------------------------------------------------------

    async def chat(
        self,
        message: str,
        session_id: AgentSession | str = "default",
        *,
        attachments: Sequence[Attachment] = (),
        **params: Unpack[ParamValues],
    ) -> str:
        """Send a message and return the final reply text; raises the turn's error if any.
        ``attachments``: files (paths inside the workspace) or ``Pending`` ones sent with it
        (see ``stream``). ``params`` (temperature=..., ...) apply to this message's reply only."""
        events = self.stream(message, session_id=session_id, attachments=attachments, **params)
        async with contextlib.aclosing(events) as events:
            async for event in events:
                if isinstance(event, ErrorEvent):
                    raise event.error
                if isinstance(event, DoneEvent):
                    return event.text
        raise AgentryError("The reply ended without a result.")  # stream always ends in one

    async def stream(
        self,
        message: str | None,
        session_id: AgentSession | str = "default",
        *,
        attachments: Sequence[Attachment] = (),
        model: str | None = None,
        **params: Unpack[ParamValues],
    ) -> AsyncGenerator[StreamEvent, None]:
        """One user turn in the session (an ``AgentSession``, or the id of one of the agent's
        own) as events, answered on its active branch. ``message=None`` answers the session as
        it stands (see ``answer``). ``model`` names the model for this turn only (a session's
        own choice); default: the provider's.

        Sending again the words of a turn whose reply failed or was stopped answers that turn
        again instead of repeating the message: the failed reply, if any, is kept as a branch.

        ``params`` (temperature=..., see agentry/params.py) apply to this turn only, over the
        session's own (its metadata's "params") over the agent's. One the provider cannot send
        is said once per session (a NoticeEvent), not silently dropped.

        Every message the turn adds to the session is reported as a MessageAdded, the person's
        first: it is in the session before the request goes out, so a client may save it then.
        ``attachments`` go with the message: paths (relative to the workspace root, and inside
        it) are read now, text files and PNG/JPEG/WebP/GIF images (see agentry.attachments).
        The message keeps references (its "attachments"); the bytes wait in the session's
        ``pending_attachments`` until SessionManager stores them beside the session file. One
        that cannot be attached ends the turn with an ErrorEvent naming it before anything is
        added or sent. A model that cannot take images is sent the text, with a NoticeEvent
        naming the images left out.

        Ends with DoneEvent or ErrorEvent. If the consumer is cancelled or stops iterating, the
        HTTP stream is closed and the partial reply stays in the session, marked interrupted.
        """
        session = self._session(session_id)
        try:
            attached = await self._attachments(message, attachments)
        except AttachmentError as exc:
            yield ErrorEvent(exc)
            return
        refs = [p.ref for p in attached]
        if message is not None:
            again = unanswered_turn(session.messages, message)
            if again is not None and refs_of(session.messages[again]) == refs:
                session.prepare_answer_again(again)
                yield MessageAdded(session.messages[again], again)
            else:
                user: dict[str, Any] = {"role": "user", "content": message}
                if refs:
                    user[ATTACHMENTS] = refs
                    session.pending_attachments.update((p.ref["sha256"], p) for p in attached)
                user[CREATED_AT] = _stamp(self.clock)
                yield _append(session, user)
        try:
            wanted = merged(
                self.params, session_params(session.metadata), checked(params) if params else None
            )
            model = model or await checked_model(self.provider)
        except (ProviderError, ParamsError) as exc:
            yield ErrorEvent(exc)
            return
        if notice := self._unsupported(session, wanted):
            yield NoticeEvent(notice)
        if self.mcp is not None:
            if not self.mcp.running:  # servers added before the loop ran
                self.mcp.start()
            await self.mcp.settled(MCP_START_WAIT)
        sent = {k: v for k, v in wanted.items() if k in self.provider.supported_params}
        try:
            async with contextlib.aclosing(self._calls(session, model, sent)) as events:
                async for event in events:
                    yield event
        finally:
            self._in_flight.pop(session.session_id, None)

    def answer(
        self,
        session_id: AgentSession | str = "default",
        *,
        model: str | None = None,
        **params: Unpack[ParamValues],
    ) -> AsyncGenerator[StreamEvent, None]:
        """Answer the session's active branch as it stands, adding no message of the person's:
        the events of ``stream``. For after ``AgentSession.edit_message`` or
        ``prepare_answer_again``."""
        return self.stream(None, session_id, model=model, **params)

    async def _attachments(
        self, message: str | None, attachments: Sequence[Attachment]
    ) -> list[Pending]:
        """The attachments read and checked (paths against the workspace root, in a thread: a
        large file must not hold up the event loop); AttachmentError for the first that cannot
        be attached."""
        if attachments and message is None:
            raise AttachmentError("Attachments go with a message; none was given.")
        return [
            a
            if isinstance(a, Pending)
            else await asyncio.to_thread(read_attachment, a, root=self.workspace.root)
            for a in attachments
        ]

    async def _attached(
        self, session: AgentSession, request: list[dict[str, Any]], model: str
    ) -> tuple[list[dict[str, Any]], NoticeEvent | None]:
        """The request with each message's attachments as providers take them (see
        agentry.attachments.wire), and a notice of what was left out and why, said once per
        attachment and session."""
        images = any(r["kind"] == "image" for m in request for r in refs_of(m))
        take_images = not images or await self.provider.accepts_images(model) is not False
        unsent = Unsent()
        data_of = functools.partial(_attachment_bytes, session)

        def converted() -> list[dict[str, Any]]:
            return [with_attachments(m, data_of, take_images, unsent) for m in request]

        # Stored files are read, checked and encoded in a thread (megabytes, every request).
        return await asyncio.to_thread(converted), self._unsent_notice(session, model, unsent)

    def _unsent_notice(
        self, session: AgentSession, model: str, unsent: Unsent
    ) -> NoticeEvent | None:
        """What to say of attachments left out, each said once per session and provider."""
        key = session.session_id, self.provider.name
        images = [r for r in unsent.images if (*key, f"image {r['sha256']}") not in self._said]
        missing = [r for r in unsent.missing if (*key, f"gone {r['sha256']}") not in self._said]
        self._said.update((*key, f"image {r['sha256']}") for r in images)
        self._said.update((*key, f"gone {r['sha256']}") for r in missing)
        said = []
        if images:
            said.append(
                f"{_names(images)} not sent: {self.provider.name} model {model} cannot take "
                "images. The text was sent."
            )
        if missing:
            said.append(
                f"{_names(missing)} not sent: the stored copy is missing from the session's "
                "attachments folder."
            )
        return NoticeEvent(" ".join(said)) if said else None

    def _unsupported(self, session: AgentSession, params: dict[str, Any]) -> str | None:
        """What to say of the parameters the provider cannot send, the first time each is met
        in the session; None if nothing new."""
        name = self.provider.name
        new = [
            p
            for p in unsupported(self.provider.supported_params, params)
            if (session.session_id, name, p) not in self._said
        ]
        self._said.update((session.session_id, name, p) for p in new)
        return unsupported_text(name, new) if new else None

    async def _calls(
        self, session: AgentSession, model: str, params: dict[str, Any]
    ) -> AsyncGenerator[StreamEvent, None]:
        """The model calls of one turn, with the tools they ask for between them."""
        for _ in range(self.max_iterations):
            try:
                length = await self.context.length(model, session.metadata, params)
                request, summary = await self._fitted(session, model, length)
            except (ProviderError, ContextFullError) as exc:
                yield ErrorEvent(exc)
                return
            if summary is not None:
                yield summary
            if any(ATTACHMENTS in m for m in request):
                request, notice = await self._attached(session, request, model)
                if notice is not None:
                    yield notice
            reply = self._in_flight[session.session_id] = _ReplyInProgress(
                self.provider.name, model, self.clock
            )
            outcome: str = "interrupted"
            try:
                # aclosing: the HTTP response closes the moment we stop, not at GC time.
                async with contextlib.aclosing(
                    checked_stream(
                        self.provider,
                        request,
                        self.offered(session).specs() or None,
                        model=model,
                        reply_timeout=self.reply_timeout,
                        params=self.context.sent_params(params, length),
                    )
                ) as events:
                    async for event in events:
                        reply.take(event)
                        if not isinstance(event, UsageEvent):
                            yield event
                outcome = "done"
            except ProviderError as exc:
                outcome = "error"
                if reply.has_content:
                    yield _append(session, reply.message(error=str(exc)))
                yield ErrorEvent(exc)
                return
            finally:
                # Cancellation, or a consumer that stopped iterating, lands here too.
                if outcome == "interrupted":
                    session.messages.extend(reply.stopped_tail())
            reply.committed = True
            try:
                yield _append(session, reply.message())
                if reply.usage is not None:
                    yield reply.usage
                if not reply.calls:
                    yield DoneEvent(reply.text)
                    return
                for call in reply.calls:
                    result = await self._run_tool(call, session)
                    for note in self._approval_notes.pop(session.session_id, ()):
                        yield NoticeEvent(note)
                    reply.answered += 1
                    yield _append(session, _tool_message(result, self.clock))
                    yield result
            finally:
                # Stopped from here on: every call still gets an answer, or providers reject
                # the history on the next request.
                session.messages.extend(reply.stopped_tail())
        yield ErrorEvent(
            AgentryError(
                f"Stopped after {self.max_iterations} rounds of tool calls without a final answer "
                "(max_iterations)."
            )
        )

    def context_plan(self, session: AgentSession, model: str | None = None) -> Plan:
        """What the next request in the session would send and leave out, as far as is known
        without asking the server (``await agent.context.length(model, metadata)`` asks)."""
        model = model or self.provider.model
        length = self.context.known(model, session.metadata)
        tools = self.offered(session).specs()
        return self.context.plan(session.messages, session.metadata, length, tools)

    async def _fitted(
        self, session: AgentSession, model: str, length: ContextLength | None
    ) -> tuple[list[dict[str, Any]], MessageAdded | None]:
        """The messages of the next request in a context of ``length``, as it allows; with the
        session's policy "summarise", the summary it added first. ContextFullError under "ask",
        or when even the newest turn does not fit."""
        tools = self.offered(session).specs() or None
        plan = self.context.plan(session.messages, session.metadata, length, tools)
        added = None
        if plan.dropped and policy_of(session.metadata) == "ask":
            raise ContextFullError(ask_text(plan))
        if plan.dropped and policy_of(session.metadata) == "summarise":
            summary = await self.context.summary(
                session.messages, plan, model, self.reply_timeout, self.clock()
            )
            added = _append(session, summary)
            plan = self.context.plan(session.messages, session.metadata, length, tools)
        if not plan.fits:
            raise ContextFullError(does_not_fit(plan))
        return [wire_message(m) for m in plan.messages(session.messages)], added

    async def list_models(self) -> list[str]:
        return await self.provider.list_models()

    async def aclose(self) -> None:
        if self.mcp is not None:
            await self.mcp.aclose()
        await self.provider.aclose()


def _attachment_bytes(session: AgentSession, ref: AttachmentRef) -> bytes | None:
    """An attachment's bytes: those the session holds, else its stored copy; None if gone."""
    pending = session.pending_attachments.get(ref["sha256"])
    if pending is not None:
        return pending.data
    if session.history_dir is None:
        return None
    return attachment_folder.read(
        attachment_folder.folder_for(session.history_dir, session.session_id), ref
    )


def _names(refs: list[AttachmentRef]) -> str:
    return ", ".join(r["name"] for r in refs) + (" was" if len(refs) == 1 else " were")


def _provider_timeouts(provider: Provider) -> Timeouts:
    http = getattr(provider, "http", None)
    timeouts = getattr(http, "timeouts", None)
    return timeouts if isinstance(timeouts, Timeouts) else Timeouts.from_env()


def _takes_session(approver: Approver) -> bool:
    """Whether the approver takes the session as a third argument (older ones take two)."""
    try:
        inspect.signature(approver).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): call it the current way
        return True
    return True


def _allow_of(answer: object) -> Allow | None:
    """The approver's answer as an Allow; None for anything that does not allow the call."""
    if answer is True:
        return Allow()
    if isinstance(answer, Allow):
        return answer if answer.arguments is None or _is_arguments(answer.arguments) else None
    return Allow(arguments=answer) if _is_arguments(answer) else None


def _is_arguments(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and all(isinstance(k, str) for k in value)


def _append(session: AgentSession, message: dict[str, Any]) -> MessageAdded:
    session.add_message(message)
    return MessageAdded(message, len(session.messages) - 1)


def _stamp(clock: Clock) -> str:
    return clock().isoformat()


def _tool_message(result: ToolResultEvent, clock: Clock) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "tool",
        "tool_call_id": result.id,
        "name": result.name,
        "content": result.content,
        CREATED_AT: _stamp(clock),
    }
    if result.is_error:
        message[ERROR] = True
    return message


class _ReplyInProgress:
    """What one model call has produced so far, and the assistant message it becomes."""

    def __init__(self, provider: str, model: str, clock: Clock) -> None:
        self.provider = provider
        self.model = model
        self.clock = clock
        self.started = time.monotonic()
        self.parts: list[str] = []
        self.reasoning: list[str] = []
        self.calls: list[ToolCallEvent] = []
        self.usage: UsageEvent | None = None
        self.committed = False  # its message is in the session
        self.answered = 0  # tool calls answered in the session

    def stopped_tail(self) -> list[dict[str, Any]]:
        """The messages that end the session if the reply stops now: the partial message, or
        an answer to each tool call not answered yet (providers reject unanswered calls)."""
        if not self.committed:
            return [self.message(interrupted=True)] if self.has_content else []
        return [
            {
                **_tool_message(
                    ToolResultEvent(
                        call.id, call.name, "Stopped before it finished.", is_error=True
                    ),
                    self.clock,
                ),
                INTERRUPTED: True,
            }
            for call in self.calls[self.answered :]
        ]

    def take(self, event: Any) -> None:
        if isinstance(event, TextDelta):
            self.parts.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self.reasoning.append(event.text)
        elif isinstance(event, ToolCallEvent):
            self.calls.append(event)
        elif isinstance(event, UsageEvent):
            if event.duration_s is None:
                event.duration_s = time.monotonic() - self.started
            self.usage = event

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def has_content(self) -> bool:
        return bool(self.parts or self.reasoning or self.calls)

    def message(self, interrupted: bool = False, error: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.text}
        if self.calls and not (interrupted or error):
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in self.calls
            ]
        message[CREATED_AT] = _stamp(self.clock)
        message[PROVIDER] = self.provider
        message[MODEL] = self.model
        if self.reasoning:
            message[REASONING] = "".join(self.reasoning)
        if self.usage is not None:
            message[USAGE] = self.usage.as_dict()
            if self.usage.truncated:
                message[TRUNCATED] = True
        if interrupted:
            message[INTERRUPTED] = True
        if error:
            message[INTERRUPTED] = True
            message[ERROR] = error
        return message
