"""A prompt with attachments in the chat: its text as any prompt shows it, then one compact entry
per attachment (name and size; a text's first lines, an image's dimensions), which Enter or a
click expands to the whole text.

The bytes are read from the session's attachment folder in a thread once the entry is mounted:
building a long chat never waits on the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from agentry.wording import plural
from agentry_tui.attachment_view import image_dimensions, preview, text_of
from agentry_tui.view import ShownAttachment, ShownMessage
from agentry_tui.widgets.attachment_chips import IMAGE_MARK, TEXT_MARK
from agentry_tui.widgets.messages import Indexed, user_content

LoadBytes = Callable[[Mapping[str, Any]], bytes | None]


class AttachmentEntry(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "expand", "Expand", tooltip="Show the whole file, or its first lines")
    ]

    expanded = reactive(False)

    def __init__(self, shown: ShownAttachment, load: LoadBytes) -> None:
        super().__init__(classes="attachment")
        self.shown = shown
        self._load = load
        self._text: str | None = None  # a text file's content, once read
        self._detail = ""  # an image's dimensions, or why its bytes are not there
        self._loaded = False

    def on_mount(self) -> None:
        self._read()

    @work(thread=True, exit_on_error=False)
    def _read(self) -> None:
        data = self._load(self.shown.ref)
        self.app.call_from_thread(self._got, data)

    def _got(self, data: bytes | None) -> None:
        self._loaded = True
        if data is None:
            self._detail = "its file is missing"
        elif self.shown.is_image:
            size = image_dimensions(data)
            self._detail = f"{size[0]}×{size[1]}" if size else ""
        else:
            self._text = text_of(data)
        self.refresh(layout=True)

    def render(self) -> Content:
        shown = self.shown
        mark = IMAGE_MARK if shown.is_image else TEXT_MARK
        parts: list[str | tuple[str, str]] = [
            (f"{mark} ", "bold"),
            (shown.name, "bold"),
            (f"  {shown.size}", "$text-muted"),
        ]
        if self._detail:
            parts.append((f"  {self._detail}", "$text-muted"))
        if self._text is not None:
            body, more = preview(self._text)
            if self.expanded:
                body = self._text.rstrip("\n")
                parts.append(("  ▾", "$accent"))
            elif more:
                parts.append((f"  ▸ {plural(more, 'more line')}", "$accent"))
            parts += ["\n", (body, "$text-muted")]
        return Content.assemble(*parts)

    def action_expand(self) -> None:
        if self._text is not None:
            self.expanded = not self.expanded

    def on_click(self) -> None:
        self.action_expand()

    def watch_expanded(self) -> None:
        self.refresh(layout=True)


class AttachedUserMessage(Indexed, Vertical):
    """A prompt that carries attachments; ``message`` and ``message_index`` as UserMessage's."""

    def __init__(
        self,
        message: dict[str, Any],
        now: datetime,
        alternatives: tuple[int, int],
        load: LoadBytes,
    ) -> None:
        super().__init__(classes="message -user")
        self.message = message
        self._content = user_content(message, now, alternatives)
        self._shown = ShownMessage.of(message, now).attachments
        self._load = load

    def compose(self) -> ComposeResult:
        yield Static(self._content, classes="user-text")
        for shown in self._shown:
            yield AttachmentEntry(shown, self._load)
