"""The `@` menu: the files under the working folder and the resources of connected MCP servers
that match what follows `@`, ranked as the person types.

A dropdown above the message box rather than a picker screen: the message box keeps the focus,
so the keys typed right after `@` land there whatever the timing (a screen would have to take
the focus first), the query is the text typed, Esc leaves it as it is, and an e-mail address
never opens anything. The files are listed once per opening in a thread, and each query is
ranked in a thread too: typing is never held up by a big folder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from agentry.safe_text import visible
from agentry_tui.file_match import Mention, rank

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
            self._files, self._found = None, {}
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
            self._files = files
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
            self._rank(self._query)

    @work(thread=True, group="attach-rank", exclusive=True, exit_on_error=False)
    def _rank(self, query: str) -> None:
        labels = rank([*(self._files or ()), *self._found], query)
        self.app.call_from_thread(self._fill, query, labels)

    def _fill(self, query: str, labels: list[str]) -> None:
        if not self.display or query != self._query:  # closed, or typed on meanwhile
            return
        self._shown = [self._found.get(label) or FileChoice(label) for label in labels]
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
