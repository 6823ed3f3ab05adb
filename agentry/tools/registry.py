"""The set of tools an agent offers, looked up by name, and the one way to run them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import pydantic_core
from pydantic import BaseModel, Field, ValidationError

from agentry.errors import ToolError
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Permission, Tool


class _FunctionSchema(BaseModel):
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class _OpenAIToolSchema(BaseModel):
    type: Literal["function"]
    function: _FunctionSchema


class ToolRegistry:
    """Tools by name, in registration order (the order providers are shown them)."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool, *, replace: bool = False) -> Tool:
        """Add ``tool``. A second tool of the same name is an error unless ``replace`` is set."""
        if tool.name in self._tools and not replace:
            raise ValueError(f"A tool named {tool.name!r} is already registered.")
        self._tools[tool.name] = tool
        return tool

    def register_tool_from_function(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        permission: Permission = "read",
    ) -> Tool:
        """Register ``func`` with a schema from its type hints and docstring (see ``schema``)."""
        tool = tool_from_function(func, name=name, description=description, permission=permission)
        return self.register(tool)

    def add_custom_tool(
        self,
        schema: dict[str, Any],
        executor: Callable[..., Any],
        *,
        permission: Permission = "read",
    ) -> Tool:
        """Register ``executor`` under a hand-written schema.

        ``schema`` is OpenAI's ``{"type": "function", "function": {...}}`` or the plain
        ``{"name", "description", "parameters"}``. Arguments are passed to ``executor`` unvalidated.
        """
        try:
            if isinstance(schema, dict) and schema.get("type") == "function":
                spec = _OpenAIToolSchema.model_validate(schema).function
            else:
                spec = _FunctionSchema.model_validate(schema)
        except ValidationError as exc:
            raise ValueError(f"Bad tool schema: {_problems(exc)}.") from None
        tool = Tool(
            name=spec.name,
            description=spec.description,
            parameters=spec.parameters,
            executor=executor,
            permission=permission,
        )
        return self.register(tool)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(self._tools) or "none"
            raise ToolError(f"Unknown tool {name!r}. Known tools: {known}.") from None

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        return [tool.spec() for tool in self._tools.values()]

    def needs_approval(self, name: str) -> bool:
        return self.get(name).needs_approval

    async def execute(self, name: str, arguments: dict[str, Any]) -> str:
        """Run a tool and return its result as text for the model.

        Every failure is a ToolError whose message the model can act on: an executor's exception
        is reduced to its type and message (a traceback would only cost tokens).
        """
        tool = self.get(name)
        try:
            return _as_text(await tool.run(arguments))
        except ToolError:
            raise
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise ToolError(f"Tool {name} failed: {detail}") from exc


def _problems(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"])) or "schema"
        problems.append(
            f"{where} is missing" if error["type"] == "missing" else f"{where}: {error['msg']}"
        )
    return "; ".join(problems)


def _as_text(result: Any) -> str:
    if isinstance(result, str):
        return result
    # pydantic's encoder copes with models, dataclasses, paths and dates; str() with the rest.
    return pydantic_core.to_json(result, fallback=str).decode()
