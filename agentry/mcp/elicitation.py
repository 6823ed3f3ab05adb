"""Elicitation: a server's ``requestedSchema`` as form fields, and what the person typed as
the content to answer with. Pure: the clients draw the form (a dialog, or questions line by
line) and call ``field_value`` / ``form_content`` with the text typed.

The protocol allows only a flat object of primitive properties: a string (optionally with a
format, a length range or a choice of values), a number or integer (optionally with a range),
a boolean, or a multiple choice (an array of enum strings). Anything else is refused as a
whole with ``ElicitationSchemaError`` naming the property, so the server is told why.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the SDK's types load with the hub, not with this module
    from mcp_types import ElicitRequestParams, ElicitResult, ErrorData

    from agentry.mcp.handlers import ElicitationHandler

# JSON-RPC's "invalid params": a schema the protocol does not allow.
INVALID_PARAMS = -32602

Kind = Literal["string", "number", "integer", "boolean", "choice", "choices"]
Value = str | int | float | bool | list[str]

FORMATS = {
    "email": "an email address (name@example.org)",
    "uri": "a URI (https://…)",
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date and time (YYYY-MM-DDTHH:MM:SS)",
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class ElicitationSchemaError(ValueError):
    """The requested schema is not one the protocol allows; the text names the property."""


@dataclass(frozen=True)
class FormField:
    name: str  # the property's key: what the content is keyed by
    label: str  # its title, else its name
    kind: Kind
    required: bool
    description: str = ""
    default: Value | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for choice and choices
    minimum: float | None = None  # a number's range, a string's length, a choice's count
    maximum: float | None = None
    format: str | None = None  # a string's: email, uri, date, date-time

    @property
    def hint(self) -> str:
        """What may be typed, for a placeholder or a question: "an integer from 1 to 10"."""
        if self.kind == "boolean":
            return "yes or no"
        if self.kind in ("choice", "choices"):
            labels = ", ".join(label for _, label in self.choices)
            return ("one of: " if self.kind == "choice" else "any of (comma-separated): ") + labels
        if self.kind == "string":
            text = FORMATS.get(self.format or "", "text")
            return text + _bounds(self.minimum, self.maximum, "characters")
        noun = "an integer" if self.kind == "integer" else "a number"
        return noun + _bounds(self.minimum, self.maximum, "")


def _bounds(low: float | None, high: float | None, unit: str) -> str:
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f", {_num(low)} to {_num(high)}{unit}"
    if low is not None:
        return f", at least {_num(low)}{unit}"
    if high is not None:
        return f", at most {_num(high)}{unit}"
    return ""


def _num(value: float) -> str:
    return f"{value:g}"


def form_fields(schema: Mapping[str, Any]) -> list[FormField]:
    """The fields of a requested schema, in its order; ElicitationSchemaError if it is not a
    flat object of primitive properties."""
    if schema.get("type", "object") != "object":
        raise ElicitationSchemaError("The requested schema is not an object.")
    properties = schema.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise ElicitationSchemaError("The requested schema's properties are not an object.")
    required = schema.get("required") or []
    if not isinstance(required, list):
        raise ElicitationSchemaError("The requested schema's 'required' is not a list.")
    return [_field(str(name), spec, name in required) for name, spec in properties.items()]


def _field(name: str, spec: Any, required: bool) -> FormField:
    if not isinstance(spec, Mapping):
        raise ElicitationSchemaError(f"Property '{name}' is not a schema object.")
    kind = spec.get("type")
    common: dict[str, Any] = {
        "name": name,
        "label": str(spec.get("title") or name),
        "required": required,
        "description": str(spec.get("description") or ""),
    }
    if kind == "string" and ("enum" in spec or "oneOf" in spec):
        return FormField(kind="choice", choices=_choices(name, spec), **common, **_default(spec))
    if kind == "string":
        fmt = spec.get("format")
        if fmt is not None and fmt not in FORMATS:
            raise ElicitationSchemaError(f"Property '{name}' has an unknown format {fmt!r}.")
        low, high = spec.get("minLength"), spec.get("maxLength")
        return FormField(
            kind="string", format=fmt, minimum=low, maximum=high, **common, **_default(spec)
        )
    if kind in ("number", "integer"):
        low, high = spec.get("minimum"), spec.get("maximum")
        return FormField(kind=kind, minimum=low, maximum=high, **common, **_default(spec))
    if kind == "boolean":
        return FormField(kind="boolean", **common, **_default(spec))
    if kind == "array" and isinstance(items := spec.get("items"), Mapping):
        low, high = spec.get("minItems"), spec.get("maxItems")
        default = spec.get("default")
        return FormField(
            kind="choices",
            choices=_choices(name, items),
            minimum=low,
            maximum=high,
            default=list(default) if isinstance(default, list) else None,
            **common,
        )
    raise ElicitationSchemaError(
        f"Property '{name}' has type {kind!r}: a form takes only strings, numbers, integers, "
        "booleans and choices."
    )


def _default(spec: Mapping[str, Any]) -> dict[str, Any]:
    default = spec.get("default")
    return {"default": default} if default is not None else {}


def _choices(name: str, spec: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if isinstance(options := spec.get("oneOf") or spec.get("anyOf"), list):
        pairs = [(o.get("const"), o.get("title") or o.get("const")) for o in options]
    elif isinstance(values := spec.get("enum"), list):
        names = spec.get("enumNames")
        labels = names if isinstance(names, list) and len(names) == len(values) else values
        pairs = list(zip(values, labels, strict=True))
    else:
        pairs = []
    if not pairs or not all(isinstance(v, str) for v, _ in pairs):
        raise ElicitationSchemaError(f"Property '{name}' has no list of string choices.")
    return tuple((value, str(label)) for value, label in pairs)


def field_value(field: FormField, text: str) -> Value | None:
    """The value typed for a field (text, as typed or chosen); None when left empty. Raises
    ValueError saying what is wrong and what to type."""
    text = text.strip()
    if not text:
        if field.required:
            raise ValueError(f"{field.label} is required: {field.hint}.")
        return None
    if field.kind == "boolean":
        return _boolean(field, text)
    if field.kind == "choice":
        return _choice(field, text)
    if field.kind == "choices":
        chosen = [_choice(field, part) for part in text.split(",") if part.strip()]
        _check_range(field, len(chosen), "choices")
        return chosen
    if field.kind == "string":
        _check_format(field, text)
        _check_range(field, len(text), "characters")
        return text
    return _number(field, text)


def _boolean(field: FormField, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("y", "yes", "true", "on", "1"):
        return True
    if lowered in ("n", "no", "false", "off", "0"):
        return False
    raise ValueError(f"{field.label}: {text!r} is not yes or no.")


def _choice(field: FormField, text: str) -> str:
    text = text.strip()
    for value, label in field.choices:
        if text in (value, label):
            return value
    raise ValueError(f"{field.label}: {text!r} is not a choice ({field.hint}).")


def _number(field: FormField, text: str) -> int | float:
    try:
        number: int | float = int(text) if field.kind == "integer" else float(text)
    except ValueError:
        raise ValueError(f"{field.label}: {text!r} is not {field.hint}.") from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinities
        raise ValueError(f"{field.label}: {text!r} is not {field.hint}.")
    if isinstance(number, float) and number.is_integer() and "." not in text:
        number = int(number)  # "3" for a number: sent as 3, as it was typed
    _check_range(field, number, "")
    return number


def _check_range(field: FormField, amount: float, unit: str) -> None:
    low, high = field.minimum, field.maximum
    if (low is not None and amount < low) or (high is not None and amount > high):
        what = f"{field.label}: {_num(amount)}{' ' + unit if unit else ''}"
        raise ValueError(f"{what} is out of range ({field.hint}).")


def _check_format(field: FormField, text: str) -> None:
    fmt = field.format
    ok = True
    if fmt == "email":
        ok = _EMAIL.fullmatch(text) is not None
    elif fmt == "uri":
        ok = _URI.fullmatch(text) is not None
    elif fmt == "date":
        ok = _parses(date.fromisoformat, text)
    elif fmt == "date-time":
        ok = _parses(datetime.fromisoformat, text)
    if not ok:
        raise ValueError(f"{field.label}: {text!r} is not {FORMATS[fmt or '']}.")


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def default_text(field: FormField) -> str:
    """A field's default as it would be typed, "" if none."""
    default = field.default
    if default is None:
        return ""
    if isinstance(default, bool):
        return "yes" if default else "no"
    if isinstance(default, list):
        return ", ".join(str(v) for v in default)
    return str(default)


