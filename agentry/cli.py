"""The line client: ``agentry [options] [PROMPT...]`` (also ``python -m agentry``).

Choices worth knowing:

- Three ways to run (agentry/cli_args.py's --help says them): a chat at the terminal; one
  prompt (a PROMPT argument and/or piped stdin, read whole), answered, then exit; and --lines,
  stdin read line by line, each line a message or a /command.
- Lines are read with ``input()`` in the main thread, outside the event loop, so Ctrl-C at the
  prompt is a plain KeyboardInterrupt (save and exit) and no reader thread is left blocked on
  stdin at exit. Each turn runs on one long-lived ``asyncio.Runner`` (the provider's HTTP client
  stays on one loop); the Runner turns Ctrl-C during a turn into cancelling that turn's task,
  which works on every platform, and the agent keeps the partial reply marked interrupted.
- Replies start with ``[id] Assistant: `` only in a chat whose stdout is a terminal; otherwise
  stdout holds just the reply text (as ``llm`` prints it), tool calls go to stderr with the
  other notes, and reasoning is left out (it is in the session file anyway). Without a terminal
  on stdin there is no "You:" prompt, tools that need approval are refused (but those always
  allowed, see /permissions, which run without asking), and the exit code is 1 if anything
  failed (for scripts).
- A corrupt session file named by --session stops the client with exit code 1. Starting under
  another, made-up id would put the person's next messages somewhere they did not ask for; the
  file is left as it is for them to inspect or move.
- Every session the client starts or creates is saved at once, so /sessions and /resume see it;
  after that it is saved after every turn, /clear, switch and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from argparse import Namespace
from typing import TYPE_CHECKING, Any

from agentry import commands, params
from agentry.agent import Agent, Approval
from agentry.attachments import Pending, read_attachment
from agentry.cli_args import parse_args
from agentry.cli_input import one_prompt, read_piped
from agentry.cli_output import ReplyView, Terminal, arguments_text
from agentry.commands import LINE, SessionLine, SlashCommand
from agentry.config import (
    ProviderChoice,
    build_provider,
    choose_provider,
    default_params,
    load_settings,
)
from agentry.context.pins import set_pinned
from agentry.context.texts import policy_set_text
from agentry.context.window import POLICY_KEY
from agentry.errors import AgentryError, ProviderError, Refused, SessionCorruptError
from agentry.events import MessageAdded, ToolCallEvent
from agentry.export_target import export_session
from agentry.messages import is_truncated
from agentry.providers import Provider
from agentry.safe_text import clip
from agentry.sessions import AgentSession, SessionManager
from agentry.sessions.background_sync import AUTOSAVE_S, sync_in_background
from agentry.sessions.branches import BranchError, last_turn
from agentry.sessions.manager import SyncReport
from agentry.sessions.rescue import rescue_copy
from agentry.sessions.search import SearchUnavailable
from agentry.termination import hold_console_close, termination_signals
from agentry.timefmt import stamp
from agentry.tools import Allow, Tool
from agentry.tools.approvals import always_meaning, tool_label
from agentry.wording import plural

if TYPE_CHECKING:
    from agentry.mcp import McpHandlers

MODEL_PROBE_S = 3.0  # how long the start-up line may wait to learn the server's default model


# -- tool approval --------------------------------------------------------------------------


def read_line(prompt: str) -> str:
    """input() where Ctrl-C raises KeyboardInterrupt even during a turn: the Runner's own
    handler there only cancels the task, which cannot interrupt a blocking read."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    TERMINATION.reading = True
    try:
        return input(prompt)
    finally:
        TERMINATION.reading = False
        signal.signal(signal.SIGINT, previous)


