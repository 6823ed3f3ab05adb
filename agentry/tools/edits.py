"""File-changing tools: create_file, edit_file, delete_file. Every write is atomic."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from agentry.errors import ToolError
from agentry.tools.files import existing_file
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool
from agentry.tools.workspace import Workspace


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a reader (or a crash) sees the old file or the new one.

    The temp file is made with mode 0o666 so the umask applies as for any new file, and takes
    over an existing file's mode (an edited script stays executable).
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(f.fileno(), stat.S_IMODE(path.stat().st_mode))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def edit_tools(workspace: Workspace) -> list[Tool]:
    def create_file(path: str, content: str, overwrite: bool = False) -> str:
        """Create a text file in the workspace, with any missing parent folders.

        Args:
            path: File path, relative to the workspace root.
            content: The complete text of the file.
            overwrite: Replace the file if it already exists.
        """
        target = workspace.resolve(path)
        if target.is_dir():
            raise ToolError(f"{path!r} is a folder.")
        existed = target.exists()
        if existed and not overwrite:
            raise ToolError(f"{path!r} already exists. Pass overwrite=true to replace it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8")
        atomic_write(target, data)
        return f"{'Replaced' if existed else 'Created'} {path} ({len(data)} bytes)."

    def edit_file(path: str, old: str, new: str) -> str:
        """Replace one exact occurrence of a piece of text in a file of the workspace.

        Args:
            path: File path, relative to the workspace root.
            old: Text to replace; it must occur exactly once, so include enough context.
            new: Replacement text.
        """
        if not old:
            raise ToolError("old must not be empty.")
        target = existing_file(workspace, path)
        try:
            text = target.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ToolError(f"{path!r} is not UTF-8 text and cannot be edited.") from None
        count = text.count(old)
        if count != 1:
            where = "was not found" if count == 0 else f"occurs {count} times"
            raise ToolError(
                f"old {where} in {path}; it must occur exactly once. "
                + ("Check it against the file's text." if count == 0 else "Include more context.")
            )
        atomic_write(target, text.replace(old, new, 1).encode("utf-8"))
        return f"Edited {path}."

    def delete_file(path: str) -> str:
        """Delete a file of the workspace (not a folder).

        Args:
            path: File path, relative to the workspace root.
        """
        existing_file(workspace, path).unlink()
        return f"Deleted {path}."

    return [
        tool_from_function(create_file, permission="write"),
        tool_from_function(edit_file, permission="write"),
        tool_from_function(delete_file, permission="write"),
    ]
