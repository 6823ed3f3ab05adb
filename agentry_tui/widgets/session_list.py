"""The session rows: two lines per session, painted line by line.

Textual's OptionList measured and rendered each row as a padded visual: 0.7 ms a row here, so
with a thousand sessions the list took ~150 ms to fill after the first frame, and its screenful
was a quarter of the first frame's painting. Here a row is rendered when it comes into view, at
the width it is shown, and kept until its session or the width changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentry_tui.store.model import SessionEntry

ROW_HEIGHT = 2

# A session's two lines, the first fitted to a width if one is given (None: in full).
RowPrompt = Callable[[SessionEntry, datetime, int | None], Content]


class SessionList(ScrollView, can_focus=True):
    """Rows for a list of sessions; Enter or a click opens the highlighted one."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"session-list--highlighted", "session-list--hover"}

    highlighted: reactive[int | None] = reactive(None, init=False)
    hovered: reactive[int | None] = reactive(None, init=False)

    class Selected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, prompt: RowPrompt, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._prompt = prompt
        self._entries: list[SessionEntry] = []
        self._index: dict[str, int] = {}
        self._now = datetime.now()
        self._lines: dict[str, tuple[Content, Content]] = {}  # id → its two lines, when shown

    # -- data down ------------------------------------------------------------------------

    def set_rows(self, entries: list[SessionEntry], now: datetime) -> None:
        self._entries = entries
        self._index = {entry.id: n for n, entry in enumerate(entries)}
        self._now = now
        self._lines.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, ROW_HEIGHT * len(entries))
        self.highlighted = self.hovered = None
        self.refresh()

    def update_row(self, entry: SessionEntry, now: datetime) -> None:
        """The session's row changed (title, message count, reply state, time)."""
        self._now = now
        row = self._index.get(entry.id)
        if row is not None:
            self._lines.pop(entry.id, None)
            self.refresh_lines(row * ROW_HEIGHT, ROW_HEIGHT)

    def highlight(self, session_id: str | None) -> None:
        self.highlighted = self._index.get(session_id) if session_id is not None else None

    # -- reading --------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self._entries]

    def shows(self, session_id: str) -> bool:
        return session_id in self._index

    @property
    def highlighted_id(self) -> str | None:
        row = self.highlighted
        return self._entries[row].id if row is not None and row < len(self._entries) else None

    def row_text(self, session_id: str) -> str:
        """The row's two lines as text (not cut to the width)."""
        return self._prompt(self._entries[self._index[session_id]], self._now, None).plain

    # -- painting -------------------------------------------------------------------------

    def _row_lines(self, entry: SessionEntry, width: int) -> tuple[Content, Content]:
        lines = self._lines.get(entry.id)
        if lines is None or lines[0].cell_length != width:
            first, second = self._prompt(entry, self._now, width).split("\n")
            lines = self._lines[entry.id] = (
                first.truncate(width, ellipsis=True, pad=True),
                second.truncate(width, ellipsis=True, pad=True),
            )
        return lines

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row, part = divmod(y + scroll_y, ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if row >= len(self._entries):
            return Strip.blank(width, self.rich_style)
        if row == self.highlighted:
            base = self.get_visual_style("session-list--highlighted")
        elif row == self.hovered:
            base = self.get_visual_style("session-list--hover")
        else:
            base = self.get_visual_style()
        padding = base.rich_style
        inner = max(0, width - 2)  # a cell each side, in the row's colours (as OptionList pads)
        line = self._row_lines(self._entries[row], inner)[part]
        segments = [Segment(" ", padding)]
        segments += [
            Segment(text, style.rich_style if style else None)
            for text, style in line.render(base, "", parse_style=self.app.stylesheet.parse_style)
        ]
        segments.append(Segment(" ", padding))
        return Strip(segments, inner + 2).crop(scroll_x, scroll_x + width)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.virtual_size.height)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for row in (old, new):
            if row is not None:
                self.refresh_lines(row * ROW_HEIGHT, ROW_HEIGHT)
        if new is not None:
            self.scroll_to_region(
                Region(0, new * ROW_HEIGHT, 1, ROW_HEIGHT), animate=False, immediate=True
            )

    def watch_hovered(self, old: int | None, new: int | None) -> None:
        for row in (old, new):
            if row is not None:
                self.refresh_lines(row * ROW_HEIGHT, ROW_HEIGHT)

    # -- input ----------------------------------------------------------------------------

    def _row_at(self, y: int) -> int | None:
        row = (y + round(self.scroll_offset.y)) // ROW_HEIGHT
        return row if 0 <= row < len(self._entries) else None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._row_at(event.y)

    def on_leave(self, _: events.Leave) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event.y)
        if row is not None:
            self.highlighted = row
            self.action_select()

    def action_cursor(self, step: int) -> None:
        if not self._entries:
            return
        last = len(self._entries) - 1
        row = self.highlighted
        self.highlighted = (
            (0 if step > 0 else last) if row is None else (min(last, max(0, row + step)))
        )

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height // ROW_HEIGHT))

    def action_first(self) -> None:
        if self._entries:
            self.highlighted = 0

    def action_last(self) -> None:
        if self._entries:
            self.highlighted = len(self._entries) - 1

    def action_select(self) -> None:
        if (session_id := self.highlighted_id) is not None:
            self.post_message(self.Selected(session_id))
