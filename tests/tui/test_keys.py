"""Every key of the key map, the command palette, and the remembered theme."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.widgets import Input

from agentry.commands import TUI, offered
from agentry.sessions import SessionManager
from agentry_tui.keys import ACTIONS, JUMPS, help_rows
from agentry_tui.screens.confirm import ConfirmScreen
from agentry_tui.screens.rename import RenameScreen
from agentry_tui.widgets.keybar import KeyBar
from agentry_tui.widgets.messages import NoticeView
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.prompt import Prompt
from agentry_tui.widgets.session_list import SessionList
from agentry_tui.widgets.sidebar import Sidebar
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    active,
    idle,
    notices,
    ready,
    replying,
    send,
    text_of,
    typed,
    wait_until,
)
from tests.tui.scenes import SYSTEM, assistant, seed, seed_short, user


def seed_three(history: Path) -> None:
    seed_short(history, ["first", "second", "third"])  # "first" is the newest


def test_every_action_has_a_description_and_help() -> None:
    for action in (*ACTIONS, *JUMPS):
        assert action.description and action.help


async def test_new_session_key(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        created = active(app).id
        assert created.startswith("chat-") and created != "default"
        assert notices(app)[-1] == f"Created new session: '{created}'"
        await send(pilot, "hello")  # its file is written with its first message (issue 16)
        await wait_until(pilot, lambda: SessionManager(history).session_exists(created))


async def test_next_previous_and_jump_keys(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "first"
        await pilot.press("alt+down")
        await pilot.pause()
        assert active(app).id == "second"
        await pilot.press("ctrl+pagedown")
        await pilot.pause()
        assert active(app).id == "third"
        await pilot.press("alt+down")  # wraps around
        await pilot.pause()
        assert active(app).id == "first"
        await pilot.press("alt+up")
        await pilot.pause()
        assert active(app).id == "third"
        await pilot.press("alt+2")
        await pilot.pause()
        assert active(app).id == "second"
        await pilot.press("alt+9")  # no ninth session: nothing happens
        await pilot.pause()
        assert active(app).id == "second"


async def test_sessions_the_index_does_not_know_are_read_after_the_first_frame(
    app, history: Path
) -> None:
    seed_three(history)  # written without an index: listed from their headers, read later
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: not any(e.pending for e in app.store.entries))
        assert [(e.id, e.message_count) for e in app.store.entries] == [
            ("first", 3),
            ("second", 3),
            ("third", 3),
        ]
        row = app.query_one(SessionList).row_text("third")
        assert "3 msgs" in row and "…" not in row


async def test_rename_key(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        field = app.screen.query_one("#new-id", Input)
        field.value = "second"  # taken
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        assert "already exists" in text_of(app.screen.query_one("#rename-error"))
        field.value = "bad id!"
        await pilot.press("enter")
        await pilot.pause()
        assert "letters, digits" in text_of(app.screen.query_one("#rename-error"))
        field.value = "renamed"
        await pilot.press("enter")
        await wait_until(pilot, lambda: active(app).id == "renamed")
        await pilot.press("f2", "escape")
        await pilot.pause()
        assert active(app).id == "renamed"
    manager = SessionManager(history)
    assert manager.session_exists("renamed") and not manager.session_exists("first")


async def test_delete_key_asks_first(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert SessionManager(history).session_exists("first")
        await pilot.press("f8")
        await pilot.pause()
        await pilot.click("#yes")
        await wait_until(pilot, lambda: active(app).id == "second")
        assert "first" not in app.store.order
    assert not SessionManager(history).session_exists("first")


async def test_deleting_the_last_session_starts_a_new_one(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f8", "y")
        await wait_until(pilot, lambda: active(app).id != "default")
        assert app.store.order == [active(app).id]


async def test_clear_key_asks_first(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert len(active(app).session.messages) == 3
        await pilot.press("ctrl+l", "y")
        await pilot.pause()
        assert [m["role"] for m in active(app).session.messages] == ["system"]
        await idle(pilot, active(app))
    assert len(SessionManager(history).load("first").messages) == 1


async def test_toggle_sidebar_and_metadata(app, history: Path) -> None:
    seed(
        history,
        "meta",
        [SYSTEM, user("q", 10), assistant("a", 9)],
        20,
        9,
        metadata={"project": "apollo"},
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        sidebar, panel = app.query_one(Sidebar), app.query_one(MetadataPanel)
        assert sidebar.display and not panel.display
        await pilot.press("ctrl+s")
        assert not sidebar.display
        await pilot.press("ctrl+s", "ctrl+o")
        await pilot.pause()
        assert sidebar.display and panel.display
        shown = text_of(panel.query_one("#metadata-body"))
        for expected in (
            "meta",
            "Messages      3",
            "  user        1",
            "  assistant   1",
            "meta_chat.toon",
            "Size",
            "ollama",
            "llama3.2:latest",
            "Prompt tokens 26",
            "Reply tokens  64",
            "project",
            "apollo",
        ):
            assert expected in shown, expected
        await pilot.press("ctrl+o")
        assert not panel.display


async def test_stop_and_retry_keys(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = await replying(pilot, "#slow #long:300 long")
        assert app.check_action("retry", ()) is None  # shown but disabled while streaming
        # The key bar shows it dim, and a click on it does nothing.
        bar = app.query_one(KeyBar)
        x = key_bar_text(app).index("^r Retry")
        assert all(s.style.dim for s in bar.render_line(0).crop(x, x + 8) if s.text.strip())
        assert await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert entry.streaming  # not restarted
        await pilot.press("escape")
        await idle(pilot, entry)
        assert entry.session.messages[-1]["_interrupted"]
        assert app.check_action("stop", ()) is False
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: entry.streaming)
        await pilot.press("escape")
        await idle(pilot, entry)
        assert sum(m["role"] == "assistant" for m in entry.session.messages) == 1


async def test_copy_reply_key(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("alt+c")  # nothing to copy yet: says so
        await send(pilot, "copy this")
        await idle(pilot, active(app))
        await pilot.press("alt+c")
        assert app.clipboard == "Echo: copy this"


async def test_export_key(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "to files")
        await idle(pilot, active(app))
        await pilot.press("alt+e")
        await wait_until(pilot, lambda: (workspace / "default.json").exists())
        await wait_until(pilot, lambda: (workspace / "default.md").exists())
        assert (
            json.loads((workspace / "default.json").read_text())["messages"][-1]["content"]
            == "Echo: to files"
        )


async def test_help_key(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert "Commands:" in notices(app)[-1] and "Keys:" in notices(app)[-1]


async def test_quit_key(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_runs_actions(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = active(app).id
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"start a new session")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: active(app).id != before)
        await pilot.press("ctrl+p")
        await pilot.press(*"metadata panel")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query_one(MetadataPanel).display)


async def test_theme_is_remembered(make_app, ollama_server, tmp_path: Path) -> None:
    settings = Path(os.environ["AGENTRY_CONFIG_DIR"]) / "settings.json"
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("alt+t")  # Textual's theme picker
        await pilot.pause(0.3)
        await pilot.press(*"nord")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: first.theme == "nord")
        await wait_until(pilot, lambda: settings.exists())
    assert json.loads(settings.read_text())["theme"] == "nord"
    second = make_app()
    async with second.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert second.theme == "nord"


async def test_palette_lists_every_action(app) -> None:
    from agentry_tui.palette import AgentryCommands

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        provider = AgentryCommands(app.screen)
        titles = [hit.display async for hit in provider.discover()]
        for action in ACTIONS:
            if action.action != "change_theme":  # Textual's own "Theme" entry
                assert action.help in titles


def key_bar_text(app) -> str:
    return text_of(app.query_one(KeyBar))


async def test_key_bar_shows_the_keys_that_work_now(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar = key_bar_text(app)
        keys = [
            "^n New",
            "f2 Rename",
            "f8 Delete",
            "^l Clear",
            "^r Retry",
            "^s Sidebar",
            "^o Info",
            "f1 Help",
            "^q Quit",
        ]  # the shown ACTIONS, in their order
        assert [k for k in keys if f" {k} " in bar] == keys
        assert [bar.index(k) for k in keys] == sorted(bar.index(k) for k in keys)
        assert "Stop" not in bar  # nothing to stop
        assert bar.rstrip().endswith("^p palette") and len(bar) == SIZE[0]
        await send(pilot, "#slow #long:300 long")
        entry = active(app)
        await wait_until(pilot, lambda: "esc Stop" in key_bar_text(app))
        await pilot.press("escape")
        await idle(pilot, entry)
        await wait_until(pilot, lambda: "Stop" not in key_bar_text(app))


async def test_a_click_on_the_key_bar_presses_the_key(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = active(app).id
        x = key_bar_text(app).index("^n New")
        assert await pilot.click(KeyBar, offset=(x + 4, 0))  # on the word "New"
        await wait_until(pilot, lambda: active(app).id != before)
        assert active(app).id.startswith("chat-")


async def test_key_bar_hover_explains_the_key(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar = app.query_one(KeyBar)
        x = key_bar_text(app).index("f2 Rename")
        await pilot.hover(KeyBar, offset=(x, 0))
        assert bar.tooltip == "Rename the current session"
        await pilot.hover(KeyBar, offset=(SIZE[0] - 3, 0))
        assert bar.tooltip == "Open the command palette"
        await pilot.hover("#prompt")
        assert bar.hovered is None


async def test_a_narrow_key_bar_shows_whole_keys_and_keeps_the_palette(app) -> None:
    async with app.run_test(size=(60, 30)) as pilot:
        await ready(pilot)
        bar = key_bar_text(app)
        assert len(bar) == 60 and bar.rstrip().endswith("▏ ^p palette")
        left = bar.split("▏")[0].rstrip()
        # Help and Quit stay; less needed keys leave first (issue 16: they used to go first).
        assert left.endswith("f1 Help  ^q Quit")
        assert "Rename" not in left


# -- keys as terminals send them ------------------------------------------------------------


async def test_alt_keys_sent_as_escape_work_in_the_message_box_and_type_nothing(
    app, history: Path, workspace: Path
) -> None:
    """tmux, GNOME Terminal, Windows Terminal and xterm send alt+x as ESC x; `tmux send-keys
    M-c M-e M-t` sends three in one read (Textual read them as "^c^e^t"), and ESC 2 was "™"."""
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        assert app.focused is prompt
        await typed(pilot, "\x1bc\x1be")
        await wait_until(pilot, lambda: (workspace / "first.md").exists())
        assert app.clipboard == "a first"
        assert prompt.text == ""
        await typed(pilot, "\x1b2")  # alone: read after the parser's wait
        await pilot.pause()
        assert active(app).id == "second" and prompt.text == ""
        await typed(pilot, "\x1b3\x1bt")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert active(app).id == "third" and prompt.text == ""
        assert "themes" in app.screen.query_one(Input).placeholder  # the theme picker


async def test_universal_twins_of_the_alt_keys(app, history: Path, workspace: Path) -> None:
    """Where option types a character (macOS's ç for alt+c) these are the keys: f3, f4, ctrl+t."""
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await typed(pilot, "ç\x1bOR")  # "ç" is text; f3 copies
        await pilot.pause()
        assert app.query_one(Prompt).text == "ç" and app.clipboard == "a first"
        await typed(pilot, "\x1bOS")
        await wait_until(pilot, lambda: (workspace / "first.json").exists())
        await typed(pilot, "\x14")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert "themes" in app.screen.query_one(Input).placeholder


async def test_keys_typed_with_ctrl_f_go_to_the_filter(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await typed(pilot, "\x06sec")
        await pilot.pause()
        assert app.query_one("#session-filter", Input).value == "sec"
        assert app.query_one(Prompt).text == ""
        assert app.query_one(Sidebar).visible_ids() == ["second"]


# -- the session filter -----------------------------------------------------------------------


async def test_escape_in_the_filter_clears_it_then_goes_back_and_never_stops_a_reply(
    app, history: Path
) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = await replying(pilot, "#slow #long:300 long")
        box = app.query_one("#session-filter", Input)
        await pilot.press("ctrl+f", *"sec")
        await pilot.pause()
        assert app.query_one(Sidebar).visible_ids() == ["second"]
        await pilot.press("escape")  # clears the filter, stays in it
        await pilot.pause()
        assert box.value == "" and app.focused is box
        assert len(app.query_one(Sidebar).visible_ids()) == 3
        await pilot.press("escape")  # back to the message box
        await pilot.pause()
        assert app.focused is app.query_one(Prompt)
        assert entry.streaming  # neither Esc stopped the reply
        await pilot.press("ctrl+f", "down", "escape")  # from the rows too
        await pilot.pause()
        assert app.focused is app.query_one(Prompt) and entry.streaming
        await pilot.press("escape")  # from the message box it stops the reply
        await idle(pilot, entry)
        assert entry.session.messages[-1]["_interrupted"]


async def test_down_goes_from_the_filter_into_the_results(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        rows = app.query_one(SessionList)
        await pilot.press("ctrl+f", *"t", "down")  # "first" and "third"
        await pilot.pause()
        assert app.focused is rows and rows.highlighted_id == "first"
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: active(app).id == "third")
        # Opened: the filter is cleared, the message box has the keys.
        assert app.query_one("#session-filter", Input).value == ""
        assert rows.ids == ["first", "second", "third"]
        await pilot.pause()
        assert app.focused is app.query_one(Prompt)


async def test_a_new_session_is_never_hidden_by_the_filter(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+f", *"sec")
        await pilot.pause()
        assert "1 of 3" in text_of(app.query_one("#sessions-heading"))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: active(app).id.startswith("chat-"))
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        assert active(app).id in sidebar.visible_ids() and len(sidebar.visible_ids()) == 4
        assert "of" not in text_of(app.query_one("#sessions-heading"))


# -- the command palette ----------------------------------------------------------------------


def palette_titles(app) -> list[str]:
    listed = app.screen.query_one(CommandList)
    return [
        str(listed.get_option_at_index(n).prompt).split("\n")[0] for n in range(listed.option_count)
    ]


async def test_palette_lists_every_command_as_typed_and_one_quit(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: "/help" in palette_titles(app))
        titles = palette_titles(app)
        for spec in offered(TUI):  # "/model [name]", "/export [md|json] [path]": not markup
            assert spec.usage in titles
        assert [t for t in titles if "Quit" in t] == ["Quit (replies in progress are saved)"]
        assert "Keys" not in titles  # Textual's keys panel, which Esc did not close
        await pilot.press(*"keys")
        await wait_until(pilot, lambda: palette_titles(app) == ["Show the commands and keys"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(notices(app)) and "Keys:" in notices(app)[-1])
        await pilot.press("ctrl+p", *"system")
        await wait_until(pilot, lambda: palette_titles(app) == ["/system [text]"])


async def test_help_rows_fit_an_80_column_terminal(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+s", "f1")  # the chat as wide as the terminal
        await pilot.pause()
        notice = app.query(NoticeView).last()  # taller than the screen: its lines, all of them
        shown = [strip.text for strip in notice.render_lines(Region(0, 0, *notice.size))]
        width = max(len(key) for key, _ in help_rows())
        for key, description in help_rows():
            row = f"{key:<{width}}  {description}"
            assert any(row in line for line in shown), row  # on one line, not wrapped


async def test_priority_keys_leave_an_open_dialog_alone(app, history: Path) -> None:
    seed_three(history)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        field = app.screen.query_one(Input)
        await typed(pilot, "\x06\x1bc\x1b2x")  # ctrl+f, alt+c, alt+2, then a letter
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen) and app.focused is field
        assert field.value == "x" and app.clipboard == ""  # the id was selected: x replaced it
        assert active(app).id == "first"
