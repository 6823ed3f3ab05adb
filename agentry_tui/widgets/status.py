"""The status bar: connection, session, message count, speed of the last reply, saved state;
and, when the model server is not usable, a second line saying why and what to do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from agentry.safe_text import visible
from agentry_tui.store.model import Connection, SessionEntry

_STATES = {
    "connecting": ("◌ connecting", "$text-warning"),
    "connected": ("● connected", "$text-success"),
    "unreachable": ("✗ unreachable", "$text-error"),
    "problem": ("✗ not usable", "$text-error"),
    "none": ("✗ no provider", "$text-error"),
}
_FIXES = {
    "unreachable": " Start the server, or choose another with --endpoint or --provider.",
    "problem": "",
    "none": "",
}


def status_line(connection: Connection, entry: SessionEntry | None) -> Content:
    label, style = _STATES.get(connection.state, (connection.state, ""))
    if entry is not None and entry.streaming:
        label, style = "◉ streaming", "$text-accent"
    elif entry is not None and entry.error is not None:
        label, style = "✗ reply failed", "$text-error"
    parts: list[Content | str | tuple[str, str]] = [(f" {label} ", f"bold {style}")]
    provider = connection.provider or "—"
    model = connection.model or "default model"
    parts.append(visible(f"{provider} · {model}"))
    if entry is not None:
        parts += ["  │  ", (visible(entry.id), "bold")]
        if entry.corrupt is not None:
            parts += ["  │  ", ("corrupt file", "$text-error")]
        else:
            count = entry.message_count or 0
            parts += ["  │  ", f"{count} message{'' if count == 1 else 's'}"]
            if (rate := entry.last_rate) is not None:
                parts += ["  │  ", f"{rate:.1f} tok/s"]
            saved = entry.saved
            parts += [
                "  │  ",
                ("Saved: Yes" if saved else "Saved: No", "" if saved else "$text-warning"),
            ]
    if connection.state == "connected" and connection.detail:
        # Why this provider: last, so a narrow terminal cuts it first.
        parts += ["  │  ", (visible(connection.detail), "$text-muted")]
    return Content.assemble(*parts)


def problem_line(connection: Connection, entry: SessionEntry | None) -> str:
    if connection.state not in ("connected", "connecting"):
        return f"{connection.detail}{_FIXES.get(connection.state, '')}"
    if entry is not None and entry.error is not None:
        return f"{entry.error} ctrl+r retries."
    return ""


class StatusBar(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="status-line")
        yield Static(id="status-problem", markup=False)

    def show(self, connection: Connection, entry: SessionEntry | None) -> None:
        self.query_one("#status-line", Static).update(status_line(connection, entry))
        problem = self.query_one("#status-problem", Static)
        text = visible(problem_line(connection, entry))  # server error texts
        problem.update(text)
        problem.display = bool(text)
