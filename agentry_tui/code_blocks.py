"""The fenced code blocks of a message's Markdown, for copying one of them."""

from __future__ import annotations

import re
from typing import NamedTuple

# An opening fence: up to three spaces, then ``` or ~~~ (or longer) and an info string.
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


class CodeBlock(NamedTuple):
    language: str  # the info string's first word ("" if none)
    code: str

    @property
    def label(self) -> str:
        """One line to pick it by: its language and first non-blank line."""
        first = next((line.strip() for line in self.code.splitlines() if line.strip()), "")
        lines = self.code.count("\n") + 1 if self.code else 0
        return f"{self.language or 'text'} · {lines} line{'s' * (lines != 1)} · {first}"


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced block, in order, as CommonMark reads them: a closing fence is the same
    character at least as long as the opening one; a block left open runs to the end."""
    blocks: list[CodeBlock] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None or (opening[2][0] == "`" and "`" in opening[3]):
            i += 1
            continue
        indent, fence, info = len(opening[1]), opening[2], opening[3].strip()
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            line = lines[i]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
            i += 1
        i += 1  # past the closing fence
        blocks.append(CodeBlock(info.split()[0] if info else "", "\n".join(body)))
    return blocks
