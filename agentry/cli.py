"""The line client: ``agentry [--session ID] [--provider NAME] ...`` (also ``python -m agentry``).

Choices worth knowing:

- Lines are read with ``input()`` in the main thread, outside the event loop, so Ctrl-C at the
  prompt is a plain KeyboardInterrupt (save and exit) and no reader thread is left blocked on
  stdin at exit. Each turn runs on one long-lived ``asyncio.Runner`` (the provider's HTTP client
  stays on one loop); the Runner turns Ctrl-C during a turn into cancelling that turn's task,
  which works on every platform, and the agent keeps the partial reply marked interrupted.
- With piped input there is no "You:" prompt: the input is not echoed, so the prompt would run
  into the reply. Replies still start with ``[id] Assistant: ``, reasoning is left out, tools
  that need approval are refused, and the exit code is 1 if anything failed (for scripts).
- A corrupt session file named by --session stops the client with exit code 1. Starting under
  another, made-up id would put the person's next messages somewhere they did not ask for; the
  file is left as it is for them to inspect or move.
- Every session the client starts or creates is saved at once, so /sessions and /resume see it;
  after that it is saved after every turn, /clear, switch and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from agentry import commands
from agentry.agent import Agent, Approval
from agentry.argv import values_attached
from agentry.commands import LINE, SessionLine, SlashCommand, plural
from agentry.config import ProviderChoice, build_provider, choose_provider, load_settings
from agentry.errors import AgentryError, ProviderError, Refused, SessionCorruptError
from agentry.events import (
    DoneEvent,
    ErrorEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
)
from agentry.providers import PROVIDER_NAMES, Provider
from agentry.safe_text import clip, visible
from agentry.sessions import AgentSession, SessionManager, validate_session_id
from agentry.sessions.background_sync import AUTOSAVE_S, sync_in_background
from agentry.sessions.manager import SyncReport
from agentry.sessions.rescue import rescue_copy
from agentry.termination import termination_signals
from agentry.tools import Tool

MODEL_PROBE_S = 3.0  # how long the start-up line may wait to learn the server's default model
DIM, RESET = "\x1b[2m", "\x1b[0m"


# -- arguments ------------------------------------------------------------------------------


def _session_id(value: str) -> str:
    try:
        return validate_session_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentry", description="Chat with a model in sessions saved between runs."
    )
    parser.add_argument(
        "--session",
        type=_session_id,
        default="default",
        metavar="ID",
        help="session to resume, or to start if new (default: default)",
    )
    parser.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        type=str.lower,
        metavar="NAME",
        help=f"one of {', '.join(PROVIDER_NAMES)}; default: the configured one, "
        "else Ollama if it answers, else the offline model",
    )
    parser.add_argument("--model", metavar="NAME", help="default: the server's first model")
    parser.add_argument("--endpoint", metavar="URL", help="the provider's base URL")
    parser.add_argument("--history-dir", metavar="DIR", help="where session files are kept")
    return parser.parse_args(
        values_attached(sys.argv[1:] if argv is None else argv, ("--session",))
    )


# -- output ---------------------------------------------------------------------------------


class Terminal:
    """stdout and stderr, knowing whether stdout is mid-line so notes never run into a reply.

    Everything is written through ``visible``: model text, tool output, titles and error texts
    may hold escape sequences (clipboard, window title, a query the terminal would answer into
    the next prompt). Only our own ``style`` codes are added, after that."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.is_terminal = out.isatty()
        self.mid_line = False
        self.failed = False  # an error was shown (the exit code of a script run)

    def write(self, text: str, style: str = "") -> None:
        text = visible(text)
        if text:
            with _closed_terminal_ignored():
                self.out.write(f"{style}{text}{RESET}" if style else text)
                self.out.flush()  # each delta as it arrives, also into a pipe
            self.mid_line = not text.endswith("\n")

    def end_line(self) -> None:
        if self.mid_line:
            self.write("\n")

    def line(self, text: str = "") -> None:
        self.end_line()
        self.write(text + "\n")

    def note(self, text: str) -> None:
        self.end_line()
        with _closed_terminal_ignored():
            print(visible(text), file=self.err, flush=True)

    def error(self, text: str) -> None:
        self.failed = True
        self.note(text)


