"""The file-system calls whose behaviour differs between POSIX and Windows, all here.

Windows refuses ``os.replace`` onto a file another process has open without sharing delete (a
reader, a virus scanner, an indexer) for a moment, and onto a file with the read-only attribute
for good; POSIX does neither. A folder cannot be opened there to be fsynced.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

WINDOWS = sys.platform == "win32"
_REPLACE_RETRIES = 10  # x the pause: half a second at most for another process to let go
_REPLACE_PAUSE_S = 0.05


def replace(src: str, dst: Path) -> None:
    """``os.replace(src, dst)``, atomic. On Windows a read-only ``dst`` loses that attribute first
    (POSIX replaces a read-only file as well: the folder's permissions decide) and a refusal is
    retried briefly before it is raised."""
    if not WINDOWS:
        os.replace(src, dst)
        return
    for _ in range(_REPLACE_RETRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            _clear_read_only(dst)
            time.sleep(_REPLACE_PAUSE_S)
    os.replace(src, dst)


def _clear_read_only(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
        if not mode & stat.S_IWRITE:
            os.chmod(path, mode | stat.S_IWRITE)  # on Windows: clears FILE_ATTRIBUTE_READONLY
    except OSError:
        pass  # gone, or not ours: the next attempt says why


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable. Windows cannot open a folder for fsync; NTFS journals
    the rename."""
    if WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