def form_content(
    fields: list[FormField], typed: Mapping[str, str]
) -> tuple[dict[str, Value], dict[str, str]]:
    """(content to accept with, error by field name) for the text typed per field; the content
    counts only when there are no errors. Fields left empty are left out of the content."""
    content: dict[str, Value] = {}
    errors: dict[str, str] = {}
    for field in fields:
        try:
            value = field_value(field, typed.get(field.name, ""))
        except ValueError as exc:
            errors[field.name] = str(exc)
            continue
        if value is not None:
            content[field.name] = value
    return content, errors


@dataclass(frozen=True)
class ElicitationForm:
    """A form request as the person is shown it."""

    server: str
    message: str
    fields: tuple[FormField, ...]


# The person's answer: the content to accept with, or "decline" or "cancel".
Answer = dict[str, Value] | Literal["decline", "cancel"]
Ask = Callable[[ElicitationForm], Awaitable[Answer]]


def elicitation_handler(ask: Ask) -> ElicitationHandler:
    """The hub's elicitation handler: the form shown by ``ask``, its answer sent back. A URL
    request (sign-ins and payments that must not pass through the client) is declined: this
    client has no browser to send the person to."""
    from mcp_types import ElicitResult, ErrorData

    async def handle(server: str, params: ElicitRequestParams) -> ElicitResult | ErrorData:
        if params.mode != "form":
            return ElicitResult(action="decline")
        try:
            fields = form_fields(params.requested_schema)
        except ElicitationSchemaError as exc:
            return ErrorData(code=INVALID_PARAMS, message=str(exc))
        answer = await ask(ElicitationForm(server, params.message, tuple(fields)))
        if isinstance(answer, dict):
            return ElicitResult(action="accept", content=dict(answer))
        return ElicitResult(action=answer)

    return handle
