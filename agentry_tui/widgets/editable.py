"""Text boxes paint what the person typed, pasted or recalled (a prompt from the session file)
as it is: a control character in it would reach the terminal. These paint it visibly (see
``agentry.safe_text``) without changing the text, which is sent or used exactly as entered."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Input

from agentry.safe_text import is_safe, visible


def visible_strip(strip: Strip) -> Strip:
    """``strip`` with control characters shown visibly. Their stand-ins take a cell where the
    box counted none: the line is cut back to its width (its padding goes first), and a cursor
    after them shows that many cells to the left."""
    if all(is_safe(text) for text, _, _ in strip):
        return strip
    shown = Strip([Segment(visible(text), style, control) for text, style, control in strip])
    return shown.crop(0, strip.cell_length)


class SafeInput(Input):
    """A one-line Input painted through ``visible_strip``."""

    def render_line(self, y: int) -> Strip:
        return visible_strip(super().render_line(y))
