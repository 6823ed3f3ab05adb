from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from agentry.errors import ToolError
from agentry.tools import Tool, ToolRegistry

PARAMS = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
SPEC = {"name": "add", "description": "Add.", "parameters": PARAMS}


def double(a: int) -> int:
    """Double a number."""
    return a * 2


def test_register_lookup_and_specs() -> None:
    registry = ToolRegistry()
    tool = registry.register_tool_from_function(double, permission="write")
    assert registry.get("double") is tool
    assert "double" in registry and "other" not in registry
    assert registry.names() == ["double"]
    assert registry.specs() == [tool.spec()]
    assert registry.needs_approval("double")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(tool)
    registry.register(tool, replace=True)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "function", "function": SPEC},
        SPEC,
    ],
)
async def test_add_custom_tool_accepts_both_forms(schema: dict) -> None:
    registry = ToolRegistry()
    tool = registry.add_custom_tool(schema, lambda a: a + 1)
    assert tool.spec() == SPEC
    assert not registry.needs_approval("add")
    assert await registry.execute("add", {"a": 1}) == "2"


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"description": "No name."}, "name is missing"),
        ({"type": "function"}, "function is missing"),
        ({"type": "function", "function": {"description": "x"}}, "function.name is missing"),
        ({"name": "x", "parameters": "not a dict"}, "parameters: Input should be a valid dict"),
        ({"name": "x", "parameters": {"type": "string"}}, "must be an object JSON schema"),
        ({"name": "bad name"}, "letters, digits"),
    ],
)
def test_add_custom_tool_bad_schema(schema: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ToolRegistry().add_custom_tool(schema, print)


async def test_execute_sync_runs_in_a_thread_and_never_blocks_the_loop() -> None:
    def slow(a: int) -> dict:
        time.sleep(0.3)
        return {"thread": threading.current_thread() is not threading.main_thread(), "a": a}

    registry = ToolRegistry()
    registry.register_tool_from_function(slow)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    result = await registry.execute("slow", {"a": "7"})
    task.cancel()
    assert result == '{"thread":true,"a":7}'
    assert ticks > 10


async def test_execute_async_executor_and_result_conversion() -> None:
    async def info(name: str) -> object:
        await asyncio.sleep(0)
        return {"name": name, "path": Path("/x"), "ü": None}

    registry = ToolRegistry()
    registry.register_tool_from_function(info)
    registry.register_tool_from_function(lambda: "plain text", name="text")
    assert await registry.execute("info", {"name": "n"}) == '{"name":"n","path":"/x","ü":null}'
    assert await registry.execute("text", {}) == "plain text"
    # A sync callable that returns a coroutine (a lambda around async code) is awaited too.
    registry.add_custom_tool({"name": "wrapped"}, lambda: asyncio.sleep(0, "late"))
    assert await registry.execute("wrapped", {}) == "late"


async def test_unknown_tool_lists_known_ones() -> None:
    registry = ToolRegistry(Tool(name, "", {"type": "object"}, print) for name in "ab")
    with pytest.raises(ToolError, match=r"Unknown tool 'c'. Known tools: a, b\."):
        await registry.execute("c", {})
    with pytest.raises(ToolError, match="Unknown tool"):
        registry.needs_approval("c")


async def test_executor_exception_becomes_tool_error_without_traceback() -> None:
    def broken(a: int) -> None:
        raise KeyError("missing thing")

    async def broken_async() -> None:
        raise RuntimeError

    registry = ToolRegistry()
    registry.register_tool_from_function(broken)
    registry.register_tool_from_function(broken_async)
    with pytest.raises(ToolError) as info:
        await registry.execute("broken", {"a": 1})
    assert str(info.value) == "Tool broken failed: KeyError: 'missing thing'"
    assert isinstance(info.value.__cause__, KeyError)
    with pytest.raises(ToolError, match="^Tool broken_async failed: RuntimeError$"):
        await registry.execute("broken_async", {})
