"""What a chat entry shows of an attachment's bytes (pure): a text's first lines, an image's
dimensions read from its header (no image library: PNG, GIF, WebP and JPEG say them in a few
bytes near the start)."""

from __future__ import annotations

import struct

from agentry.safe_text import visible

PREVIEW_LINES = 3
PREVIEW_WIDTH = 200  # characters of a preview line: a minified file is one huge line


def text_of(data: bytes) -> str:
    """The bytes as text, made safe to show."""
    return visible(data.decode("utf-8", errors="replace"))


def preview(text: str, lines: int = PREVIEW_LINES) -> tuple[str, int]:
    """The first ``lines`` lines of ``text`` (each cut at PREVIEW_WIDTH), and how many lines
    are left out."""
    all_lines = text.splitlines()
    head = [
        line if len(line) <= PREVIEW_WIDTH else line[:PREVIEW_WIDTH] + "…"
        for line in all_lines[:lines]
    ]
    return "\n".join(head), max(0, len(all_lines) - lines)


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, WebP or JPEG header; None if it does not say."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data.startswith(b"\xff\xd8"):
            return _jpeg(data)
    except struct.error:  # cut short
        return None
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


# JPEG start-of-frame markers (baseline, progressive, ...): they hold the dimensions.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return None
