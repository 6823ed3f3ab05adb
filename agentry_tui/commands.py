"""Slash commands: parsing and the texts they answer with. Pure: no app, no store, no I/O.

The app runs a parsed command against the store and shows the returned text as a notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agentry_tui.formatting import relative_time, stamp


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    min_args: int = 0
    max_args: int | None = 0  # None: the rest of the line is free text


SPECS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("status", "/status", "Show current session info"),
        CommandSpec("sessions", "/sessions", "List all sessions"),
        CommandSpec("new", "/new <id>", "Create a new session", 1, 1),
        CommandSpec("resume", "/resume <id>", "Resume a session", 1, 1),
        CommandSpec("clear", "/clear", "Clear the current session (the system message stays)"),
        CommandSpec("help", "/help", "Show commands and keys"),
        CommandSpec("model", "/model [name]", "Show the model and the others, or switch", 0, 1),
        CommandSpec("system", "/system <text>", "Set the session's system message", 0, None),
        CommandSpec("rename", "/rename <id>", "Give the current session a new id", 1, 1),
        CommandSpec("delete", "/delete", "Delete the current session (asks first)"),
        CommandSpec(
            "export", "/export [md|json] [path]", "Write the session to Markdown and/or JSON", 0, 2
        ),
    )
}
EXPORT_FORMATS = ("md", "json")


class UsageError(ValueError):
    """The line is not a valid command; the text says what to type instead."""


@dataclass(frozen=True)
class SlashCommand:
    name: str
    args: tuple[str, ...] = ()
    rest: str = ""  # everything after the name, as typed (for free-text commands)


def is_command(text: str) -> bool:
    """A line starting with one '/' is a command; '//' sends a message that starts with '/'."""
    return text.startswith("/") and not text.startswith("//")


def unescape(text: str) -> str:
    """The message a '//'-escaped line sends."""
    return text[1:] if text.startswith("//") else text


def parse(text: str) -> SlashCommand:
    """Parse a command line; raise UsageError for an unknown or malformed one."""
    head, _, rest = text.strip().partition(" ")
    name = head[1:].lower()
    spec = SPECS.get(name)
    if spec is None:
        raise UsageError(f"Unknown command {head!r}. Type /help for the list.")
    rest = rest.strip()
    args = tuple(rest.split())
    if spec.max_args is None:
        if len(args) < spec.min_args:
            raise UsageError(f"Usage: {spec.usage} — {spec.summary.lower()}.")
        return SlashCommand(name, args, rest)
    if not spec.min_args <= len(args) <= spec.max_args:
        raise UsageError(f"Usage: {spec.usage} — {spec.summary.lower()}.")
    if name == "export" and args and args[0] not in EXPORT_FORMATS and len(args) == 2:
        raise UsageError(f"Usage: {spec.usage} — the format is md or json.")
    return SlashCommand(name, args, rest)


# -- answers --------------------------------------------------------------------------------


def created_text(session_id: str) -> str:
    return f"Created new session: '{session_id}'"


def resumed_text(session_id: str, message_count: int) -> str:
    return f"Resumed session: '{session_id}' ({message_count} messages)"


def status_text(
    session_id: str,
    message_count: int,
    created: datetime | None,
    last_activity: datetime | None,
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
    message_count: int | None  # None: the file is corrupt
    last_activity: datetime | None
    title: str = ""


def sessions_text(rows: Iterable[SessionLine], active_id: str | None, now: datetime) -> str:
    lines = [
        f"{'*' if row.session_id == active_id else ' '} {row.session_id} — "
        + (
            "corrupt file"
            if row.message_count is None
            else f"{row.message_count} messages, {relative_time(row.last_activity, now)}"
        )
        + (f" — {row.title}" if row.title else "")
        for row in rows
    ]
    if not lines:
        return "No sessions yet. /new <id> creates one."
    return f"Sessions ({len(lines)}, * is the current one):\n" + "\n".join(lines)


def help_text(keys: Iterable[tuple[str, str]]) -> str:
    """Commands, then keys as (key, description) pairs."""
    width = max(len(spec.usage) for spec in SPECS.values())
    lines = ["Commands:"]
    lines += [f"  {spec.usage:<{width}}  {spec.summary}" for spec in SPECS.values()]
    lines.append("  //text" + " " * (width - 6) + "  Send a message that starts with '/'")
    keys = list(keys)
    key_width = max((len(k) for k, _ in keys), default=0)
    lines.append("Keys:")
    lines += [f"  {key:<{key_width}}  {description}" for key, description in keys]
    return "\n".join(lines)
