from __future__ import annotations

from pathlib import Path

import pytest

from agentry.tools import ToolRegistry, Workspace, default_tools


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The workspace folder; ``tmp_path / "outside"`` is a sibling the tools must not reach."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret\n")
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


@pytest.fixture
def workspace(root: Path) -> Workspace:
    return Workspace(root)


@pytest.fixture
def tools(workspace: Workspace) -> ToolRegistry:
    return ToolRegistry(default_tools(workspace))
