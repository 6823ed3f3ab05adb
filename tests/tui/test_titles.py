"""Session titles in the TUI (F2, /title), and the ids' rule said where it refuses (issue 16,
item 9)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from agentry.sessions import ID_RULE, SessionManager
from agentry_tui.screens.rename import RenameScreen
from agentry_tui.widgets.session_list import SessionList
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, notices, painted, ready, send, text_of, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

PIRATE = "My Pirate Chat ☠"


def seed_one(history: Path) -> None:
    seed(history, "s", [SYSTEM, user("first words", 3), assistant("hi", 2)], 5, 2)


def stored_title(history: Path, session_id: str) -> object:
    session = SessionManager(history).load(session_id)
    assert session is not None
    return session.metadata.get("title")


async def test_f2_gives_a_session_a_title_the_list_shows(make_app, history: Path) -> None:
    seed_one(history)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        rows = app.query_one(SessionList)
        assert rows.row_text("s").splitlines()[0].strip() == "first words"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        assert app.screen.focused is app.screen.query_one("#new-title", Input)
        app.screen.query_one("#new-title", Input).value = PIRATE
        await pilot.press("enter")
        await wait_until(pilot, lambda: stored_title(history, "s") == PIRATE)
        assert active(app).id == "s"  # the id stays
        assert PIRATE in rows.row_text("s").splitlines()[0]
        assert any(PIRATE in line for line in painted(app, rows))
        # Both at once: an empty title gives the first message back; the id changes.
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#new-title", Input).value = ""
        app.screen.query_one("#new-id", Input).value = "pirates"
        await pilot.press("enter")
        await wait_until(pilot, lambda: active(app).id == "pirates")
        await wait_until(pilot, lambda: SessionManager(history).session_exists("pirates"))
        await wait_until(pilot, lambda: stored_title(history, "pirates") is None)
        assert rows.row_text("pirates").splitlines()[0].strip() == "first words"


async def test_f2_refuses_a_bad_title_saying_why(make_app, history: Path) -> None:
    seed_one(history)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#new-title", Input).value = "x" * 500
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        assert "1 to 120 characters" in text_of(app.screen.query_one("#rename-error"))
    assert stored_title(history, "s") is None


async def test_title_command(make_app, history: Path) -> None:
    seed_one(history)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await send(pilot, "/title")
        await wait_until(pilot, lambda: "has no title" in notices(app)[-1])
        await send(pilot, f"/title {PIRATE}")
        await wait_until(pilot, lambda: notices(app)[-1] == f"Session 's' is titled '{PIRATE}'.")
        await wait_until(pilot, lambda: stored_title(history, "s") == PIRATE)
        assert app.query_one(SessionList).row_text("s").splitlines()[0].strip() == PIRATE


async def test_rename_to_an_id_with_a_space_says_why_it_is_refused(make_app, history: Path) -> None:
    seed_one(history)
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await send(pilot, "/rename my project")
        await wait_until(pilot, lambda: bool(notices(app)))
        assert notices(app)[-1] == f"Invalid session id 'my project': {ID_RULE}."
        assert active(app).id == "s"


async def test_the_metadata_panel_shows_the_title_once(make_app, history: Path) -> None:
    seed(history, "s", [SYSTEM, user("first words", 3)], 5, 2, metadata={"title": PIRATE})
    async with make_app(session_id="s").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        shown = "\n".join(painted(app, app.query_one("#metadata")))
        assert shown.count(PIRATE) == 1 and "· title" not in shown  # as the Title, not again
        assert "first words" not in shown
