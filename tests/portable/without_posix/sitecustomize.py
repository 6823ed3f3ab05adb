"""Run this interpreter as if on Windows: the POSIX-only modules cannot be imported and the
POSIX-only process calls are gone. Python imports this file at start-up when its folder is on
PYTHONPATH (children inherit it), before any other code runs.

The modules are refused to agentry, agentry_tui, the tests and the standard library they call
(``tty`` for ``termios``), but not to third-party packages: psutil, filelock and Textual load a
backend per platform (on Linux one that needs ``resource``, ``fcntl`` or ``termios``, on Windows
their Windows one). The hook is on ``__import__`` rather than a ``sys.meta_path`` finder because a
finder is not asked for a module already in ``sys.modules``: after psutil imported ``resource``,
``import resource`` in agentry would have succeeded.
"""

from __future__ import annotations

import builtins
import os
import sys
import sysconfig
from types import FrameType
from typing import Any

HIDDEN_MODULES = frozenset({"fcntl", "termios", "tty", "pty", "resource"})
HIDDEN_CALLS = ("killpg", "setsid")

_paths = sysconfig.get_paths()
_THIRD_PARTY = tuple({_paths["purelib"], _paths["platlib"]})
_STANDARD = tuple({_paths["stdlib"], _paths["platstdlib"], "<frozen", __file__})
_import = builtins.__import__


def _for_a_third_party_package(frame: FrameType | None) -> bool:
    """Whether the nearest caller outside the standard library is a third-party package."""
    while frame is not None:
        where = frame.f_code.co_filename
        if where.startswith(_THIRD_PARTY):  # first: site-packages may be inside the stdlib
            return True
        if not where.startswith(_STANDARD):
            return False
        frame = frame.f_back
    return False


def _guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
    level = args[3] if len(args) > 3 else kwargs.get("level", 0)
    if (
        level == 0
        and name.partition(".")[0] in HIDDEN_MODULES
        and not _for_a_third_party_package(sys._getframe(1))
    ):
        raise ModuleNotFoundError(f"No module named {name!r} (hidden: as on Windows)", name=name)
    return _import(name, *args, **kwargs)


if __name__ == "sitecustomize":  # at start-up; not when a test imports the names above
    builtins.__import__ = _guarded_import
    for _call in HIDDEN_CALLS:
        if hasattr(os, _call):
            delattr(os, _call)
