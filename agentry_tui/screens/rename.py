"""Ask for a session's new id, checking it before the modal closes."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from agentry.safe_text import visible
from agentry_tui.widgets.editable import SafeInput


class RenameScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str, check: Callable[[str], str | None]) -> None:
        """``check`` returns what is wrong with a proposed id, or None if it is fine."""
        super().__init__()
        self._current = current
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                Content(visible(f"Rename session '{self._current}'")), classes="dialog-title"
            )
            yield SafeInput(self._current, id="new-id", select_on_focus=True)
            yield Static(
                "Enter renames, Esc cancels.",
                id="rename-error",
                classes="dialog-hint",
                markup=False,
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        new_id = event.value.strip()
        if new_id == self._current:
            self.dismiss(None)
            return
        problem = self._check(new_id)
        if problem is not None:
            error = self.query_one("#rename-error", Static)
            error.update(visible(problem))
            error.add_class("-error")
            return
        self.dismiss(new_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
