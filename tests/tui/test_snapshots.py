"""Snapshots of the main screens (tests/tui/scenes.py sets each one up).

Update after looking at them: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentry_tui.app import AgentryApp
from tests.tui import scenes


@pytest.fixture
def demo(tmp_path: Path, ollama_server, monkeypatch: pytest.MonkeyPatch) -> AgentryApp:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return scenes.demo_app(scenes.seeded_for_snapshots(tmp_path, monkeypatch), workspace)


@pytest.mark.parametrize("scene", list(scenes.SCENES))
def test_snapshot(scene: str, demo: AgentryApp, snap_compare) -> None:
    assert snap_compare(demo, terminal_size=(120, 36), run_before=scenes.SCENES[scene])


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@pytest.mark.parametrize("scene", ["main_screen", "metadata_panel"])
def test_snapshot_at_width(
    scene: str, size: tuple[int, int], demo: AgentryApp, snap_compare
) -> None:
    """The layout at a small and a wide terminal (120x36 is above)."""
    assert snap_compare(demo, terminal_size=size, run_before=scenes.SCENES[scene])


def test_approval_dialog_at_80x24(demo: AgentryApp, snap_compare) -> None:
    """The approval dialog's five choices and what "always" means, whole at 80x24."""
    assert snap_compare(demo, terminal_size=(80, 24), run_before=scenes.tool_approval)