class Termination:
    """SIGTERM, SIGHUP (the terminal closed) and, on Windows, SIGBREAK (the console closed) end
    the client as Ctrl-C at the prompt does: a turn in progress is stopped with its partial
    reply kept, the session is saved, and the client exits with 128 + the signal's number."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.turn: asyncio.Task[None] | None = None  # the turn running, if any
        self.reading = False  # blocked in a question to the person (which a cancel cannot end)

    def install(self) -> None:
        for number in termination_signals():
            signal.signal(number, self._handle)
        hold_console_close()

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signal is not None:
            return  # already on the way out: let the save finish
        self.signal = signum
        turn = self.turn
        if turn is not None and not turn.done() and not self.reading:
            turn.get_loop().call_soon_threadsafe(turn.cancel)
            return
        raise KeyboardInterrupt  # out of the blocking read; the loop saves and ends


TERMINATION = Termination()


APPROVAL_QUESTION = "Run it? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: "


class Approvals:
    """Asks the person before a tool that needs approval runs. The read blocks the event loop on
    purpose: the turn has nothing else to do while it waits, and no reader thread is left
    behind when Ctrl-C stops the turn."""

    def __init__(self, term: Terminal, interactive: bool) -> None:
        self.term = term
        self.interactive = interactive
        self.stopped = False  # Ctrl-C at a question: refuse the rest of this turn's calls

    async def __call__(self, call: ToolCallEvent, tool: Tool) -> Approval:
        if self.stopped:
            return False
        if not self.interactive:
            self.term.note(
                f"  {call.name} needs approval ({tool.permission}); refused because "
                "input is not a terminal."
            )
            return False
        self.term.aside(
            f"  {tool_label(tool)} needs approval ({tool.permission} permission). Arguments:"
        )
        self.term.aside(
            "\n".join("    " + line for line in arguments_text(call.arguments, 2).splitlines())
        )
        self.term.aside(f"  {always_meaning(tool)}")
        try:
            return self._ask()
        except EOFError:
            self.term.aside("")  # off the question's line
            return False
        except KeyboardInterrupt:
            self.term.aside("")
            # Refusing (rather than raising) keeps every tool call in the history answered.
            self.stopped = True
            task = asyncio.current_task()
            if task is not None:
                task.cancel()
            return False

    def _ask(self) -> Approval:
        while True:
            answer = read_line(self.term.question(APPROVAL_QUESTION)).strip().lower()
            if answer in ("y", "yes"):
                return Allow("once")
            if answer in ("s", "session"):
                return Allow("session")
            if answer in ("a", "always"):
                return Allow("always")
            if answer in ("n", "no"):
                return False
            if answer in ("e", "edit") and (edited := self._edited()) is not None:
                return edited

    def _edited(self) -> dict[str, Any] | None:
        """Replacement arguments typed as a JSON object; None (an empty line) goes back."""
        while True:
            text = read_line(
                self.term.question("New arguments as JSON (empty line to go back): ")
            ).strip()
            if not text:
                return None
            try:
                arguments = json.loads(text)
            except json.JSONDecodeError as exc:
                self.term.note(f"Not valid JSON: {exc}")
                continue
            if isinstance(arguments, dict):
                return arguments
            self.term.note('The arguments must be a JSON object, like {"path": "a.txt"}.')


# -- provider -------------------------------------------------------------------------------


async def make_agent(args: Namespace, approvals: Approvals) -> tuple[Agent, str]:
    """The agent, and the start-up line saying which provider and model and why."""
    settings = load_settings()
    choice = await choose_provider(args.provider, args.endpoint, settings)
    provider = build_provider(choice, args.model, args.endpoint, settings)
    system, params = default_params(settings)  # new sessions' defaults
    agent = Agent(llm=provider, approve=approvals, system_message=system, **params)
    mcp_problems = start_mcp(agent, settings.mcpServers, approvals)
    started = choice.reason if choice.name is None else await _started(provider, choice)
    agent.load_default_tools()
    return agent, "\n".join([started, *mcp_problems])


def start_mcp(agent: Agent, raw: object, approvals: Approvals | None = None) -> list[str]:
    """Give ``agent`` the settings' MCP servers, started by its first turn (this client's loop
    runs only during turns, and start-up does not wait for the SDK's 0.7 s of imports); what
    is wrong with the entries that cannot be used, each named. ``approvals``: where the
    servers' own questions (sampling, elicitation) are asked."""
    if not raw:
        return []
    from agentry.mcp import McpHub, parse_servers

    configs, bad = parse_servers(raw)
    if configs:
        agent.use_mcp(McpHub(configs, handlers=_mcp_questions(agent, approvals)))
    return [f"MCP server not started: {error}" for error in bad.values()]


