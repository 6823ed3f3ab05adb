"""A cheap token estimate: about four characters a token (English prose and code with the BPE
vocabularies of today's models), plus a few tokens a message for its role and separators.
Exactness comes from the server's usage reports; this only covers what was added since."""

from __future__ import annotations

import json
from typing import Any

from agentry.messages import content_text

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # role name and the chat template's markers around each message


def estimate_tokens(message: dict[str, Any]) -> int:
    """The tokens ``message`` takes in a request, estimated (never below the overhead)."""
    chars = len(content_text(message.get("content")))
    if calls := message.get("tool_calls"):
        chars += len(json.dumps(calls, ensure_ascii=False, default=str))
    return MESSAGE_OVERHEAD + -(-chars // CHARS_PER_TOKEN)


def tools_tokens(specs: list[dict[str, Any]] | None) -> int:
    """The tokens the tool specs sent with every request take, estimated."""
    if not specs:
        return 0
    return -(-len(json.dumps(specs, ensure_ascii=False)) // CHARS_PER_TOKEN)
