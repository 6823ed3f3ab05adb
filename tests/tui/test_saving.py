"""Saving from the TUI: merged with other processes' saves, kept in memory while the disk fails,
and one session shared for a minute by the TUI and two line clients, losing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentry.sessions import SessionManager
from agentry_tui.store import saver
from agentry_tui.widgets.messages import UserMessage
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, wait_until
from tests.tui.scenes import SYSTEM, seed

SHARED_S = 30.0  # half a minute of three writers, a line client's message every half second
REPO_ROOT = Path(__file__).resolve().parents[2]


def contents(history: Path, session_id: str = "default") -> list[str]:
    messages = SessionManager(history).load_session(session_id) or []
    return [m.get("content") for m in messages]


async def test_what_another_process_saved_meanwhile_is_merged_in(app, history: Path) -> None:
    seed(history, "default", [SYSTEM], 1, 1)  # a new session has no file (issue 16)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        other = SessionManager(history)  # as another Agentry process would
        session = other.load("default")
        session.add_message({"role": "user", "content": "from elsewhere"})
        other.sync(session)
        await send(pilot, "from the app")
        entry = active(app)
        await wait_until(pilot, lambda: entry.message_count == 4)
        await idle(pilot, entry)
        assert contents(history)[1:] == ["from elsewhere", "from the app", "Echo: from the app"]
        # The app's session is what the file holds, and it said what happened.
        assert [m["content"] for m in entry.session.messages] == contents(history)
        assert any(
            "1 message saved to this session by another Agentry process was merged in" in n
            for n in notices(app)
        )
        await pilot.pause()
        shown = [view.message["content"] for view in app.query(UserMessage)]
        assert shown == ["from elsewhere", "from the app"]


async def test_a_failing_disk_keeps_the_messages_and_the_save_is_retried(
    app, history: Path, monkeypatch
) -> None:
    monkeypatch.setattr(saver, "SAVE_RETRY_S", (0.2, 0.4))
    seed(history, "default", [SYSTEM], 1, 1)  # a new session has no file (issue 16)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        path = history / "default_chat.toon"
        path.unlink()
        path.mkdir()  # the file's place is taken: every save fails with an OS error
        await send(pilot, "keep me")
        entry = active(app)
        await wait_until(
            pilot, lambda: any("Could not save session 'default'" in n for n in notices(app))
        )
        await wait_until(pilot, lambda: not entry.streaming and entry.message_count == 3)
        assert not entry.saved
        await pilot.pause(1.0)  # retried meanwhile, still failing, said once
        assert sum("Could not save" in n for n in notices(app)) == 1
        path.rmdir()  # the disk is back
        await wait_until(pilot, lambda: entry.saved, timeout=5)
        assert contents(history)[1:] == ["keep me", "Echo: keep me"]
        await wait_until(
            pilot, lambda: any("Saved session 'default' again" in n for n in notices(app))
        )  # once the chat shows it


async def test_quitting_while_the_disk_fails_leaves_a_copy_elsewhere(
    app, history: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    seed(history, "default", [SYSTEM], 1, 1)  # a new session has no file (issue 16)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        path = history / "default_chat.toon"
        path.unlink()
        path.mkdir()
        await send(pilot, "do not lose me")
        entry = active(app)
        await wait_until(pilot, lambda: not entry.streaming and entry.message_count == 3)
        await pilot.press("ctrl+q")
    assert app.return_code == 1
    [copy] = (tmp_path / "tmp" / "agentry-rescue").glob("*/default_chat.toon")
    rescued = SessionManager(copy.parent).load_session("default")
    assert [m["content"] for m in rescued][1:] == ["do not lose me", "Echo: do not lose me"]


def line_client(history: Path, name: str, count: int, interval: float) -> subprocess.Popen:
    """A line client on session 'shared', its input a line every ``interval`` seconds."""
    script = (
        "import subprocess, sys, time\n"
        "proc = subprocess.Popen([sys.executable, '-m', 'agentry', '--history-dir', sys.argv[1],"
        " '--provider', 'ollama', '--session', 'shared', '--lines'], stdin=subprocess.PIPE,"
        " text=True)\n"
        "for n in range(int(sys.argv[3])):\n"
        "    proc.stdin.write(f'{sys.argv[2]} {n}\\n'); proc.stdin.flush()\n"
        "    time.sleep(float(sys.argv[4]))\n"
        "proc.stdin.close()\n"
        "sys.exit(proc.wait())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}  # the children import this checkout
    return subprocess.Popen(
        [sys.executable, "-c", script, str(history), name, str(count), str(interval)],
        env=env,
        stdout=subprocess.DEVNULL,
    )


async def test_the_tui_and_two_line_clients_share_a_session_for_half_a_minute(
    make_app, ollama_server, history: Path
) -> None:
    app = make_app(session_id="shared")
    interval = 0.5
    count = int(SHARED_S / interval)
    sent: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        clients = [line_client(history, name, count, interval) for name in ("cli-a", "cli-b")]
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < SHARED_S:
            entry = active(app)
            if not entry.streaming:
                text = f"tui {n}"
                await send(pilot, text)
                sent.append(text)
                n += 1
            await pilot.pause(1.5)
        await idle(pilot, active(app))
        for client in clients:
            assert client.wait(timeout=60) == 0
        await pilot.press("ctrl+q")
    stored = contents(history, "shared")
    expected = sent + [f"{name} {k}" for name in ("cli-a", "cli-b") for k in range(count)]
    assert len(expected) > 100
    for text in expected:
        assert stored.count(text) == 1, text
        assert stored.count(f"Echo: {text}") == 1, text
    for name in ("tui", "cli-a", "cli-b"):  # each writer's messages in the order it sent them
        mine = [t for t in stored if isinstance(t, str) and t.startswith(f"{name} ")]
        assert mine == sorted(mine, key=lambda t: int(t.split()[-1]))
