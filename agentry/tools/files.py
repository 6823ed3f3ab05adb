"""Read-only file tools: read_file, list_files, search_files. Paths go through the Workspace."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Annotated

from pydantic import Field

from agentry.errors import ToolError
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool
from agentry.tools.workspace import Workspace

READ_CAP = 256 * 1024  # bytes of text one read_file call returns
LIST_CAP = 1000  # entries one list_files call returns
SEARCH_CAP = 200  # matching lines one search_files call returns
LINE_CAP = 300  # characters shown of one matching line
SKIPPED = frozenset({".git"})
_SNIFF = 8192  # a NUL byte in this many leading bytes marks a file as binary (git's rule)


def is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\0" in f.read(_SNIFF)


def existing_file(workspace: Workspace, path: str) -> Path:
    """The resolved ``path``, which must be a regular file."""
    target = workspace.resolve(path)
    if not target.exists():
        raise ToolError(f"File {path!r} does not exist.")
    if target.is_dir():
        raise ToolError(f"{path!r} is a directory, not a file.")
    if not target.is_file():  # a FIFO would block the reader forever
        raise ToolError(f"{path!r} is not a regular file.")
    return target


def file_tools(workspace: Workspace) -> list[Tool]:
    def read_file(
        path: str,
        offset: Annotated[int, Field(ge=1)] = 1,
        limit: Annotated[int | None, Field(ge=1)] = None,
    ) -> str:
        """Read a text file in the workspace. Long files are cut at 256 KB; read on with offset.

        Args:
            path: File path, relative to the workspace root.
            offset: Line number to start at (1 is the first line).
            limit: Greatest number of lines to return; all (up to the size cap) if omitted.
        """
        target = existing_file(workspace, path)
        if is_binary(target):
            raise ToolError(f"{path!r} is a binary file; only text files can be read.")
        chunks: list[bytes] = []
        size, note, lineno = 0, "", 0
        stop = None if limit is None else offset + limit
        with target.open("rb") as f:
            for lineno, line in enumerate(f, 1):
                if lineno < offset:
                    continue
                if lineno == stop:
                    break
                if size + len(line) > READ_CAP:
                    if not chunks:  # one huge line: show its start rather than nothing
                        chunks.append(line[:READ_CAP])
                        lineno += 1
                    note = f"\n[Truncated at 256 KB. Call again with offset={lineno} to read on.]"
                    break
                chunks.append(line)
                size += len(line)
        if not chunks:
            if not lineno:
                return "[empty file]"
            return f"[{path} has {lineno} lines; offset {offset} is past the end.]"
        return b"".join(chunks).decode("utf-8", errors="replace") + note

    def list_files(path: str = ".", recursive: bool = False) -> str:
        """List a folder of the workspace, sorted; folders end with '/'. Skips .git.

        Args:
            path: Folder to list, relative to the workspace root.
            recursive: Also list everything below, depth first.
        """
        folder = workspace.resolve(path)
        if not folder.is_dir():
            raise ToolError(f"{path!r} is not a folder.")
        entries = list(itertools.islice(_walk(workspace, folder, recursive), LIST_CAP + 1))
        if not entries:
            return "[empty folder]"
        if len(entries) > LIST_CAP:
            entries[LIST_CAP:] = [f"[Truncated at {LIST_CAP} entries. List a subfolder instead.]"]
        return "\n".join(entries)

    def search_files(pattern: str, path: str = ".", glob: str | None = None) -> str:
        """Search text files under a folder for a regular expression; answers 'file:line: text'.

        Args:
            pattern: Python regular expression, matched against each line.
            path: Folder (or single file) to search, relative to the workspace root.
            glob: Only search files whose path matches this pattern, e.g. '*.py'.
        """
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ToolError(f"Invalid regular expression {pattern!r}: {exc}") from None
        start = workspace.resolve(path)
        if start.is_file():
            files: Iterable[str] = [workspace.relative(start)]
        elif start.is_dir():
            walk = _walk(workspace, start, recursive=True)
            files = (entry for entry in walk if not entry.endswith("/"))
        else:
            raise ToolError(f"{path!r} does not exist.")
        hits = itertools.islice(_matches(workspace, files, regex, glob), SEARCH_CAP + 1)
        lines = list(hits)
        if not lines:
            return "No matches."
        if len(lines) > SEARCH_CAP:
            lines[SEARCH_CAP:] = [f"[Truncated at {SEARCH_CAP} matches. Narrow the search.]"]
        return "\n".join(lines)

    return [
        tool_from_function(read_file, permission="read"),
        tool_from_function(list_files, permission="read"),
        tool_from_function(search_files, permission="read"),
    ]


def _walk(workspace: Workspace, folder: Path, recursive: bool) -> Iterator[str]:
    """Entries below ``folder`` as workspace-relative paths, sorted, depth first, lazily."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:  # unreadable folder: list what can be listed
        return
    for entry in entries:
        if entry.name in SKIPPED:
            continue
        is_dir = entry.is_dir()
        yield workspace.relative(Path(entry.path)) + ("/" if is_dir else "")
        # Symlinked folders are listed but not entered: they may lead out of the workspace.
        if recursive and is_dir and not entry.is_symlink():
            yield from _walk(workspace, Path(entry.path), recursive)


def _matches(
    workspace: Workspace, files: Iterable[str], regex: re.Pattern[str], glob: str | None
) -> Iterator[str]:
    """'file:line: text' for each matching line of ``files`` (workspace-relative paths)."""
    for shown in files:
        if glob and not PurePosixPath(shown).match(glob):
            continue
        try:
            # A symlinked file may point out of the workspace: resolve() refuses it like any path.
            real = workspace.resolve(shown)
            if not real.is_file() or is_binary(real):
                continue
            with real.open(encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    if regex.search(line):
                        yield f"{shown}:{lineno}: {line.rstrip()[:LINE_CAP]}"
        except (OSError, ToolError):
            continue
