from __future__ import annotations

import enum
from typing import Literal

import pytest
from pydantic import BaseModel

from agentry.errors import ToolError
from agentry.tools import tool_from_function


def search(
    query: str,
    limit: int = 10,
    ratio: float = 0.5,
    exact: bool = False,
    tags: list[str] | None = None,
    lang: str | None = None,
    mode: Literal["fast", "slow"] = "fast",
) -> str:
    """Search the index for documents.

    Matches are ranked by score. This second paragraph is not part of the description.

    Args:
        query: Words to look for.
        limit (int): Most results to return;
            extra lines continue the description.
        ratio: Share of words that must match.
        exact: Match whole words only.
        tags: Only documents with these tags.
        mode: How hard to look.

    Returns:
        The results.
    """
    return query


def test_schema_types_required_and_descriptions() -> None:
    tool = tool_from_function(search)
    params = tool.parameters
    props = params["properties"]
    assert tool.name == "search"
    assert tool.description == "Search the index for documents."
    assert params["type"] == "object"
    assert params["required"] == ["query"]
    assert props["query"] == {"type": "string", "description": "Words to look for."}
    assert props["limit"]["type"] == "integer" and props["limit"]["default"] == 10
    assert props["limit"]["description"] == (
        "Most results to return; extra lines continue the description."
    )
    assert props["ratio"]["type"] == "number"
    assert props["exact"]["type"] == "boolean"
    assert {"type": "array", "items": {"type": "string"}} in props["tags"]["anyOf"]
    assert {"type": "null"} in props["lang"]["anyOf"]
    assert "description" not in props["lang"]  # not documented
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert "$defs" not in params and "title" not in params
    assert all("title" not in prop for prop in props.values())


def test_spec_is_the_neutral_schema_and_a_copy() -> None:
    tool = tool_from_function(search, name="find", description="Find things.")
    spec = tool.spec()
    assert set(spec) == {"name", "description", "parameters"}
    assert spec["name"] == "find" and spec["description"] == "Find things."
    spec["parameters"]["properties"].clear()
    assert tool.parameters["properties"]


def test_no_docstring_and_no_parameters() -> None:
    tool = tool_from_function(lambda: "x", name="noop")
    assert tool.description == ""
    assert tool.parameters == {"type": "object", "properties": {}, "additionalProperties": False}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    y: int


def test_nested_types_are_inlined_and_property_named_title_kept() -> None:
    def draw(title: str, color: Color, at: Point) -> str:
        """Draw."""
        return title

    props = tool_from_function(draw).parameters["properties"]
    assert props["title"] == {"type": "string"}
    assert props["color"] == {"enum": ["red", "blue"], "type": "string"}
    assert props["at"]["properties"] == {"x": {"type": "integer"}, "y": {"type": "integer"}}


def test_default_values_are_left_as_they_are() -> None:
    def tag(meta: dict[str, str] = {"title": "kept"}) -> None:  # noqa: B006
        """Tag."""

    assert tool_from_function(tag).parameters["properties"]["meta"]["default"] == {"title": "kept"}


def test_positional_only_and_var_args_are_refused() -> None:
    def f(a: int, /) -> None: ...

    def g(*args: int) -> None: ...

    for func in (f, g):
        with pytest.raises(ValueError, match="keyword"):
            tool_from_function(func)


async def test_arguments_are_coerced_and_defaults_applied() -> None:
    seen = {}

    def record(count: int, flag: bool = False, names: list[str] | None = None) -> str:
        seen.update(count=count, flag=flag, names=names)
        return "ok"

    tool = tool_from_function(record)
    assert await tool.run({"count": "3", "flag": "true"}) == "ok"
    assert seen == {"count": 3, "flag": True, "names": None}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "query: required argument is missing"),
        ({"query": "q", "limit": "many"}, "limit: Input should be a valid integer"),
        ({"query": "q", "mode": "medium"}, "mode: Input should be 'fast' or 'slow'"),
        ({"query": "q", "limt": 3}, "limt: unknown argument"),
    ],
)
async def test_validation_errors_name_the_argument(arguments: dict, expected: str) -> None:
    with pytest.raises(ToolError, match="Invalid arguments for search") as info:
        await tool_from_function(search).run(arguments)
    assert expected in str(info.value)


def test_bad_tool_name_is_refused() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        tool_from_function(search, name="has space")
