"""Files and images attached to a person's message (issue 21)."""

from agentry.attachments.model import (
    IMAGE_CAP,
    TEXT_CAP,
    AttachmentError,
    AttachmentRef,
    Pending,
)
from agentry.attachments.read import attachment_from_bytes, read_attachment

__all__ = [
    "IMAGE_CAP",
    "TEXT_CAP",
    "AttachmentError",
    "AttachmentRef",
    "Pending",
    "attachment_from_bytes",
    "read_attachment",
]
