"""The key bar: the keys that work here, on one line; a click presses the key.

Textual's Footer is a widget per key, each restyled when mounted and all recomposed whenever the
bindings change (each focus change, each reply starting or ending); at start-up that was a
quarter of the time to the first frame. This paints the same line as one widget.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

from agentry_tui.formatting import fitting
from agentry_tui.keys import SELECTION_KEYS


class KeyHint(NamedTuple):
    key: str  # the key a click presses
    action: str
    display: str  # how it is shown ("^n")
    description: str
    enabled: bool  # shown dim when not
    tooltip: str


def _width(hint: KeyHint) -> int:
    return cell_len(hint.display) + cell_len(hint.description) + 3  # " ^n New "


# Which keys stay when the bar is too narrow for all, most needed first: the way out and to
# every other key, then the keys of the moment (Stop while a reply arrives), then the rest.
# Keys not named here go before none of these.
PRIORITY = (
    "help",
    "quit",
    "stop",
    *SELECTION_KEYS,
    "retry",
    "new_session",
    "toggle_sidebar",
    "toggle_metadata",
    "rename_session",
    "delete_session",
    "clear_session",
)


def _rank(hint: KeyHint) -> int:
    return PRIORITY.index(hint.action) + 1 if hint.action in PRIORITY else len(PRIORITY) + 1


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--hover", "keybar--separator"}

    hovered: reactive[int | None] = reactive(None)  # index into the painted hints

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._painted: list[tuple[int, int, KeyHint]] = []  # cell span of each hint shown

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def hints(self) -> tuple[list[KeyHint], KeyHint | None]:
        """The keys to show (one per action, in binding order) and the command palette's."""
        app = self.app
        active = self.screen.active_bindings

        def hint(found: ActiveBinding) -> KeyHint:
            binding = found.binding
            return KeyHint(
                binding.key,
                binding.action,
                app.get_key_display(binding),
                binding.description,
                found.enabled,
                found.tooltip or binding.description,
            )

        shown: dict[str, KeyHint] = {}
        for found in active.values():
            if found.binding.show and found.binding.action not in shown:
                shown[found.binding.action] = hint(found)
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        return list(shown.values()), None if palette is None else hint(palette)

    def render(self) -> Text:
        hints, palette = self.hints()
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        hover_style = self.get_component_rich_style("keybar--hover", partial=True)
        dim = Style(dim=True)
        width = self.size.width
        # The palette's key sits at the right edge, after a one-column separator.
        room = width - (_width(palette) + 1 if palette else 0)

        text = Text(no_wrap=True, overflow="crop", end="")
        painted: list[tuple[int, int, KeyHint]] = []

        def paint(hint: KeyHint) -> None:
            start = text.cell_len
            text.append(f" {hint.display} ", key_style)
            text.append(f"{hint.description} ", description_style)
            extra = Style()
            if not hint.enabled:
                extra += dim
            if len(painted) == self.hovered:
                extra += hover_style
            if extra:
                text.stylize(extra, start, text.cell_len)
            painted.append((start, text.cell_len, hint))

        # Whole keys only (a key cut in half would be read as another key), in their order;
        # the least needed leave first.
        for hint in fitting([(h, _width(h), _rank(h)) for h in hints], room):
            paint(hint)
        if palette is not None:
            text.append(" " * (room - text.cell_len))
            text.append("▏", self.get_component_rich_style("keybar--separator"))
            paint(palette)
        self._painted = painted
        return text

    def _at(self, x: int) -> int | None:
        return next(
            (i for i, (start, end, _) in enumerate(self._painted) if start <= x < end), None
        )

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._at(event.x)
        self.tooltip = None if self.hovered is None else self._painted[self.hovered][2].tooltip

    def on_leave(self, _: events.Leave) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        index = self._at(event.x)
        if index is None:
            return
        hint = self._painted[index][2]
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
