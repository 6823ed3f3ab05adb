"""A reply that finishes in a session not on screen says so (issue 16, item 18)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from agentry_tui.alerts import BELL, alert_sequence, check_alert, desktop_notification
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, painted, ready, replying, send, wait_until
from tests.tui.scenes import SYSTEM, seed, user

TITLE = "Pirate plans ☠"


def seed_two(history: Path) -> None:
    seed(history, "a", [SYSTEM, user("hello", 9)], 10, 9, metadata={"title": TITLE})
    seed(history, "b", [SYSTEM, user("other", 20)], 30, 20)


def settings(alert: str) -> None:
    folder = Path(os.environ["AGENTRY_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"reply_alert": alert}))


def toasts(app) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def reply_elsewhere(pilot) -> None:
    """A slow reply in 'a', then 'b' opened while it streams, until the reply ends."""
    app = pilot.app
    first = await replying(pilot, "#slow #long:12 go")
    app.store.open("b")
    await pilot.pause()
    await idle(pilot, first, timeout=20)
    await wait_until(pilot, lambda: bool(toasts(app)))


async def test_a_toast_says_where_a_reply_finished_and_ctrl_g_goes_there(
    make_app, history: Path, ollama_server
) -> None:
    seed_two(history)
    async with make_app(session_id="a").run_test(size=SIZE, notifications=True) as pilot:
        app = await ready(pilot)
        await reply_elsewhere(pilot)
        assert toasts(app) == [f"Reply finished in {TITLE}\nctrl+g or a click goes there"]
        assert any(f"Reply finished in {TITLE}" in line for line in painted(app))
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: active(app).id == "a")


async def test_a_click_on_the_toast_goes_there(make_app, history: Path, ollama_server) -> None:
    seed_two(history)
    async with make_app(session_id="a").run_test(size=SIZE, notifications=True) as pilot:
        app = await ready(pilot)
        await reply_elsewhere(pilot)
        await pilot.click(app.screen.query_one(Toast), offset=(4, 1))  # on the text
        await wait_until(pilot, lambda: active(app).id == "a")


async def test_no_toast_for_the_session_on_screen(make_app, history: Path, ollama_server) -> None:
    seed_two(history)
    async with make_app(session_id="a").run_test(size=SIZE, notifications=True) as pilot:
        app = await ready(pilot)
        await send(pilot, "#long:12 go")
        await idle(pilot, active(app))
        await pilot.pause(0.2)
        assert toasts(app) == []


@pytest.mark.parametrize(
    ("alert", "env", "written"),
    [
        ("bell", {}, BELL),
        ("desktop", {"TERM_PROGRAM": "WezTerm"}, f"\x1b]9;Reply finished: {TITLE}\x1b\\"),
        ("desktop", {"TERM_PROGRAM": "WezTerm", "TMUX": "/tmp/t,1,0"}, BELL),  # never via tmux
    ],
)
async def test_the_bell_or_a_desktop_notification_when_set(
    make_app, history: Path, ollama_server, monkeypatch, alert, env, written
) -> None:
    for name in ("TMUX", "STY", "TERM_PROGRAM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TERM", "xterm-256color")
    settings(alert)
    seed_two(history)
    async with make_app(session_id="a").run_test(size=SIZE, notifications=True) as pilot:
        app = await ready(pilot)
        writes: list[str] = []
        monkeypatch.setattr(app._driver, "write", writes.append)  # Textual's headless driver
        await reply_elsewhere(pilot)
        assert writes == [written]


async def test_a_wrong_setting_is_named_once(make_app, history: Path, ollama_server) -> None:
    settings("loud")
    seed_two(history)
    async with make_app(session_id="a").run_test(size=SIZE, notifications=True) as pilot:
        app = await ready(pilot)
        await reply_elsewhere(pilot)
        await wait_until(pilot, lambda: len(toasts(app)) == 2)
        assert "'reply_alert' is 'loud'; it must be one of off, bell, desktop" in toasts(app)[1]


def test_desktop_notifications_only_where_known_to_show_and_never_with_control_characters() -> None:
    assert check_alert(None) == "off" and alert_sequence("off", "t", "b", {}) == ""
    assert desktop_notification("t", "b", {"TERM": "xterm-256color"}) is None  # unknown: none
    assert desktop_notification("t", "b", {"TERM": "screen", "TERM_PROGRAM": "iTerm.app"}) is None
    kitty = desktop_notification("Reply\x1b]0;pwned\a", "x", {"TERM": "xterm-kitty"})
    assert kitty == "\x1b]9;Reply]0;pwned: x\x1b\\"
    foot = desktop_notification("a;b", "c", {"TERM": "foot"})
    assert foot == "\x1b]777;notify;a,b;c\x1b\\"
