"""How wide the side panels are for a terminal width, and which give way (pure: no Textual).

The sidebar and the metadata panel take a share of the width between a minimum and a maximum.
When the message box would be left narrower than MIN_CHAT, the panel opened earlier gives way
to the one opened last (the person just asked for it); if the one left still does not fit,
it narrows down to its minimum, and below that the message box gets what is left.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

MIN_CHAT = 40  # cells: the narrowest message box worth writing in

Panel = Literal["sidebar", "metadata"]


class Span(NamedTuple):
    share: float  # of the terminal's width
    least: int
    most: int

    def width(self, total: int) -> int:
        return max(self.least, min(self.most, round(total * self.share)))


SIDEBAR = Span(0.28, 24, 40)
METADATA = Span(0.33, 34, 48)


class Panels(NamedTuple):
    sidebar: int  # its width, 0 when not shown
    metadata: int


def panels(total: int, sidebar: bool, metadata: bool, last: Panel = "metadata") -> Panels:
    """The side panels' widths in a terminal ``total`` cells wide, for the ones the person
    wants shown; ``last`` is the one they asked for most recently."""
    wanted = {"sidebar": sidebar, "metadata": metadata}
    if sidebar and metadata:
        both = SIDEBAR.width(total) + METADATA.width(total)
        if total - both < MIN_CHAT:
            wanted["metadata" if last == "sidebar" else "sidebar"] = False
    widths = {}
    for name, span in (("sidebar", SIDEBAR), ("metadata", METADATA)):
        width = span.width(total) if wanted[name] else 0
        if width:  # alone, it gives up cells down to its minimum for the message box
            width = max(span.least, min(width, total - MIN_CHAT))
        widths[name] = width
    return Panels(widths["sidebar"], widths["metadata"])
