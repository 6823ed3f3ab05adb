"""Reading a file or a resource's bytes into a checked ``Pending`` attachment.

The type comes from the bytes, never the name: an image is a PNG, JPEG, WebP or GIF by its magic
bytes; text is valid UTF-8 without NUL characters; anything else is refused. A file is checked
against its cap by its size before it is read, so a huge file costs nothing.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from agentry.attachments.model import (
    IMAGE_CAP,
    IMAGE_TYPES,
    TEXT_CAP,
    TEXT_TYPE,
    AttachmentError,
    AttachmentRef,
    Kind,
    Pending,
)
from agentry.wording import byte_size

# Non-blocking: a FIFO (which fstat then refuses) must not hang the open waiting for a writer.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
HEAD = 16  # bytes enough to tell every accepted image type
PREVIEW_LINES = 5
PREVIEW_WIDTH = 120


def image_type(head: bytes) -> str | None:
    """The media type of an accepted image from its first bytes, None if it is none of them."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def cap_for(kind: Kind) -> int:
    return IMAGE_CAP if kind == "image" else TEXT_CAP


def read_attachment(path: str | os.PathLike[str], *, root: Path) -> Pending:
    """The file at ``path`` (relative to ``root``, or absolute) as an attachment. Raises
    AttachmentError naming the file for: not found, a folder or other non-file, outside
    ``root`` (symlinks are followed first), over its cap, binary that is not an accepted image,
    unreadable."""
    base = Path(root).resolve()
    given = Path(path).expanduser()
    shown = os.fspath(path)
    try:
        real = (base / given).resolve(strict=True)  # an absolute ``given`` replaces ``base``
    except FileNotFoundError:
        raise AttachmentError(f"Cannot attach {shown}: there is no such file.") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a denied folder on the way
        raise AttachmentError(f"Cannot attach {shown}: {_reason(exc)}.") from None
    if not real.is_relative_to(base):
        leads = "" if real == (base / given).absolute() else f" (it leads to {real})"
        raise AttachmentError(
            f"Cannot attach {shown}: it is outside the working folder {base}{leads}. Only files "
            "inside it can be attached."
        )
    if real.is_dir():  # before opening: Windows refuses to open a folder as "access denied"
        raise AttachmentError(f"Cannot attach {shown}: it is a folder, not a file.")
    name = real.relative_to(base).as_posix()
    try:
        with os.fdopen(os.open(real, _OPEN_FLAGS), "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):  # a FIFO, a device, a folder put there since
                raise AttachmentError(f"Cannot attach {shown}: it is not a regular file.")
            head = f.read(HEAD)
            kind: Kind = "image" if image_type(head) else "text"
            _check_size(shown, kind, st.st_size)
            data = head + f.read(cap_for(kind) + 1 - len(head))
    except FileNotFoundError:  # gone between resolving and opening
        raise AttachmentError(f"Cannot attach {shown}: there is no such file.") from None
    except OSError as exc:
        raise AttachmentError(f"Cannot attach {shown}: {_reason(exc)}.") from None
    _check_size(shown, kind, len(data))  # it grew while being read
    return _checked(data, name, shown, source=None)


def attachment_from_bytes(
    data: bytes, name: str, media_type: str | None, source: str | None = None
) -> Pending:
    """Bytes from elsewhere (an MCP resource) as an attachment, checked as a file's would be.
    ``media_type`` is what the source declared: the bytes decide, but bytes declared an image
    that are none are refused rather than sent as text."""
    kind: Kind = "image" if image_type(data[:HEAD]) else "text"
    if kind == "text" and media_type in IMAGE_TYPES:
        raise AttachmentError(
            f"Cannot attach {name}: it says it is {media_type} but its bytes are not a PNG, "
            "JPEG, WebP or GIF image."
        )
    _check_size(name, kind, len(data))
    return _checked(data, name, name, source)


def _checked(data: bytes, name: str, shown: str, source: str | None) -> Pending:
    media_type = image_type(data[:HEAD])
    preview = ""
    if media_type is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = "\0"
        if "\0" in text:
            raise AttachmentError(
                f"Cannot attach {shown}: it is a binary file. Text files (UTF-8) and PNG, "
                "JPEG, WebP and GIF images can be attached."
            )
        media_type = TEXT_TYPE
        preview = "\n".join(line[:PREVIEW_WIDTH] for line in text.splitlines()[:PREVIEW_LINES])
    ref: AttachmentRef = {
        "kind": "text" if media_type == TEXT_TYPE else "image",
        "name": name,
        "media_type": media_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if source is not None:
        ref["source"] = source
    return Pending(ref, data, preview)


def _check_size(shown: str, kind: Kind, size: int) -> None:
    cap = cap_for(kind)
    if size > cap:
        what = "an image" if kind == "image" else "a text file"
        raise AttachmentError(
            f"Cannot attach {shown}: it is {byte_size(size)}, and {what} may be at most "
            f"{byte_size(cap)}."
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "permission to read it was denied"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "its symlinks form a loop"  # RuntimeError, from resolve() on older Pythons
