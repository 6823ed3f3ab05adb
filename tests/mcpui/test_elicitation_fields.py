"""A requested schema as form fields, and what was typed as the content: pure."""

from __future__ import annotations

import pytest
from mcp.server.elicitation import render_elicitation_schema

from agentry.mcp.elicitation import (
    ElicitationSchemaError,
    default_text,
    field_value,
    form_content,
    form_fields,
)
from tests.mcpui.asking_server import Booking


def test_the_sdk_s_own_schema_becomes_one_field_a_property_in_order() -> None:
    fields = form_fields(render_elicitation_schema(Booking))
    assert [(f.name, f.kind, f.required) for f in fields] == [
        ("name", "string", True),
        ("guests", "integer", True),
        ("terrace", "boolean", False),
        ("time", "choice", True),
    ]
    guests = fields[1]
    assert (guests.minimum, guests.maximum, guests.description) == (1, 12, "How many people")
    assert guests.hint == "an integer, 1 to 12"
    assert fields[3].choices == (("18:00", "18:00"), ("20:00", "20:00"))
    assert default_text(fields[2]) == "no"


def test_typed_values_are_checked_with_messages_naming_the_field() -> None:
    fields = form_fields(render_elicitation_schema(Booking))
    typed = {"name": "Ada", "guests": "13", "terrace": "maybe", "time": "19:00"}
    content, errors = form_content(fields, typed)
    assert errors == {
        "guests": "Guests: 13 is out of range (an integer, 1 to 12).",
        "terrace": "Terrace: 'maybe' is not yes or no.",
        "time": "Time: '19:00' is not a choice (one of: 18:00, 20:00).",
    }
    content, errors = form_content(fields, {"name": "Ada", "guests": "2", "time": "20:00"})
    assert errors == {}
    assert content == {"name": "Ada", "guests": 2, "time": "20:00"}  # terrace left out


def test_a_required_field_left_empty_says_what_to_type() -> None:
    fields = form_fields(render_elicitation_schema(Booking))
    _, errors = form_content(fields, {})
    assert errors["name"] == "Name is required: text."
    assert errors["guests"] == "Guests is required: an integer, 1 to 12."


@pytest.mark.parametrize(
    ("spec", "text", "value"),
    [
        ({"type": "string", "format": "email"}, "a@b.org", "a@b.org"),
        ({"type": "string", "format": "date"}, "2026-12-07", "2026-12-07"),
        ({"type": "string", "minLength": 2}, "ab", "ab"),
        ({"type": "number", "minimum": 0}, "2.5", 2.5),
        ({"type": "number"}, "3", 3),
        ({"type": "boolean"}, "yes", True),
        (
            {"type": "string", "oneOf": [{"const": "s", "title": "Small"}]},
            "Small",
            "s",
        ),
        (
            {"type": "string", "enum": ["a", "b"], "enumNames": ["Apple", "Banana"]},
            "Banana",
            "b",
        ),
        (
            {"type": "array", "items": {"type": "string", "enum": ["x", "y", "z"]}},
            "x, z",
            ["x", "z"],
        ),
    ],
)
def test_each_kind_of_property_reads_its_value(spec: dict, text: str, value: object) -> None:
    (field,) = form_fields({"type": "object", "properties": {"p": spec}})
    assert field_value(field, text) == value


@pytest.mark.parametrize(
    ("spec", "text", "message"),
    [
        ({"type": "string", "format": "email"}, "nobody", "P: 'nobody' is not an email address"),
        ({"type": "string", "format": "uri"}, "no uri", "P: 'no uri' is not a URI"),
        ({"type": "string", "maxLength": 3}, "long", "P: 4 characters is out of range"),
        ({"type": "integer"}, "2.5", "P: '2.5' is not an integer"),
        ({"type": "number"}, "nan", "P: 'nan' is not a number"),
        (
            {"type": "array", "items": {"enum": ["x", "y"]}, "maxItems": 1},
            "x,y",
            "P: 2 choices is out of range",
        ),
    ],
)
def test_a_wrong_value_is_refused_saying_why(spec: dict, text: str, message: str) -> None:
    (field,) = form_fields({"type": "object", "properties": {"p": {**spec, "title": "P"}}})
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        field_value(field, text)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "array"}, "The requested schema is not an object."),
        (
            {"type": "object", "properties": {"inner": {"type": "object"}}},
            "Property 'inner' has type 'object'",
        ),
        (
            {"type": "object", "properties": {"when": {"type": "string", "format": "time"}}},
            "Property 'when' has an unknown format 'time'.",
        ),
        (
            {"type": "object", "properties": {"pick": {"type": "string", "enum": [1, 2]}}},
            "Property 'pick' has no list of string choices.",
        ),
    ],
)
def test_a_schema_the_protocol_does_not_allow_is_refused_naming_the_property(
    schema: dict, message: str
) -> None:
    with pytest.raises(ElicitationSchemaError, match="^" + message):
        form_fields(schema)