@contextlib.contextmanager
def _closed_terminal_ignored() -> Iterator[None]:
    """Output to a terminal that was closed (SIGHUP) or a pipe whose reader left fails; the
    session must still be saved, so such a failure ends nothing."""
    try:
        yield
    except OSError:
        pass


def _result_summary(content: str) -> str:
    """The first line of a tool result, and how many more there are."""
    lines = content.strip().splitlines() or [""]
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return clip(lines[0], 100) + more


def _arguments(arguments: dict[str, Any], indent: int | None = None) -> str:
    return json.dumps(arguments, ensure_ascii=False, indent=indent)


class ReplyView:
    """Shows one turn's events: text after ``[id] Assistant: ``, tool calls and results on
    indented lines, reasoning dimmed (only on a terminal; it is in the session file anyway)."""

    def __init__(self, term: Terminal, session_id: str) -> None:
        self.term = term
        self.header = f"[{session_id}] Assistant: "
        self.streaming: type[TextDelta] | type[ReasoningDelta] | None = None
        self.answered = False

    def show(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._stream(TextDelta, event.text)
        elif isinstance(event, ReasoningDelta) and self.term.is_terminal:
            self._stream(ReasoningDelta, event.text, DIM)
        elif isinstance(event, ToolCallEvent):
            self._line(f"  ⚙ {event.name} {clip(_arguments(event.arguments), 120)}")
        elif isinstance(event, ToolResultEvent):
            self._line(f"  ↳ {_result_summary(event.content)}")
        elif isinstance(event, DoneEvent):
            if not self.answered:  # an empty reply still gets its line
                self._stream(TextDelta, "")
            self.term.end_line()
        elif isinstance(event, ErrorEvent):
            self.term.error(f"Error: {event.message}")

    def _stream(
        self, kind: type[TextDelta] | type[ReasoningDelta], text: str, style: str = ""
    ) -> None:
        if self.streaming is not kind:
            self.term.end_line()
            self.term.write(self.header if kind is TextDelta else "  thinking: ", style)
            self.streaming = kind
            self.answered = self.answered or kind is TextDelta
        self.term.write(text, style)

    def _line(self, text: str) -> None:
        self.term.line(text)
        self.streaming = None


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
        self.term.line(f"  {call.name} needs approval ({tool.permission} permission). Arguments:")
        self.term.line(
            "\n".join("    " + line for line in _arguments(call.arguments, 2).splitlines())
        )
        try:
            return self._ask()
        except EOFError:
            self.term.write("\n")  # off the question's line
            return False
        except KeyboardInterrupt:
            self.term.write("\n")
            # Refusing (rather than raising) keeps every tool call in the history answered.
            self.stopped = True
            task = asyncio.current_task()
            if task is not None:
                task.cancel()
            return False

    def _ask(self) -> Approval:
        while True:
            answer = read_line("Run it? [y]es / [n]o / [e]dit: ").strip().lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            if answer in ("e", "edit") and (edited := self._edited()) is not None:
                return edited

    def _edited(self) -> dict[str, Any] | None:
        """Replacement arguments typed as a JSON object; None (an empty line) goes back."""
        while True:
            text = read_line("New arguments as JSON (empty line to go back): ").strip()
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


async def make_agent(args: argparse.Namespace, approvals: Approvals) -> tuple[Agent, str]:
    """The agent, and the start-up line saying which provider and model and why."""
    settings = load_settings()
    choice = await choose_provider(args.provider, args.endpoint, settings)
    provider = build_provider(choice, args.model, args.endpoint, settings)
    agent = Agent(llm=provider, approve=approvals)
    started = choice.reason if choice.name is None else await _started(provider, choice)
    agent.load_default_tools()
    return agent, started


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
        self, agent: Agent, manager: SessionManager, session: AgentSession, approvals: Approvals
    ) -> None:
        self.agent = agent
        self.manager = manager
        self.term = approvals.term
        self.approvals = approvals
        self.interactive = approvals.interactive
        self.session = session  # the client's own: the agent is handed it for each turn
        self.running = True

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

    def run(self, runner: asyncio.Runner) -> int:
        while self.running and TERMINATION.signal is None:
            try:
                line = input(f"[{self.session_id}] You: " if self.interactive else "")
            except (EOFError, KeyboardInterrupt):
                if self.interactive:
                    self.term.write("\n")  # off the prompt line, for the shell's prompt
                break
            try:
                self.handle(line, runner)
            except KeyboardInterrupt:  # a second Ctrl-C while a turn was stopping
                break
            if self.interactive:
                self.term.line()  # the spec's example leaves a blank line after each exchange
        if not self.save():
            self._rescue()
        runner.run(self.agent.aclose())
        if TERMINATION.signal is not None:
            return 128 + TERMINATION.signal
        return 1 if self.term.failed and not self.interactive else 0

    def handle(self, line: str, runner: asyncio.Runner) -> None:
        text = line.strip()
        if commands.is_command(text):
            self.command(text)
            return
        text = commands.unescape(text)
        if text:
            runner.run(self.turn(text))

    async def turn(self, text: str) -> None:
        TERMINATION.turn = asyncio.current_task()
        self.approvals.stopped = False
        view = ReplyView(self.term, self.session_id)
        saving: asyncio.Task[SyncReport] | None = None
        loop = asyncio.get_running_loop()
        next_save = loop.time() + AUTOSAVE_S
        try:
            stream = self.agent.stream(text, self.session)
            async with contextlib.aclosing(stream) as events:
                await anext(events)  # the agent adds the person's message first:
                self.save()  # it is on disk before the request goes out
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
            command = commands.parse(text, LINE)
            HANDLERS[command.name](self, command)
        except Refused as exc:
            self.term.error(str(exc))

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

    def title(self, command: SlashCommand) -> None:
        if (text := command.args.get("text")) is not None:
            self.session.title = text
            if not self.save():
                return
        self.term.line(commands.title_text(self.session_id, self.session.title))

    def tools(self, _: SlashCommand) -> None:
        tools = [self.agent.tools.get(name) for name in self.agent.tools.names()]
        width = max((len(t.name) for t in tools), default=0)
        self.term.line("Tools (those not 'read' ask before they run):")
        for tool in tools:
            summary = tool.description.strip().splitlines()[0] if tool.description else ""
            self.term.line(f"  {tool.name:<{width}}  {tool.permission:<7}  {summary}")

    def help(self, _: SlashCommand) -> None:
        self.term.line(commands.help_text(LINE, KEYS))

    def exit(self, _: SlashCommand) -> None:
        self.running = False


