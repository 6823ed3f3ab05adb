"""The images in a chat request, read the way each service's documentation says it takes them;
a test server answers 400 (as the service does) when one is not in that form, and records the
ones it received (media type and bytes) in ``server.images``.

- Ollama ``/api/chat``: a message's ``images``, a list of base64 strings (docs/api.md).
- OpenAI Chat Completions: ``content`` parts ``{"type": "image_url", "image_url": {"url":
  "data:<type>;base64,<data>"}}`` beside ``{"type": "text", "text": ...}`` parts.
- Anthropic Messages: content blocks ``{"type": "image", "source": {"type": "base64",
  "media_type": ..., "data": ...}}``; the media type must be what the bytes are.
- Gemini: parts ``{"inline_data": {"mime_type": ..., "data": ...}}`` (or camelCase, as the
  JSON mapping of its protos allows).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

# The image types all four document.
TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
_DATA_URL = re.compile(r"data:(image/[a-z]+);base64,(.*)", re.DOTALL)

Image = tuple[str, bytes]


class Refused(Exception):
    """An image not in the service's documented form: the 400 error's message."""


def _decoded(data: Any, where: str) -> bytes:
    if not isinstance(data, str):
        raise Refused(f"{where}: image data must be a base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise Refused(f"{where}: invalid base64 image data ({exc})") from None


def _sniffed(raw: bytes) -> str | None:
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if raw.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "image/webp"
    return None


def _typed(media_type: Any, raw: bytes, where: str) -> Image:
    if media_type not in TYPES:
        raise Refused(f"{where}: unsupported image media type {media_type!r}")
    if _sniffed(raw) != media_type:
        raise Refused(f"{where}: the image does not match the provided media type {media_type}")
    return media_type, raw


def ollama_images(body: dict[str, Any]) -> list[Image]:
    found = []
    for n, message in enumerate(body.get("messages") or []):
        images = message.get("images")
        if images is None:
            continue
        if not isinstance(images, list):
            raise Refused(f"messages[{n}].images must be a list of base64 strings")
        for i, data in enumerate(images):
            raw = _decoded(data, f"messages[{n}].images[{i}]")
            media_type = _sniffed(raw)
            if media_type is None:
                raise Refused(f"messages[{n}].images[{i}]: image: unknown format")
            found.append((media_type, raw))
    return found


def openai_images(body: dict[str, Any]) -> list[Image]:
    found = []
    for n, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for i, part in enumerate(content):
            where = f"messages[{n}].content[{i}]"
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                continue
            if kind != "image_url":
                raise Refused(f"{where}: expected a text or image_url part")
            url = (part.get("image_url") or {}).get("url")
            match = _DATA_URL.fullmatch(url) if isinstance(url, str) else None
            if match is None:
                raise Refused(f"{where}.image_url.url: expected a base64 data URL")
            found.append(_typed(match[1], _decoded(match[2], where), where))
    return found


def anthropic_images(body: dict[str, Any]) -> list[Image]:
    found = []
    for n, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        for i, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict) or block.get("type") != "image":
                continue
            where = f"messages.{n}.content.{i}.image.source"
            source = block.get("source") or {}
            if source.get("type") != "base64":
                raise Refused(f"{where}.type: expected 'base64'")
            raw = _decoded(source.get("data"), f"{where}.data")
            found.append(_typed(source.get("media_type"), raw, f"{where}.media_type"))
    return found


def gemini_images(body: dict[str, Any]) -> list[Image]:
    found = []
    for n, content in enumerate(body.get("contents") or []):
        for i, part in enumerate(content.get("parts") or []):
            blob = part.get("inline_data", part.get("inlineData"))
            if blob is None:
                continue
            where = f"contents[{n}].parts[{i}].inline_data"
            media_type = blob.get("mime_type", blob.get("mimeType"))
            raw = _decoded(blob.get("data"), f"{where}.data")
            found.append(_typed(media_type, raw, f"{where}.mime_type"))
    return found