def _mcp_questions(agent: Agent, approvals: Approvals | None) -> McpHandlers | None:
    """The person answers a server's sampling and elicitation requests, line by line."""
    if approvals is None:
        return None
    from agentry.cli_mcp_questions import LineQuestions

    term, interactive = approvals.term, approvals.interactive
    return LineQuestions(term, interactive, read_line, agent).handlers()


async def _started(provider: Provider, choice: ProviderChoice) -> str:
    try:
        model = await asyncio.wait_for(provider.resolve_model(), MODEL_PROBE_S)
    except ProviderError as exc:
        return f"Using {choice.name} ({choice.reason}); no model yet: {exc}"
    except TimeoutError:
        return (
            f"Using {choice.name} ({choice.reason}); no model yet: the server did not "
            f"answer within {MODEL_PROBE_S:g} s"
        )
    return f"Using {choice.name}, model {model} ({choice.reason})"


# -- the client -----------------------------------------------------------------------------


class ChatClient:
    def __init__(
        self,
        agent: Agent,
        manager: SessionManager,
        session: AgentSession,
        approvals: Approvals,
        runner: asyncio.Runner,
    ) -> None:
        self.agent = agent
        self.runner = runner  # each turn and each provider call runs on its loop
        self.manager = manager
        self.term = approvals.term
        self.approvals = approvals
        self.interactive = approvals.interactive
        self.session = session  # the client's own: the agent is handed it for each turn
        self.running = True
        self.attached: list[Pending] = []  # /attach: read and checked, for the next message

    @property
    def session_id(self) -> str:
        return self.session.session_id

    def save(self) -> bool:
        """Save the session, merged with what other processes saved to it meanwhile."""
        try:
            report = self.manager.sync(self.session)
        except (OSError, ValueError) as exc:  # SessionCorruptError is a ValueError
            self.term.error(f"Could not save session '{self.session_id}': {clip(str(exc), 300)}")
            return False
        self._merged(report)
        return True

    def _rescue(self) -> None:
        """The last save failed and the client is leaving: keep a copy where it can be kept."""
        try:
            path = rescue_copy(self.session)
        except OSError as exc:
            self.term.error(f"Could not copy the session elsewhere either: {clip(str(exc), 300)}")
        else:
            self.term.error(
                f"A copy of session '{self.session_id}' is in {path}; move it to "
                f"{self.manager.history_dir} to go on with it."
            )

    def _merged(self, report: SyncReport) -> None:
        if report.taken:
            self.term.note(
                f"({plural(report.taken, 'message')} saved to this session by another "
                "Agentry process were merged in.)"
            )
        if report.conflicts:
            self.term.note(
                "(This session was also changed by another process in the same place; "
                "both versions were kept.)"
            )

    def _autosave(self, previous: asyncio.Task[SyncReport] | None) -> asyncio.Task[SyncReport]:
        """Save the reply as it grows, in a thread; at most one save at a time."""
        if previous is not None and not previous.done():
            return previous
        return asyncio.ensure_future(
            sync_in_background(
                self.manager, self.session, pending=self.agent.in_flight(self.session)
            )
        )

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> int:
        while self.running and TERMINATION.signal is None:
            try:
                line = input(f"[{self.session_id}] You: " if self.interactive else "")
            except (EOFError, KeyboardInterrupt):
                if self.interactive:
                    self.term.write("\n")  # off the prompt line, for the shell's prompt
                break
            try:
                self.handle(line)
            except KeyboardInterrupt:  # a second Ctrl-C while a turn was stopping
                break
            if self.interactive:
                self.term.line()  # the spec's example leaves a blank line after each exchange
        return self.close()

    def once(self, text: str) -> int:
        """Send ``text`` as it is (never a command), show the reply, save and close."""
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while it was stopping
            self.runner.run(self.turn(text))
        return self.close()

    def close(self) -> int:
        """Save (or keep a copy elsewhere), close the provider: the exit code."""
        if not self.save():
            self._rescue()
        self.runner.run(self.agent.aclose())
        if TERMINATION.signal is not None:
            return 128 + TERMINATION.signal
        return 1 if self.term.failed and not self.interactive else 0

    def handle(self, line: str) -> None:
        text = line.strip()
        if commands.is_command(text):
            self.command(text)
            return
        text = commands.unescape(text)
        if text:
            self.runner.run(self.turn(text))
        elif self.interactive and self._last_truncated():  # Enter alone goes on (the note says)
            self.runner.run(self.turn(params.CONTINUE_PROMPT))

    async def turn(self, text: str | None) -> None:
        """Send ``text`` and show the reply; None answers the conversation as it stands."""
        TERMINATION.turn = asyncio.current_task()
        self.approvals.stopped = False
        view = ReplyView(self.term, self.session_id)
        saving: asyncio.Task[SyncReport] | None = None
        loop = asyncio.get_running_loop()
        next_save = loop.time() + AUTOSAVE_S
        try:
            attached = self.attached if text is not None else []
            stream = self.agent.stream(text, self.session, attachments=attached)
            async with contextlib.aclosing(stream) as events:
                if text is not None:
                    first = await anext(events)  # the agent adds the person's message first:
                    if isinstance(first, MessageAdded):
                        self.attached = []  # they went with it
                    else:
                        view.show(first)
                self.save()  # it is on disk, attachments too, before the request goes out
                async for event in events:
                    view.show(event)
                    if loop.time() >= next_save:
                        saving = self._autosave(saving)
                        next_save = loop.time() + AUTOSAVE_S
        except asyncio.CancelledError:  # Ctrl-C: the agent kept the partial reply
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self.term.note("(interrupted)")
        except Exception as exc:  # noqa: BLE001 - one readable line, never a traceback; the session is kept
            self.term.error(
                f"Error: {exc}"
                if isinstance(exc, AgentryError)
                else f"Error: {type(exc).__name__}: {exc}"
            )
        if saving is not None:
            with contextlib.suppress(Exception):  # the save below says what is wrong
                await asyncio.shield(saving)
        self.save()
        TERMINATION.turn = None

    # -- commands ---------------------------------------------------------------------------

    def command(self, text: str) -> None:
        """Run a slash command; a refusal (wrong arguments, for one) is one error line."""
        try:
            if commands.is_prompt_command(text):
                self.prompt(text)
                return
            command = commands.parse(text, LINE)
            HANDLERS[command.name](self, command)
        except (AgentryError, OSError) as exc:  # ProviderError, SessionCorruptError, Refused...
            self.term.error(str(exc))

    def prompt(self, text: str) -> None:
        """``/server:prompt args``: an MCP prompt's messages are added, and answered."""
        if self.agent.mcp is None:
            raise Refused(commands.NO_MCP_SERVERS)
        from agentry.cli_mcp_questions import add_prompt

        stamp = self.agent.clock().isoformat()
        self.runner.run(add_prompt(self.agent.mcp, self.session, text, stamp))
        self.runner.run(self.turn(None))

    def _switch_to(self, session_id: str, loaded: AgentSession | None = None) -> None:
        """Make ``session_id`` current: ``loaded`` from disk, or new (with the system message)."""
        # Disk is the source of truth: the old session was just saved, so it is let go.
        self.session = loaded if loaded is not None else self.agent.new_session(session_id)

    def status(self, _: SlashCommand) -> None:
        session = self.session
        self.term.line(
            commands.status_text(
                session.session_id,
                len(session.messages),
                session.created_at,
                session.last_activity,
                self._saved(),
            )
        )

    def _saved(self) -> bool:
        """Whether the file holds exactly what is in memory (read back, not remembered)."""
        try:
            stored = self.manager.load(self.session_id)
        except (OSError, SessionCorruptError):
            return False
        session = self.session
        return (
            stored is not None
            and stored.messages == session.messages
            and stored.metadata == session.metadata
        )

    def sessions(self, _: SlashCommand) -> None:
        rows = [
            SessionLine(
                row["id"],
                row["message_count"],
                row["last_activity"],
                row["title"],
                row.get("error", ""),
            )
            for row in self.manager.list_sessions(include_corrupt=True)
        ]
        self.term.line(commands.sessions_text(rows, self.session_id))

    def new(self, command: SlashCommand) -> None:
        session_id = command.args["id"]
        if session_id == self.session_id or self.manager.session_exists(session_id):
            self.term.error(f"Session '{session_id}' already exists; use /resume {session_id}.")
            return
        if not self.save():
            return
        self._switch_to(session_id)
        self.save()
        self.term.line(commands.created_text(session_id))

    def resume(self, command: SlashCommand) -> None:
        session_id = command.args["id"]
        if not self.manager.session_exists(session_id):
            self.term.error(commands.missing_text(session_id))
            return
        if not self.save():
            return
        try:
            session = self.manager.load(session_id)
        except (OSError, SessionCorruptError) as exc:
            self.term.error(str(exc))
            return
        if session is None:  # deleted since the check above
            self.term.error(commands.missing_text(session_id))
            return
        self._switch_to(session_id, session)
        self.term.line(commands.resumed_text(session_id, len(session.messages)))

    def clear(self, _: SlashCommand) -> None:
        self.session.clear_history(keep_system=True)
        if self.save():
            self.term.line(commands.cleared_text(self.session_id))

    def model(self, command: SlashCommand) -> None:
        provider = self.agent.provider
        name = command.args.get("name")
        try:
            models = self.runner.run(self.agent.list_models())
        except ProviderError as exc:
            if name is None:
                raise
            provider.model = name  # cannot check it now; the next reply will
            self.term.line(commands.model_set_text(name, exc))
            return
        if name is None:
            self.term.line(commands.models_text(provider.name, provider.model, models))
            return
        commands.check_model(provider.name, name, models)
        provider.model = name
        self.term.line(commands.model_set_text(name))

    def system(self, command: SlashCommand) -> None:
        text = command.args.get("text")
        if text is None:
            self.term.line(commands.system_text(self.session.messages))
            return
        self.session.set_system(text)
        if self.save():
            self.term.line(commands.SYSTEM_SET)

    def rename(self, command: SlashCommand) -> None:
        new_id = command.args["id"]
        if new_id == self.session_id or self.manager.session_exists(new_id):
            raise Refused(commands.taken_text(new_id))
        if not self.save():
            return
        try:
            self.manager.rename_session(self.session_id, new_id)
        except FileExistsError:  # made by another process since the check
            raise Refused(commands.taken_text(new_id)) from None
        self.session.session_id = new_id
        self.term.line(commands.renamed_text(new_id))

    def delete(self, _: SlashCommand) -> None:
        """Asks first, as the TUI does; then the most recent session left becomes current."""
        old_id = self.session_id
        question = commands.delete_question(old_id, self.manager.path_for(old_id).name)
        if not self.interactive:
            raise Refused(
                f"Session '{old_id}' was not deleted: /delete asks first, and input is not a "
                "terminal."
            )
        self.term.aside(question)
        try:
            answer = read_line(self.term.question("Delete it? [y]es / [n]o: ")).strip().lower()
        except (EOFError, KeyboardInterrupt):
            self.term.aside("")
            answer = ""
        if answer not in ("y", "yes"):
            self.term.line("Not deleted.")
            return
        self.manager.delete_session(old_id)
        self.agent.approvals.forget_session(old_id)  # a new session of that id asks afresh
        self.term.line(commands.deleted_text(old_id))
        self._go_on_in(most_recent(self.manager))

    def _go_on_in(self, session_id: str) -> None:
        """After a delete: make ``session_id`` current, loaded, or new (and saved) if it has no
        file."""
        loaded = self.manager.load(session_id)
        self._switch_to(session_id, loaded)
        if loaded is None:
            self.save()
            self.term.line(commands.created_text(session_id))
        else:
            self.term.line(commands.resumed_text(session_id, len(loaded.messages)))

    def export(self, command: SlashCommand) -> None:
        try:
            paths = export_session(
                self.session, command.args.get("format"), command.args.get("path")
            )
        except OSError as exc:
            raise Refused(f"Could not export: {exc}") from None
        self.term.line(commands.exported_text(paths))

    def title(self, command: SlashCommand) -> None:
        if (text := command.args.get("text")) is not None:
            self.session.title = text
            if not self.save():
                return
        self.term.line(commands.title_text(self.session_id, self.session.title))

    def search(self, command: SlashCommand) -> None:
        query = command.args.get("words", "")
        try:
            hits = self.manager.search(query, SEARCH_LIMIT) if query.strip() else []
        except SearchUnavailable as exc:
            self.term.error(str(exc))
            return
        self.term.line(commands.search_text(query, hits, SEARCH_LIMIT))

    def tools(self, _: SlashCommand) -> None:
        offered = self.agent.offered(self.session)  # with the MCP servers' (once started)
        tools = [offered.get(name) for name in offered.names()]
        width = max((len(t.name) for t in tools), default=0)
        self.term.line("Tools (those not 'read' ask before they run):")
        for tool in tools:
            summary = tool.description.strip().splitlines()[0] if tool.description else ""
            self.term.line(f"  {tool.name:<{width}}  {tool.permission:<7}  {summary}")

    def permissions(self, command: SlashCommand) -> None:
        rules = self.agent.approvals
        if (pair := commands.revoked_pair(command)) is not None:
            self.term.line(commands.revoked_text(*pair, rules.revoke(*pair)))
            return
        self.term.line(
            commands.permissions_text(
                rules.always(), rules.session(self.session_id), rules.problem()
            )
        )

    def retry(self, _: SlashCommand) -> None:
        last_user = last_turn(self.session.messages)
        if last_user is None:
            raise Refused("There is nothing to retry yet: no message was sent in this session.")
        self.session.prepare_answer_again(last_user)
        self.runner.run(self.turn(None))
        if last_user + 1 < len(self.session.messages):
            self.term.note(commands.retried_text(*self.session.alternatives(last_user + 1)))

    def undo(self, _: SlashCommand) -> None:
        moved = self.session.undo_turn()
        if not moved:
            raise Refused("There is nothing to undo: no message was sent in this session.")
        if self.save():
            self.term.line(commands.undone_text(moved))

    def branches(self, command: SlashCommand) -> None:
        branch_id = command.args.get("branch")
        if branch_id is None:
            self.term.line(
                commands.branches_text(self.session.messages, self.session.current_branches())
            )
            return
        try:
            self.session.switch_to_branch(branch_id)
        except BranchError as exc:
            raise Refused(f"{exc} /branches lists them.") from None
        if self.save():
            self.term.line(commands.switched_text(branch_id, len(self.session.messages)))

    def fork(self, command: SlashCommand) -> None:
        new_id = command.args["id"]
        last = len(self.session.messages) - 1
        index = int(command.args.get("message", last))
        if index > last:
            raise Refused(f"There is no message {index}: this conversation has 0 to {last}.")
        if self.manager.session_exists(new_id):
            raise Refused(commands.taken_text(new_id))
        if not self.save():
            return
        try:
            forked = self.manager.fork(self.session_id, new_id, index)
        except FileExistsError:  # made by another process since the check
            raise Refused(commands.taken_text(new_id)) from None
        source_id = self.session_id
        self._switch_to(new_id, forked)
        self.term.line(commands.forked_text(source_id, new_id, index))

    def help(self, _: SlashCommand) -> None:
        self.term.line(commands.help_text(LINE, KEYS))

    def exit(self, _: SlashCommand) -> None:
        self.running = False

    def context(self, command: SlashCommand) -> None:
        if (policy := command.args.get("policy")) is not None:
            self.session.metadata[POLICY_KEY] = policy
            if self.save():
                self.term.line(policy_set_text(policy))
            return
        session, tools = self.session, self.agent.offered(self.session).specs()
        report = self.agent.context.report(
            session.messages, session.metadata, self.agent.provider.model, tools
        )
        self.term.line(self.runner.run(report))

    def pin(self, command: SlashCommand) -> None:
        self._pin(int(command.args["N"]), True)

    def unpin(self, command: SlashCommand) -> None:
        self._pin(int(command.args["N"]), False)

    def _pin(self, index: int, pinned: bool) -> None:
        answer = set_pinned(self.session.messages, index, pinned)
        if self.save():
            self.term.line(answer)

    def set(self, command: SlashCommand) -> None:
        provider = self.agent.provider
        if text := command.args.get("name value"):
            answer = params.apply_setting(
                self.session, text, provider.name, provider.supported_params
            )
            if self.save():
                self.term.line(answer)
            return
        self.term.line(
            params.listing_text(
                params.system_prompt(self.session.messages),
                self.session.metadata,
                self.agent.params,
                provider.name,
                provider.supported_params,
            )
        )

    def continue_reply(self, _: SlashCommand) -> None:
        """A new message asking the model to go on (see params.CONTINUE_PROMPT)."""
        params.check_continuable(self.session.messages)
        self.runner.run(self.turn(params.CONTINUE_PROMPT))

    def attach(self, command: SlashCommand) -> None:
        """/attach PATH: read and check a file now (so a problem shows at once), for the next
        message; /attach alone lists them, /attach clear drops them."""
        path = _unquoted(command.args.get("path", "").strip())
        if not path:
            self.term.line(commands.attachments_text(p.ref for p in self.attached))
        elif path == commands.ATTACH_CLEAR:
            self.term.note(f"Dropped {plural(len(self.attached), 'attachment')}.")
            self.attached = []
        else:
            pending = read_attachment(path, root=self.agent.workspace.root)
            self.attached.append(pending)
            self.term.note(commands.attached_text(pending.ref, len(self.attached)))

    def _last_truncated(self) -> bool:
        return bool(self.session.messages) and is_truncated(self.session.messages[-1])


