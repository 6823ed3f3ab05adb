"""The chat pane: the scrolling list that keeps the message widgets in step with a session.

A long session opens with about a screenful of its newest messages; once the frame is drawn
more are built above them, and older ones come when the reader scrolls to the top.

It has a selection (the message cursor): f5, the arrow keys or a click move a highlight from
message to message, a CSS class on two widgets, so moving it re-renders no message. What is done
to the selected message (copy, edit, answer again, another branch) is the app's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from agentry.messages import content_text
from agentry_tui.keys import message_bindings
from agentry_tui.pacing import KEPT_LINES, MIN_GROWTH, Pacer
from agentry_tui.store.model import Notice, PartialReply, SessionEntry
from agentry_tui.textual_private import AnchoredToThisLayout, LaidOutOnce
from agentry_tui.view import ShownMessage
from agentry_tui.widgets.attachment_entry import AttachedUserMessage
from agentry_tui.widgets.editor import MessageEditor
from agentry_tui.widgets.messages import (
    AssistantMessage,
    Indexed,
    LoadEarlier,
    LoadLater,
    NoticeView,
    SystemMessage,
    ToolCallView,
    ToolResultView,
    UserMessage,
)
from agentry_tui.widgets.not_sent import left_out, set_not_sent

# Building message widgets is what makes a long session slow to open, so a session opens with
# about a screenful (FIRST_LINES), the frame is drawn, and then up to RECENT messages or
# LINE_BUDGET lines more are built above it; older ones come when the reader scrolls to the top.
FIRST_LINES = 40
RECENT = 50
LINE_BUDGET = 200
STEP_LINES = 40  # built at a time when filling in above (see load_earlier)
FOUND_CONTEXT_LINES = 6  # shown above a message opened from a search hit (see show_message)


def estimated_lines(message: dict[str, Any], width: int) -> int:
    """Roughly how tall a message will be, without building it."""
    text = content_text(message.get("content"))
    return (
        3
        + sum(1 + len(line) // width for line in text.splitlines())
        + 2 * len(message.get("tool_calls") or [])
    )


def window_start(
    messages: list[dict[str, Any]], end: int, width: int, budget: int = LINE_BUDGET
) -> int:
    """Where a block of messages ending at ``end`` should start to fit the line budget. It
    does not start on a tool result, so the result is shown in its call."""
    start, lines = end, 0
    while start > 0 and end - start < RECENT and lines < budget:
        start -= 1
        lines += estimated_lines(messages[start], width)
    while start > 0 and messages[start].get("role") == "tool":
        start -= 1
    return start


def window_end(
    messages: list[dict[str, Any]], start: int, width: int, budget: int = LINE_BUDGET
) -> int:
    """Where a block of messages starting at ``start`` should end to fit the line budget (the
    mirror of ``window_start``). It does not end before a tool result, so the result is shown
    in its call."""
    end, lines = start, 0
    while end < len(messages) and end - start < RECENT and lines < budget:
        lines += estimated_lines(messages[end], width)
        end += 1
    while end < len(messages) and messages[end].get("role") == "tool":
        end += 1
    return end


class MessageList(LaidOutOnce, AnchoredToThisLayout, VerticalScroll):
    """The messages of one session, kept in step with its SessionEntry by ``sync``; a reply in
    flight is shown at the pace ``pacer`` gives."""

    BINDINGS: ClassVar[list[BindingType]] = message_bindings()

    class Selected(Message):
        """The selection moved (``index`` None: it was left); the keys that work changed."""

        def __init__(self, index: int | None) -> None:
            super().__init__()
            self.index = index

    class Left(Message):
        """Escape: the person goes back to the message box."""

    class NewContent(Message):
        """Something was added below while the person was reading further up."""

    class ReachedEnd(Message):
        """The person scrolled back down to the newest message."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        entry: SessionEntry | None = None,
        model: str | None = None,
        *,
        pacer: Pacer | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._pacer = pacer
        self.entry = entry  # the session shown; one given here is built by compose
        self.model = model  # shown on a reply until its message names one
        self._start = 0  # index of the first message built
        self._end = 0  # messages built up to here
        self._notices = 0  # notices built
        self._live: AssistantMessage | None = None
        self._calls: dict[str, ToolCallView] = {}  # the newest call of each id, for its result
        self._corrupt: str | None = None
        self._settled = False  # opened and scrolled to the end: scrolling to the top loads more
        self._shows = 0  # counts rebuilds, so a late step of an earlier one is dropped
        self._following = True  # at the newest message (Textual's anchor keeps it there)
        # Shown from its first message (jump_to_start): the button below the built ones, while
        # messages after them are not built.
        self._later: LoadLater | None = None
        self.selected: int | None = None  # the index of the selected message
        # The stored bytes of an attachment of a session's prompt (the app sets it: the store's)
        self.attachment_bytes: Callable[[SessionEntry | None, Mapping[str, Any]], bytes | None] = (
            lambda _entry, _ref: None
        )

    def compose(self) -> ComposeResult:
        # The session open at start-up is built with the screen, so its first layout and frame
        # have it (mounting it afterwards laid out and painted the screen twice more).
        if self.entry is not None:
            yield from self._widgets(self.entry)

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._scrolled, init=False)
        if self.entry is not None:
            self._shown()

    # -- building -------------------------------------------------------------------------

    def _text_width(self) -> int:
        width = self.size.width or self.app.size.width - 40  # not laid out yet: a fair guess
        return max(20, width - 6)

    def _widget_for(
        self, message: dict[str, Any], now: datetime, index: int, alternatives: tuple[int, int]
    ) -> Widget | None:
        widget = self._view_of(message, now, alternatives)
        if isinstance(widget, Indexed):
            widget.message_index = index
            if index == self.selected:
                widget.add_class("-selected")
        return widget

    def _view_of(
        self, message: dict[str, Any], now: datetime, alternatives: tuple[int, int]
    ) -> Widget | None:
        role = message.get("role")
        if role == "user":
            if message.get("attachments"):
                load = partial(self.attachment_bytes, self.entry)
                return AttachedUserMessage(message, now, alternatives, load)
            return UserMessage(message, now, alternatives)
        if role == "assistant":
            view = AssistantMessage(message, now, alternatives=alternatives)
            self._calls.update((c.call_id, c) for c in view.calls if c.call_id)
            return view
        if role == "system":
            return SystemMessage(message, now)
        if role == "tool":
            call = self._calls.pop(message.get("tool_call_id") or "", None)
            if call is not None:
                shown = ShownMessage.of(message, now)
                call.set_result(shown.text, shown.is_error)
                return None
            return ToolResultView(message, now)
        return None

    def _build(self, entry: SessionEntry, lo: int, hi: int) -> list[Widget]:
        """Widgets for messages[lo:hi], each notice before the message that came after it."""
        assert entry.session is not None
        messages = entry.session.messages
        now = self._clock()
        at: dict[int, list[Notice]] = {}
        for notice in entry.notices:
            at.setdefault(min(notice.after, len(messages)), []).append(notice)
        # Where the conversation forks, read once for the block (‹2/3› on those messages).
        marks = {index: (place, count) for index, place, count in entry.session.branch_points()}
        widgets: list[Widget] = []
        not_sent = left_out(entry)
        for index in range(lo, hi):
            widgets += [NoticeView(n) for n in at.get(index, [])]
            mark = marks.get(index, NO_SIBLINGS)
            if (widget := self._widget_for(messages[index], now, index, mark)) is not None:
                set_not_sent(widget, index in not_sent)
                widgets.append(widget)
        if hi == len(messages):
            widgets += [NoticeView(n) for n in at.get(len(messages), [])]
        return widgets

    async def show(self, entry: SessionEntry) -> None:
        """Build the session from scratch: its newest messages, notices and reply in flight."""
        widgets = self._widgets(entry)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(widgets)
        self._shown()

    def _rebuilding(self, entry: SessionEntry) -> None:
        """A rebuild begins: a load of older messages under way for the last build stops at
        its next step (its indexes are into the messages as they were then)."""
        self._shows += 1
        if entry is not self.entry:  # another session: nothing of it is selected
            self.selected = None
        self.entry = entry
        self._live = None
        self._later = None
        self._calls = {}
        self._corrupt = entry.corrupt
        self._merges = entry.merges
        self._settled = False
        self._following = True

    def _widgets(self, entry: SessionEntry) -> list[Widget]:
        """The widgets that show ``entry`` from scratch: about a screenful of its newest."""
        self._rebuilding(entry)
        widgets: list[Widget] = []
        if entry.session is None:
            widgets.append(NoticeView(Notice(corrupt_text(entry.corrupt), "error")))
            self._start = self._end = self._notices = 0
            return widgets
        count = len(entry.session.messages)
        self._start = window_start(entry.session.messages, count, self._text_width(), FIRST_LINES)
        if self._start:
            widgets.append(LoadEarlier(self._start))
        widgets += self._build(entry, self._start, count)
        if _only_system(entry.session.messages):
            widgets.append(Static(EMPTY_HINT, id="empty-hint"))
        self._end = count
        self._notices = len(entry.notices)
        if entry.partial is not None:
            self._live = self._live_reply(entry.partial, self._clock())
            widgets.append(self._live)
        return widgets

    def _shown(self) -> None:
        """The widgets of a session opened from scratch are mounted."""
        self.anchor()
        if self._start:
            self.call_after_refresh(self._fill_back, self._shows)
        else:
            self.call_after_refresh(self._settle)

    def _fill_back(self, show: int) -> None:
        if show == self._shows:  # not rebuilt since
            self._shows += 1  # and only once
            self.run_worker(self._load_and_settle(), exclusive=True, group="earlier")

    def _settle(self) -> None:
        self._settled = True
        # A reader who reached the top while that block was still being built gets the next.
        self._load_if_at_top()

    async def sync(self, entry: SessionEntry) -> None:
        """Bring the list up to date with the entry, building only what is new."""
        if not self.is_attached or entry is not self.entry:  # closing, or not shown (yet)
            return
        session = entry.session
        if (
            session is None
            or entry.corrupt != self._corrupt
            or entry.merges != self._merges  # messages may have come in anywhere
            or len(session.messages) < self._end
            or len(entry.notices) < self._notices
        ):
            await self.show(entry)
            return
        if self._later is not None:  # shown from the start: what came is built when reached
            self._later.show_hidden(len(session.messages) - self._end)
            return
        now = self._clock()
        if self._end < len(session.messages) and (hint := self.query("#empty-hint")):
            await hint.remove()
        added: list[Widget] = []
        # The messages as they stand now: finishing a reply awaits, and the agent may add more
        # meanwhile, which the next sync (there is one for each change) builds.
        end = len(session.messages)
        for index in range(self._end, end):
            message = session.messages[index]
            if self._live is not None and message.get("role") == "assistant":
                self._live.message_index = index
                self._live.alternatives = session.alternatives(index)  # answered again: ‹3/3›
                self._live.set_class(index == self.selected, "-selected")
                await self._live.finish(message)
                self._calls.update((c.call_id, c) for c in self._live.calls if c.call_id)
                self._live = None
            elif (
                widget := self._widget_for(message, now, index, session.alternatives(index))
            ) is not None:
                added.append(widget)
        self._end = end
        added += [NoticeView(n) for n in entry.notices[self._notices :]]
        self._notices = len(entry.notices)
        if added:
            await self.mount_all(added, before=self._live)
        if entry.partial is not None and self._live is None:
            self._live = self._live_reply(entry.partial, now)
            await self.mount(self._live)
        elif entry.partial is None and self._live is not None:
            await self._live.remove()  # stopped before the reply had any content
            self._live = None
        elif entry.partial is not None and self._live is not None:
            self._live.pull(entry.partial)
        self._note_new_content()

    def _live_reply(self, partial: PartialReply, now: datetime) -> AssistantMessage:
        grow_by = max(MIN_GROWTH, self.size.height - KEPT_LINES)
        return AssistantMessage(None, now, partial, self.model, self._pacer, grow_by)

    def pull(self, entry: SessionEntry) -> None:
        """More of the reply in flight arrived."""
        if entry is self.entry and self._live is not None and entry.partial is not None:
            self._live.pull(entry.partial)
            self._note_new_content()

    async def load_earlier(self) -> None:
        """Build the block above the built messages (up to RECENT of them or LINE_BUDGET lines)
        STEP_LINES at a time, each step once the last is on screen: a key pressed meanwhile
        waits for one step (~50 ms here), not for the block (~0.5 s)."""
        entry, shows = self.entry, self._shows
        if entry is None or entry.session is None or self._start == 0:
            return
        messages, width = entry.session.messages, self._text_width()
        target = window_start(messages, self._start, width)
        while self._start > target and entry is self.entry and shows == self._shows:
            await self._build_earlier(
                entry, max(target, window_start(messages, self._start, width, STEP_LINES))
            )
            painted = asyncio.Event()
            self.call_after_refresh(painted.set)
            await painted.wait()

    async def _build_earlier(self, entry: SessionEntry, lo: int) -> None:
        """Mount messages[lo:start] above the built ones, keeping the reader's place."""
        # Results are matched to calls top-down: the older block starts with no open calls.
        later_calls, self._calls = self._calls, {}
        widgets = self._build(entry, lo, self._start)
        self._calls = later_calls
        first = next((c for c in self.children if c.id != "load-earlier"), None)
        height_before = self.virtual_size.height
        following = self.is_vertical_scroll_end  # then the anchor keeps the newest in view
        mounting = self.mount_all(widgets, before=first)
        # Before the await: a newer load (the workers are exclusive) may cancel this one while
        # the mount goes on, and must not build these messages again.
        self._start = lo
        await mounting
        # By id: a LoadLater (a LoadEarlier too) below a block opened mid-session stays.
        for button in self.query("#load-earlier").results(LoadEarlier):
            if lo == 0:
                await button.remove()
            else:
                button.show_hidden(lo)

        def keep_place() -> None:
            """Keep the reader's message where it was on screen, above the new ones."""
            grown = self.virtual_size.height - height_before
            self.scroll_to(
                y=self.scroll_y + grown, animate=False, immediate=True, release_anchor=False
            )

        if not following:
            self.call_after_refresh(keep_place)

    # -- from the first message -----------------------------------------------------------

    async def jump_to_start(self) -> None:
        """Show the session from its first message in one step: only a first block is built
        (however long the session), with a button below that builds the next."""
        entry = self.entry
        if entry is None or entry.session is None:
            return
        if self._start == 0:  # the first message is built already
            self.release_anchor()
            self._following = False
            self.scroll_home(animate=False)
            return
        await self._build_from(entry, 0, 0)
        self.scroll_home(animate=False, immediate=True)

    async def _build_from(self, entry: SessionEntry, lo: int, needed: int) -> None:
        """Rebuild the list as one block from messages[lo] (up to ``needed`` at least), with a
        button above it for the messages before (if any) and one below for those after."""
        assert entry.session is not None
        messages = entry.session.messages
        self._rebuilding(entry)
        end = window_end(messages, lo, self._text_width())
        if end <= needed:  # a very tall message between: the block runs on to the needed one
            end = window_end(messages, needed, self._text_width())
        widgets = self._build(entry, lo, end)
        self._start, self._end, self._notices = lo, end, len(entry.notices)
        if lo:
            widgets.insert(0, LoadEarlier(lo))
        if end < len(messages):
            self._later = LoadLater(len(messages) - end)
            widgets.append(self._later)
        self._following = False
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(widgets)
        self.release_anchor()
        self._settled = True
        if self._later is None:  # the block reaches the newest: as if opened at its end
            await self.sync(entry)

    async def show_message(self, index: int) -> Widget | None:
        """Scroll to the message at ``index`` (a search hit) and mark it (the ``-found``
        class); when it is not built, the list is rebuilt as a block that begins a little
        above it, however old it is. Returns its widget (for a tool result: its call's)."""
        entry = self.entry
        if entry is None or entry.session is None:
            return None
        messages = entry.session.messages
        if not 0 <= index < len(messages):
            return None
        if not self._start <= index < self._end:
            lo = window_start(messages, index, self._text_width(), FOUND_CONTEXT_LINES)
            await self._build_from(entry, lo, index)
        widget = self._widget_of(messages, index)
        for marked in self.query(".-found"):
            marked.remove_class("-found")
        if widget is None:
            return None
        widget.add_class("-found")
        self.release_anchor()
        self._following = False
        self.call_after_refresh(self.scroll_to_widget, widget, animate=False, top=True)
        return widget

    def _widget_of(self, messages: list[dict[str, Any]], index: int) -> Widget | None:
        """The built widget showing messages[index]: its own, or the nearest one above (a
        tool result is shown in its call's)."""
        shown = {id(getattr(child, "message", None)): child for child in self.children}
        for n in range(index, self._start - 1, -1):
            if (widget := shown.get(id(messages[n]))) is not None:
                return widget
        return None

    async def load_later(self) -> None:
        """Build the block below the built messages of a session shown from its start; once
        the newest is built the list is as one opened at its end (and catches up)."""
        entry, button = self.entry, self._later
        if entry is None or entry.session is None or button is None:
            return
        messages = entry.session.messages
        end = window_end(messages, self._end, self._text_width())
        widgets = self._build(entry, self._end, end)
        self._end = end
        await self.mount_all(widgets, before=button)
        if end < len(messages):
            button.show_hidden(len(messages) - end)
            return
        self._later = None
        self._notices = len(entry.notices)
        await button.remove()
        await self.sync(entry)  # a reply in flight, notices made meanwhile

    async def jump_to_end(self) -> None:
        """Go to the newest message, rebuilding the list at its end if it was shown from its
        start."""
        if self._later is not None and self.entry is not None:
            await self.show(self.entry)
        self.follow()

    def on_load_later_pressed(self, event: LoadLater.Pressed) -> None:
        event.stop()
        self.run_worker(self.load_later(), exclusive=True, group="later")

    # -- scrolling ------------------------------------------------------------------------

    def _scrolled(self, old: float, y: float) -> None:
        if self.is_vertical_scroll_end:
            if not self._following:
                self._following = True
                self.post_message(self.ReachedEnd())
        elif y < old:
            self._following = False  # the reader went up: new content must not pull them down
        self._load_if_at_top()

    def _load_if_at_top(self) -> None:
        if self.scroll_y <= 0 and self._settled and self._start > 0 and self.max_scroll_y > 0:
            self._settled = False
            self.run_worker(self._load_and_settle(), exclusive=True, group="earlier")

    async def _load_and_settle(self) -> None:
        await self.load_earlier()
        self.call_after_refresh(self._settle)

    @property
    def following(self) -> bool:
        return self._following

    def follow(self) -> None:
        """Go to the newest message and stay there as replies grow (the reader asked to)."""
        self._following = True
        self.scroll_end(animate=False)
        self.anchor()

    def _note_new_content(self) -> None:
        if not self._following:
            self.post_message(self.NewContent())

    def on_load_earlier_pressed(self, event: LoadEarlier.Pressed) -> None:
        event.stop()
        # It takes over from a load in progress (the fill-in after opening, say), so it must
        # settle as that one would have: else reaching the top would never load more.
        self.run_worker(self._load_and_settle(), exclusive=True, group="earlier")

    # -- the selection --------------------------------------------------------------------

    def _message_widgets(self) -> list[Widget]:
        return [c for c in self.children if isinstance(c, Indexed) and c.message_index is not None]

    def widget_at(self, index: int) -> Widget | None:
        """The widget of the message at ``index``, if it is built."""
        return next((w for w in self._message_widgets() if _index(w) == index), None)

    def select(self, index: int | None) -> None:
        """Highlight the message at ``index`` (None: none) and bring it into view. Only the two
        widgets concerned change class: no other message is rendered again."""
        if self.selected is not None and (old := self.widget_at(self.selected)) is not None:
            old.remove_class("-selected")
        self.selected = index
        if index is not None and (widget := self.widget_at(index)) is not None:
            widget.add_class("-selected")
            self._reveal(widget)
        self.post_message(self.Selected(index))

    def _reveal(self, widget: Widget) -> None:
        if widget is self._message_widgets()[-1] and self._later is None and self._live is None:
            self.follow()  # the newest: the list stays at its end as before
            return
        self.release_anchor()
        self._following = False
        self.scroll_to_widget(widget, animate=False, immediate=True)

    async def move_cursor(self, step: int) -> None:
        """Select the message ``step`` away from the selected one, building the block above or
        below when the selection reaches the end of what is built. With none selected: the
        lowest message in view."""
        widgets = self._message_widgets()
        current = self.widget_at(self.selected) if self.selected is not None else None
        if current is None:
            if widgets:
                self.select(_index(self._lowest_in_view(widgets)))
            return
        place = widgets.index(current) + step
        if place < 0 and self._start > 0:
            await self.load_earlier()
        elif place >= len(widgets) and self._later is not None:
            await self.load_later()
        widgets = self._message_widgets()
        place = widgets.index(current) + step
        if 0 <= place < len(widgets):
            self.select(_index(widgets[place]))

    def _lowest_in_view(self, widgets: list[Widget]) -> Widget:
        view = self.region
        shown = [w for w in widgets if w.region.overlaps(view)]
        return (shown or widgets)[-1]

    async def action_cursor(self, step: int) -> None:
        await self.move_cursor(step)

    def action_leave(self) -> None:
        self.select(None)
        self.post_message(self.Left())

    def on_click(self, event: events.Click) -> None:
        widget: Widget | None = event.widget
        while widget is not None and widget.parent is not self:
            widget = widget.parent if isinstance(widget.parent, Widget) else None
        if isinstance(widget, Indexed) and widget.message_index is not None:
            self.focus()
            self.select(widget.message_index)

    async def rebuild_from(self, index: int) -> None:
        """The messages from ``index`` on changed (another branch shown, a message edited,
        answered again or deleted); those above did not. Build a screenful from ``index`` (a
        button below it builds the rest), keeping the widgets above: the switch is painted at
        once however long either branch is."""
        entry = self.entry
        if entry is None or entry.session is None:
            return
        messages = entry.session.messages
        index = min(index, len(messages))
        end = window_end(messages, index, self._text_width(), FIRST_LINES)  # a screenful
        if index <= self._start:  # nothing built above it: the list starts there
            self._rebuilding(entry)
            self._settled = True
            widgets: list[Widget] = [LoadEarlier(index)] if index else []
            self._start, cut = index, 0
        else:
            self._shows += 1  # a fill-in under way reads the messages above: it is still right
            first = next((w for w in self._message_widgets() if _index(w) >= index), None)
            cut = self.children.index(first) if first is not None else len(self.children)
            self._live = self._later = None  # below the cut: built again if still there
            widgets = []
        self._calls = {}
        widgets += self._build(entry, index, end)
        self._end, self._notices = end, len(entry.notices)
        if end < len(messages):
            self._later = LoadLater(len(messages) - end)
            widgets.append(self._later)
        if entry.partial is not None and end == len(messages):
            self._live = self._live_reply(entry.partial, self._clock())
            widgets.append(self._live)
        with self.app.batch_update():
            await self.remove_children(self.children[cut:])
            await self.mount_all(widgets)
        if self.selected is not None and (widget := self.widget_at(self.selected)) is not None:
            self._reveal(widget)

    def edit(self, index: int) -> MessageEditor | None:
        """Edit the user message at ``index`` in place: its widget gives way to an editor
        (Enter sends it as a new branch, Escape cancels); None if it is not built."""
        widget = self.widget_at(index)
        if not isinstance(widget, (UserMessage, AttachedUserMessage)):
            return None
        for editor in self.query(MessageEditor):
            self._end_edit(editor)
        editor = MessageEditor(index, content_text(widget.message.get("content")))
        widget.display = False
        self.mount(editor, after=widget)
        editor.focus()
        return editor

    def on_message_editor_cancelled(self, event: MessageEditor.Cancelled) -> None:
        event.stop()
        self._end_edit(event.editor)
        self.focus()
        self.select(event.editor.index)

    def _end_edit(self, editor: MessageEditor) -> None:
        if (widget := self.widget_at(editor.index)) is not None:
            widget.display = True
        editor.remove()


NO_SIBLINGS = (1, 1)  # (place, count) of a message that has no alternatives

EMPTY_HINT = (
    "A new session. Type a message below and press Enter; ctrl+j starts a new line.\n"
    "/help lists the commands and keys; ctrl+p opens the command palette."
)


def _index(widget: Widget) -> int:
    index = widget.message_index if isinstance(widget, Indexed) else None
    assert index is not None
    return index


def _only_system(messages: list[dict[str, Any]]) -> bool:
    return all(m.get("role") == "system" for m in messages)


def corrupt_text(problem: str | None) -> str:
    return (
        f"This session cannot be opened.\n\n{problem}\n\n"
        "Nothing will be written to it. Repair or move the file, or delete the session (F8); "
        "ctrl+n starts a new one."
    )