KEYS = (
    ("Ctrl-C", "Stop a reply; at the prompt, save and exit"),
    ("Ctrl-D", "At the prompt, save and exit"),
)
HANDLERS = commands.bind(
    LINE,
    {
        "status": ChatClient.status,
        "sessions": ChatClient.sessions,
        "new": ChatClient.new,
        "resume": ChatClient.resume,
        "clear": ChatClient.clear,
        "tools": ChatClient.tools,
        "title": ChatClient.title,
        "help": ChatClient.help,
        "exit": ChatClient.exit,
    },
)


# -- start ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # any model text prints
    term = Terminal(sys.stdout, sys.stderr)
    try:
        manager = SessionManager(args.history_dir)
        stored = manager.load(args.session)
    except SessionCorruptError as exc:
        term.error(f"{exc} Start with another --session, or move the file away.")
        return 1
    except OSError as exc:
        term.error(f"Cannot use the session history folder: {exc}")
        return 1
    approvals = Approvals(term, interactive=sys.stdin.isatty())
    TERMINATION.install()
    if approvals.interactive:
        with contextlib.suppress(ImportError):  # not on Windows
            import readline  # noqa: F401 - line editing and history for input()
    with asyncio.Runner() as runner:
        try:
            return _chat(args, runner, manager, stored, approvals)
        except KeyboardInterrupt:  # while starting, or a second one while saving at exit
            return 130


def _chat(
    args: argparse.Namespace,
    runner: asyncio.Runner,
    manager: SessionManager,
    stored: AgentSession | None,
    approvals: Approvals,
) -> int:
    term = approvals.term
    try:
        agent, started = runner.run(make_agent(args, approvals))
    except (AgentryError, ValueError, ImportError) as exc:
        term.error(f"Cannot start: {exc}")
        return 1
    term.note(started)
    client = ChatClient(agent, manager, stored or agent.new_session(args.session), approvals)
    if stored is None:
        client.save()
    return client.run(runner)