SEARCH_LIMIT = 20  # /search hits shown


def _unquoted(path: str) -> str:
    """A path as typed, without the quotes a terminal puts around a dropped or copied one."""
    if len(path) > 1 and path[0] == path[-1] and path[0] in "\"'":
        return path[1:-1]
    return path


KEYS = (
    ("Ctrl-C", "Stop a reply; at the prompt, save and exit"),
    ("Ctrl-D", "At the prompt, save and exit"),
    ("Enter", "On an empty line after a reply cut at the length limit: go on"),
)
HANDLERS = commands.bind(
    LINE,
    {
        "status": ChatClient.status,
        "sessions": ChatClient.sessions,
        "new": ChatClient.new,
        "resume": ChatClient.resume,
        "clear": ChatClient.clear,
        "model": ChatClient.model,
        "system": ChatClient.system,
        "rename": ChatClient.rename,
        "delete": ChatClient.delete,
        "export": ChatClient.export,
        "tools": ChatClient.tools,
        "title": ChatClient.title,
        "help": ChatClient.help,
        "exit": ChatClient.exit,
        "retry": ChatClient.retry,
        "undo": ChatClient.undo,
        "branches": ChatClient.branches,
        "fork": ChatClient.fork,
        "search": ChatClient.search,
        "context": ChatClient.context,
        "pin": ChatClient.pin,
        "unpin": ChatClient.unpin,
        "set": ChatClient.set,
        "continue": ChatClient.continue_reply,
        "permissions": ChatClient.permissions,
        "attach": ChatClient.attach,
    },
)


