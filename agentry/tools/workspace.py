"""The folder the file tools may touch, and the one check that keeps them inside it."""

from __future__ import annotations

import os
from pathlib import Path

from agentry.errors import ToolError


class Workspace:
    """A root folder; every path a tool receives goes through :meth:`resolve`."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        # Resolved once, so a later chdir or a symlinked root cannot move the boundary.
        self.root = Path(Path.cwd() if root is None else root).resolve()

    def resolve(self, path: str) -> Path:
        """The absolute, symlink-free path for ``path`` (relative to the root), if inside the root.

        Refuses ``..`` escapes, absolute paths elsewhere and symlinks that lead out. The check is
        made at call time: a symlink swapped in between check and use is not guarded against.
        """
        try:
            target = (self.root / Path(path).expanduser()).resolve(strict=False)
        except (OSError, RuntimeError, ValueError) as exc:  # NUL bytes, symlink loops
            raise ToolError(f"Cannot use path {path!r}: {exc}") from None
        if not target.is_relative_to(self.root):
            raise ToolError(f"Path {path!r} is outside the workspace {self.root} and was refused.")
        return target

    def relative(self, path: Path) -> str:
        """``path`` as the tools show it: relative to the root, '.' for the root itself."""
        return path.relative_to(self.root).as_posix()
