"""The `@` menu: the files under the working folder and the resources of connected MCP servers
that match what follows `@`, ranked as the person types.

A dropdown above the message box rather than a picker screen: the message box keeps the focus,
so the keys typed right after `@` land there whatever the timing (a screen would have to take
the focus first), the query is the text typed, Esc leaves it as it is, and an e-mail address
never opens anything.

The files are listed once per opening, in a thread. Each query is ranked on the event loop a
slice at a time, giving way to the keys between slices, and a key typed meanwhile starts the
ranking again (a ranking thread would hold the GIL against the key presses). A query that
extends the last one ranks only what matched it; a big listing waits for a pause in the typing.
The menu keeps one height while open (app.tcss): a height that followed the matches had the
chat above it laid out again at each key, which more than tripled the key-to-paint time after
`@` (bench/file_picker.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from agentry.safe_text import visible
from agentry_tui.file_match import LISTED, Mention, best, matches

if TYPE_CHECKING:
    from agentry.mcp import ResourceInfo


@dataclass(frozen=True)
class FileChoice:
    path: str  # relative to the working folder, '/' between segments


@dataclass(frozen=True)
class ResourceChoice:
    server: str
    uri: str
    name: str


Choice = FileChoice | ResourceChoice
SLICE = 250  # paths ranked between two looks at the keys (~1 ms)
# A pause after each slice, not a bare yield: a key press takes a few turns of the loop to be
# painted (app, screen, message box, refresh), and a yield would let a slice run between each.
PAUSE_S = 0.002
SETTLE_S = 0.05  # a big listing is ranked once no key came for this long
ResourceSource = Callable[[], Awaitable[list["ResourceInfo"]]]


def resource_label(server: str, name: str) -> str:
    return f"{server}: {name}"


class AttachmentMenu(OptionList, can_focus=False):  # the message box keeps the focus
    """Hidden until ``follow`` is given an `@word`. ``files`` lists the working folder (run in
    a thread); ``resources`` gives what lists the MCP servers' resources (None: no server)."""

    class Chosen(Message):
        def __init__(self, choice: Choice) -> None:
            super().__init__()
            self.choice = choice

    def __init__(
        self,
        files: Callable[[], list[str]],
        resources: Callable[[], ResourceSource | None],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._list, self._resources = files, resources
        self._files: list[str] | None = None  # None while they are being listed
        self._found: dict[str, ResourceChoice] = {}  # by label
        self._shown: list[Choice] = []  # the options, in order
        self._narrowed: tuple[str, list[str]] = ("", [])  # a query, and every label it matched
        self._query = ""
        self._dismissed: int | None = None  # the `@` Esc closed the menu at
        self.display = False
        self.border_title = "Attach: ↑↓ choose · Enter attaches · Esc closes"

    def follow(self, mention: Mention | None) -> None:
        """The `@word` at the message box's cursor: show its matches, or close if none."""
        if mention is None:
            self._dismissed = None
            self.close()
            return
        if mention.start == self._dismissed:
            return
        if not self.display:
            self.display = True
            self._files, self._found, self._narrowed = None, {}, ("", [])
            self._list_files()
            if (source := self._resources()) is not None:
                self._list_resources(source)
        self._query = mention.query
        self._rank(self._query)

    def close(self) -> None:
        self.display = False
        self.clear_options()
        self._shown = []

    def dismiss(self, mention: Mention | None) -> None:
        """Esc: closed, and kept closed while the cursor stays at this `@word`."""
        self._dismissed = mention.start if mention is not None else None
        self.close()

    def move(self, step: int) -> None:
        if step < 0:
            self.action_cursor_up()
        else:
            self.action_cursor_down()

    @property
    def choice(self) -> Choice | None:
        """The highlighted match, if any."""
        index = self.highlighted
        return self._shown[index] if index is not None and index < len(self._shown) else None

    @work(thread=True, group="attach-list", exclusive=True, exit_on_error=False)
    def _list_files(self) -> None:
        files = self._list()
        self.app.call_from_thread(self._listed, files)

    def _listed(self, files: list[str]) -> None:
        if self.display:
            self._files, self._narrowed = files, ("", [])
            self._rank(self._query)

    @work(group="attach-resources", exclusive=True, exit_on_error=False)
    async def _list_resources(self, source: ResourceSource) -> None:
        try:
            resources = await source()
        except Exception as exc:  # noqa: BLE001 - a server's failure: its resources are not offered
            self.log.warning(f"listing MCP resources failed: {exc!r}")
            return
        if self.display:
            self._found = {
                resource_label(r.server, r.name): ResourceChoice(r.server, r.uri, r.name)
                for r in resources
            }
            self._narrowed = ("", [])
            self._rank(self._query)

    @work(group="attach-rank", exclusive=True, exit_on_error=False)
    async def _rank(self, query: str) -> None:
        last, matched = self._narrowed
        labels = [*(self._files or ()), *self._found]
        if not query:
            self._fill(query, labels[:LISTED])
            return
        if last and query.startswith(last):  # typed on: only what matched so far can match
            labels = matched
        if len(labels) > SLICE:  # typing fast: rank what was typed once the typing pauses
            await asyncio.sleep(SETTLE_S)
        found = []
        for start in range(0, len(labels), SLICE):
            found += matches(labels[start : start + SLICE], query)
            await asyncio.sleep(PAUSE_S)  # the keys first; a newer query cancels this one here
        if self._files is not None:  # the whole listing was ranked
            self._narrowed = (query, [label for _, _, label in found])
        self._fill(query, best(found))

    def _fill(self, query: str, labels: list[str]) -> None:
        if not self.display or query != self._query:  # closed, or typed on meanwhile
            return
        shown = [self._found.get(label) or FileChoice(label) for label in labels]
        if shown == self._shown and shown:  # the same matches: nothing to lay out again
            return
        self._shown = shown
        self.clear_options()
        if labels:
            self.add_options(Option(_prompt(c)) for c in self._shown)
            self.highlighted = 0
        else:
            listing = " (listing files…)" if self._files is None else ""
            self.add_option(
                Option(Content(f"No file matches '{visible(query)}'{listing}"), disabled=True)
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if (choice := self.choice) is not None:
            self.post_message(self.Chosen(choice))


def _prompt(choice: Choice) -> Content:
    if isinstance(choice, FileChoice):
        return Content(visible(choice.path))
    return Content.assemble(
        (visible(choice.server) + ": ", "bold $accent"), visible(choice.name), (" (MCP)", "dim")
    )
