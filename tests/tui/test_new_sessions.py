"""New sessions are written with their first message, so unused ones never pile up (issue 16,
item 17); clearing asks first however it is asked for, and a delete says it is done (polish)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from agentry_tui.screens.confirm import ConfirmScreen
from agentry_tui.widgets.session_list import SessionList
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, wait_until
from tests.tui.scenes import SYSTEM, seed, user


def files(history: Path) -> list[str]:
    return sorted(p.name for p in history.glob("*_chat.toon"))


async def test_the_first_start_writes_no_empty_default(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "default"
        assert app.query_one(SessionList).ids == ["default"]  # listed while it is current
        await pilot.pause(0.3)
        assert files(history) == []
        await send(pilot, "hello")
        await idle(pilot, active(app))
        assert files(history) == ["default_chat.toon"]


async def test_ctrl_n_writes_nothing_and_an_unused_new_session_is_dropped(
    app, history: Path
) -> None:
    seed(history, "old", [SYSTEM, user("hi", 5)], 10, 5)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        rows = app.query_one(SessionList)
        for _ in range(3):
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert rows.ids[0] == active(app).id != "old"  # shown while current
            assert len(rows.ids) == 2  # the one left before is gone
        unused = active(app).id
        await pilot.press("alt+down")
        await wait_until(pilot, lambda: active(app).id == "old")
        await wait_until(pilot, lambda: rows.ids == ["old"])
        assert app.store.get(unused) is None
        # One that was used stays, and is written with its first message.
        await pilot.press("ctrl+n")
        await pilot.pause()
        used = active(app).id
        await send(pilot, "keep me")
        await idle(pilot, active(app))
        assert f"{used}_chat.toon" in files(history)
        await pilot.press("alt+down")
        await wait_until(pilot, lambda: active(app).id == "old")
        assert used in rows.ids
        await pilot.press("ctrl+q")
    assert files(history) == sorted([f"{used}_chat.toon", "old_chat.toon"])


async def test_a_new_session_with_a_draft_is_kept_while_the_draft_is(app, history: Path) -> None:
    seed(history, "old", [SYSTEM, user("hi", 5)], 10, 5)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        drafted = active(app).id
        await pilot.press(*"half a thought")
        await pilot.press("alt+down")
        await wait_until(pilot, lambda: active(app).id == "old")
        assert drafted in app.query_one(SessionList).ids
        # One the person named (F2) is kept too, though blank.
        await pilot.press("ctrl+n")
        await pilot.pause()
        await app.store.rename(active(app).id, "named-later")
        await pilot.press("alt+down")
        await wait_until(pilot, lambda: active(app).id != "named-later")
        assert "named-later" in app.query_one(SessionList).ids
        await pilot.press("ctrl+q")
    assert files(history) == ["old_chat.toon"]


async def test_clear_asks_first_both_ways_and_a_delete_is_confirmed_by_a_notice(
    app, history: Path
) -> None:
    seed(history, "keep", [SYSTEM], 30, 30)
    seed(history, "s", [SYSTEM, user("q", 10)], 20, 9)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for way in (("ctrl+l",), ("/", *"clear", "enter")):
            await pilot.press(*way)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen), way
            await pilot.press("n")
            await pilot.pause()
            assert active(app).message_count == 2
        await pilot.press("/", *"clear", "enter")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: active(app).message_count == 1)
        assert notices(app)[-1] == "Cleared session: 's' (the system message is kept)"
        await pilot.press("f8", "y")
        await wait_until(pilot, lambda: active(app).id == "keep")
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        assert str(app.screen.query_one(Toast).render()) == "Deleted session 's' (s_chat.toon)."
