"""Attachments as providers are given them (pure): text files become part of the message's text,
images a list the provider puts in its own wire format.

A user message handed to a provider may carry ``"images"``: a list of ``WireImage`` (media type
and base64 data); its ``content`` is a string with each text file in a ``<file>`` element before
what the person typed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from agentry.attachments.model import AttachmentRef, plain_refs
from agentry.messages import content_text

KEY = "attachments"  # the message key that holds the references


class WireImage(TypedDict):
    media_type: str
    data: str  # base64


@dataclass
class Unsent:
    """What was left out of a request: images the model cannot take, attachments whose bytes
    are gone."""

    images: list[AttachmentRef] = field(default_factory=list)
    missing: list[AttachmentRef] = field(default_factory=list)


def refs_of(message: dict[str, Any]) -> list[AttachmentRef]:
    refs = message.get(KEY)
    return refs if isinstance(refs, list) else []


def plain_refs_in(messages: list[Any]) -> bool:
    """Whether every message is a dict whose references, if any, are well-formed."""
    return all(isinstance(m, dict) and (KEY not in m or plain_refs(m[KEY])) for m in messages)


def file_block(name: str, text: str) -> str:
    quoted = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    body = text.removesuffix("\n")  # the file's own last newline: the tag's line ends it
    return f'<file name="{quoted}">\n{body}\n</file>'


def data_url(image: WireImage) -> str:
    return f"data:{image['media_type']};base64,{image['data']}"


def with_attachments(
    message: dict[str, Any],
    data_of: Callable[[AttachmentRef], bytes | None],
    images: bool,
    unsent: Unsent,
) -> dict[str, Any]:
    """``message`` (a wire message) with its attachments in the provider-neutral form above;
    without images when ``images`` is false. What is left out is added to ``unsent``."""
    refs = refs_of(message)
    wire = {k: v for k, v in message.items() if k != KEY}
    if not refs:
        return wire
    blocks: list[str] = []
    pictures: list[WireImage] = []
    for ref in refs:
        if ref["kind"] == "image" and not images:
            unsent.images.append(ref)
            continue
        data = data_of(ref)
        if data is None:
            unsent.missing.append(ref)
        elif ref["kind"] == "image":
            pictures.append(
                {"media_type": ref["media_type"], "data": base64.b64encode(data).decode("ascii")}
            )
        else:
            blocks.append(file_block(ref["name"], data.decode("utf-8", "replace")))
    if blocks:
        typed = content_text(wire.get("content"))
        wire["content"] = "\n\n".join([*blocks, typed] if typed else blocks)
    if pictures:
        wire["images"] = pictures
    return wire
