"""The tools allowed without asking: always (settings.json) and in this session; revoke one.

The screen shows what it is given and asks the app to revoke (the app reads and writes the
settings file, off the event loop); it is then given the lists again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agentry.commands import problem_text
from agentry.safe_text import visible

Where = Literal["always", "session"]
Pair = tuple[str, str]  # (server, tool)


@dataclass(frozen=True)
class Allowance:
    where: Where
    server: str
    tool: str


class PermissionsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("r,delete", "revoke", "Revoke"),
        Binding("escape,q", "close", "Close"),
    ]

    class Revoke(Message):
        """The person revoked an allowance; the app carries it out and calls ``show``."""

        def __init__(self, allowance: Allowance, session_id: str) -> None:
            super().__init__()
            self.allowance = allowance
            self.session_id = session_id

    def __init__(
        self, session_id: str, always: list[Pair], session: list[Pair], problem: str | None
    ) -> None:
        super().__init__(id="permissions-screen")
        self._session_id = session_id
        self._rows: list[Allowance] = []
        self._given = (always, session)
        self._problem = problem  # what is wrong with the settings file's approvals

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="permissions"):
            yield Label("Tools allowed without asking", classes="dialog-title")
            if self._problem:
                yield Static(
                    visible(problem_text(self._problem)),
                    classes="dialog-hint -error",
                    markup=False,
                )
            yield OptionList(id="permissions-list")
            yield Static(
                "r revokes the highlighted one (at its next call, in every session); Esc closes.",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.show(*self._given)
        self.query_one(OptionList).focus()

    def show(self, always: list[Pair], session: list[Pair]) -> None:
        """List these allowances, keeping the highlight where it was (or the row before)."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        self._rows = [Allowance("always", *p) for p in always]
        self._rows += [Allowance("session", *p) for p in session]
        options.clear_options()
        if not self._rows:
            options.add_option(Option("Nothing is allowed without asking.", disabled=True))
            return
        options.add_options(Option(self._label(row)) for row in self._rows)
        options.highlighted = min(highlighted or 0, len(self._rows) - 1)

    def _label(self, row: Allowance) -> Content:
        where = "Always      " if row.where == "always" else "This session"
        return Content.assemble(
            (where, "$text-warning" if row.where == "always" else "$text-muted"),
            "  ",
            (visible(row.server), "bold"),
            "  ",
            visible(row.tool),
        )

    def action_revoke(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and index < len(self._rows):
            self.post_message(self.Revoke(self._rows[index], self._session_id))

    def action_close(self) -> None:
        self.dismiss(None)
