"""The metadata panel: everything known about the session on screen."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from agentry import messages
from agentry.params import PARAMS_KEY
from agentry.safe_text import visible
from agentry.sessions import AgentSession
from agentry.sessions.titles import TITLE_KEY
from agentry.timefmt import stamp
from agentry_tui.formatting import home_relative, human_size
from agentry_tui.store.mcp_link import MCP_OFF
from agentry_tui.store.model import Connection, SessionEntry
from agentry_tui.widgets.context_rows import context_rows
from agentry_tui.widgets.params_form import ParamsForm

ROLES = ("system", "user", "assistant", "tool")


def token_totals(history: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """Prompt and reply tokens over the session; None where no reply reported them (some
    servers, llama.cpp's among them, send no usage when streaming)."""
    totals: dict[str, int | None] = {"prompt_tokens": None, "completion_tokens": None}
    for message in history:
        if (usage := messages.usage(message)) is not None:
            for key, total in totals.items():
                if isinstance(count := usage.get(key), int):
                    totals[key] = (total or 0) + count
    return totals["prompt_tokens"], totals["completion_tokens"]


def _count(value: int | None) -> str:
    return "not reported" if value is None else f"{value:,}"


def details(entry: SessionEntry, connection: Connection, mcp: str = "") -> list[tuple[str, str]]:
    """(label, value) rows for the panel; ``mcp``: the MCP servers' states in one line."""
    rows = [("Session", entry.id), ("Title", entry.title or "—")]
    rows += [("Created", stamp(entry.created_at)), ("Last activity", stamp(entry.last_activity))]
    session = entry.session
    if session is not None:
        roles = Counter(m.get("role") for m in session.messages)
        rows.append(("Messages", str(len(session.messages))))
        rows += [(f"  {role}", str(roles.get(role, 0))) for role in ROLES]
    else:
        rows.append(("Messages", "unreadable"))
    rows += [("File", entry.path.name), ("Folder", home_relative(entry.path.parent))]
    rows.append(("Size", human_size(entry.size)))
    rows += [("Provider", connection.provider or "—"), ("Model", connection.model or "—")]
    if connection.detail:  # why this provider, or why it is not usable: in full
        rows.append(("Connection", connection.detail))
    if mcp:
        rows.append(("MCP", mcp))
    if session is not None:
        last = next(
            (
                m
                for m in reversed(session.messages)
                if m.get("role") == "assistant" and messages.model(m)
            ),
            None,
        )
        if last is not None:
            rows.append(
                ("Last reply by", f"{messages.model(last)} ({messages.provider(last) or '?'})")
            )
        rows += branch_rows(session)
        prompt, completion = token_totals(session.messages)
        rows += [("Prompt tokens", _count(prompt)), ("Reply tokens", _count(completion))]
        for key, value in session.metadata.items():
            if key in (TITLE_KEY, PARAMS_KEY, MCP_OFF):  # the Title, the form, the MCP row
                continue
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            rows.append((f"· {key}", text))
    rows += context_rows(entry)
    if entry.corrupt:
        rows.append(("Problem", entry.corrupt))
    return rows


def branch_rows(session: AgentSession) -> list[tuple[str, str]]:
    """How many conversations the session holds and where the one shown forks: "#4 (2/3)" is
    message 4, the second of its three alternatives. None for a session that never branched."""
    count = session.branch_count()
    if count < 2:
        return []
    forks = ", ".join(
        f"#{index} ({position}/{total})" for index, position, total in session.branch_points()
    )
    return [("Branches", str(count)), ("Forks at", forks or "—")]


LABEL_WIDTH = 14


def _row(label: str, value: str, room: int) -> Content:
    label, value = visible(label), visible(value)  # keys, titles, file names: from outside
    if LABEL_WIDTH + len(value) <= room or label.startswith("  "):
        return Content.assemble((label.ljust(LABEL_WIDTH), "dim"), value)
    return Content.assemble((label, "dim"), "\n  ", value)  # a long value gets its own line


class MetadataPanel(VerticalScroll):
    """Its width follows the terminal's (agentry_tui/layout.py): rows are laid out again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("SESSION INFO", id="metadata-heading")
        yield Static(id="metadata-body")
        yield ParamsForm(id="params-form")

    def show(self, entry: SessionEntry | None, connection: Connection, mcp: str = "") -> None:
        if entry is not None:
            self._rows = details(entry, connection, mcp)
            if self.display:  # else when shown: each update lays out the whole screen
                self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def on_show(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        room = self.scrollable_content_region.width or 36
        rows = [_row(label, value, room) for label, value in self._rows]
        self.query_one("#metadata-body", Static).update(Content("\n").join(rows))
