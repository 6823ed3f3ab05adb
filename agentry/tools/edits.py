"""File-changing tools: create_file, edit_file, delete_file. Every write is atomic."""

from __future__ import annotations

from pathlib import Path

from agentry.errors import ToolError
from agentry.sessions.storage import atomic_write
from agentry.tools.files import existing_file
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool
from agentry.tools.workspace import Workspace


def write_text_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically; a new file gets the usual mode (0o666 less the umask), an
    existing one keeps its own (an edited script stays executable)."""
    atomic_write(path, data, mode=0o666, keep_mode=True)


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
        write_text_file(target, data)
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
        write_text_file(target, text.replace(old, new, 1).encode("utf-8"))
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
