"""Tab completion of slash commands and session ids in the message box."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from agentry.commands import TUI, offered
from agentry_tui.completion import Completion, choices_text, complete
from agentry_tui.widgets.prompt import Prompt
from tests.tui.conftest import SIZE
from tests.tui.helpers import painted, ready, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

NAMES = [spec.name for spec in offered(TUI)]


def test_commands_complete_from_the_table() -> None:
    assert complete("/ex", NAMES, []) == Completion("/export ")
    assert complete("/sy", NAMES, []) == Completion("/system ")
    assert complete("/", NAMES, []) == Completion("/", tuple(NAMES))
    assert complete("/re", NAMES, []) == Completion("/re", ("resume", "rename"))
    assert complete("/s", NAMES, []) == Completion(
        "/s",
        ("status", "sessions", "system", "search", "set"),  # /search: issue 18; /set: 19
    )
    assert complete("/se", NAMES, []) == Completion("/se", ("sessions", "search", "set"))
    assert complete("/ses", NAMES, []) == Completion("/sessions ")


def test_session_ids_complete_after_resume_only() -> None:
    ids = ["chat-20261207-1", "chat-20261207-2", "notes"]
    assert complete("/resume n", NAMES, ids) == Completion("/resume notes")
    assert complete("/resume c", NAMES, ids) == Completion("/resume chat-20261207-", tuple(ids[:2]))
    assert complete("/new n", NAMES, ids) is None  # a new id: nothing to complete from
    assert complete("/resume notes x", NAMES, ids) is None


def test_many_choices_are_cut_short() -> None:
    ids = [f"chat-{n}" for n in range(200)]
    text = choices_text(ids)
    assert text.startswith("chat-0   chat-1") and "chat-11   … 188 more" in text
    assert "chat-12" not in text
    assert choices_text(["a", "b"]) == "a   b"


def test_nothing_to_complete() -> None:
    for text in ("hello", "//ex", "/xyz", "/export md", "/ex\nmore", ""):
        assert complete(text, NAMES, ["a"]) is None, text


async def test_tab_completes_in_the_message_box_and_else_moves_on(app, history: Path) -> None:
    for name in ("second", "sequel"):
        seed(history, name, [SYSTEM, user("q", 10), assistant("a", 9)], 20, 9)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press(*"/ex", "tab")
        assert prompt.text == "/export " and app.focused is prompt
        assert prompt.cursor_location == (0, 8)
        prompt.clear()
        await pilot.press(*"/resume s", "tab")
        assert prompt.text == "/resume se" and app.focused is prompt
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")))
        shown = " ".join(painted(app, app.screen.query_one("Toast")))
        assert "second" in shown and "sequel" in shown
        await pilot.press("c", "tab", "enter")
        await pilot.pause()
        assert app.store.active_id == "second"
        await pilot.press(*"plain text", "tab")  # not a command: Tab goes on to the next part
        assert prompt.text == "plain text"
        assert isinstance(app.focused, Input)  # the session filter (the list wraps around)
