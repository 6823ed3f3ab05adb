"""The sidebar: a filter box over the session rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from agentry.safe_text import visible
from agentry_tui.formatting import cut_middle, relative_time
from agentry_tui.store.model import Generation, SessionEntry
from agentry_tui.store.naming import readable_id
from agentry_tui.widgets.editable import SafeInput
from agentry_tui.widgets.session_list import SessionList


def row_prompt(entry: SessionEntry, now: datetime, width: int | None = None) -> Content:
    """Two lines: a mark and the title (or id); then the id, message count and last activity.
    Within ``width`` cells a long title loses its middle, not its end: with many sessions that
    begin alike, the end is what tells them apart."""
    if entry.corrupt is not None:
        mark = ("✗ ", "$text-error")
    elif entry.generation is Generation.STREAMING:
        mark = ("● ", "$text-accent")
    elif entry.generation is Generation.ERROR:
        mark = ("✗ ", "$text-error")
    else:
        mark = ("  ", "")
    first = visible(entry.title or readable_id(entry.id))
    if width is not None:
        first = cut_middle(first, width - 2)
    if entry.corrupt is not None:
        detail = Content.styled("corrupt file", "$text-error")
    else:
        count = entry.message_count or 0
        messages = "… msgs" if entry.pending else f"{count} msg{'s' if count != 1 else ''}"
        detail = Content(f"{relative_time(entry.last_activity, now)} · {messages}")
    # The id goes last: when the row is too narrow it is what gets cut.
    second = Content.assemble("  ", detail, f" · {visible(entry.id)}" if first != entry.id else "")
    return Content.assemble(mark, (first, "bold"), "\n", second.stylize("dim"))


def matches(entry: SessionEntry, text: str) -> bool:
    text = text.casefold()
    return text in entry.id.casefold() or text in entry.title.casefold()


class Sidebar(Vertical):
    """The filter and the rows. Down goes from the filter into the rows; Esc clears the filter,
    then goes back to the message box (it stops a reply only from there). A session opened here,
    or opened anywhere while the filter hides it (a new one, say), clears the filter: the open
    session is never hidden behind "3 of 5"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back", show=False),
        Binding("down", "enter_rows", "Results", show=False),  # the rows take their own Down
    ]

    class OpenRequested(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class Left(Message):
        """Esc with nothing left to clear: the reader is done here."""

    class ContentsWanted(Message):
        """The filter also matches contents: which sessions' messages match ``text``? (The
        answer comes back through ``set_content_matches``.)"""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[SessionEntry] = []
        self._active: str | None = None
        self._now = datetime.now()
        self._applied = ""  # the filter text the rows show
        self.contents = False  # the filter also matches what the sessions' messages say
        self._content_matches: tuple[str, frozenset[str]] = ("", frozenset())  # (text, ids)

    def compose(self) -> ComposeResult:
        yield SafeInput(placeholder="Filter sessions (ctrl+f)", id="session-filter", compact=True)
        yield Static(id="sessions-heading")
        yield SessionList(row_prompt, id="session-list")

    @property
    def filter_text(self) -> str:
        return self.query_one("#session-filter", Input).value.strip()

    def visible_ids(self) -> list[str]:
        return self.query_one(SessionList).ids

    def show(self, entries: Iterable[SessionEntry], active_id: str | None, now: datetime) -> None:
        """Rebuild the rows (the list changed, or the filter did)."""
        self._entries = list(entries)
        opened = active_id != self._active
        self._active = active_id
        self._now = now
        self._rebuild()
        if opened:
            self._unhide_active()

    def _rebuild(self) -> None:
        text = self._applied = self.filter_text
        by_content = self._content_matches[1] if self._content_matches[0] == text else frozenset()
        shown = [e for e in self._entries if not text or matches(e, text) or e.id in by_content]
        rows = self.query_one(SessionList)
        rows.set_rows(shown, self._now)
        rows.highlight(self._active)
        count = f"{len(shown)} of {len(self._entries)}" if text else str(len(shown))
        where = "titles and contents" if self.contents else "titles · ctrl+f: contents too"
        self.query_one("#sessions-heading", Static).update(
            f"SESSIONS  {count}" + (f"  ({where})" if text else "")
        )
        if self.contents and text and self._content_matches[0] != text:
            self.post_message(self.ContentsWanted(text))

    def toggle_contents(self) -> None:
        """Match the filter against titles only, or against the messages too."""
        self.contents = not self.contents
        box = self.query_one("#session-filter", Input)
        box.placeholder = (
            "Filter titles and contents (ctrl+f)" if self.contents else "Filter sessions (ctrl+f)"
        )
        self._content_matches = ("", frozenset())
        self._rebuild()

    def set_content_matches(self, text: str, ids: Iterable[str]) -> None:
        """The sessions whose messages match ``text`` (shown if it is still the filter)."""
        self._content_matches = (text, frozenset(ids))
        if self.contents and text == self.filter_text:
            self._rebuild()

    def set_active(self, active_id: str | None) -> None:
        opened = active_id != self._active
        self._active = active_id
        self.query_one(SessionList).highlight(active_id)
        if opened:
            self._unhide_active()

    def _unhide_active(self) -> None:
        rows = self.query_one(SessionList)
        if self._active is not None and not rows.shows(self._active):
            self.clear_filter()

    def clear_filter(self) -> None:
        if self.filter_text:
            self.query_one("#session-filter", Input).value = ""
            self._rebuild()

    def update_row(self, entry: SessionEntry, now: datetime) -> None:
        """One session's row changed (message count, reply state)."""
        self.query_one(SessionList).update_row(entry, now)

    def refresh_times(self, entries: list[SessionEntry], now: datetime) -> None:
        """Rows active in the last day say "5m ago" or "3h ago"; older ones rarely change."""
        self._now = now
        for entry in entries:
            if entry.last_activity is not None and (now - entry.last_activity).days < 1:
                self.update_row(entry, now)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.filter_text != self._applied:  # not the filter cleared here already
            self._rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if ids := self.visible_ids():
            self._open(ids[0])

    def on_session_list_selected(self, event: SessionList.Selected) -> None:
        event.stop()
        self._open(event.session_id)

    def _open(self, session_id: str) -> None:
        self.clear_filter()  # found: the whole list again
        self.post_message(self.OpenRequested(session_id))

    def action_leave(self) -> None:
        box = self.query_one("#session-filter", Input)
        if box.has_focus and box.value:
            box.value = ""  # its Changed message shows every row again
        else:
            self.post_message(self.Left())

    def action_enter_rows(self) -> None:
        rows = self.query_one(SessionList)
        if not rows.ids:
            return
        if self.filter_text or rows.highlighted is None:
            rows.highlighted = 0  # the best match
        self.screen.set_focus(rows)
