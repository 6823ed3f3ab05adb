"""The one prompt of a one-shot run: the PROMPT argument and what is piped in, as ``llm`` does
(``cat f | agentry "explain this"``: the argument, a blank line, then the piped text)."""

from __future__ import annotations

import codecs
from typing import BinaryIO

from agentry.errors import Refused

# What one prompt may be. Far above any model's context window, so nothing real is refused,
# and low enough that `agentry < big.iso` stops at once rather than filling memory and the
# session file.
MAX_PIPED_BYTES = 4 * 1024 * 1024


def read_piped(stream: BinaryIO, limit: int = MAX_PIPED_BYTES) -> str:
    """All of ``stream``, as UTF-8 text (a byte order mark dropped). Refused, naming the limit
    or the first bad byte, if it is larger than ``limit`` bytes or not UTF-8."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(
            f"The piped input is larger than {limit // (1024 * 1024)} MiB, the most one "
            "prompt may be. Pipe less (head -c, or the part that matters)."
        )
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(
            f"The piped input is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}). "
            "Convert it first, e.g. with iconv."
        ) from None


def one_prompt(argument: str, piped: str | None) -> str:
    """The argument, then a blank line and the piped text; either may be missing. Refused if
    there is nothing to send."""
    parts = [part for part in (argument.strip(), (piped or "").strip("\n")) if part.strip()]
    if not parts:
        raise Refused("Nothing to send: no PROMPT was given and the piped input is empty.")
    return "\n\n".join(parts)
