"""Snapshots of the MCP screens: the servers screen (one ready, one failed with its stderr, one
entry not valid) and an elicitation form, over the demo sessions.

Update after looking at them: pytest tests/mcpui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from agentry_tui.app import AgentryApp
from tests.mcpui.conftest import ASKING, BROKEN, configure, servers_settled
from tests.tui import scenes


@pytest.fixture
def demo(tmp_path: Path, ollama_server, monkeypatch: pytest.MonkeyPatch) -> AgentryApp:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return scenes.demo_app(scenes.seeded_for_snapshots(tmp_path, monkeypatch), workspace)


async def servers_screen(pilot: Pilot) -> None:
    await scenes.settle(pilot)
    await servers_settled(pilot, {"ready", "failed"})
    await scenes.send(pilot, "/mcp")
    await scenes.wait_until(pilot, lambda: pilot.app.screen.id == "mcp-servers-screen")
    await pilot.press("down")  # the failed one: its reason and stderr below the list
    await scenes.steady(pilot)


async def elicitation_form(pilot: Pilot) -> None:
    await scenes.settle(pilot)
    await servers_settled(pilot, {"ready", "failed"})
    await scenes.send(pilot, "#tool:asking__book_table")
    await scenes.wait_until(pilot, lambda: pilot.app.screen.id == "elicitation-screen", 20)
    await pilot.press(*"Ada", "tab", *"13", "enter")  # a value out of range: its message
    await scenes.steady(pilot)


SCENES: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "servers_screen": servers_screen,
    "elicitation_form": elicitation_form,
}


@pytest.mark.parametrize("scene", list(SCENES))
def test_snapshot(scene: str, demo: AgentryApp, snap_compare) -> None:
    configure({"asking": ASKING, "broken": BROKEN, "wrong": {"args": ["x"]}})
    assert snap_compare(demo, terminal_size=(120, 36), run_before=SCENES[scene])
