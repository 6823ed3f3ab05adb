"""Pick which code block of a message to copy, when it has several."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agentry.safe_text import visible
from agentry_tui.code_blocks import CodeBlock


class CodePicker(ModalScreen[int | None]):
    """The blocks by language and first line; Enter (or 1-9) copies one, Esc leaves it."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, index: int, blocks: list[CodeBlock]) -> None:
        super().__init__(id="code-picker")
        self._index, self._blocks = index, blocks

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                Content(f"Copy a code block of message #{self._index}"), classes="dialog-title"
            )
            yield OptionList(
                *(
                    Option(Content(visible(f"{n}  {block.label}")[:200]))
                    for n, block in enumerate(self._blocks, 1)
                ),
                id="code-blocks",
            )
            yield Static("enter or 1-9 copies · esc cancels", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_pick(self, place: int) -> None:
        if place < len(self._blocks):
            self.dismiss(place)
