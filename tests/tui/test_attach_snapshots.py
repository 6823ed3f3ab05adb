"""Snapshots of attachments in the TUI: the `@` menu open over a folder's files, and a chat with
a prompt that carries a text file and an image.

Update after looking at them: pytest tests/tui/test_attach_snapshots.py --snapshot-update
"""

from __future__ import annotations

import struct
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from agentry.attachments import attachment_from_bytes
from agentry.sessions import AgentSession, SessionManager
from agentry_tui.app import AgentryApp
from agentry_tui.widgets.attachment_entry import AttachmentEntry
from agentry_tui.widgets.attachment_menu import AttachmentMenu
from tests.tui import scenes
from tests.tui.helpers import wait_until

LOG = "".join(f"2026-12-07 11:5{n} worker {n}: retry {n} of 5\n" for n in range(6))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + struct.pack(">II", 1280, 720) + bytes(2000)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    for path in ("README.md", "src/reader.py", "src/render.py", "docs/area.txt", "notes.txt"):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(f"{path}\n")
    return folder


@pytest.fixture
def demo(tmp_path: Path, workspace: Path, ollama_server, monkeypatch) -> AgentryApp:
    history = scenes.seeded_for_snapshots(tmp_path, monkeypatch)
    text = attachment_from_bytes(LOG.encode(), "logs/worker.log", "text/plain")
    image = attachment_from_bytes(PNG, "screenshot.png", "image/png")
    prompt = scenes.user("Why does the worker keep retrying?", 2)
    prompt["attachments"] = [text.ref, image.ref]
    session = AgentSession(
        "worker-retries",
        [scenes.SYSTEM, prompt, scenes.assistant("It cannot reach the queue.", 1)],
        created_at=scenes.NOW - timedelta(minutes=2),
        last_activity=scenes.NOW - timedelta(minutes=1),
    )
    session.pending_attachments = {p.ref["sha256"]: p for p in (text, image)}
    SessionManager(history).save(session)
    return scenes.demo_app(history, workspace)


async def _menu_open(pilot: Pilot) -> None:
    await scenes.settle(pilot)
    await pilot.press(*"Look at @re")
    menu = pilot.app.query_one(AttachmentMenu)
    await wait_until(pilot, lambda: menu.option_count == 4)
    await scenes.steady(pilot)


async def _entry_shown(pilot: Pilot) -> None:
    await scenes.settle(pilot)
    app = pilot.app
    await wait_until(pilot, lambda: "1280×720" in str(app.query(AttachmentEntry).last().render()))
    await scenes.steady(pilot)


def test_snapshot_of_the_at_menu(demo: AgentryApp, snap_compare) -> None:
    assert snap_compare(demo, terminal_size=(120, 36), run_before=_menu_open)


def test_snapshot_of_a_prompt_with_attachments(demo: AgentryApp, snap_compare) -> None:
    assert snap_compare(demo, terminal_size=(120, 36), run_before=_entry_shown)
