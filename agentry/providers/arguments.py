"""Tool call arguments and text made storable: pure functions, no I/O (and no heavy imports:
base.py uses them, and the TUI imports base.py before its first frame)."""

from __future__ import annotations

import json
import math
from typing import Any

from agentry.safe_text import clip

MAX_ARGUMENT_DEPTH = 64  # deeper tool arguments are refused (no tool takes such input)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Made once: json.loads with any option builds a new decoder per call (a cost per stream line).
_STRICT = json.JSONDecoder(parse_constant=_no_constant)


def parse_json(text: str) -> Any:
    """Strict JSON: NaN and Infinity refused (they would make a session unsaveable). Raises
    ValueError (RecursionError for nesting deeper than Python's stack allows)."""
    return _STRICT.decode(text)


def valid_unicode(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON-like value made storable: valid Unicode strings, str keys, finite numbers.
    Raises ValueError naming what cannot be stored."""
    if isinstance(value, str):
        return valid_unicode(value) if not value.isascii() else value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a JSON number")
        return value
    if depth >= MAX_ARGUMENT_DEPTH:
        raise ValueError(f"nested deeper than {MAX_ARGUMENT_DEPTH} levels")
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"the key {key!r} is not a string")
            out[_clean_value(key)] = _clean_value(item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_clean_value(item, depth + 1) for item in value]
    raise ValueError(f"a {type(value).__name__} is not a JSON value")


def tool_arguments(raw: Any) -> tuple[dict[str, Any], str | None]:
    """(arguments, problem): a dict, or a JSON object string, gives its cleaned dict; anything
    else gives {} and what was wrong, for the tool error the model is answered with."""
    if raw is None or raw == "":
        return {}, None
    value = raw
    if isinstance(raw, str):
        try:
            value = parse_json(raw)
        except (ValueError, RecursionError):
            return {}, f"the arguments are not valid JSON: {valid_unicode(clip(raw, 200))!r}"
    if not isinstance(value, dict):
        return {}, f"the arguments are a JSON {_json_kind(value)}, not an object"
    try:
        return _clean_value(value), None
    except (ValueError, RecursionError) as exc:
        return {}, f"the arguments cannot be used: {exc}"


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)
