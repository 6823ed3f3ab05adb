"""The message box: a multi-line TextArea where Enter sends and ctrl+j adds a line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import TextArea

from agentry_tui.completion import Completion, choices_text
from agentry_tui.file_match import Mention, mention_at, pasted_path
from agentry_tui.widgets.editable import visible_strip

# ctrl+j is the newline byte itself, so it works in every terminal and inside tmux; the others
# work where the terminal reports them.
NEWLINE_KEYS = frozenset({"ctrl+j", "shift+enter", "alt+enter", "ctrl+enter"})
# The cursor blinks this long after a key or focus, then stays lit, as in GTK (its default
# cursor-blink-timeout): each blink repaints the box, all day long in an idle app.
BLINK_FOR_S = 10.0
# Keys that scroll the chat while the message box keeps the focus. shift+pageup/down too, for
# terminals and multiplexers that keep the plain ones for their own scrollback.
ScrollTo = Literal["page_up", "page_down", "top", "newest"]
SCROLL_KEYS: dict[str, ScrollTo] = {
    "pageup": "page_up",
    "shift+pageup": "page_up",
    "pagedown": "page_down",
    "shift+pagedown": "page_down",
    "ctrl+home": "top",
    "ctrl+end": "newest",
}
# Keys the `@` menu takes while it is open (the rest go on typing the query).
MENU_KEYS = frozenset({"up", "down", "enter", "tab", "escape"})


class Prompt(TextArea):
    """Enter sends; ctrl+j (or shift+enter) adds a line; up on the first line and down on the
    last one walk through the prompts sent before; Tab completes what ``completer`` completes
    (else it moves the focus on). The cursor blinks for BLINK_FOR_S after a key or focus, and
    stops when a message is sent (its reply is read, not typed over).

    `@` at the start of a word opens the attachment menu (MentionChanged says what follows it);
    while ``menu_open`` its keys go to it (MenuKey). ``attach(path, asked)`` is offered a path
    typed after `@` and ended with a space (asked), or pasted alone: True if it takes it."""

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class ScrollChat(Message):
        def __init__(self, to: ScrollTo) -> None:
            super().__init__()
            self.to = to

    class MentionChanged(Message):
        """The `@word` at the cursor changed; None: the cursor is at none."""

        def __init__(self, mention: Mention | None) -> None:
            super().__init__()
            self.mention = mention

    class MenuKey(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self,
        *,
        completer: Callable[[str], Completion | None] = lambda _: None,
        attach: Callable[[str, bool], bool] = lambda _path, _asked: False,
        id: str | None = None,
    ) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            placeholder="Message (Enter sends, ctrl+j new line, /help for commands)",
            compact=True,
        )
        self._completer = completer
        self._take_path = attach
        self.menu_open = False
        self._mention: Mention | None = None
        self._history: list[str] = []
        self._place = 0  # position in the history; len(history) means the draft
        self._draft = ""
        self._still: Timer | None = None  # ends the blinking

    def _blink_a_while(self) -> None:
        self.cursor_blink = True
        if self._still is not None:
            self._still.stop()
        self._still = self.set_timer(BLINK_FOR_S, self._hold_still)

    def _hold_still(self) -> None:
        if self._still is not None:
            self._still.stop()
        self._still = None
        self.cursor_blink = False

    def on_focus(self) -> None:
        self._blink_a_while()

    def on_paste(self, event: events.Paste) -> None:
        self._blink_a_while()
        if (path := pasted_path(event.text)) is not None and self._take_path(path, False):
            event.prevent_default()  # attached, not typed

    def mention(self) -> Mention | None:
        """The `@word` the cursor is at the end of, if any."""
        row, column = self.cursor_location
        return mention_at(self.document[row], column)

    def _mention_moved(self) -> None:
        if (mention := self.mention()) != self._mention:
            self._mention = mention
            self.post_message(self.MentionChanged(mention))

    def on_text_area_changed(self) -> None:
        self._mention_moved()

    def on_text_area_selection_changed(self) -> None:
        self._mention_moved()

    def take_mention(self) -> None:
        """Remove the `@word` at the cursor (it became an attachment)."""
        if (mention := self.mention()) is not None:
            row, column = self.cursor_location
            self.replace("", (row, mention.start), (row, column), maintain_selection_offset=False)

    def set_history(self, prompts: list[str]) -> None:
        self._history = list(prompts)
        self._place = len(self._history)

    def remember(self, text: str) -> None:
        if not self._history or self._history[-1] != text:
            self._history.append(text)
        self._place = len(self._history)

    def set_draft(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
        self._place = len(self._history)

    def on_key(self, event: events.Key) -> None:
        # Textual calls this before TextArea's own handler (each class's along the MRO), and
        # prevent_default() keeps a key from it (TextArea inserts printable keys and Enter).
        self._blink_a_while()
        if self.menu_open and event.key in MENU_KEYS:
            event.stop()
            event.prevent_default()
            self.post_message(self.MenuKey(event.key))
            return
        if (
            event.key == "space"
            and (mention := self.mention())
            and self._take_path(mention.query, True)
        ):
            event.stop()
            event.prevent_default()
            self.take_mention()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self._hold_still()
                self.post_message(self.Submitted(self.text))
            return
        if event.key == "tab" and (completion := self._completer(self.text)) is not None:
            event.stop()
            event.prevent_default()
            end = self.document.end
            self.replace(completion.text, (0, 0), end, maintain_selection_offset=False)  # undoable
            self.move_cursor(self.document.end)
            if completion.choices:
                self.notify(choices_text(completion.choices), title="Tab: one of", timeout=4)
            return
        if (to := SCROLL_KEYS.get(event.key)) is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.ScrollChat(to))
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self.replace("\n", start, end, maintain_selection_offset=False)
            return
        row = self.cursor_location[0]
        if event.key == "up" and row == 0 and self._walk(-1):
            event.stop()
            return
        if event.key == "down" and row == self.document.line_count - 1 and self._walk(1):
            event.stop()

    def render_line(self, y: int) -> Strip:
        return visible_strip(super().render_line(y))  # pasted or recalled text, shown safely

    def _walk(self, step: int) -> bool:
        place = self._place + step
        if not 0 <= place <= len(self._history):
            return False
        if self._place == len(self._history):
            self._draft = self.text
        self._place = place
        self.load_text(self._history[place] if place < len(self._history) else self._draft)
        self.move_cursor(self.document.end if step > 0 else (0, len(self.document[0])))
        return True
