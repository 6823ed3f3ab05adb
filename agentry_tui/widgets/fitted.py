"""A one-line widget of labelled parts that keeps whole parts only, laid out for its width on
every render (a resize too): when it is too narrow the part of the highest rank goes first,
never half a word or a dangling separator."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from agentry_tui.formatting import fitting

Part = tuple[Content, int]  # a part, with its separator before it, and its rank (0: kept)


def fitted(parts: list[Part], width: int) -> Content:
    """The parts that fit in ``width`` cells, whole."""
    return Content.assemble(
        *fitting([(content, content.cell_length, rank) for content, rank in parts], width)
    )


class FittedLine(Static):
    def __init__(self, parts: list[Part] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts: list[Part] = parts or []

    def set_parts(self, parts: list[Part]) -> None:
        self.parts = parts
        self.refresh()

    def render(self) -> Content:
        return fitted(self.parts, self.size.width or 1000)  # unsized yet: all of it
