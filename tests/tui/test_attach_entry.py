"""A prompt with attachments in the chat: a compact line per attachment (name, size; a text's
first lines, an image's dimensions), expanded by Enter or a click, after a restart too; and
the pure parts it is made of (agentry_tui/attachment_view.py, the view model)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from agentry_tui.app import AgentryApp
from agentry_tui.attachment_view import image_dimensions, preview
from agentry_tui.view import ShownMessage
from agentry_tui.widgets.attachment_entry import AttachedUserMessage, AttachmentEntry
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, painted, ready, wait_until

LOG = "".join(f"line {n}: \x1b[31mred\x1b[0m ok\n" for n in range(1, 8))
NOW = datetime(2026, 12, 7, 12, 0)


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + struct.pack(">II", width, height) + bytes(40)


def test_image_dimensions_from_each_format() -> None:
    assert image_dimensions(png(640, 480)) == (640, 480)
    assert image_dimensions(b"GIF89a" + struct.pack("<HH", 12, 34) + bytes(8)) == (12, 34)
    sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 300, 200)  # height, width
    jpeg = b"\xff\xd8" + b"\xff\xe0\x00\x04ab" + sof + bytes(10)
    assert image_dimensions(jpeg) == (200, 300)
    vp8x = (
        b"RIFF\x00\x00\x00\x00WEBPVP8X"
        + bytes(8)
        + (99).to_bytes(3, "little")
        + (49).to_bytes(3, "little")
    )
    assert image_dimensions(vp8x) == (100, 50)
    assert image_dimensions(b"\x89PNG\r\n\x1a\n\x00") is None  # cut short
    assert image_dimensions(b"plain text") is None


def test_preview_is_the_first_lines_and_counts_the_rest() -> None:
    assert preview("a\nb\nc\nd\ne\n") == ("a\nb\nc", 2)
    assert preview("one") == ("one", 0)
    assert preview("x" * 500)[0] == "x" * 200 + "…"


def test_the_view_model_has_the_attachments_of_a_prompt_only() -> None:
    ref = {
        "kind": "text",
        "name": "a\x1b[2Jb.txt",
        "media_type": "text/plain",
        "size": 2048,
        "sha256": "0" * 64,
    }
    shown = ShownMessage.of({"role": "user", "content": "q", "attachments": [ref]}, NOW)
    assert [(a.name, a.size, a.is_image) for a in shown.attachments] == [
        ("a␛[2Jb.txt", "2 KB", False)
    ]
    assert (
        ShownMessage.of(
            {"role": "assistant", "content": "q", "attachments": [ref]}, NOW
        ).attachments
        == ()
    )


async def _send_with_files(app: AgentryApp, pilot, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    (workspace / "run.log").write_text(LOG)
    (workspace / "shot.png").write_bytes(png(640, 480))
    await pilot.press(*"@run.log", "space", *"@shot.png", "space", *"why?", "enter")
    entry = active(app)
    await wait_until(pilot, lambda: not entry.streaming and entry.saved)


def entry_lines(app: AgentryApp) -> list[str]:
    view = app.query_one(AttachedUserMessage)
    return [line.rstrip() for line in painted(app, view) if line.strip()]


async def test_the_entry_shows_previews_and_expands(app, workspace: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _send_with_files(app, pilot, workspace)
        await wait_until(pilot, lambda: any("640×480" in line for line in entry_lines(app)))
        lines = "\n".join(entry_lines(app))
        assert f"≡ run.log  {len(LOG)} B  ▸ 4 more lines" in lines
        assert "line 1: ␛[31mred␛[0m ok" in lines and "line 4" not in lines  # shown safely
        assert f"▣ shot.png  {len(png(640, 480))} B  640×480" in lines
        first = app.query(AttachmentEntry).first()
        first.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "line 7: ␛[31mred␛[0m ok" in "\n".join(entry_lines(app))
        await pilot.click(first)  # a click folds it again
        await pilot.pause()
        assert "line 4" not in "\n".join(entry_lines(app))


async def test_the_entry_reads_the_stored_bytes_after_a_restart(
    make_app: Callable[..., AgentryApp], ollama_server, workspace: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _send_with_files(app, pilot, workspace)
        session_id = active(app).id
        await app.action_quit()
    (workspace / "run.log").unlink()  # the session keeps its own copy
    again = make_app(session_id=session_id)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: any("line 3" in line for line in entry_lines(again)))
        assert any("640×480" in line for line in entry_lines(again))
