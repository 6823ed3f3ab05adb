"""AgentryApp: the screen layout, keys, slash commands and command palette, over the store.

Data flows down (the app hands store entries to the widgets when the store says they changed)
and requests flow up (widgets post messages; the app turns them into store calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Input

from agentry import commands, params
from agentry.commands import TUI, CommandSpec, SessionLine, SlashCommand
from agentry.config import load_settings, save_setting
from agentry.context.texts import policy_set_text
from agentry.errors import AgentryError, ProviderError, Refused
from agentry.messages import content_text, title_of
from agentry.providers import PROVIDER_NAMES
from agentry.safe_text import visible
from agentry.sessions import validate_session_id
from agentry.sessions.session import now as wall_clock
from agentry.sessions.titles import validate_title
from agentry.termination import on_termination
from agentry.wording import plural
from agentry_tui.alerts import alert_sequence, check_alert
from agentry_tui.code_blocks import code_blocks
from agentry_tui.completion import Completion, complete
from agentry_tui.keys import MAIN_SCREEN_ONLY, MESSAGE_ACTIONS, alt_keys, bindings, help_rows
from agentry_tui.layout import Panel, panels
from agentry_tui.model_choice import parse_model_choice
from agentry_tui.pacing import Pacer
from agentry_tui.screens.search import SearchScreen
from agentry_tui.store import (
    ApprovalRequested,
    Connection,
    ReplyFinished,
    SearchIndexProgress,
    SessionEntry,
    SessionListChanged,
    SessionStore,
    SessionUpdated,
    StreamDelta,
)
from agentry_tui.store.messages import ElicitationRequested, McpChanged, SamplingRequested
from agentry_tui.store.naming import readable_id
from agentry_tui.textual_private import read_alt_keys, write_to_terminal
from agentry_tui.widgets.attachment_chips import AttachmentChips, Chip
from agentry_tui.widgets.attachment_menu import (
    AttachmentMenu,
    FileChoice,
    ResourceChoice,
    ResourceSource,
)
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.editor import MessageEditor
from agentry_tui.widgets.keybar import KeyBar
from agentry_tui.widgets.markdown import markdown_theme
from agentry_tui.widgets.messages import NewContentHint
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.not_sent import mark_not_sent
from agentry_tui.widgets.params_form import ParamsForm
from agentry_tui.widgets.prompt import Prompt
from agentry_tui.widgets.sidebar import Sidebar
from agentry_tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen

    from agentry.agent import Approval
    from agentry.attachments import Pending
    from agentry.mcp.hub import PromptInfo
    from agentry.sessions.search import Hit
    from agentry.tools.approvals import ApprovalRules
    from agentry_tui.screens.permissions import PermissionsScreen

# What a request may fail with (Refused, a provider's or a file's error): shown, not raised.
ERRORS = (AgentryError, ValueError, OSError)
# The actions on the selected message (agentry_tui/keys.py MESSAGE_ACTIONS).
SELECTION_ACTIONS = frozenset(a.action.partition("(")[0] for a in MESSAGE_ACTIONS)


def _palette() -> type[Provider]:
    """Our command palette entries, imported when the palette first opens."""
    from agentry_tui.palette import AgentryCommands

    return AgentryCommands


class AgentryApp(App[None], inherit_bindings=False):  # our key order in the key bar
    CSS_PATH = "styles/app.tcss"
    TITLE = "agentry"
    COMMANDS = App.COMMANDS | {_palette}
    BINDINGS = bindings()

    show_sidebar = reactive(True)
    show_metadata = reactive(False)

    def __init__(
        self,
        *,
        session_id: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        endpoint: str | None = None,
        history_dir: str | Path | None = None,
        workspace: str | Path | None = None,
        clock: Callable[[], datetime] = wall_clock,
        when_ready: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self._when_ready = when_ready  # called once the first frame is laid out
        read_alt_keys(alt_keys())
        settings = load_settings()
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.set_reactive(AgentryApp.show_sidebar, settings.sidebar != "hidden")
        self._last_panel: Panel = "metadata"  # the side panel asked for last: it wins the room
        self._settings_lock = threading.Lock()  # one read-change-write of the file at a time
        self._reply_alert = settings.reply_alert  # checked once the app runs (check_alert)
        self._finished_elsewhere: str | None = None  # where a reply finished out of sight
        self.store = SessionStore(
            self,
            history_dir,
            clock=clock,
            provider=provider,
            model=model,
            endpoint=endpoint,
            workspace=Path(workspace) if workspace else None,
        )
        self._first_session = session_id
        self.pacer = Pacer(self.call_after_refresh)  # how fast replies are shown: keys first
        self.store.mcp.not_typing = self.pacer.until_not_typing
        self._found: tuple[str, int] | None = None  # a search hit to show once its session is

    def compose(self) -> ComposeResult:
        # The sessions are listed and the first one read before the widgets are made, so the
        # first layout and frame have them.
        self.store.start(self._first_session)
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="chat"):
                messages = MessageList(
                    self.store.clock,
                    self.active,
                    self.store.model_of(self.active),
                    pacer=self.pacer,
                    id="messages",
                )
                messages.attachment_bytes = self.store.attachment_bytes  # before it builds any
                yield messages
                yield NewContentHint("↓ new  ctrl+end", id="new-hint")
                yield AttachmentMenu(
                    self.store.workspace_files, self._resource_source, id="attach-menu"
                )
                yield AttachmentChips(id="chips")
                yield Prompt(completer=self._complete, attach=self._attach_path, id="prompt")
            yield MetadataPanel(id="metadata")
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.watch(self.store, "active_id", self._active_changed, init=False)
        self.watch(self.store, "connection", self._connection_changed, init=False)
        self.watch(self.screen, "focused", self._focus_moved, init=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.console.push_theme(markdown_theme(self.get_css_variables()))
        self._show_list()
        if (entry := self.active) is not None:
            self._entry_shown(entry)
        # Choosing the provider may probe the network and builds an HTTP client: after the frame.
        self.call_after_refresh(self.store.connect)
        self.call_after_refresh(self.store.refresh_search)  # files changed while we were away
        self.query_one(Prompt).focus()
        self._lay_out()
        self.set_interval(30, self._tick)
        if not self.is_headless:  # a test's app must not take over the test process's signals
            self._install_termination()

    def on_ready(self) -> None:
        if self._when_ready is not None:
            self._when_ready()

    # -- small helpers --------------------------------------------------------------------

    @property
    def active(self) -> SessionEntry | None:
        return self.store.active

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast: its text may come from outside (an error, a file name), so it is made
        safe, and is not read as markup unless a caller asks."""
        super().notify(
            visible(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _notice(self, text: str, kind: str = "info") -> None:
        if self.store.active_id is not None:
            self.store.notify_session(self.store.active_id, text, kind)

    @contextlib.contextmanager
    def _shown(self, toast: bool = False, timeout: float | None = None) -> Iterator[None]:
        """Run a request; a refusal or failure ends it and is shown: as a warning toast (for
        what was typed or pressed and is left as it was), else as an error notice in the chat."""
        try:
            yield
        except ERRORS as exc:
            if toast:
                self.notify(str(exc), severity="warning", timeout=timeout)
            else:
                self._notice(str(exc), "error")

    def _refresh_status(self) -> None:
        # The session's own model (/model) where it chose one: what its replies use.
        entry = self.active
        connection = replace(self.store.connection, model=self.store.model_of(entry))
        self.query_one(MessageList).model = connection.model
        self.query_one(StatusBar).show(connection, entry)
        self.query_one(MetadataPanel).show(entry, connection, self._mcp_row(entry))
        self.query_one(ParamsForm).show(entry.session if entry else None, self.store.agent)

    def _tick(self) -> None:
        """Relative times ("5m ago") move on."""
        self.query_one(Sidebar).refresh_times(self.store.entries, self.store.clock())

    # -- from the store -------------------------------------------------------------------

    async def _active_changed(self, old: str | None, new: str | None) -> None:
        prompt = self.query_one(Prompt)
        if old is not None and (previous := self.store.get(old)) is not None:
            previous.draft = prompt.text
            self.store.discard_if_blank(old)
        entry = self.active
        if entry is None:
            return
        messages = self.query_one(MessageList)
        messages.model = self.store.model_of(entry)
        await messages.show(entry)
        self._entry_shown(entry)
        await self._show_found(entry)

    def _entry_shown(self, entry: SessionEntry) -> None:
        """The chat pane shows a newly opened session: the rest of the screen follows."""
        prompt = self.query_one(Prompt)
        self.query_one("#new-hint").display = False
        self.query_one(Sidebar).set_active(entry.id)
        prompt.set_draft(entry.draft)
        self._show_chips(entry)
        session = entry.session
        prompt.set_history(
            [content_text(m.get("content")) for m in session.messages if m.get("role") == "user"]
            if session is not None
            else []
        )
        self._refresh_status()
        self.refresh_bindings()

    def _connection_changed(self, _: Connection) -> None:
        self._refresh_status()

    def on_session_list_changed(self, _: SessionListChanged) -> None:
        if self.is_running:  # the store's last words can land while the screen comes down
            self._show_list()

    def _show_list(self) -> None:
        self.query_one(Sidebar).show(self.store.entries, self.store.active_id, self.store.clock())

    async def on_session_updated(self, message: SessionUpdated) -> None:
        entry = self.store.get(message.session_id)
        if entry is None or not self.is_running:
            return
        self.query_one(Sidebar).update_row(entry, self.store.clock())
        if entry is self.active:
            await self.query_one(MessageList).sync(entry)
            if not self.is_running:
                return
            mark_not_sent(self.query_one(MessageList), entry)
            self._refresh_status()
            self.refresh_bindings()

    def on_params_form_edited(self, message: ParamsForm.Edited) -> None:
        """A value typed into the parameters form: kept in the session as /set keeps it."""
        if (entry := self.active) is not None:
            with self._shown(toast=True):
                self.notify(self.store.set_param(entry.id, f"{message.param} {message.text}"))

    async def on_event(self, event: events.Event) -> None:
        # Input first: a reply streaming in waits while a key press is put on screen (the
        # chat is not on a modal screen).
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self.is_running
            and self.query(MessageList)
        ):
            self.pacer.key_pressed(sent=event.key == "enter")
        await super().on_event(event)

    def on_stream_delta(self, message: StreamDelta) -> None:
        entry = self.store.get(message.session_id)
        if entry is not None and entry is self.active and self.is_running:
            self.query_one(MessageList).pull(entry)

    def on_reply_finished(self, message: ReplyFinished) -> None:
        """A reply ended in a session not on screen: a toast that goes there (a click on it,
        or ctrl+g), and the bell or a desktop notification if the settings ask for one."""
        entry = self.store.get(message.session_id)
        if entry is None or entry is self.active or not self.is_running:
            return
        self._finished_elsewhere = entry.id
        name = entry.title or readable_id(entry.id)
        what = "failed" if message.error else "finished"
        # (ids are letters, digits, '.', '_' and '-': safe inside the action's quotes)
        self.notify(
            f"[@click=app.go_to_finished('{entry.id}')]Reply {what} in {escape(visible(name))}"
            "[/]\nctrl+g or a click goes there",
            severity="warning" if message.error else "information",
            markup=True,
        )
        try:
            alert = check_alert(self._reply_alert)
        except ValueError as exc:
            self._reply_alert = None  # said once
            self.notify(str(exc), severity="warning")
            return
        if sequence := alert_sequence(alert, f"Reply {what}", name, os.environ):
            write_to_terminal(self, sequence)

    async def action_jump_to_start(self) -> None:
        await self.query_one(MessageList).jump_to_start()

    async def action_jump_to_end(self) -> None:
        await self.query_one(MessageList).jump_to_end()
        self.query_one(NewContentHint).display = False

    def action_go_to_finished(self, session_id: str | None = None) -> None:
        target = session_id or self._finished_elsewhere
        if target is not None and self.store.get(target) is not None:
            self.store.open(target)
            self.query_one(Prompt).focus()

    def on_approval_requested(self, request: ApprovalRequested) -> None:
        from agentry_tui.screens.approval import ApprovalScreen

        screen = ApprovalScreen(request.session_id, request.call, request.tool)

        def answer(result: Approval | None) -> None:
            if not request.future.done():
                request.future.set_result(False if result is None else result)

        def withdrawn(future: object) -> None:
            # The reply was stopped while the question was open: close it if it is on top.
            if request.future.cancelled() and self.screen_stack[-1:] == [screen]:
                screen.dismiss(None)

        request.future.add_done_callback(withdrawn)
        self.push_screen(screen, answer)

    # -- from the widgets -----------------------------------------------------------------

    def on_sidebar_open_requested(self, message: Sidebar.OpenRequested) -> None:
        if self.store.get(message.session_id) is not None:
            self.store.open(message.session_id)
            self.query_one(Prompt).focus()

    def on_sidebar_left(self, _: Sidebar.Left) -> None:
        self.query_one(Prompt).focus()

    def on_message_list_new_content(self, _: MessageList.NewContent) -> None:
        # Posted before the reader came back down, it may arrive after: then it is stale.
        if self.is_running and not self.query_one(MessageList).following:
            self.query_one("#new-hint").display = True

    def on_message_list_reached_end(self, _: MessageList.ReachedEnd) -> None:
        if self.is_running:
            self.query_one("#new-hint").display = False

    def on_new_content_hint_pressed(self, _: NewContentHint.Pressed) -> None:
        self._follow()

    def _follow(self) -> None:
        self.query_one(MessageList).follow()
        self.query_one(NewContentHint).display = False

    async def on_prompt_scroll_chat(self, message: Prompt.ScrollChat) -> None:
        messages = self.query_one(MessageList)
        if message.to == "newest":
            await self.action_jump_to_end()
        elif message.to == "top":
            await self.action_jump_to_start()
        elif message.to == "page_up":
            messages.scroll_page_up(animate=False)
        else:
            messages.scroll_page_down(animate=False)

    async def on_prompt_submitted(self, message: Prompt.Submitted) -> None:
        prompt = self.query_one(Prompt)
        text = message.text.strip("\n")
        if commands.is_command(text.lstrip()):
            prompt.clear()
            prompt.remember(text)
            self._run_command(text.strip())
            return
        with self._shown(toast=True, timeout=6):
            self.store.send_with_attachments(commands.unescape(text))
            prompt.remember(text)
            prompt.clear()
            self._show_chips(self.active)
            self.query_one(MessageList).follow()

    # -- attachments (issue 21): the @ menu, paths typed or pasted, the chips ---------------

    def on_prompt_mention_changed(self, message: Prompt.MentionChanged) -> None:
        menu = self.query_one(AttachmentMenu)
        menu.follow(message.mention)
        self.query_one(Prompt).menu_open = menu.display

    def on_prompt_menu_key(self, message: Prompt.MenuKey) -> None:
        menu, prompt = self.query_one(AttachmentMenu), self.query_one(Prompt)
        if message.key == "escape":
            menu.dismiss(prompt.mention())
        elif message.key in ("up", "down"):
            menu.move(-1 if message.key == "up" else 1)
        elif (choice := menu.choice) is not None:  # enter, tab
            self._choose(choice)
        else:  # nothing to attach ("ping @bob"): the menu goes, Enter sends as ever
            menu.dismiss(prompt.mention())
            if message.key == "enter" and prompt.text.strip():
                prompt.post_message(Prompt.Submitted(prompt.text))
        prompt.menu_open = menu.display

    def on_attachment_menu_chosen(self, message: AttachmentMenu.Chosen) -> None:
        self._choose(message.choice)
        self.query_one(Prompt).focus()

    def _choose(self, choice: FileChoice | ResourceChoice) -> None:
        prompt = self.query_one(Prompt)
        prompt.take_mention()
        self.query_one(AttachmentMenu).close()
        prompt.menu_open = False
        if self.store.active_id is None:
            return
        if isinstance(choice, FileChoice):
            self._read_file(self.store.active_id, self.store.workspace / choice.path)
        else:
            self._read_resource(self.store.active_id, choice)

    def _attach_path(self, typed: str, asked: bool) -> bool:
        """A path typed after `@` (``asked``) or pasted: True if it names a file, which is then
        read and attached (or its problem shown). A pasted path is taken only inside the
        working folder; anything else stays text."""
        root = self.store.workspace
        path = Path(typed).expanduser()
        path = path if path.is_absolute() else root / path
        if self.store.active_id is None or not path.is_file():
            return False
        if not asked and not path.resolve().is_relative_to(root.resolve()):
            return False
        self._read_file(self.store.active_id, path)
        return True

    def _resource_source(self) -> ResourceSource | None:
        hub = self.store.agent.mcp if self.store.agent is not None else None
        return hub.list_resources if hub is not None else None

    @work(thread=True, group="attach", exit_on_error=False)
    def _read_file(self, session_id: str, path: Path) -> None:
        from agentry.attachments import read_attachment

        try:
            pending = read_attachment(path, root=self.store.workspace)
        except AgentryError as exc:
            self.call_from_thread(self.notify, str(exc), severity="warning", timeout=8)
            return
        self.call_from_thread(self._attached, session_id, [pending])

    @work(group="attach", exit_on_error=False)
    async def _read_resource(self, session_id: str, choice: ResourceChoice) -> None:
        from agentry.attachments import attachment_from_bytes

        hub = self.store.agent.mcp if self.store.agent is not None else None
        if hub is None:
            return
        try:
            contents = await hub.read_resource(choice.server, choice.uri)
            pending = [
                attachment_from_bytes(
                    c.data if c.data is not None else (c.text or "").encode(),
                    choice.name,
                    c.mime_type,
                    source=f"mcp:{choice.server}",
                )
                for c in contents
            ]
        except ERRORS as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self._attached(session_id, pending)

    def _attached(self, session_id: str, pending: list[Pending]) -> None:
        entry = self.store.get(session_id)
        if entry is None:
            return
        have = {p.ref["sha256"] for p in entry.attachments}
        entry.attachments += [p for p in pending if p.ref["sha256"] not in have]
        if entry is self.active:
            self._show_chips(entry)

    def _show_chips(self, entry: SessionEntry | None) -> None:
        self._chips(list(entry.attachments) if entry is not None else [])

    @work(group="chips", exclusive=True, exit_on_error=False)
    async def _chips(self, pending: list[Pending]) -> None:
        await self.query_one(AttachmentChips).show(pending)

    def on_chip_removed(self, message: Chip.Removed) -> None:
        if (entry := self.active) is None or message.index >= len(entry.attachments):
            return
        del entry.attachments[message.index]
        self._show_chips(entry)
        if not entry.attachments:
            self.query_one(Prompt).focus()

    # -- slash commands -------------------------------------------------------------------

    def _complete(self, text: str) -> Completion | None:
        names = [spec.name for spec in commands.offered(TUI)]
        names += [f"{p.server}:{p.name}" for p in self.store.mcp.prompts]
        return complete(text, names, self.store.order)

    def _run_command(self, text: str) -> None:
        if commands.is_prompt_command(text):
            self._prompt_command(text)
            return
        with self._shown():
            self._command(commands.parse(text, TUI))

    def start_command(self, spec: CommandSpec) -> None:
        """A command chosen in the command palette: run at once, or, when it needs an argument,
        typed into an empty message box to be finished (a draft there is never replaced)."""
        if not any(arg.required for arg in spec.args):
            self._run_command(f"/{spec.name}")
            return
        prompt = self.query_one(Prompt)
        if prompt.text.strip():
            self._notice(f"Type {spec.usage} in the message box: {spec.help.lower()}.")
            return
        prompt.set_draft(f"/{spec.name} ")
        prompt.focus()

    @work(group="commands", exit_on_error=False)
    async def _command(self, command: SlashCommand) -> None:
        handler = self._HANDLERS[command.name]
        with self._shown():
            await handler(self, command)

    @work(group="commands", exit_on_error=False)
    async def _prompt_command(self, text: str) -> None:
        """``/server:prompt args``: the prompt's messages go into the session; the model
        answers."""
        with self._shown():
            await self.store.send_prompt(text)
            self.query_one(MessageList).follow()

    def start_prompt(self, prompt: PromptInfo) -> None:
        """A prompt chosen in the command palette: run at once, or typed into an empty message
        box to be finished when it takes arguments."""
        line = f"/{prompt.server}:{prompt.name}"
        if not prompt.arguments:
            self._run_command(line)
            return
        from agentry.mcp.prompts import prompt_usage

        prompt_box = self.query_one(Prompt)
        if prompt_box.text.strip():
            self._notice(f"Type {prompt_usage(prompt)} in the message box.")
            return
        prompt_box.set_draft(line + " ")
        prompt_box.focus()

    async def _cmd_mcp(self, _: SlashCommand) -> None:
        self.action_mcp_servers()

    def action_mcp_servers(self) -> None:
        from agentry_tui.screens.mcp_servers import McpServersScreen

        self.push_screen(McpServersScreen(self.store, self.store.active_id))

    def _mcp_row(self, entry: SessionEntry | None) -> str:
        """The metadata panel's MCP row: "2 ready · 1 failed"; "" without servers."""
        session = entry.session if entry is not None else None
        return self.store.mcp.summary(session.metadata if session is not None else {})

    def on_mcp_changed(self, _: McpChanged) -> None:
        if not self.is_running:
            return
        if (entry := self.active) is not None:
            self.store.measure_again(entry.id)
        self._refresh_status()
        from agentry_tui.screens.mcp_servers import McpServersScreen

        for screen in self.screen_stack:
            if isinstance(screen, McpServersScreen):
                screen.show_states()

    def on_sampling_requested(self, request: SamplingRequested) -> None:
        from agentry_tui.screens.sampling import SamplingScreen

        self._ask(SamplingScreen(request.request), request.future, None)

    def on_elicitation_requested(self, request: ElicitationRequested) -> None:
        from agentry_tui.screens.elicitation import ElicitationScreen

        self._ask(ElicitationScreen(request.form), request.future, "cancel")

    def _ask(self, screen: Screen[Any], future: asyncio.Future[Any], closed: object) -> None:
        """A server's question on screen; its answer (``closed`` if the screen goes without
        one) settles ``future``. A question the server withdrew is closed."""

        def answer(result: object) -> None:
            if not future.done():
                future.set_result(closed if result is None and closed is not None else result)

        def withdrawn(_: object) -> None:
            if future.cancelled() and self.screen_stack[-1:] == [screen]:
                screen.dismiss(None)

        future.add_done_callback(withdrawn)
        self.push_screen(screen, answer)

    async def _cmd_status(self, _: SlashCommand) -> None:
        entry = self.active
        if entry is None:
            return
        self._notice(
            commands.status_text(
                entry.id,
                entry.message_count or 0,
                entry.created_at,
                entry.last_activity,
                entry.saved,
            )
        )

    async def _cmd_sessions(self, _: SlashCommand) -> None:
        lines = [
            SessionLine(e.id, e.message_count, e.last_activity, e.title, e.corrupt or "")
            for e in self.store.entries
        ]
        self._notice(commands.sessions_text(lines, self.store.active_id))

    async def _cmd_new(self, command: SlashCommand) -> None:
        entry = self.store.create(command.args["id"])
        self.store.notify_session(entry.id, commands.created_text(entry.id))

    async def _cmd_resume(self, command: SlashCommand) -> None:
        session_id = command.args["id"]
        if self.store.get(session_id) is None:
            raise Refused(commands.missing_text(session_id))
        entry = self.store.open(session_id)
        if entry.session is not None:
            self.store.notify_session(
                entry.id, commands.resumed_text(entry.id, len(entry.session.messages))
            )

    async def _cmd_clear(self, _: SlashCommand) -> None:
        self.action_clear_session()  # asks first, as ctrl+l does

    async def _cmd_help(self, _: SlashCommand) -> None:
        self._notice(commands.help_text(TUI, help_rows()))

    async def _cmd_model(self, command: SlashCommand) -> None:
        if (entry := self.active) is None:
            return
        if (name := command.args.get("name")) is None:
            await self._pick_model(entry)
            return
        choice = parse_model_choice(name)
        if choice.provider is not None and choice.provider != self.store.connection.provider:
            await self.store.switch_provider(choice.provider)
            if choice.model is None:
                model = self.store.connection.model or "its first model"
                self._notice(
                    f"Switched to {choice.provider} ({model}) for this run; --provider "
                    f"{choice.provider} or AGENTRY_PROVIDER makes it the default."
                )
                return
        if choice.model is None:
            self._notice(f"Already using {choice.provider}; /model picks one of its models.")
            return
        await self._set_model(entry, choice.model)

    async def _set_model(self, entry: SessionEntry, name: str) -> None:
        connection = self.store.connection
        try:
            models = await self.store.list_models()
        except ProviderError as exc:
            self.store.set_model(entry.id, name)  # cannot check it now; the next reply will
            self._notice(commands.model_set_text(name, exc, provider=connection.provider))
            return
        commands.check_model(connection.provider, name, models, PROVIDER_NAMES)
        self.store.set_model(entry.id, name)
        self._notice(commands.model_set_text(name, provider=connection.provider))

    async def _pick_model(self, entry: SessionEntry) -> None:
        from agentry_tui.screens.models import ModelPicker

        models = await self.store.list_models()
        if not models:
            raise Refused(f"{self.store.connection.provider} lists no models.")

        async def picked(name: str | None) -> None:
            if name is not None and self.store.get(entry.id) is entry:
                with self._shown():
                    await self._set_model(entry, name)

        current = self.store.model_of(entry)
        self.push_screen(ModelPicker(self.store.connection.provider or "", models, current), picked)

    async def _cmd_system(self, command: SlashCommand) -> None:
        entry = self.active
        if entry is None or entry.session is None:
            return
        text = command.args.get("text")
        if text is None:
            self._notice(commands.system_text(entry.session.messages))
            return
        self.store.set_system(entry.id, text)
        self._notice(commands.SYSTEM_SET)

    async def _cmd_rename(self, command: SlashCommand) -> None:
        if (entry := self.active) is not None:
            await self.store.rename(entry.id, command.args["id"])
            self._notice(commands.renamed_text(command.args["id"]))

    async def _cmd_title(self, command: SlashCommand) -> None:
        if (entry := self.active) is None or entry.session is None:
            return
        if (text := command.args.get("text")) is not None:
            self.store.set_title(entry.id, text)
        self._notice(commands.title_text(entry.id, entry.session.title))

    async def _cmd_delete(self, _: SlashCommand) -> None:
        self.action_delete_session()

    async def _cmd_export(self, command: SlashCommand) -> None:
        await self._export(command.args.get("format"), command.args.get("path"))

    async def _export(self, fmt: str | None, target: str | None) -> None:
        if (entry := self.active) is None:
            return
        paths = await self.store.export(entry.id, fmt, target)
        self._notice(commands.exported_text(paths))

    # -- search (issue 18) ------------------------------------------------------------------

    def action_search(self, query: str = "") -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.store.search, query), self._open_hit)

    async def _cmd_search(self, command: SlashCommand) -> None:
        self.action_search(command.args.get("words", ""))

    def on_search_index_progress(self, message: SearchIndexProgress) -> None:
        if isinstance(self.screen, SearchScreen):
            self.screen.indexing(message.done, message.total)

    @work(thread=True, group="filter-contents", exclusive=True, exit_on_error=False)
    def on_sidebar_contents_wanted(self, message: Sidebar.ContentsWanted) -> None:
        ids = self.store.sessions_matching(message.text)
        self.call_from_thread(self.query_one(Sidebar).set_content_matches, message.text, ids)

    def on_app_focus(self, _: events.AppFocus) -> None:
        self.store.refresh_search()  # another program may have changed files meanwhile

    async def _open_hit(self, hit: Hit | None) -> None:
        """Open the hit's session scrolled to its message, marked."""
        if hit is None:
            return
        if self.store.get(hit.session_id) is None:  # deleted since it was found
            self.notify(visible(commands.missing_text(hit.session_id)), severity="error")
            return
        was_open = self.store.active_id == hit.session_id
        if hit.branch is not None:  # in another branch: that branch is shown, and saved so
            try:
                self.store.switch_to_branch(hit.session_id, hit.branch)
            except ERRORS as exc:  # the branch changed since it was indexed, or a reply is busy
                self.notify(visible(str(exc)), severity="warning")
                return
        entry = self.store.open(hit.session_id)
        self.query_one(Prompt).focus()
        self._found = (entry.id, hit.index)
        if was_open:  # else _active_changed shows it once the session is built
            if hit.branch is not None:
                await self.query_one(MessageList).show(entry)
            await self._show_found(entry)

    async def _show_found(self, entry: SessionEntry) -> None:
        found, self._found = self._found, None
        if found is not None and found[0] == entry.id:
            await self.query_one(MessageList).show_message(found[1])

    async def _cmd_context(self, command: SlashCommand) -> None:
        if (entry := self.active) is None:
            return
        if (policy := command.args.get("policy")) is not None:
            self.store.set_context_policy(entry.id, policy)
            self._notice(policy_set_text(policy))
            return
        self._notice(await self.store.context_report(entry.id))

    async def _cmd_pin(self, command: SlashCommand) -> None:
        if (entry := self.active) is not None:
            self._notice(self.store.set_pin(entry.id, int(command.args["N"]), True))

    async def _cmd_unpin(self, command: SlashCommand) -> None:
        if (entry := self.active) is not None:
            self._notice(self.store.set_pin(entry.id, int(command.args["N"]), False))

    async def _cmd_set(self, command: SlashCommand) -> None:
        if (entry := self.active) is None:
            return
        if text := command.args.get("name value"):
            self._notice(self.store.set_param(entry.id, text))
        else:
            self._notice(self.store.params_text(entry.id))

    async def _cmd_continue(self, _: SlashCommand) -> None:
        self.action_continue_reply()

    # -- permissions (issue 20) -------------------------------------------------------------

    def _approval_rules(self) -> ApprovalRules:
        if (agent := self.store.agent) is not None:
            return agent.approvals
        from agentry.tools.approvals import ApprovalRules  # no model yet: the file's alone

        return ApprovalRules()

    async def _cmd_permissions(self, command: SlashCommand) -> None:
        rules = self._approval_rules()
        if (pair := commands.revoked_pair(command)) is not None:
            found = await asyncio.to_thread(rules.revoke, *pair)
            self._notice(commands.revoked_text(*pair, found))
            return
        session_id = self.store.active_id or ""
        always = await asyncio.to_thread(rules.always)
        session, problem = rules.session(session_id), rules.problem()  # read with always()
        if command.args.get("action") == "list":
            self._notice(commands.permissions_text(always, session, problem))
            return
        from agentry_tui.screens.permissions import PermissionsScreen

        await self.push_screen(PermissionsScreen(session_id, always, session, problem))

    @work(group="permissions", exit_on_error=False)
    async def on_permissions_screen_revoke(self, message: PermissionsScreen.Revoke) -> None:
        from agentry_tui.screens.permissions import PermissionsScreen

        rules, row, session_id = self._approval_rules(), message.allowance, message.session_id
        with self._shown(toast=True):
            if row.where == "session":
                rules.revoke_session(session_id, row.server, row.tool)
            else:
                await asyncio.to_thread(rules.revoke, row.server, row.tool)
        always = await asyncio.to_thread(rules.always)
        for screen in self.screen_stack:
            if isinstance(screen, PermissionsScreen):
                screen.show(always, rules.session(session_id))

    _HANDLERS = commands.bind(
        TUI,
        {
            "status": _cmd_status,
            "sessions": _cmd_sessions,
            "new": _cmd_new,
            "resume": _cmd_resume,
            "clear": _cmd_clear,
            "help": _cmd_help,
            "model": _cmd_model,
            "system": _cmd_system,
            "rename": _cmd_rename,
            "search": _cmd_search,
            "title": _cmd_title,
            "delete": _cmd_delete,
            "export": _cmd_export,
            "context": _cmd_context,
            "pin": _cmd_pin,
            "unpin": _cmd_unpin,
            "set": _cmd_set,
            "continue": _cmd_continue,
            "permissions": _cmd_permissions,
            "mcp": _cmd_mcp,
        },
    )

    # -- actions (keys and the command palette) -------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette entries but its Quit and Keys: the key map has Quit, and F1's help
        ("Show the commands and keys") instead of a keys panel that Esc did not close."""
        return (
            command
            for command in super().get_system_commands(screen)
            if command.title not in {"Quit", "Keys"}
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MAIN_SCREEN_ONLY and self.screen.is_modal:
            return False
        entry = self.active
        if action == "stop":
            return entry is not None and entry.streaming
        if action == "retry":
            return None if entry is None or entry.streaming or entry.corrupt else True
        if action in SELECTION_ACTIONS:
            return self._applies(action, parameters)
        return True

    # -- the selected message (issue 17) --------------------------------------------------

    def _applies(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether the message action does anything to the selected message (None: shown dim).
        With none selected it runs, to say how to select one."""
        entry, index = self.active, self.query_one(MessageList).selected
        if entry is None or entry.session is None or index is None:
            return True
        if index >= len(entry.session.messages):
            return None
        role = entry.session.messages[index].get("role")
        if action == "edit_message":
            return role == "user" or None
        if action == "answer_again":
            return role == "assistant" or None
        if action == "sibling":
            return entry.session.alternatives(index)[1] > 1 or None
        if action == "pin_message":
            return role != "system" or None  # a system message is always sent
        return True

    def _selection(self) -> tuple[SessionEntry, int, dict[str, Any]]:
        """The session on screen, the selected message's index and the message; Refused if
        none is selected."""
        entry, index = self.active, self.query_one(MessageList).selected
        if entry is None or entry.session is None or index is None:
            raise Refused("Select a message first: f5 (or alt+m) and the arrow keys, or a click.")
        if index >= len(entry.session.messages):
            raise Refused(f"Message #{index} is gone: select another one.")
        return entry, index, entry.session.messages[index]

    async def action_select_message(self) -> None:
        messages = self.query_one(MessageList)
        messages.focus()
        if messages.selected is None:
            await messages.move_cursor(-1)

    def on_message_list_selected(self, _: MessageList.Selected) -> None:
        self.refresh_bindings()

    def on_message_list_left(self, _: MessageList.Left) -> None:
        self.query_one(Prompt).focus()

    def _focus_moved(self, focused: Widget | None) -> None:
        """Back in the message box: the selection is left."""
        messages = self.query_one(MessageList)
        if isinstance(focused, Prompt) and messages.selected is not None:
            messages.select(None)

    def action_copy_message(self) -> None:
        with self._shown(toast=True):
            _, index, message = self._selection()
            if not (text := content_text(message.get("content"))):
                raise Refused(f"Message #{index} has no text to copy.")
            self.copy_to_clipboard(text)
            self.notify(f"Copied message #{index} ({plural(len(text), 'character')}).")

    def action_copy_code(self) -> None:
        from agentry_tui.screens.code_picker import CodePicker

        with self._shown(toast=True):
            _, index, message = self._selection()
            blocks = code_blocks(content_text(message.get("content")))
            if not blocks:
                raise Refused(f"Message #{index} has no code block.")

            def copy(place: int | None) -> None:
                if place is not None:
                    self.copy_to_clipboard(blocks[place].code)
                    self.notify(f"Copied code block {place + 1} of message #{index}.")

            if len(blocks) == 1:
                copy(0)
            else:
                self.push_screen(CodePicker(index, blocks), copy)

    def action_edit_message(self) -> None:
        with self._shown(toast=True):
            entry, index, message = self._selection()
            if message.get("role") != "user":
                raise Refused("Only your own messages are edited; r answers a reply again.")
            self.store.check_changeable(entry.id)
            self.query_one(MessageList).edit(index)

    async def on_message_editor_submitted(self, event: MessageEditor.Submitted) -> None:
        entry, index = self.active, event.editor.index
        if entry is None:
            return
        with self._shown(toast=True):
            self.store.edit_and_send(entry.id, index, event.text.strip("\n"))  # as typed
            messages = self.query_one(MessageList)
            messages.select(None)
            await messages.rebuild_from(index)
            self.query_one(Prompt).focus()
            messages.follow()

    async def action_answer_again(self) -> None:
        with self._shown(toast=True):
            entry, index, message = self._selection()
            if message.get("role") != "assistant":
                raise Refused("Only a reply is answered again; e edits your message.")
            self.store.answer_again(entry.id, index)
            await self.query_one(MessageList).rebuild_from(index)

    async def action_sibling(self, step: int) -> None:
        with self._shown(toast=True):
            entry, index, _ = self._selection()
            if entry.session is not None and entry.session.alternatives(index)[1] < 2:
                raise Refused(f"Message #{index} has no other branch.")
            self.store.switch_alternative(entry.id, index, step)
            await self.query_one(MessageList).rebuild_from(index)

    def action_delete_message(self) -> None:
        from agentry_tui.screens.confirm import ConfirmScreen

        with self._shown(toast=True):
            entry, index, message = self._selection()
            self.store.check_changeable(entry.id)
            first = content_text(message.get("content")).strip().partition("\n")[0]

            async def delete(yes: bool | None) -> None:
                if yes and self.store.get(entry.id) is entry:
                    with self._shown(toast=True):
                        self.store.delete_message(entry.id, index)
                        messages = self.query_one(MessageList)
                        messages.select(None)
                        await messages.rebuild_from(index)

            self.push_screen(
                ConfirmScreen(
                    "Delete message",
                    f"Delete message #{index} ({message.get('role')}: "
                    f"{first[:60] + '…' if len(first) > 60 else first})?",
                    "Delete",
                ),
                delete,
            )

    @work(group="commands", exit_on_error=False)
    async def action_pin_message(self) -> None:
        with self._shown(toast=True):
            entry, index, _ = self._selection()
            self.notify(visible(self.store.toggle_pin(entry.id, index)))
            await self.query_one(MessageList).rebuild_from(index)  # its mark

    async def action_fork_message(self) -> None:
        with self._shown(toast=True):
            entry, index, _ = self._selection()
            fork = await self.store.fork(entry.id, index)
            self.notify(f"Forked '{entry.id}' at message #{index} into '{fork.id}'.")
            self.query_one(Prompt).focus()

    def action_new_session(self) -> None:
        entry = self.store.create()
        self.store.notify_session(entry.id, commands.created_text(entry.id))
        self.query_one(Prompt).focus()

    def _step(self, offset: int) -> None:
        ids = self.query_one(Sidebar).visible_ids() or self.store.order
        if not ids:
            return
        current = self.store.active_id
        index = ids.index(current) + offset if current in ids else 0
        self.store.open(ids[index % len(ids)])

    def action_next_session(self) -> None:
        self._step(1)

    def action_previous_session(self) -> None:
        self._step(-1)

    def action_jump(self, n: int) -> None:
        ids = self.query_one(Sidebar).visible_ids()
        if 0 < n <= len(ids):
            self.store.open(ids[n - 1])

    def action_rename_session(self) -> None:
        from agentry_tui.screens.rename import Naming, RenameScreen

        entry = self.active
        if entry is None or entry.session is None:
            return
        current = Naming(entry.session.title, entry.id)

        def check(naming: Naming) -> str | None:
            try:
                if naming.title:
                    validate_title(naming.title)
                validate_session_id(naming.id)
            except ValueError as exc:
                return str(exc)
            if naming.id != entry.id and self.store.get(naming.id) is not None:
                return f"A session named '{naming.id}' already exists."
            return None

        async def rename(naming: Naming | None) -> None:
            if naming is None:
                return
            with self._shown():
                if naming.title != current.title:
                    self.store.set_title(entry.id, naming.title)
                if naming.id != entry.id:
                    await self.store.rename(entry.id, naming.id)

        untitled = title_of(entry.session.messages)
        self.push_screen(RenameScreen(current, check, untitled), rename)

    def action_delete_session(self) -> None:
        from agentry_tui.screens.confirm import ConfirmScreen

        entry = self.active
        if entry is None:
            return

        async def delete(yes: bool | None) -> None:
            if yes:
                with self._shown():
                    await self.store.delete(entry.id)
                    self.notify(f"Deleted session '{entry.id}' ({entry.path.name}).")

        self.push_screen(
            ConfirmScreen(
                "Delete session",
                commands.delete_question(entry.id, entry.path.name),
                "Delete",
            ),
            delete,
        )

    def action_clear_session(self) -> None:
        from agentry_tui.screens.confirm import ConfirmScreen

        entry = self.active
        if entry is None:
            return

        def clear(yes: bool | None) -> None:
            if yes:
                with self._shown():
                    self.store.clear(entry.id)
                    self.store.notify_session(entry.id, commands.cleared_text(entry.id))

        self.push_screen(
            ConfirmScreen(
                "Clear session",
                f"Remove every message of '{entry.id}' but the system message?",
                "Clear",
            ),
            clear,
        )

    def action_stop(self) -> None:
        if self.store.active_id is not None:
            self.store.stop(self.store.active_id)

    def action_retry(self) -> None:
        if self.store.active_id is not None:
            with self._shown(toast=True):
                self.store.retry(self.store.active_id)

    def action_continue_reply(self) -> None:
        """A new message asking the model to go on from a reply cut at the length limit."""
        entry = self.active
        with self._shown(toast=True):
            if entry is None or entry.session is None:
                return
            params.check_continuable(entry.session.messages)
            self.store.send(params.CONTINUE_PROMPT)
            self.query_one(MessageList).follow()

    def action_copy_reply(self) -> None:
        entry = self.active
        session = entry.session if entry else None
        reply = next(
            (
                content_text(m.get("content"))
                for m in reversed(session.messages if session else [])
                if m.get("role") == "assistant" and m.get("content")
            ),
            None,
        )
        if reply is None:
            self.notify("There is no reply to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(reply)
        self.notify(f"Copied the last reply ({plural(len(reply), 'character')}).")

    @work(group="commands", exit_on_error=False)
    async def action_export(self) -> None:
        with self._shown():
            await self._export(None, None)

    def action_toggle_sidebar(self) -> None:
        if not self._given_way("sidebar", self.show_sidebar, self.query_one(Sidebar)):
            self.show_sidebar = not self.show_sidebar

    def action_toggle_metadata(self) -> None:
        if not self._given_way("metadata", self.show_metadata, self.query_one(MetadataPanel)):
            self.show_metadata = not self.show_metadata

    def _given_way(self, panel: Panel, wanted: bool, widget: Widget) -> bool:
        """If the panel is wanted but gave way to the other one: bring it back instead."""
        if widget.display or not wanted:
            return False
        self._last_panel = panel
        self._lay_out()
        return True

    def watch_show_sidebar(self, show: bool) -> None:
        if show:
            self._last_panel = "sidebar"
        self._lay_out()
        self._remember("sidebar", None if show else "hidden")

    def watch_show_metadata(self, show: bool) -> None:
        if show:
            self._last_panel = "metadata"
            self._refresh_status()
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out(event.size.width)  # before Textual's own handler updates self.size

    def _lay_out(self, width: int | None = None) -> None:
        """The side panels for the terminal's width: a share of it each, and the one opened
        earlier gives way when the message box would be too narrow (agentry_tui/layout.py)."""
        total = self.size.width if width is None else width
        widths = panels(total, self.show_sidebar, self.show_metadata, self._last_panel)
        for widget, cells in (
            (self.query_one(Sidebar), widths.sidebar),
            (self.query_one(MetadataPanel), widths.metadata),
        ):
            widget.display = cells > 0
            if cells:
                widget.styles.width = cells
            elif widget.has_focus_within:
                self.query_one(Prompt).focus()

    def action_focus_filter(self) -> None:
        box = self.query_one("#session-filter", Input)
        if box.has_focus:  # a second ctrl+f: titles and contents, or titles only again
            self.query_one(Sidebar).toggle_contents()
            return
        if not self._given_way("sidebar", self.show_sidebar, self.query_one(Sidebar)):
            self.show_sidebar = True
        # At once, not after the keys waiting behind ctrl+f (focus() waits its turn): keys typed
        # with it go to the filter.
        self.screen.set_focus(self.query_one("#session-filter", Input))

    def action_help(self) -> None:
        self._notice(commands.help_text(TUI, help_rows()))

    async def action_quit(self) -> None:
        unsaved = await self.store.shutdown()
        self.exit(return_code=1 if unsaved else 0, message="\n".join(unsaved) or None)

    def _install_termination(self) -> None:
        """SIGTERM, SIGHUP (the terminal closed) and SIGBREAK quit as ctrl+q does: replies
        stopped with their partial text, everything saved; the exit code says which signal."""
        on_termination(asyncio.get_running_loop(), self._terminated)

    def _terminated(self, number: int) -> None:
        self.run_worker(self._quit_after_signal(number), group="quit", exclusive=True)

    async def _quit_after_signal(self, number: int) -> None:
        unsaved = await self.store.shutdown()
        if number == getattr(signal, "SIGHUP", None):
            # The terminal is gone: there is no screen to restore, and Textual's writes to it
            # can block its shutdown for good. Everything is saved (or rescued); leave now.
            os._exit(128 + number)
        self.exit(return_code=128 + number, message="\n".join(unsaved) or None)

    # -- settings -------------------------------------------------------------------------

    async def _theme_changed(self, theme: Theme) -> None:
        self.console.pop_theme()
        self.console.push_theme(markdown_theme(self.get_css_variables()))
        self._remember("theme", theme.name)
        if (entry := self.active) is not None:
            await self.query_one(MessageList).show(entry)  # finished messages have fixed colours

    @work(thread=True, group="settings", exit_on_error=False)
    def _remember(self, key: str, value: str | None) -> None:
        """Keep a preference (the theme, a hidden sidebar) in the settings file."""
        with self._settings_lock:
            try:
                save_setting(key, value)
            except (OSError, ValueError) as exc:
                self.call_from_thread(
                    self.notify, f"Could not save the {key} setting: {exc}", severity="warning"
                )
