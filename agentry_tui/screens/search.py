"""Search every session (issue 18): hits listed as you type, grouped by session, the matched
words highlighted; Enter opens the session at the message.

Each keystroke asks the index (``search``, given by the app, run in a thread: the screen does no
I/O itself). One question is asked at a time: keys typed meanwhile are answered by one question
for the newest text once it returns, and an answer to a text typed on from is not painted. An
answer paints its first screenful of hits at once and the rest a page a frame after, so the key
itself is painted without waiting for a hundred rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agentry.safe_text import visible
from agentry.sessions.search import Hit
from agentry.timefmt import stamp
from agentry_tui.formatting import cut_middle
from agentry_tui.store.naming import readable_id
from agentry_tui.widgets.editable import SafeInput

HINT = 'words, "a phrase", prefix*, -excluded · ↓ to the hits · enter opens · esc closes'
SNIPPET_WIDTH = 200  # characters of a snippet kept (the row cuts it to its width)
PAGE = 24  # options painted a frame: more than the hits a screen shows (a hit takes 2-3 lines)


def snippet_content(hit: Hit) -> Content:
    """The snippet, made safe to show, with its matched words highlighted."""
    pieces: list[tuple[str, str] | str] = []
    at = 0
    for start, end in hit.marks:
        pieces += [visible(hit.snippet[at:start]), (visible(hit.snippet[start:end]), "$accent")]
        at = end
    pieces.append(visible(hit.snippet[at:]))
    return Content.assemble(*pieces).truncate(SNIPPET_WIDTH, ellipsis=True)


def hit_option(hit: Hit, n: int) -> Option:
    where = f"#{hit.index}" + (" · other branch" if hit.branch is not None else "")
    head = Content.styled(f"  {hit.role} {where} · {stamp(hit.time)}", "dim")
    return Option(Content.assemble(head, "\n  ", snippet_content(hit)), id=f"hit-{n}")


def session_option(hit: Hit) -> Option:
    name = visible(cut_middle(hit.title or readable_id(hit.session_id), 60))
    label = Content.assemble((name, "bold"), (f"  {visible(hit.session_id)}", "dim"))
    return Option(label, disabled=True)


def grouped(hits: list[Hit]) -> Iterator[Option]:
    """Options for ``hits``, made as they are taken: each session's heading, then its hits in
    rank order; sessions in the order of their best hit."""
    by_session: dict[str, list[int]] = {}
    for n, hit in enumerate(hits):
        by_session.setdefault(hit.session_id, []).append(n)
    for numbers in by_session.values():
        yield session_option(hits[numbers[0]])
        yield from (hit_option(hits[n], n) for n in numbers)


class SearchScreen(ModalScreen[Hit | None]):
    """The search box over the hits; dismissed with the hit chosen, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "to_hits", "Hits", show=False),
    ]

    def __init__(self, search: Callable[[str], list[Hit]], query: str = "") -> None:
        """``search`` answers a typed text with its hits (it is called in a thread)."""
        super().__init__(id="search-screen")
        self._search = search
        self._query = query
        self._hits: list[Hit] = []
        self._asked = ""  # the text whose hits are shown
        self._wanted = query  # the newest text typed: the one to answer
        self._asking = False  # a question is out (in its thread)
        self._answers = 0  # counts answers shown, so pages of an earlier one are not added

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="search"):
            yield Label("Search every session", classes="dialog-title")
            yield SafeInput(self._query, placeholder='words, "a phrase", prefix*', id="search-box")
            yield OptionList(id="search-hits")
            yield Static(id="search-progress", classes="dialog-hint", markup=False)
            yield Static(HINT, id="search-hint", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#search-progress").display = False
        self.query_one("#search-box", Input).focus()
        if self._query.strip():
            self._look_up(self._query)

    @property
    def hits(self) -> list[Hit]:
        """The hits shown, in rank order."""
        return list(self._hits)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._look_up(event.value)

    def _look_up(self, text: str) -> None:
        """Answer ``text``: now if no question is out, else when the one out returns."""
        self._wanted = text
        if not self._asking:
            self._asking = True
            self._ask(text)

    @work(thread=True, group="search", exit_on_error=False)
    def _ask(self, text: str) -> None:
        try:
            hits = self._search(text)
        except Exception as exc:  # noqa: BLE001 - no FTS5, a broken disk: said on the screen
            self.app.call_from_thread(self._answered, text, None, str(exc))
            return
        self.app.call_from_thread(self._answered, text, hits, "")

    def _answered(self, text: str, hits: list[Hit] | None, error: str) -> None:
        """A question came back: show its answer if its text is still the one typed, and ask
        for the newest text if it is not."""
        self._asking = False
        if text != self._wanted:
            self._look_up(self._wanted)  # typed on meanwhile: this answer is not painted
        elif hits is None:
            self._say(error)
        else:
            self._show(text, hits)

    def _say(self, text: str) -> None:
        hint = self.query_one("#search-hint", Static)
        hint.update(visible(text))
        hint.add_class("-error")

    def _show(self, text: str, hits: list[Hit]) -> None:
        self._asked, self._hits = text, hits
        self._answers += 1
        options = self.query_one("#search-hits", OptionList)
        rows = grouped(hits)
        options.set_options(itertools.islice(rows, PAGE))
        self._add_later(rows, self._answers)
        if hits:
            options.highlighted = 1  # the best hit (0 is its session's heading)
        sessions = len({hit.session_id for hit in hits})
        if not text.strip():
            status = HINT
        elif hits:
            status = f"{len(hits)} in {sessions} session{'s' if sessions != 1 else ''} · {HINT}"
        else:
            status = f"nothing matches · {HINT}"
        hint = self.query_one("#search-hint", Static)
        hint.update(status)
        hint.remove_class("-error")

    def _add_later(self, rows: Iterator[Option], answer: int) -> None:
        """The next page of ``rows`` after the next frame, unless another answer is shown."""

        def add() -> None:
            if answer == self._answers and (page := list(itertools.islice(rows, PAGE))):
                self.query_one("#search-hits", OptionList).add_options(page)
                self._add_later(rows, answer)

        self.call_after_refresh(add)

    def indexing(self, done: int, total: int) -> None:
        """The index is being brought up to date: how far (hits may be missing till then)."""
        progress = self.query_one("#search-progress", Static)
        progress.update(f"Indexing sessions: {done:,} of {total:,}…" if done < total else "")
        progress.display = done < total
        if done >= total and self._asked.strip():
            self._look_up(self.query_one("#search-box", Input).value)  # what is new now

    def action_to_hits(self) -> None:
        options = self.query_one("#search-hits", OptionList)
        if self._hits:
            options.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._hits and event.value == self._asked:
            self._open(self.query_one("#search-hits", OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option_index)

    def _open(self, row: int | None) -> None:
        options = self.query_one("#search-hits", OptionList)
        if row is None:
            return
        option_id = options.get_option_at_index(row).id
        if option_id is not None and option_id.startswith("hit-"):
            self.dismiss(self._hits[int(option_id.removeprefix("hit-"))])
