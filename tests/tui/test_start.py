"""Launch: arguments, the first session, no server, corrupt files."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from agentry.sessions import SessionManager
from agentry_tui.__main__ import app_built, parse_args
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.messages import AssistantMessage
from agentry_tui.widgets.session_list import SessionList
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, notices, ready, send, status_text, text_of, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user


def test_arguments() -> None:
    args = parse_args(
        [
            "--session",
            "work",
            "--provider",
            "ollama",
            "--model",
            "m",
            "--endpoint",
            "http://h:1",
            "--history-dir",
            "/tmp/x",
        ]
    )
    assert (args.session, args.provider, args.model, args.endpoint, args.history_dir) == (
        "work",
        "ollama",
        "m",
        "http://h:1",
        "/tmp/x",
    )


def test_a_session_id_may_start_with_a_dash() -> None:
    assert parse_args(["--session", "-draft", "--model", "m"]).session == "-draft"


def test_bad_session_id_is_refused_before_the_app_starts(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--session", "../etc"])
    assert "session id" in capsys.readouterr().err


async def test_opens_the_most_recent_session(app, history: Path) -> None:
    seed(history, "old", [SYSTEM, user("old question", 90)], 100, 90)
    seed(history, "new", [SYSTEM, user("new question", 5), assistant("answer", 4)], 10, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "new"
        rows = app.query_one(SessionList)
        assert rows.ids == ["new", "old"]
        first = rows.row_text("new")
        assert "new question" in first and "3 msgs" in first and "new" in first


async def test_the_first_frame_shows_the_list_and_the_newest_message_at_the_bottom(
    app, history: Path
) -> None:
    messages = [SYSTEM]
    for n in range(60):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    seed(history, "other", [SYSTEM, user("hi", 500)], 600, 500)
    seen: list[dict[str, object]] = []
    send_to_terminal = app._display  # every frame passes here; inside a batch it is not sent

    def frame(screen, update) -> None:
        send_to_terminal(screen, update)
        if update is not None and not app._batch_count and not seen:
            pane = app.query_one(MessageList).region
            last = app.query(AssistantMessage).last().region
            seen.append(
                {
                    "rows": len(app.query_one(SessionList).ids),
                    "last in view": pane.y <= last.y and last.bottom <= pane.bottom,
                    "gap below it": pane.bottom - last.bottom,
                }
            )

    app._display = frame
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
    # Built with the screen, the session is in its first layout: no frame without it, and the
    # view is at its end (Textual's anchor once used the pane size of a layout not yet made).
    assert seen[0]["rows"] == 2
    assert seen[0]["last in view"], seen[0]
    assert seen[0]["gap below it"] <= 1, seen[0]  # at most the list's bottom padding


async def test_opens_the_named_session_creating_it(make_app, ollama_server, history: Path) -> None:
    seed(history, "other", [SYSTEM], 10, 5)
    app = make_app(session_id="fresh")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "fresh"
        # Its file is written with its first message (issue 16), not at start.
        assert not SessionManager(history).session_exists("fresh")
        await send(pilot, "hello")
        await wait_until(pilot, lambda: SessionManager(history).session_exists("fresh"))
    assert SessionManager(history).load("fresh").messages[0]["role"] == "system"


async def test_opens_a_named_existing_session(make_app, ollama_server, history: Path) -> None:
    seed(history, "older", [SYSTEM, user("hi", 50)], 60, 50)
    seed(history, "newer", [SYSTEM], 10, 5)
    app = make_app(session_id="older")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "older"


async def test_empty_history_starts_a_default_session(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "default"
        assert "connected" in status_text(app)
        assert "llama3.2:latest" in status_text(app)


async def test_server_down_at_start(make_app, history: Path, monkeypatch, closed_port) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    seed(history, "a", [SYSTEM, user("first", 20), assistant("one", 19)], 30, 19)
    seed(history, "b", [SYSTEM, user("second", 10), assistant("two", 9)], 15, 9)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.store.connection.state == "unreachable")
        await pilot.pause()
        status = status_text(app)
        assert "unreachable" in status
        assert f"127.0.0.1:{closed_port}" in status  # where it looked
        assert "Is the server running" in status and "--endpoint" in status  # how to fix it
        # Sessions can still be read and browsed ...
        assert active(app).id == "b"
        await pilot.press("alt+down")
        await pilot.pause()
        assert active(app).id == "a"
        assert any(
            "one" in r
            for r in [str(m.message.get("content")) for m in app.query("AssistantMessage")]
        )
        # ... and created.
        await pilot.press("ctrl+n")
        await pilot.pause()
        created = active(app).id
        assert created not in ("a", "b")
        # Sending fails readably and the message is kept for a retry.
        await send(pilot, "anyone there?")
        await wait_until(pilot, lambda: SessionManager(history).session_exists(created))
        await wait_until(pilot, lambda: active(app).error is not None)
        assert any("Cannot connect" in n for n in notices(app))
        assert active(app).session.messages[-1]["content"] == "anyone there?"


async def test_no_provider_at_all(make_app, monkeypatch, closed_port) -> None:
    """No --provider and nothing answers: the status bar says how to get a model."""
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    monkeypatch.setattr("agentry.providers.local.local_available", lambda: False)
    app = make_app(provider=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.store.connection.state == "none")
        assert "no provider" in status_text(app)
        assert "ollama serve" in status_text(app)
        await send(pilot, "hello")
        await pilot.pause()
        assert app.query_one("#prompt").text == "hello"  # refused, kept in the box


async def test_corrupt_session_file(app, history: Path) -> None:
    seed(history, "good", [SYSTEM, user("fine", 10)], 20, 10)
    bad = history / "broken_chat.toon"
    bad.write_bytes(b'{"session_id": "broken", "messages": [{"role": "user", "con')
    before = bad.read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert active(app).id == "good"  # the newest readable one
        rows = app.query_one(SessionList)
        row = rows.row_text("broken")
        assert "corrupt" in row and "✗" in row
        app.store.open("broken")
        await pilot.pause()
        shown = "\n".join(notices(app))
        assert str(bad) in shown and "truncated" in shown
        assert "corrupt file" in status_text(app)
        await send(pilot, "write into it")
        await pilot.pause()
        assert app.query_one("#prompt").text == "write into it"  # refused
        await pilot.press("ctrl+q")
    assert bad.read_bytes() == before


async def test_sidebar_filter_and_click(app, history: Path) -> None:
    for n, name in enumerate(["alpha", "beta", "gamma"]):
        seed(history, name, [SYSTEM, user(f"about {name}", 30 - n)], 40 - n, 30 - n)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+f")
        await pilot.press(*"bet")
        rows = app.query_one(SessionList)
        assert rows.ids == ["beta"]
        assert "1 of 3" in text_of(app.query_one("#sessions-heading"))
        await pilot.press("enter")
        await pilot.pause()
        assert active(app).id == "beta"
        await pilot.press("ctrl+f", "ctrl+a", "ctrl+k")  # clear the filter box
        await pilot.pause()
        assert len(rows.ids) == 3
        # Rows are two lines each: the third row starts on line 4 of the list.
        await pilot.click(SessionList, offset=(5, 4))
        await pilot.pause()
        assert active(app).id == "alpha"


async def test_session_list_keys_and_a_long_list(app, history: Path) -> None:
    for n in range(120):
        seed(history, f"s{n:03d}", [SYSTEM, user(f"about {n}", 500 - n)], 600 - n, 500 - n)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        rows = app.query_one(SessionList)
        assert len(rows.ids) == 120 and rows.highlighted_id == "s119"  # the open one
        rows.focus()
        await pilot.press("down", "down")
        assert rows.highlighted_id == "s117"
        await pilot.press("end")
        await pilot.pause()
        assert rows.highlighted_id == "s000"
        # Scrolled to it: the last row is painted at the bottom of the list.
        shown = [strip.text for strip in rows.render_lines(rows.size.region)]
        assert "about 0" in shown[-2], shown[-2:]
        await pilot.press("pageup")  # a screenful of rows up: rows are listed s119 … s000
        assert rows.highlighted_id == f"s{len(shown) // 2:03d}"
        await pilot.press("home", "up")
        assert rows.highlighted_id == "s119"  # stays on the first
        await pilot.press("down", "enter")
        await pilot.pause()
        assert active(app).id == "s118"
        await pilot.hover(SessionList, offset=(5, 5))  # the third row's second line
        assert rows.hovered == 2
        hovered = rows.render_lines(rows.size.region)[4]
        plain = rows.render_lines(rows.size.region)[6]
        assert next(iter(hovered)).style.bgcolor != next(iter(plain)).style.bgcolor


async def test_choosing_the_provider_does_not_hold_up_the_first_frame(
    make_app, history: Path, monkeypatch
) -> None:
    """A server that accepts but never answers: the app is usable while the probe waits."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{silent.getsockname()[1]}")
    seed(history, "readable", [SYSTEM, user("still here", 5)], 10, 5)
    app = make_app(provider=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.store.connection.state == "connecting"
            assert active(app).id == "readable"
            assert "connecting" in status_text(app)
            await pilot.press(*"typing works")
            assert app.query_one("#prompt").text == "typing works"
    finally:
        silent.close()


async def test_making_the_agent_does_not_hold_up_typing(app, history: Path, monkeypatch) -> None:
    """Importing the agent and making its HTTP client take a while: keys typed meanwhile show."""
    import time

    import agentry.config

    made = agentry.config.build_provider

    def slow(*args, **kwargs):
        time.sleep(1.5)  # holds whichever thread makes the provider
        return made(*args, **kwargs)

    monkeypatch.setattr(agentry.config, "build_provider", slow)
    seed(history, "readable", [SYSTEM, user("still here", 5)], 10, 5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press(*"typing works")
        assert app.query_one("#prompt").text == "typing works"
        assert app.store.agent is None  # still being made
        await wait_until(pilot, lambda: app.store.connection.state == "connected", timeout=10)


def test_entry_points() -> None:
    import subprocess
    import sys

    for command in (["agentry-tui", "--help"], [sys.executable, "-m", "agentry_tui", "--help"]):
        if command[0] == "agentry-tui":
            command[0] = str(Path(sys.executable).with_name("agentry-tui"))
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert "--history-dir" in done.stdout and "--session" in done.stdout


async def test_what_start_up_made_is_kept_out_of_the_collector_once_the_first_frame_is_up(
    ollama_server, make_app
) -> None:
    """agentry-tui freezes what start-up made (``app_built``) once the first frame is laid out:
    called once, with the app's widgets built by then."""
    built: list[int] = []
    app = make_app(when_ready=lambda: built.append(len(app.query(MessageList))))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        assert built == [1]
    before = gc.get_freeze_count()
    try:
        app_built()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
