"""Ask for a session's title and id, checking them before the modal closes.

The title is any text ("My Pirate Chat ☠") and is what the session list shows; the id names the
file, so it keeps its rule (letters, digits, '.', '_', '-').
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from agentry.safe_text import visible
from agentry_tui.widgets.editable import SafeInput


@dataclass(frozen=True)
class Naming:
    title: str  # "": none (the list shows the first message)
    id: str


class RenameScreen(ModalScreen[Naming | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, current: Naming, check: Callable[[Naming], str | None], untitled: str = ""
    ) -> None:
        """``check`` returns what is wrong with a proposed naming, or None if it is fine;
        ``untitled`` is what the list shows without a title (its first message)."""
        super().__init__()
        self._current = current
        self._check = check
        self._untitled = untitled

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                Content(visible(f"Rename session '{self._current.id}'")), classes="dialog-title"
            )
            yield Label("Title (any text; empty: the first message)", classes="dialog-label")
            yield SafeInput(
                self._current.title,
                placeholder=visible(self._untitled),
                id="new-title",
                select_on_focus=True,
            )
            yield Label("Id (the file's name)", classes="dialog-label")
            yield SafeInput(self._current.id, id="new-id", select_on_focus=True)
            yield Static(
                "Enter renames, Tab moves between the fields, Esc cancels.",
                id="rename-error",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#new-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        naming = Naming(
            self.query_one("#new-title", Input).value.strip(),
            self.query_one("#new-id", Input).value.strip(),
        )
        if naming == self._current:
            self.dismiss(None)
            return
        problem = self._check(naming)
        if problem is not None:
            error = self.query_one("#rename-error", Static)
            error.update(visible(problem))
            error.add_class("-error")
            return
        self.dismiss(naming)

    def action_cancel(self) -> None:
        self.dismiss(None)
