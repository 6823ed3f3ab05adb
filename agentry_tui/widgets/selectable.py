"""Textual's text selection for a widget painted line by line from strips (the Line API).

Textual finds where a drag starts and ends from the ``offset`` each painted segment carries, and
asks each widget under the drag for its text (``Widget.get_selection``); a widget that paints
strips carries no offsets and has no text to give, so Textual copied its CSS name instead. Here
a line's offsets and its text are those of the characters painted: what is copied is what is
seen. Offsets count characters, as Textual's do (``Strip.apply_offsets``), so a wide (CJK)
character selects as one.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.selection import Selection
from textual.strip import Strip


def selected_text(lines: Sequence[Strip], selection: Selection) -> str:
    """The text of ``lines`` under ``selection`` (trailing blanks of each line left out)."""
    return selection.extract("\n".join(line.text.rstrip() for line in lines))


def highlighted(line: Strip, y: int, selection: Selection, style: Style) -> Strip:
    """Line ``y`` with the part of it under ``selection`` (if any) in ``style`` over its own."""
    span = selection.get_span(y)
    if span is None:
        return line
    text = line.text
    start, end = span
    end = len(text) if end == -1 else min(end, len(text))
    if start >= end:
        return line
    cuts = [cell_len(text[:start]), cell_len(text[:end]), line.cell_length]
    before, chosen, after = line.divide(cuts)
    chosen = Strip(
        [Segment(t, s + style if s else style, c) for t, s, c in chosen], chosen.cell_length
    )
    return Strip.join([before, chosen, after])
