"""One atomic write for sessions, settings and the file tools: the old file or the new one, never
a mix; the file and its folder fsynced; private by default, and the file tools' files with the
usual mode (an edited file keeps its own)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from agentry.sessions.storage import atomic_write
from agentry.tools import ToolRegistry, Workspace, default_tools

posix_modes = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@posix_modes
def test_a_new_file_is_private_unless_a_mode_is_given(tmp_path: Path) -> None:
    atomic_write(tmp_path / "session.json", b"{}")
    assert stat.S_IMODE((tmp_path / "session.json").stat().st_mode) == 0o600 & ~umask()
    atomic_write(tmp_path / "notes.txt", b"x", mode=0o666, keep_mode=True)
    assert stat.S_IMODE((tmp_path / "notes.txt").stat().st_mode) == 0o666 & ~umask()


@posix_modes
def test_keep_mode_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("echo old\n")
    script.chmod(0o750)
    atomic_write(script, b"echo new\n", mode=0o666, keep_mode=True)
    assert script.read_text() == "echo new\n" and stat.S_IMODE(script.stat().st_mode) == 0o750
    atomic_write(script, b"echo private\n")  # without keep_mode: the mode it is created with
    assert stat.S_IMODE(script.stat().st_mode) == 0o600 & ~umask()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write(path, "not bytes", keep_mode=True)  # type: ignore[arg-type]
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.txt"]


@posix_modes  # Windows cannot open a folder to fsync it (NTFS journals the rename)
async def test_the_file_tools_fsync_the_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    tools = ToolRegistry(default_tools(Workspace(tmp_path)))
    await tools.execute("create_file", {"path": "a.txt", "content": "one"})
    await tools.execute("edit_file", {"path": "a.txt", "old": "one", "new": "two"})
    assert (tmp_path / "a.txt").read_text() == "two"
    assert synced == ["file", "folder"] * 2  # the new name survives a power cut
