"""The chips above the message box: one per attachment waiting to be sent with the next message,
each removable (focus it, then Delete or Backspace)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static

from agentry.safe_text import visible
from agentry_tui.formatting import cut_middle, human_size

if TYPE_CHECKING:
    from agentry.attachments import AttachmentRef, Pending

IMAGE_MARK = "▣"  # plain characters: every terminal font has them
TEXT_MARK = "≡"
NAME_WIDTH = 30  # a longer name is cut in the middle: its start and its extension show


def kind_mark(ref: AttachmentRef) -> str:
    return IMAGE_MARK if ref["kind"] == "image" else TEXT_MARK


def chip_label(ref: AttachmentRef) -> str:
    """ "≡ notes.txt 1.2 KB": its kind, its (safe, shortened) name, its size."""
    return (
        f"{kind_mark(ref)} {cut_middle(visible(ref['name']), NAME_WIDTH)} {human_size(ref['size'])}"
    )


class Chip(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,backspace", "remove", "Remove", tooltip="Remove this attachment")
    ]

    class Removed(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, index: int, ref: AttachmentRef) -> None:
        super().__init__(chip_label(ref), markup=False, classes="chip")
        self.index = index
        self.tooltip = f"{visible(ref['name'])}: Delete or Backspace removes it"

    def action_remove(self) -> None:
        self.post_message(self.Removed(self.index))


class AttachmentChips(HorizontalGroup):
    """Hidden while nothing is attached."""

    async def show(self, pending: Sequence[Pending]) -> None:
        had_focus = self.has_focus_within
        await self.remove_children()
        await self.mount_all(Chip(i, p.ref) for i, p in enumerate(pending))
        self.display = bool(pending)
        if had_focus and pending:
            self.query(Chip).last().focus()
        elif had_focus:
            self.screen.focus_next()
