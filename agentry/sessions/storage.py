"""File primitives: atomic replace, per-session locks and bounded reads of regular files.

Portable: the locks are ``filelock``'s (``flock`` on POSIX, ``LockFileEx`` on Windows), and the
calls that differ by platform are in ``agentry.platform_files``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from agentry import platform_files

LOCK_DIR = ".locks"
TEMP_SUFFIX = ".tmp"

# Binary (no newline translation) and not inherited by child processes, on Windows.
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOINHERIT", 0)
)
_FCHMOD: Callable[[int, int], None] | None = getattr(os, "fchmod", None)  # Windows: from 3.13


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600, keep_mode: bool = False) -> None:
    """Write ``data`` to ``path`` so that a reader, or a crash, sees the old file or the new one.

    The temp file lives in the same folder (``os.replace`` is atomic only within a file system);
    it is fsynced before the rename and the folder after it, so the new name survives a power cut.
    It is created with ``mode`` less the umask (private by default: sessions and settings);
    ``keep_mode`` has it take over an existing file's mode (an edited script stays executable).
    Callers that write sessions hold the file's lock (see ``locked``): that is how a listing tells
    a temp file of a live writer from one a killed writer left.
    """
    fd, tmp = _create_temp(path, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            if keep_mode and _FCHMOD is not None:
                with contextlib.suppress(FileNotFoundError):
                    _FCHMOD(f.fileno(), stat.S_IMODE(path.stat().st_mode))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        platform_files.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    platform_files.fsync_dir(path.parent)


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """A new, empty temp file beside ``path``, open for writing."""
    for _ in range(100):
        # Named ``.<name>.<random>.tmp``: a listing finds the lock of a leftover one by that name.
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return os.open(tmp, _TEMP_FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"No free temp file name beside {path}.")


def _lock(folder: Path, name: str) -> FileLock:
    lock_dir = folder / LOCK_DIR
    lock_dir.mkdir(exist_ok=True)
    # Never the soft (marker file) fallback: a marker outlives a killed process and would read
    # as a held lock. The native lock is dropped by the system when its holder dies.
    return FileLock(
        lock_dir / f"{name}.lock", thread_local=False, poll_interval=0.002, fallback_to_soft=False
    )


@contextlib.contextmanager
def locked(folder: Path, name: str) -> Iterator[None]:
    """Hold the exclusive lock ``<folder>/.locks/<name>.lock`` (waiting for it). Other threads and
    processes wait; the system drops it if the process dies, so a killed writer never leaves a
    session locked, and the file left behind is never taken for a held lock."""
    with _lock(folder, name):
        yield


@contextlib.contextmanager
def locked_if_free(folder: Path, name: str) -> Iterator[bool]:
    """Take the lock only if nobody holds it; yields whether it was taken."""
    lock = _lock(folder, name)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


class NotARegularFile(OSError):
    """A FIFO, socket, device or folder where a file was expected."""


class FileTooLarge(OSError):
    """A file over the size limit its reader set."""


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

# O_NONBLOCK: opening a FIFO that slipped in after the stat returns at once instead of waiting
# for a writer (the fstat then refuses it). Absent on Windows, which has no FIFOs to open.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


def not_regular_problem(st: os.stat_result) -> str:
    kind = next((what for test, what in _KINDS if test(st.st_mode)), "an unknown kind")
    return f"it is not a regular file but {kind}"


def check_regular(st: os.stat_result) -> None:
    """Raise NotARegularFile unless ``st`` is a regular file's."""
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(not_regular_problem(st))


def read_regular(
    path: str | Path, limit: int, st: os.stat_result | None = None
) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at ``path`` (symlinks followed) and its stat.

    Never blocks and never reads more than ``limit`` + 1 bytes: anything but a regular file is
    refused before it is opened (NotARegularFile; ``st`` is the path's stat if the caller has
    it), the descriptor is checked again after opening (the path may have been swapped in
    between), and a file over ``limit`` raises FileTooLarge.
    """
    check_regular(os.stat(path) if st is None else st)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        check_regular(st)
        if st.st_size > limit:
            raise FileTooLarge(_too_large(st.st_size, limit))
        parts: list[bytes] = []
        total = 0
        want = st.st_size + 1  # one read for a file that did not grow; +1 to see the end
        while part := os.read(fd, want):
            parts.append(part)
            total += len(part)
            if total > limit:
                raise FileTooLarge(_too_large(total, limit))
            want = min(1 << 20, limit + 1 - total)
        return b"".join(parts), st
    finally:
        os.close(fd)


def _too_large(size: int, limit: int) -> str:
    return f"it is {size:,} bytes or more, over the size limit of {limit:,} bytes"


def read_head(path: str | Path, size: int) -> bytes:
    """At most the first ``size`` bytes of a regular file; b"" for anything else."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def os_problem(exc: OSError) -> str:
    """What an OSError from reading a file says, without the path (the caller names the file)."""
    if isinstance(exc, NotARegularFile | FileTooLarge):
        return str(exc)
    return f"it cannot be read ({exc.strerror or exc})"
