"""The status bar: connection, session, message count, the context meter (``ctx 3.1k/8k``: the
next request's tokens of the context length, in the warning colour past 80%), speed of the
last reply, saved state;
and, when the model server is not usable, a second line saying why and what to do.

The first line keeps whole parts only: when it is too narrow the least useful part goes first
(a plain why this provider, the speed, "Saved: Yes", the message count, a why with advice,
the meter),
never half a word. Everything
is in its tooltip, and why this provider in full in the metadata panel (ctrl+o)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from agentry.context.texts import WARN_AT, filling, meter_text
from agentry.safe_text import visible
from agentry.wording import plural
from agentry_tui.store.model import Connection, SessionEntry
from agentry_tui.widgets.fitted import FittedLine, Part

_STATES = {
    "connecting": ("◌ connecting", "$text-warning"),
    "connected": ("● connected", "$text-success"),
    "unreachable": ("✗ unreachable", "$text-error"),
    "problem": ("✗ not usable", "$text-error"),
    "none": ("✗ no provider", "$text-error"),
}
_FIXES = {
    "unreachable": " Start the server, or choose another with /model PROVIDER, --endpoint or "
    "--provider.",
    "problem": "",
    "none": "",
}
SEPARATOR = "  │  "


def _model(connection: Connection) -> str:
    """Which provider and model, in words that are true before either is known."""
    if connection.provider is None:
        return "looking for a model server" if connection.state == "connecting" else ""
    if connection.model is None:
        return connection.provider
    return f"{connection.provider} · {connection.model}"


def _why(detail: str) -> tuple[str, int]:
    """Why this provider, short, and its rank. A why with advice after a ';' (no Ollama
    answered; what to do) is shown up to it and goes late; a plain one ("chosen with
    --provider") is the first to go."""
    short, more, _ = detail.partition(";")
    return (f"{short} (more: ctrl+o)", 4) if more else (short, 8)


def status_parts(connection: Connection, entry: SessionEntry | None) -> list[Part]:
    """The line's parts, each with the separator before it, and their ranks."""
    label, style = _STATES.get(connection.state, (connection.state, ""))
    if entry is not None and entry.streaming:
        label, style = "◉ streaming", "$text-accent"
    elif entry is not None and entry.error is not None:
        label, style = "✗ reply failed", "$text-error"
    parts: list[Part] = [(Content.styled(f" {label} ", f"bold {style}"), 0)]
    if model := _model(connection):
        parts.append((Content(visible(model)), 1))

    def add(text: str, rank: int, style: str = "") -> None:
        parts.append((Content.assemble(SEPARATOR, (visible(text), style)), rank))

    if entry is not None:
        add(entry.id, 3, "bold")
        if entry.corrupt is not None:
            add("corrupt file", 2, "$text-error")
        else:
            add(plural(entry.message_count or 0, "message"), 5)
            if (plan := entry.context) is not None:  # past 80%: warned before anything is left out
                add(meter_text(plan), 4, "$text-warning" if filling(plan) >= WARN_AT else "")
            # A reply arriving has no speed yet, and the last one's is not its.
            if not entry.streaming and (rate := entry.last_rate) is not None:
                add(f"{rate:.1f} tok/s", 7)
            if entry.saved:
                add("Saved: Yes", 6)
            else:
                add("Saved: No", 2, "$text-warning")
    if connection.state == "connected" and connection.detail:
        add(*_why(connection.detail), "$text-muted")
    return parts


def problem_line(connection: Connection, entry: SessionEntry | None) -> str:
    if connection.state not in ("connected", "connecting"):
        return f"{connection.detail}{_FIXES.get(connection.state, '')}"
    if entry is not None and entry.error is not None:
        return f"{entry.error} ctrl+r retries."
    return ""


class StatusLine(FittedLine):
    def show(self, parts: list[Part], detail: str) -> None:
        """The parts; all of them, and ``detail`` in full, in the tooltip."""
        self.set_parts(parts)
        whole = "".join(content.plain for content, _ in parts).strip()
        self.tooltip = visible(f"{whole}\n{detail}" if detail else whole)


class StatusBar(Vertical):
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status-line")
        yield Static(id="status-problem", markup=False)

    def show(self, connection: Connection, entry: SessionEntry | None) -> None:
        self.query_one(StatusLine).show(status_parts(connection, entry), connection.detail)
        problem = self.query_one("#status-problem", Static)
        text = visible(problem_line(connection, entry))  # server error texts
        if text != str(problem.content):  # an update lays out the whole screen
            problem.update(text)
        problem.display = bool(text)
