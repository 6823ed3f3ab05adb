"""The status bar says true things that fit: whole parts only (the least useful leave first),
a speed only when it means something and never the last reply's during a new one, plurals
right; the full story on hover and in the metadata panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button

from agentry.config import choose_provider
from agentry.export import to_markdown
from agentry_tui.formatting import tokens_per_second
from agentry_tui.screens.approval import ApprovalScreen
from agentry_tui.store import Connection
from agentry_tui.view import ShownMessage
from agentry_tui.widgets.fitted import fitted
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.status import StatusLine, status_parts
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    active,
    painted,
    ready,
    replying,
    send,
    status_text,
    text_of,
    wait_until,
)
from tests.tui.scenes import NOW, SYSTEM, assistant, seed, user


async def local_fallback(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> Connection:
    """What the connection says when no Ollama answers and the offline model is used."""
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    monkeypatch.setattr("agentry.providers.local.local_available", lambda: True)
    choice = await choose_provider(None)
    assert choice.name == "local"
    return Connection("connected", "local", "smollm2-135m-instruct", choice.reason)


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60])
async def test_the_status_line_keeps_whole_parts(app, monkeypatch, closed_port, width: int) -> None:
    connection = await local_fallback(monkeypatch, closed_port)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        parts = status_parts(connection, active(app))
        whole = [content.plain for content, _ in parts]
        shown = fitted(parts, width).plain
        assert len(shown) <= width
        kept = [part for part in whole if part in shown]
        assert "".join(kept) == shown  # nothing cut: every part is there whole, or not at all
        assert shown.startswith(" ● connected local · smollm2-135m-instruct")
        if width >= 120:  # the why comes before the less useful counts and flags
            assert "no Ollama answered (more: ctrl+o)" in shown


async def test_the_why_is_whole_at_120_columns_and_in_full_on_hover_and_in_the_panel(
    app, monkeypatch, closed_port
) -> None:
    connection = await local_fallback(monkeypatch, closed_port)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        app.store.connection = connection
        await pilot.pause()
        line = app.query_one(StatusLine)
        screen_line = painted(app, line)[0]
        assert "no Ollama answered (more: ctrl+o)" in screen_line and "…" not in screen_line
        assert "start Ollama, or pick a provider with /model or --provider" in str(line.tooltip)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert connection.detail in text_of(
            app.query_one(MetadataPanel).query_one("#metadata-body")
        )


def test_connecting_says_what_is_true() -> None:
    assert fitted(status_parts(Connection(), None), 200).plain == (
        " ◌ connecting looking for a model server"
    )
    assert fitted(status_parts(Connection("connecting", "ollama"), None), 200).plain == (
        " ◌ connecting ollama"
    )


@pytest.mark.parametrize(
    ("usage", "speed"),
    [
        ({"completion_tokens": 3, "duration_s": 0.0286}, ""),  # 104.9 tok/s: overhead, not speed
        ({"completion_tokens": 19, "duration_s": 0.5}, ""),
        ({"completion_tokens": 20, "duration_s": 0.5}, "20 tokens · 40.0 tok/s"),
        ({"completion_tokens": 1, "duration_s": 2.0}, "1 token · 0.5 tok/s"),
    ],
)
def test_a_speed_is_shown_when_it_means_something(usage: dict, speed: str) -> None:
    reply = {"role": "assistant", "content": "x", "_usage": usage}
    assert ShownMessage.of(reply, NOW).speed == speed
    assert (tokens_per_second(usage) is None) == (speed == "")


def test_one_message_is_singular_in_an_export() -> None:
    from agentry.sessions import AgentSession

    text = to_markdown(AgentSession("s", [SYSTEM], created_at=NOW, last_activity=NOW))
    assert "· 1 message\n" in text


async def test_a_new_reply_does_not_show_the_last_ones_speed(app, history: Path) -> None:
    seed(history, "fast", [SYSTEM, user("q", 3), assistant("a", 2, tokens=96)], 4, 2)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "48.0 tok/s" in status_text(app) and "3 messages" in status_text(app)
        await replying(pilot, "#slow #long:60 again")
        assert "streaming" in status_text(app) and "tok/s" not in status_text(app)


async def test_one_message_is_singular_in_the_status(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "│  1 message  │" in status_text(app)


async def test_approve_edited_fits_its_button(app, workspace: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send(pilot, '#tool:create_file {"path": "note.txt", "content": "hello"}')
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("e")
        await pilot.pause()
        button = app.screen.query_one("#approve", Button)
        label = str(button.label)
        assert label == "Approve edited"
        assert label in "".join(painted(app, button))  # shown whole
        hint = " ".join(painted(app, app.screen.query_one("#approval-hint")))
        assert "Tab, then Enter, approves" in hint