# -- start ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["search"]:  # ``agentry search WORDS``; a prompt starting so is quoted whole
        from agentry.cli_search import main as search

        return search(argv[1:])
    if argv[:1] == ["mcp"]:  # ``agentry mcp list``; likewise
        from agentry.cli_mcp import main as mcp

        return mcp(argv[1:])
    args = parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # any model text prints
    term = Terminal(sys.stdout, sys.stderr)
    piped = sys.stdin is not None and not sys.stdin.isatty()  # None: stdin was closed
    prompt: str | None = None
    if args.prompt or (piped and not (args.lines or args.list)):
        try:  # read first: the program piping in is not kept waiting
            prompt = one_prompt(args.prompt, read_piped(sys.stdin.buffer) if piped else None)
        except Refused as exc:
            term.error(str(exc))
            return 1
        term.decorated = False  # stdout is just the reply, as llm prints it
    try:
        manager = SessionManager(args.history_dir)
        if args.list:
            return print_sessions(manager, term)
        session_id = args.session or (most_recent(manager) if args.continue_ else "default")
        stored = manager.load(session_id)
    except SessionCorruptError as exc:
        term.error(f"{exc} Start with another --session, or move the file away.")
        return 1
    except OSError as exc:
        term.error(f"Cannot use the session history folder: {exc}")
        return 1
    approvals = Approvals(term, interactive=not piped)
    TERMINATION.install()
    if approvals.interactive and prompt is None:
        with contextlib.suppress(ImportError):  # not on Windows
            import readline  # noqa: F401 - line editing and history for input()
    with asyncio.Runner() as runner:
        try:
            agent = _start(args, runner, approvals)
            if agent is None:
                return 1
            client = ChatClient(
                agent, manager, stored or agent.new_session(session_id), approvals, runner
            )
            if args.system is not None:
                client.session.set_system(args.system)
            if stored is None or args.system is not None:
                client.save()
            return client.run() if prompt is None else client.once(prompt)
        except KeyboardInterrupt:  # while starting, or a second one while saving at exit
            return 130


