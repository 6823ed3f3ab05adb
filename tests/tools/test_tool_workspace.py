from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentry.errors import ToolError
from agentry.tools import Workspace


def test_resolves_paths_inside(workspace: Workspace, root: Path) -> None:
    (root / "inner").mkdir()
    (root / "inner" / "link").symlink_to(root / "inner")
    assert workspace.resolve("a/b.txt") == root.resolve() / "a" / "b.txt"
    assert workspace.resolve("inner/../c") == root.resolve() / "c"
    assert workspace.resolve(str(root / "d")) == root.resolve() / "d"
    assert workspace.resolve("inner/link/e") == root.resolve() / "inner" / "e"
    assert workspace.resolve("") == workspace.resolve(".") == root.resolve()


@pytest.mark.parametrize("path", ["..", "../outside/secret.txt", "a/../../x", "/etc/passwd", "~"])
def test_refuses_escapes(workspace: Workspace, path: str) -> None:
    with pytest.raises(ToolError, match="outside the workspace"):
        workspace.resolve(path)


def test_refuses_symlinks_leading_out(workspace: Workspace, root: Path) -> None:
    outside = root.parent / "outside"
    (root / "file_link").symlink_to(outside / "secret.txt")
    (root / "dir_link").symlink_to(outside)
    (root / "dangling").symlink_to(outside / "not-yet")
    for path in ("file_link", "dir_link", "dir_link/secret.txt", "dir_link/new.txt", "dangling"):
        with pytest.raises(ToolError, match="outside the workspace"):
            workspace.resolve(path)


def test_refuses_unusable_paths(workspace: Workspace) -> None:
    with pytest.raises(ToolError, match="Cannot use path"):
        workspace.resolve("bad\0name")


def test_defaults_to_the_current_folder(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    workspace = Workspace()
    os.chdir(root.parent)  # a later chdir does not move the boundary
    assert workspace.root == root.resolve()
    assert workspace.resolve("x") == root.resolve() / "x"
