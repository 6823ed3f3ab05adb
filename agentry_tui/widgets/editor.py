"""The editor a user message gives way to in the chat when it is edited (a new branch)."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea

from agentry_tui.widgets.editable import visible_strip
from agentry_tui.widgets.prompt import NEWLINE_KEYS


class MessageEditor(TextArea):
    """The text of message ``index``; Enter sends it as a new branch, ctrl+j adds a line,
    Escape cancels (the message is shown again, unchanged)."""

    class Submitted(Message):
        def __init__(self, editor: MessageEditor, text: str) -> None:
            super().__init__()
            self.editor = editor
            self.text = text

    class Cancelled(Message):
        def __init__(self, editor: MessageEditor) -> None:
            super().__init__()
            self.editor = editor

    def __init__(self, index: int, text: str) -> None:
        super().__init__(text, soft_wrap=True, compact=True)
        self.index = index
        self.border_title = f"editing message #{index}"
        self.border_subtitle = "enter sends as a new branch · esc cancels · ctrl+j new line"

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)

    def on_key(self, event: events.Key) -> None:
        # Before TextArea's own handler (see Prompt.on_key): it would insert Enter.
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self, self.text))
        elif event.key == "escape":
            event.stop()
            event.prevent_default()
            self.post_message(self.Cancelled(self))
        elif event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self.replace("\n", start, end, maintain_selection_offset=False)

    def render_line(self, y: int) -> Strip:
        return visible_strip(super().render_line(y))  # the text shown safely, as in the prompt
