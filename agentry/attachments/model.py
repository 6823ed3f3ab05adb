"""What an attachment is: the reference a message keeps, the bytes waiting to be stored, the caps.

A user message may carry ``"attachments"``: a list of ``AttachmentRef``. The bytes are never in
the message (a session file must not grow by a picture's size): they are kept beside the session
file, in a folder of files named by content hash (see ``agentry.attachments.folder``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from agentry.errors import AgentryError

# Caps, said in the error that refuses a larger file.
# Text goes into the prompt whole: 256 KB is ~64k tokens, already more than many local models'
# whole context, and the same cap the read_file tool uses.
TEXT_CAP = 256 * 1024
# Images go as base64 (a third larger): 20 MB is the most any supported service takes inline
# (OpenAI's per-image limit, Gemini's per-request limit); larger would only be refused remotely.
IMAGE_CAP = 20 * 1024 * 1024

# The image types every supported provider documents, with the extension their files get.
IMAGE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
}
TEXT_TYPE = "text/plain"

Kind = Literal["text", "image"]


class AttachmentError(AgentryError):
    """A file or resource that cannot be attached; the message names it and says why."""


class AttachmentRef(TypedDict):
    """One attachment as a message keeps it: what it is and the hash its bytes are stored by."""

    kind: Kind
    name: str  # the file's path relative to the working folder, or a resource's name
    media_type: str
    size: int  # bytes
    sha256: str  # hex digest of the bytes: their file name in the session's folder
    source: NotRequired[str]  # where it came from when not a file, e.g. "mcp:<server>"


@dataclass(frozen=True)
class Pending:
    """An attachment read and checked, not yet stored: its reference, its bytes, and for a text
    file its first lines (for a chip or a chat entry; "" for an image)."""

    ref: AttachmentRef
    data: bytes
    preview: str


_REF_TEXT = ("name", "media_type")
# The hash names a file in the session's folder: only this shape may (a hostile session file
# must not name a path).
SHA256 = re.compile(r"[0-9a-f]{64}")


def plain_refs(refs: object) -> bool:
    """True for a list of references the schema certainly accepts (the quick check; False
    means "ask agentry.message_schema", which names the problem)."""
    return isinstance(refs, list) and all(
        isinstance(ref, dict)
        and ref.get("kind") in ("text", "image")
        and all(isinstance(ref.get(key), str) for key in _REF_TEXT)
        and type(ref.get("size")) is int
        and ref["size"] >= 0
        and isinstance(ref.get("sha256"), str)
        and SHA256.fullmatch(ref["sha256"]) is not None
        and isinstance(ref.get("source", ""), str)
        for ref in refs
    )
