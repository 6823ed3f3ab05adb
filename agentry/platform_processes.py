"""The process calls that differ between POSIX and Windows, all here.

POSIX: a command leads a new session, so a process group of its own, which one ``killpg`` ends
at once. Windows has no groups to signal: its new process group only keeps the console's Ctrl+C
and Ctrl+Break away from the app, and the caller ends the command's tree process by process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

NEW_GROUP: dict[str, Any]  # the Popen / create_subprocess_* arguments
if sys.platform == "win32":
    NEW_GROUP = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
else:
    NEW_GROUP = {"start_new_session": True}


def group_of(pid: int) -> int | None:
    """The process group of ``pid``; None where there are none, or when it is gone."""
    getpgid = getattr(os, "getpgid", None)  # looked up each call: absent on Windows
    try:
        return None if getpgid is None else getpgid(pid)
    except OSError:
        return None


def kill_group(pgid: int) -> None:
    """Kill every member of the group ``pgid`` at once (no member can fork meanwhile); nothing
    where there are no groups."""
    killpg = getattr(os, "killpg", None)  # looked up each call: absent on Windows
    if sys.platform == "win32" or killpg is None:
        return
    try:
        killpg(pgid, signal.SIGKILL)
    except OSError:
        pass  # empty by now, or holds a process not ours (a setuid program)
