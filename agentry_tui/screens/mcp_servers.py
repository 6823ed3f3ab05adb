"""The MCP servers (``/mcp``, palette "MCP servers"): each one's state, what it offers, why it
failed with the last lines it wrote to stderr; a key switches one off for the session on
screen. (A failed server is started again by the next call to one of its tools.)

Imported when first opened (it reads the hub's states, which load after start-up).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agentry.commands import NO_MCP_SERVERS
from agentry.errors import AgentryError
from agentry.mcp.switches import servers_off
from agentry.safe_text import visible
from agentry_tui.store.mcp_link import counts_text

if TYPE_CHECKING:
    from agentry.mcp.hub import ServerState
    from agentry_tui.store import SessionStore

MARKS = {"ready": "●", "starting": "◌", "failed": "✗", "stopped": "■", "disabled": "○"}


@dataclass(frozen=True)
class ServerRow:
    name: str
    line: str  # the list's row: mark, name, state
    detail: str  # below the list for the highlighted one: the reason and stderr in full
    failed: bool
    off: bool  # switched off in this session
    configured: bool  # a server the hub runs (not a settings entry in error)


def server_rows(
    states: list[ServerState], config_errors: Mapping[str, str], off: Collection[str]
) -> list[ServerRow]:
    """One row a server, in the settings' order, then the entries that are not valid."""
    width = max((len(name) for name in [*(s.name for s in states), *config_errors]), default=0)
    rows = []
    for state in states:
        what = {
            "ready": f"ready · {counts_text(state)}",
            "starting": "starting…",
            "failed": f"failed: {state.error or 'no reason given'}",
            "stopped": "stopped",
            "disabled": 'disabled ("disabled": true in settings.json)',
        }[state.status]
        here = state.name in off
        line = f"{MARKS[state.status]} {state.name:<{width}}  {what}" + (
            "  [off in this session]" if here else ""
        )
        detail = [f"{state.name}: {state.status} ({state.transport})"]
        if state.error:
            detail.append(state.error)
        if state.stderr_tail:
            detail += ["Last lines on its stderr:", *(f"  {ln}" for ln in state.stderr_tail)]
        if here:
            detail.append("Switched off in this session: its tools are not offered (o: on).")
        rows.append(
            ServerRow(state.name, line, "\n".join(detail), state.status == "failed", here, True)
        )
    for name, error in config_errors.items():
        line = f"✗ {name:<{width}}  not valid in settings.json"
        rows.append(ServerRow(name, line, error, True, False, False))
    return rows


class McpServersScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("o", "switch", "Off/on here"),
        Binding("r", "restart", "Restart"),
        Binding("escape", "dismiss(None)", "Close"),
    ]

    def __init__(self, store: SessionStore, session_id: str | None) -> None:
        super().__init__(id="mcp-servers-screen")
        self._store = store
        self._session_id = session_id
        self._rows: list[ServerRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="mcp-servers"):
            yield Label("MCP servers", classes="dialog-title")
            yield OptionList(id="mcp-list")
            yield Static("", id="mcp-detail", markup=False)
            yield Static(
                f"o switches the highlighted server off or on for session "
                f"'{visible(self._session_id or '—')}' · r restarts it · esc closes",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.show_states()
        self.query_one(OptionList).focus()

    def show_states(self) -> None:
        """The hub's states now (the app calls this whenever they change)."""
        mcp = self._store.mcp
        self._rows = server_rows(mcp.states(), mcp.config_errors, self._off())
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(Option(Content(visible(row.line))) for row in self._rows)
        if self._rows:
            options.highlighted = min(highlighted or 0, len(self._rows) - 1)
        self._show_detail()

    def _off(self) -> frozenset[str]:
        entry = self._store.get(self._session_id) if self._session_id else None
        session = entry.session if entry is not None else None
        return servers_off(session.metadata) if session is not None else frozenset()

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self._highlighted()
        text = row.detail if row is not None else NO_MCP_SERVERS
        self.query_one("#mcp-detail", Static).update(visible(text))

    def _highlighted(self) -> ServerRow | None:
        index = self.query_one(OptionList).highlighted
        return self._rows[index] if index is not None and index < len(self._rows) else None

    def action_switch(self) -> None:
        row = self._highlighted()
        if row is None or not row.configured or self._session_id is None:
            return
        try:
            self._store.set_server_off(self._session_id, row.name, not row.off)
        except AgentryError as exc:
            self.notify(visible(str(exc)), severity="warning")
            return
        self.show_states()

    def action_restart(self) -> None:
        row = self._highlighted()
        if row is not None and row.configured:
            self.run_worker(self._store.mcp.restart(row.name), group="mcp-restart")
