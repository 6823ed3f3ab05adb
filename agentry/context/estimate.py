"""A cheap token estimate: about four characters a token (English prose and code with the BPE
vocabularies of today's models), plus a few tokens a message for its role and separators.
Exactness comes from the server's usage reports; this only covers what was added since."""

from __future__ import annotations

import json
from typing import Any

from agentry.messages import content_text

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # role name and the chat template's markers around each message
# An attached image: the most Anthropic counts for one (about 1.15 megapixels), above OpenAI's
# 765 for 1024x1024 and Gemini's 258 a tile. Counting high costs an older turn; counting low,
# a request the server cuts.
IMAGE_TOKENS = 1600
FILE_WRAPPER_CHARS = 32  # <file name="..."> ... </file> around an attached text file


def estimate_tokens(message: dict[str, Any]) -> int:
    """The tokens ``message`` takes in a request, estimated (never below the overhead)."""
    chars = len(content_text(message.get("content")))
    if calls := message.get("tool_calls"):
        chars += len(json.dumps(calls, ensure_ascii=False, default=str))
    images = 0
    for ref in message.get("attachments") or ():  # references: the bytes are sent, not these
        if not isinstance(ref, dict):  # a hand-edited file's stray value: nothing is sent
            continue
        if ref.get("kind") == "image":
            images += 1
        else:  # a text file goes in whole: its UTF-8 size is at least its characters
            chars += int(ref.get("size") or 0) + len(str(ref.get("name", ""))) + FILE_WRAPPER_CHARS
    return MESSAGE_OVERHEAD + -(-chars // CHARS_PER_TOKEN) + images * IMAGE_TOKENS


def tools_tokens(specs: list[dict[str, Any]] | None) -> int:
    """The tokens the tool specs sent with every request take, estimated."""
    if not specs:
        return 0
    return -(-len(json.dumps(specs, ensure_ascii=False)) // CHARS_PER_TOKEN)
