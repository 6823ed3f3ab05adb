"""The per-session folder of attachment bytes (file I/O, the edge): ``attachments/<id>/`` in
the history folder, beside ``<id>_chat.toon``. Files are named by content hash (``<sha256>.png``),
so the same bytes attached twice are stored once, and a name says nothing of the person's files.

One ``attachments`` folder holds them all: no session file can bear that name (they end in
``_chat.toon``), listing and search skip it (they read only names a session id gives), and a
listing of 10,000 sessions meets one more entry, not one per session. Bytes are written before
the session file that refers to them, so after a crash at any moment every reference on disk has
its bytes; the worst a crash leaves is a file no message refers to yet, removed with the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from agentry.attachments.model import IMAGE_TYPES, SHA256, AttachmentError, AttachmentRef
from agentry.sessions.ids import validate_session_id
from agentry.sessions.storage import atomic_write

FOLDER = "attachments"


def folder_for(history_dir: Path, session_id: str) -> Path:
    return history_dir / FOLDER / validate_session_id(session_id)


def file_name(ref: AttachmentRef) -> str:
    """``<sha256>.<ext>``: the extension lets a Markdown export's link open in a viewer."""
    if not SHA256.fullmatch(ref["sha256"]):  # never a path from a reference
        raise AttachmentError(f"Attachment {ref['name']!r} has no valid sha256.")
    return ref["sha256"] + IMAGE_TYPES.get(ref["media_type"], ".txt")


def write(folder: Path, ref: AttachmentRef, data: bytes) -> None:
    """Store ``data`` under its hash (atomically, fsynced), unless it is stored already."""
    path = folder / file_name(ref)
    if path.is_file() and path.stat().st_size == len(data):
        return
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


def read(folder: Path, ref: AttachmentRef) -> bytes | None:
    """The stored bytes of ``ref``; None if the file is gone or no longer holds them."""
    try:
        data = (folder / file_name(ref)).read_bytes()
    except (OSError, AttachmentError):
        return None
    return data if hashlib.sha256(data).hexdigest() == ref["sha256"] else None


def has(folder: Path, ref: AttachmentRef) -> bool:
    return (folder / file_name(ref)).is_file()


def remove(folder: Path) -> None:
    """Delete the folder and its files, if there is one."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(folder)


def move(old: Path, new: Path) -> None:
    """Give the folder a new name (a session renamed), if there is one. A folder by the new
    name is one a crash left with no session (the caller checked there is none): replaced."""
    if old.exists():
        remove(new)
        os.replace(old, new)


def share(source: Path, target: Path, refs: Iterable[AttachmentRef]) -> None:
    """Put the files of ``refs`` in ``target`` too (a fork keeps what it holds): hard links
    where the file system has them (no second copy on disk), else copies. Files the source no
    longer has are skipped (the fork's messages then say what is missing, as the source's do)."""
    for ref in refs:
        name = file_name(ref)
        if (target / name).exists() or not (source / name).is_file():
            continue
        target.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / name, target / name)
        except OSError:
            shutil.copyfile(source / name, target / name)
