"""The slash commands of both clients: one table, the parsing of a typed line, and the texts the
commands answer with. Pure: no client, no store, no I/O.

Each command says which clients offer it (the line client ``agentry`` and ``agentry-tui``). A
client binds a handler to every command it offers with ``bind``, which fails at import if one
is missing, so a command added here cannot go unhandled. Both clients parse with ``parse``, so
an unknown command or wrong arguments get the same message in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from agentry.attachments.model import AttachmentRef
from agentry.context.window import POLICIES
from agentry.errors import Refused
from agentry.messages import content_text
from agentry.sessions import branches as tree
from agentry.sessions.branches import Branch, Message
from agentry.sessions.ids import validate_session_id
from agentry.timefmt import stamp
from agentry.wording import byte_size, plural

if TYPE_CHECKING:
    from agentry.sessions.search import Hit

Client = Literal["line", "tui"]
LINE: Client = "line"
TUI: Client = "tui"
BOTH: frozenset[Client] = frozenset((LINE, TUI))


@dataclass(frozen=True)
class Arg:
    name: str  # shown in the usage (<id>) and in errors about it
    required: bool = True
    choices: tuple[str, ...] = ()  # shown as [md|json]; an optional one may be left out
    text: bool = False  # the rest of the line as typed (spaces and quotes kept)
    check: Callable[[str], str] | None = None  # returns the value or raises ValueError

    @property
    def usage(self) -> str:
        shown = "|".join(self.choices) or self.name
        return f"<{shown}>" if self.required else f"[{shown}]"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    args: tuple[Arg, ...]
    help: str  # one line, for /help and the command palette
    clients: frozenset[Client] = BOTH

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(arg.usage for arg in self.args)])


SESSION_ID = Arg("id", check=validate_session_id)


def _message_number(text: str) -> str:
    if not text.isdigit():
        raise ValueError(
            f"Invalid message number {text!r}: messages are numbered from 0, as /context and "
            "/branches show them."
        )
    return text


MESSAGE = Arg("N", check=_message_number)
MESSAGE_NUMBER = Arg("message", required=False, check=_message_number)

COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("status", (), "Show current session info"),
        CommandSpec("sessions", (), "List all sessions"),
        CommandSpec("new", (SESSION_ID,), "Create new session"),
        CommandSpec("resume", (SESSION_ID,), "Resume session"),
        CommandSpec("clear", (), "Clear current session (the system message is kept)"),
        CommandSpec("tools", (), "List the tools the model may use", frozenset((LINE,))),
        CommandSpec(
            "model",
            (Arg("name", required=False),),
            "Show or set the model; in the TUI also PROVIDER[:NAME]",
        ),
        CommandSpec(
            "system",
            (Arg("text", required=False, text=True),),
            "Set the session's system message",
        ),
        CommandSpec("rename", (SESSION_ID,), "Give the current session a new id"),
        CommandSpec(
            "title",
            (Arg("text", required=False, text=True),),
            "Give the current session a title (any text; none: show it)",
        ),
        CommandSpec("delete", (), "Delete the current session (asks first)"),
        CommandSpec(
            "export",
            (Arg("format", required=False, choices=("md", "json")), Arg("path", required=False)),
            "Write the session to Markdown and/or JSON",
        ),
        # Branches (issue 17): the TUI has keys on the selected message for these.
        CommandSpec(
            "retry",
            (),
            "Answer the last message again; the old answer is kept",
            frozenset((LINE,)),
        ),
        CommandSpec(
            "undo",
            (),
            "Step back one turn, keeping it as a branch",
            frozenset((LINE,)),
        ),
        CommandSpec(
            "branches",
            (Arg("branch", required=False),),
            "Show where the conversation forks; ID: go on in a branch",
            frozenset((LINE,)),
        ),
        CommandSpec(
            "fork",
            (SESSION_ID, MESSAGE_NUMBER),
            "Copy the conversation up to message N to a new session",
            frozenset((LINE,)),
        ),
        CommandSpec(
            "search",
            (Arg("words", required=False, text=True),),
            'Search every session: words, "a phrase", prefix*, -excluded',
        ),
        CommandSpec(
            "context",
            (Arg("policy", required=False, choices=POLICIES),),
            "Show what the next request sends; set what to do if too big",
        ),
        CommandSpec("pin", (MESSAGE,), "Send message N (as /context numbers it) every time"),
        CommandSpec("unpin", (MESSAGE,), "Stop always sending message N"),
        CommandSpec(
            "set",
            (Arg("name value", required=False, text=True),),
            "Show the session's parameters, or set one",
        ),
        CommandSpec("continue", (), "Ask the model to go on from a cut reply"),
        # Approvals (issue 20): the TUI opens its permissions screen for a bare /permissions.
        CommandSpec(
            "permissions",
            (
                Arg("action", required=False, choices=("list", "revoke")),
                Arg("server", required=False),
                Arg("tool", required=False),
            ),
            "List the tools allowed without asking; revoke SERVER TOOL",
        ),
        # Attachments (issue 21): the TUI attaches with its @ picker.
        CommandSpec(
            "attach",
            (Arg("path", required=False, text=True),),
            "Attach a file to the next message (none: list; clear: drop)",
            frozenset((LINE,)),
        ),
        CommandSpec("help", (), "Show the commands and keys"),
        CommandSpec("exit", (), "Save the session and quit", frozenset((LINE,))),
        # MCP (issue 20). A server's prompts are commands too: /server:prompt (is_prompt_command).
        CommandSpec(
            "mcp",
            (),
            "MCP servers: state, tools; switch one off here",
            frozenset((TUI,)),
        ),
    )
}


def offered(client: Client) -> list[CommandSpec]:
    return [spec for spec in COMMANDS.values() if client in spec.clients]


H = TypeVar("H")


def bind(client: Client, handlers: Mapping[str, H]) -> dict[str, H]:
    """``handlers`` by command name, checked against the table: one for every command the client
    offers and none for another. A mismatch is a programming error, raised at import."""
    names = {spec.name for spec in offered(client)}
    missing, extra = sorted(names - handlers.keys()), sorted(handlers.keys() - names)
    if missing or extra:
        raise LookupError(
            f"The {client} client's command handlers do not match the table: "
            f"missing {missing}, not offered {extra}."
        )
    return dict(handlers)


# -- parsing --------------------------------------------------------------------------------


class UsageError(Refused):
    """The line is not a valid command; the text says what to type instead."""


@dataclass(frozen=True)
class SlashCommand:
    name: str
    args: Mapping[str, str] = field(default_factory=dict)  # by Arg.name; absent if left out


def is_command(text: str) -> bool:
    """A line starting with one '/' is a command; '//' sends a message that starts with '/'."""
    return text.startswith("/") and not text.startswith("//")


# "/server:prompt ...": an MCP server's prompt (agentry/mcp/prompts.py reads the rest).
PROMPT_HEAD = re.compile(r"/([A-Za-z0-9_.-]+):(\S+)")


NO_MCP_SERVERS = (
    'No MCP servers are configured: add them under "mcpServers" in settings.json (the shape '
    'other MCP clients use: {"name": {"command": "...", "args": ["..."]}}).'
)


def is_prompt_command(text: str) -> bool:
    """Whether a command line names an MCP prompt (``/server:prompt``) rather than a command."""
    head = text.split(maxsplit=1)[0] if text.strip() else ""
    return PROMPT_HEAD.fullmatch(head) is not None


def unescape(text: str) -> str:
    """The message a '//'-escaped line sends."""
    return text[1:] if text.startswith("//") else text


# A word, or a quoted stretch ("my file.md", 'a b') that ends where a word would. No backslash
# escapes: Windows paths are typed as they are.
_TOKEN = re.compile(r"""(["'])(.*?)\1(?=\s|$)|(\S+)""")


def parse(text: str, client: Client) -> SlashCommand:
    """The command on a line (``is_command``); UsageError if the client has no such command or
    the arguments do not fit it."""
    head, *tail = text.strip().split(maxsplit=1)
    rest = tail[0] if tail else ""
    spec = COMMANDS.get(head[1:].lower())
    if spec is None or client not in spec.clients:
        usages = ", ".join(spec.usage for spec in offered(client))
        raise UsageError(f"Unknown command '{head}'. Commands: {usages}")
    if spec.args and spec.args[0].text:
        return SlashCommand(spec.name, {spec.args[0].name: rest} if rest else {})
    tokens = []
    for match in _TOKEN.finditer(rest):
        quote, quoted, word = match.groups()
        if word is not None and word[0] in "\"'":
            raise _usage(spec, "a quote is not closed")
        tokens.append(quoted if quote else word)
    return SlashCommand(spec.name, _fit(spec, tokens))


def _fit(spec: CommandSpec, tokens: list[str]) -> dict[str, str]:
    """Give each argument its token in order; an optional one whose choices the token is not
    among is left out, and the token goes to the next argument."""
    values: dict[str, str] = {}
    skipped: Arg | None = None
    tokens = list(tokens)
    for arg in spec.args:
        if not tokens or (arg.choices and tokens[0] not in arg.choices):
            if arg.required:
                raise _usage(spec, _choices(arg) if tokens else "")
            skipped = skipped or (arg if arg.choices else None)
            continue
        token = tokens.pop(0)
        try:
            values[arg.name] = arg.check(token) if arg.check else token
        except ValueError as exc:  # the check's own words: it names the value and the rule
            raise UsageError(str(exc)) from None
    if tokens:
        last = spec.args[-1] if spec.args else None
        if last is not None and last.check is not None and last.name in values:
            # "/rename my project": the words were meant as one value; its check says why
            # that cannot be (an id has no spaces), where the usage line alone would not.
            try:
                last.check(" ".join([values[last.name], *tokens]))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        raise _usage(spec, _choices(skipped) if skipped else "")
    return values


def _choices(arg: Arg) -> str:
    return f"the {arg.name} is {' or '.join(arg.choices)}" if arg.choices else ""


def _usage(spec: CommandSpec, detail: str) -> UsageError:
    return UsageError(f"Usage: {spec.usage}" + (f" — {detail}." if detail else ""))


# -- answers --------------------------------------------------------------------------------


def created_text(session_id: str) -> str:
    return f"Created new session: '{session_id}'"


def resumed_text(session_id: str, message_count: int) -> str:
    return f"Resumed session: '{session_id}' ({plural(message_count, 'message')})"


def cleared_text(session_id: str) -> str:
    return f"Cleared session: '{session_id}' (the system message is kept)"


def title_text(session_id: str, title: str) -> str:
    """What /title answers: the title given, or that there is none."""
    if title:
        return f"Session '{session_id}' is titled '{title}'."
    return f"Session '{session_id}' has no title. /title <text> gives it one."


def missing_text(session_id: str) -> str:
    return f"No saved session '{session_id}'. Start it with /new {session_id}."


def renamed_text(session_id: str) -> str:
    return f"Renamed session to '{session_id}'."


def deleted_text(session_id: str) -> str:
    return f"Deleted session '{session_id}'."


def taken_text(session_id: str) -> str:
    return f"A session named '{session_id}' already exists."


def delete_question(session_id: str, file_name: str) -> str:
    return f"Delete session '{session_id}' and its file?\n{file_name}\nThis cannot be undone."


def exported_text(paths: Iterable[object]) -> str:
    return "Exported to " + ", ".join(str(path) for path in paths)


SYSTEM_SET = "System message set."


def system_text(messages: Iterable[Mapping[str, object]]) -> str:
    """``/system`` without text: the session's system message now."""
    current = next((m.get("content") for m in messages if m.get("role") == "system"), None)
    return f"System message: {current or '(none)'}\nUsage: /system <text> sets it."


def models_text(provider: str | None, current: str | None, models: Iterable[str]) -> str:
    """``/model`` without a name: the model in use and those the provider offers."""
    listing = "\n".join(f"  {'*' if m == current else ' '} {m}" for m in models)
    return (
        f"Model: {current or 'default'} ({provider})\nAvailable:\n{listing or '  (none installed)'}"
    )


def check_model(
    provider: str | None, name: str, models: list[str], others: Iterable[str] = ()
) -> None:
    """Refuse a model the provider does not offer (an empty list cannot tell); ``others``: the
    providers /model can switch to."""
    if models and name not in models:
        hint = f" Another provider: /model NAME with one of {', '.join(others)}." if others else ""
        raise Refused(
            f"{provider or 'The provider'} has no model '{name}'. "
            f"Available: {', '.join(models)}.{hint}"
        )


def model_set_text(name: str, unchecked: object = None, *, provider: str | None = None) -> str:
    """``unchecked``: why the name could not be checked against the provider's models;
    ``provider``: given when the model is the session's own (the TUI keeps one per session)."""
    said = f"Model for this session set to '{name}'" if provider else f"Model set to '{name}'"
    if unchecked is not None:
        return f"{said} (not checked: {unchecked})"
    return f"{said} ({provider})." if provider else f"{said}."


def status_text(
    session_id: str,
    message_count: int,
    created: datetime | str | None,
    last_activity: datetime | str | None,
    saved: bool,
) -> str:
    """The spec's "Current Session Status:" block."""
    return "\n".join(
        [
            "Current Session Status:",
            f"   Session ID: {session_id}",
            f"   Messages: {message_count}",
            f"   Created: {stamp(created)}",
            f"   Last Activity: {stamp(last_activity)}",
            f"   Saved: {'Yes' if saved else 'No'}",
        ]
    )


@dataclass(frozen=True)
class SessionLine:
    session_id: str
    message_count: int | None  # None: the file could not be read (yet)
    last_activity: datetime | str | None
    title: str = ""
    problem: str = ""  # why it could not be read; empty while it is not read yet


def sessions_text(rows: Iterable[SessionLine], active_id: str | None) -> str:
    rows = list(rows)
    if not rows:
        return "No sessions yet. /new <id> creates one."
    width = max(len(row.session_id) for row in rows)
    lines = ["Sessions (* is the current one):"]
    for row in rows:
        if row.message_count is None:
            detail = f"unreadable: {row.problem}" if row.problem else "not read yet"
        else:
            count = plural(row.message_count, "message")
            detail = f"{count:<12} {stamp(row.last_activity)}  {row.title}"
        mark = "*" if row.session_id == active_id else " "
        lines.append(f" {mark} {row.session_id:<{width}}  {detail}".rstrip())
    return "\n".join(lines)


ESCAPE_HELP = (
    "Anything else is sent to the model; start a line with // to send one that begins with /."
)


def help_text(client: Client, keys: Iterable[tuple[str, str]]) -> str:
    """The client's commands, then its keys as (key, description) pairs."""
    specs = offered(client)
    width = max(len(spec.usage) for spec in specs)
    lines = ["Commands:", *(f"  {spec.usage:<{width}}  {spec.help}" for spec in specs), ESCAPE_HELP]
    if keys := list(keys):
        key_width = max(len(key) for key, _ in keys)
        lines += ["Keys:", *(f"  {key:<{key_width}}  {description}" for key, description in keys)]
    return "\n".join(lines)


# -- branches ---------------------------------------------------------------------------------


def _gist(message: Mapping[str, object], limit: int = 50) -> str:
    text = " ".join(content_text(message.get("content")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _who(message: Mapping[str, object]) -> str:
    return {"user": "you", "assistant": "the model"}.get(str(message.get("role")), "a tool")


def branches_text(messages: list[Message], branches: list[Branch]) -> str:
    """What /branches answers: the conversation's fork points and every other branch."""
    if not branches:
        return "This conversation has no other branches: /retry and /undo make them."
    lines = [f"This session holds {plural(len(branches) + 1, 'conversation')}."]
    points = tree.branch_points(messages, branches)
    if points:
        lines.append("The one shown forks at:")
        for index, place, count in points:
            message = messages[index]
            lines.append(f"  message {index} ({_who(message)}, {place}/{count}): {_gist(message)}")
    lines.append("Other branches (/branches ID goes on in one):")
    for branch in branches:
        whole = tree.conversation(messages, branches, branch["id"])
        first = branch["messages"][0]
        lines.append(
            f"  {branch['id']}  from message {branch['at']} ({_who(first)}), "
            f"{plural(len(whole), 'message')}: {_gist(first)}"
        )
    return "\n".join(lines)


def retried_text(place: int, count: int) -> str:
    return f"(Answer {place} of {count}: the earlier ones are kept; /branches lists them.)"


def undone_text(moved: int) -> str:
    return f"Stepped back one turn: {plural(moved, 'message')} kept as a branch (/branches)."


def switched_text(branch_id: str, message_count: int) -> str:
    return (
        f"Switched to branch {branch_id} ({plural(message_count, 'message')}); the conversation "
        "shown before is kept as a branch."
    )


def forked_text(source_id: str, new_id: str, index: int) -> str:
    return f"Forked session '{source_id}' at message {index} into '{new_id}' (now current)."


def hit_line(hit: Hit) -> str:
    """A search hit on one line, tab-separated for scripts: session, #index (@branch if it is
    in another branch), role, time, snippet."""
    where = f"#{hit.index}" + (f"@{hit.branch}" if hit.branch is not None else "")
    return "\t".join((hit.session_id, where, hit.role, stamp(hit.time), hit.snippet))


def search_text(query: str, hits: list[Hit], limit: int) -> str:
    """What ``/search`` answers in the line client."""
    if not query.strip():
        return 'Usage: /search <words> — words, "a phrase", prefix*, -excluded.'
    if not hits:
        return f"Nothing matches {query.strip()!r}."
    more = f" (the best {limit})" if len(hits) == limit else ""
    found = f"{len(hits)} {'match' if len(hits) == 1 else 'matches'}{more}"
    lines = [f"{found}; /resume <id> opens one:"]
    return "\n".join([*lines, *(hit_line(hit) for hit in hits)])


# -- /permissions ---------------------------------------------------------------------------


def revoked_pair(command: SlashCommand) -> tuple[str, str] | None:
    """The (server, tool) a /permissions command revokes; None to list. UsageError for a
    server and tool without "revoke", or "revoke" without both."""
    server, tool = command.args.get("server"), command.args.get("tool")
    if command.args.get("action") == "revoke":
        if server is None or tool is None:
            raise _usage(COMMANDS["permissions"], "revoke needs the server and the tool")
        return server, tool
    if server is not None:
        raise _usage(COMMANDS["permissions"], f"to stop allowing {server!r}, say revoke")
    return None


def permissions_text(
    always: Iterable[tuple[str, str]],
    session: Iterable[tuple[str, str]],
    problem: str | None = None,
) -> str:
    """The tools allowed without asking, always and in this session, as /permissions lists;
    first what is wrong with the settings file's approvals, if anything."""
    lines = [problem_text(problem)] if problem else []
    lines.append("Always allowed (settings.json):")
    lines += [f"  {server} {tool}" for server, tool in always] or ["  (none)"]
    lines.append("Allowed in this session:")
    lines += [f"  {server} {tool}" for server, tool in session] or ["  (none)"]
    lines.append("Revoke one with /permissions revoke SERVER TOOL.")
    return "\n".join(lines)


def problem_text(problem: str) -> str:
    return f"{problem}; its malformed entries allow nothing."


def revoked_text(server: str, tool: str, found: bool) -> str:
    if not found:
        return f"{server} {tool} was not allowed without asking; nothing to revoke."
    return f"Revoked: {server} {tool} asks again from its next call, in every session."


# -- attachments ------------------------------------------------------------------------------

ATTACH_CLEAR = "clear"  # /attach clear


def attachment_line(ref: AttachmentRef) -> str:
    """'notes.txt (text, 1.2 KB)'."""
    return f"{ref['name']} ({ref['kind']}, {byte_size(ref['size'])})"


def attached_text(ref: AttachmentRef, waiting: int) -> str:
    others = f" ({plural(waiting, 'attachment')} in all)" if waiting > 1 else ""
    return f"Attached {attachment_line(ref)} to your next message{others}."


def attachments_text(refs: Iterable[AttachmentRef]) -> str:
    """What /attach alone answers: the attachments waiting for the next message."""
    lines = [f"  {attachment_line(ref)}" for ref in refs]
    if not lines:
        return "No attachments waiting. /attach PATH attaches a file to your next message."
    return "\n".join(["Attached to your next message:", *lines, "(/attach clear drops them)"])
