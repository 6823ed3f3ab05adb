# The session file reader as Agentry released it before branches (format version 1), kept
# unchanged (from commit f41c568) so tests can show that an older Agentry refuses a newer file.
"""The session file format: encoding and decoding, with no file I/O.

A session file is JSON (the spec's ``.toon`` "JSON-based" format):

    {"format": "agentry-session", "version": 1, "session_id": ..., "created_at": ...,
     "last_activity": ..., "metadata": {...}, "messages": [...]}

Header keys come first and each message sits on a line of its own, so files stay readable and
diffable while being written by the C JSON encoder (``indent=`` would switch to the slow Python
one). Files of the original Agentry load too: JSON with only ``session_id``, ``created_at`` and
``messages``, and files in real TOON encoding.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentry.messages import message_problem

FORMAT_NAME = "agentry-session"
FORMAT_VERSION = 1

# Limits on what a file may hold, so that a hostile or damaged file is refused with a reason
# instead of exhausting memory or the stack. Each is far past what Agentry writes:
# - size: a 10,000-message chat is a few MB, one full of long tool outputs tens of MB; parsing
#   128 MiB of JSON takes about 1 GB of memory, which is the most a listing should risk.
MAX_FILE_BYTES = 128 * 1024 * 1024
# - nesting: a message is 7 levels deep at most (file, messages, message, tool_calls, call,
#   function, arguments); 100 leaves tool arguments 90 levels, and keeps every recursive step
#   after parsing (validation, copying, encoding on save) far from Python's recursion limit.
MAX_DEPTH = 100
# - numbers: integers up to Python's digit limit (4,300 digits unless configured); floats must
#   be finite (NaN, Infinity and 1e999 cannot be written back as JSON).


@dataclass
class SessionRecord:
    """What one session file holds."""

    session_id: str
    created_at: str
    last_activity: str
    metadata: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    # "json" for our format, "legacy-json" or "toon" for the original Agentry's files.
    source_format: str = "json"


class FormatError(ValueError):
    """The bytes are not a session; the text says what is wrong (the caller adds the path)."""


# One encoder for every value: json.dumps with options builds a new one per call, which was
# half the time of saving a 10,000-message session.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def encode(record: SessionRecord) -> bytes:
    dumps = _ENCODER.encode
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "session_id": record.session_id,
        "created_at": record.created_at,
        "last_activity": record.last_activity,
        "metadata": record.metadata,
    }
    head = ",\n".join(f"  {dumps(k)}: {dumps(v)}" for k, v in header.items())
    if record.messages:
        body = ",\n    ".join(map(dumps, record.messages))
        messages = f'  "messages": [\n    {body}\n  ]'
    else:
        messages = '  "messages": []'
    # Text is valid Unicode from every provider; should a lone surrogate still get in (a
    # library user's message), it is written as "?" rather than failing the save.
    return f"{{\n{head},\n{messages}\n}}\n".encode("utf-8", "replace")


def validate_messages(messages: Any) -> None:
    """Raise FormatError unless ``messages`` is a list of valid message dicts."""
    if not isinstance(messages, list):
        raise FormatError(f"'messages' must be a list, not {type(messages).__name__}")
    if problem := message_problem(messages) or _content_part_problem(messages):
        raise FormatError(problem)


def _content_part_problem(messages: list[dict[str, Any]]) -> str | None:
    """The schema takes any list as content; a part with a ``text`` must have it as a string
    (titles and providers read it as one)."""
    for n, message in enumerate(messages):
        content = message.get("content")
        if type(content) is not list:
            continue
        for m, part in enumerate(content):
            if isinstance(part, dict) and "text" in part and not isinstance(part["text"], str):
                kind = "null" if part["text"] is None else type(part["text"]).__name__
                return f"message {n}: content part {m}: 'text' must be a string, not {kind}"
    return None


def _check_time(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"'{key}' must be an ISO date-time string, not {type(value).__name__}")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(f"'{key}' is not an ISO date-time: {value!r}") from None
    return value


_HEADER_TIME = re.compile(rb'^  "(created_at|last_activity)": "([^"\\]{1,40})",?$', re.MULTILINE)
PEEK_BYTES = 1024  # the header's times are within this (only the id, at most 128, comes before)


def peek_times(head: bytes) -> dict[str, str]:
    """``created_at`` and ``last_activity`` from the first PEEK_BYTES of a file we wrote, without
    parsing the rest; only valid ISO times, and nothing for other layouts. For ordering a quick
    listing: the file is checked in full when it is read."""
    times = {}
    for key, value in _HEADER_TIME.findall(head):
        try:
            times[key.decode()] = _check_time(value.decode(), key.decode())
        except (FormatError, UnicodeDecodeError):
            continue
    return times


def decode(raw: bytes, session_id: str, fallback_time: str) -> SessionRecord:
    """Parse a session file's bytes. ``fallback_time`` stands in for missing timestamps.

    Raises FormatError, and nothing else, for any bytes that are not a session within the
    limits above; a record it returns holds only valid messages and can be encoded again.
    """
    try:
        return _decode(raw, session_id, fallback_time)
    except FormatError:
        raise
    except RecursionError:
        raise FormatError(f"it is nested deeper than the limit of {MAX_DEPTH} levels") from None
    except MemoryError:
        raise FormatError("it is too large to parse in the memory available") from None
    except Exception as exc:
        # (an integer past Python's digit limit arrives here as a ValueError naming the limit)
        raise FormatError(f"it cannot be parsed ({type(exc).__name__}: {exc})") from None


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: would be saved as Infinity, which JSON has not
        raise FormatError(f"the number {text[:40]} is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"it holds {name}, which is not a JSON number")


# Integers keep the C parser's fast path; Python's own digit limit refuses huge ones (ValueError).
# The hooks run for floats and NaN/Infinity only, which chat messages rarely hold.
_DECODER = json.JSONDecoder(parse_float=_parse_float, parse_constant=_refuse_constant)


def _check_depth(data: Any) -> None:
    """Raise FormatError if containers nest deeper than MAX_DEPTH: level by level, without
    recursion (a comprehension per level is ~3x faster than a stack walk)."""
    level = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for value in level
            for child in (value.values() if type(value) is dict else value)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return
    raise FormatError(f"it is nested deeper than the limit of {MAX_DEPTH} levels")


# An escaped UTF-16 surrogate: only these can put a lone surrogate into a decoded string (UTF-8
# text cannot hold one), so files without them skip the check.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _check_encodable(data: Any, raw: bytes) -> None:
    # (Looking for any backslash first is a memchr: ~20x quicker than the regex on a file
    # without escapes.)
    if b"\\" not in raw or _SURROGATE_ESCAPE.search(raw) is None:
        return
    try:
        _ENCODER.encode(data).encode()
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        raise FormatError(
            f"a string holds a lone UTF-16 surrogate (\\u{ord(char):04x}), which is not text"
        ) from None


def _decode(raw: bytes, session_id: str, fallback_time: str) -> SessionRecord:
    if len(raw) > MAX_FILE_BYTES:
        raise FormatError(f"it is over the size limit of {MAX_FILE_BYTES:,} bytes")
    if not raw.strip():
        raise FormatError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = "; the file looks truncated" if exc.reason == "unexpected end of data" else ""
        raise FormatError(f"not UTF-8 text (byte {exc.start}){hint}") from None
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith(("{", "[")):
            hint = "; the file looks truncated" if _looks_truncated(text, exc) else ""
            what = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
            raise FormatError(
                f"not valid JSON ({what} at line {exc.lineno} column {exc.colno}){hint}"
            ) from None
        data = _decode_toon(text)
        source = "toon"
    else:
        source = "json" if isinstance(data, dict) and "format" in data else "legacy-json"
    if not isinstance(data, dict):
        raise FormatError(f"expected an object at the top, found {type(data).__name__}")
    _check_depth(data)
    _check_encodable(data, raw)
    if "messages" not in data:
        raise FormatError("it has no 'messages' list")
    messages = data["messages"]
    validate_messages(messages)
    version = data.get("version", FORMAT_VERSION)
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise FormatError(
            f"it was written by a newer Agentry (format version {version}, this one reads "
            f"{FORMAT_VERSION}); upgrade agentry"
        )
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise FormatError(f"'metadata' must be an object, not {type(metadata).__name__}")
    created_at = _check_time(data.get("created_at", fallback_time), "created_at")
    last_activity = _check_time(data.get("last_activity", fallback_time), "last_activity")
    return SessionRecord(session_id, created_at, last_activity, metadata, messages, source)


def _decode_toon(text: str) -> Any:
    import toon_format  # only the original Agentry's files need it

    try:
        data = toon_format.decode(text)
    except Exception as exc:
        raise FormatError(f"neither JSON nor TOON ({exc})") from None
    if isinstance(data, str):  # the TOON decoder reads any one line of text as a bare string
        raise FormatError("neither JSON nor TOON (it is a line of plain text)")
    return data


_NUMBER_PART = re.compile(r"[-+.eE0-9]+")


def _looks_truncated(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the JSON error is the text ending early, rather than something wrong in it."""
    rest = text[exc.pos :].rstrip()
    if not rest or exc.msg.startswith("Unterminated string"):  # ran out inside a string
        return True
    # Cut inside a literal or a number: the decoder points at the token's start.
    return any(word.startswith(rest) for word in ("true", "false", "null")) or bool(
        _NUMBER_PART.fullmatch(rest)
    )
