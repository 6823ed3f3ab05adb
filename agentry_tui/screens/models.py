"""Pick the session's model from the provider's list (`/model` without a name)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agentry.safe_text import visible


class ModelPicker(ModalScreen[str | None]):
    """The models, the session's own marked and highlighted; Enter picks, Esc leaves it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, provider: str, models: list[str], current: str | None) -> None:
        super().__init__(id="model-picker")
        self._provider, self._models, self._current = provider, models, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="models"):
            yield Label(
                Content(visible(f"Model for this session ({self._provider})")),
                classes="dialog-title",
            )
            yield OptionList(
                *(
                    Option(Content(visible(f"{'●' if m == self._current else ' '} {m}")), id=m)
                    for m in self._models
                ),
                id="model-list",
            )
            yield Static(
                "enter picks · esc cancels · /model NAME or /model PROVIDER[:MODEL] by name",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self._current in self._models:
            options.highlighted = self._models.index(self._current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
