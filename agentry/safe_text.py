"""Text from outside (model replies, tool output, file names, titles, error texts) made safe to
show on a terminal: no character in it can act as a control sequence.

``visible(text)`` keeps newline and tab, turns CRLF into LF, and shows every other control
character as a visible stand-in instead of emitting it:

- C0 controls U+0000–U+001F (ESC, BEL, BS, a CR not part of CRLF, FF, VT, NUL, ...) and DEL
  become their Unicode Control Pictures (ESC → ␛, BEL → ␇, CR → ␍, DEL → ␡): one cell each,
  so columns stay aligned, and readable as what they were.
- C1 controls U+0080–U+009F have no pictures; they become ``\\u009b``-style text. U+009B is a
  CSI introducer in many terminals, so these are as dangerous as ESC.
- The bidi embedding/override/isolate characters U+202A–U+202E and U+2066–U+2069 also become
  ``\\u202e``-style text. They are not terminal controls, but a terminal that does bidi would
  show text in another order than it is stored ("Trojan Source"): a tool's arguments could
  look harmless on the approval screen while meaning something else. Shown, they cannot.
  The ``\\uXXXX`` form is also what JSON and Python would read back as the same character.

The stand-ins are not escaped themselves: a reply that contains "␛" or "\\u009b" as text shows
the same; this is for showing, not a reversible encoding. Stored text is never changed.

Text is streamed in thousands of small deltas a second, so the common case (no control
character) is one regex scan in C and returns ``text`` itself. A CRLF split across two deltas
is shown as ␍ then a new line.
"""

from __future__ import annotations

import re

_C0 = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"}
_ESCAPED = [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE: dict[int, int | str] = {**_C0, 0x7F: 0x2421, **{c: f"\\u{c:04x}" for c in _ESCAPED}}
_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in _TABLE) + "]")


def visible(text: str) -> str:
    """``text`` with every control character shown visibly (see the module docstring)."""
    if _UNSAFE.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


def is_safe(text: str) -> bool:
    """Whether ``text`` shows as it is (``visible`` would return it unchanged)."""
    return _UNSAFE.search(text) is None


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut: for one-line views and
    for error texts, which may quote whole requests."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