def _start(args: Namespace, runner: asyncio.Runner, approvals: Approvals) -> Agent | None:
    """The agent, after the start-up line; None (the reason shown) if there can be none."""
    try:
        agent, started = runner.run(make_agent(args, approvals))
    except (AgentryError, ValueError, ImportError) as exc:
        approvals.term.error(f"Cannot start: {exc}")
        return None
    approvals.term.note(started)
    return agent


def most_recent(manager: SessionManager) -> str:
    """The most recently active readable session (the one agentry-tui opens); 'default' if
    there is none."""
    rows = manager.list_sessions()
    return str(rows[0]["id"]) if rows else "default"


def print_sessions(manager: SessionManager, term: Terminal) -> int:
    """``--list``: one session a line on stdout, newest first, for scripts: id, messages, last
    activity and title, tab-separated (tabs and line breaks in a title become spaces). Files
    that cannot be read are named on stderr."""
    rows = manager.list_sessions(include_corrupt=True)
    for row in rows:
        if "error" in row:
            term.note(f"Unreadable session '{row['id']}': {row['error']}")
            continue
        title = " ".join(str(row["title"] or "").split())
        term.line(f"{row['id']}\t{row['message_count']}\t{stamp(row['last_activity'])}\t{title}")
    if not rows:
        term.note(f"No sessions yet in {manager.history_dir}.")
    return 0
