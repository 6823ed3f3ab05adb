"""The Tool type: a provider-neutral schema plus the callable that runs it."""

from __future__ import annotations

import asyncio
import copy
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from agentry.errors import ToolError

Permission = Literal["read", "write", "execute", "network"]

# The strictest common rule (OpenAI's): a name that breaks it fails later, at the provider.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool the model may call.

    ``executor`` is called with keyword arguments; it may be sync (run in a worker thread) or
    async. When ``arguments_model`` is set, arguments are validated and coerced with it first;
    without one (custom tools described only by JSON schema) they are passed as they came.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    executor: Callable[..., Any]
    permission: Permission = "read"
    arguments_model: type[BaseModel] | None = None
    # The MCP server a tool comes from and the tool's name there (None for Agentry's own
    # tools): the name above is made unique across servers, approvals are kept per server+tool.
    server: str | None = None
    remote_name: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"Tool name {self.name!r} must be 1-64 letters, digits, '_' or '-'.")
        if self.parameters.get("type") != "object":
            raise ValueError(f"Tool {self.name!r}: parameters must be an object JSON schema.")

    @property
    def needs_approval(self) -> bool:
        return self.permission != "read"

    def spec(self) -> dict[str, Any]:
        """The neutral schema providers translate to their own format (a copy: safe to edit)."""
        return {
            "name": self.name,
            "description": self.description,
            "parameters": copy.deepcopy(self.parameters),
        }

    async def run(self, arguments: Mapping[str, Any]) -> Any:
        """Validate ``arguments`` and call the executor without blocking the event loop."""
        kwargs = self._validate(arguments)
        if inspect.iscoroutinefunction(self.executor):
            return await self.executor(**kwargs)
        result = await asyncio.to_thread(self.executor, **kwargs)
        if inspect.isawaitable(result):  # a sync wrapper (lambda, callable object) of async code
            result = await result
        return result

    def _validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        if self.arguments_model is None:
            return dict(arguments)
        try:
            return dict(self.arguments_model.model_validate(arguments))
        except ValidationError as exc:
            problems = "; ".join(_describe(error) for error in exc.errors())
            raise ToolError(f"Invalid arguments for {self.name}: {problems}") from None


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "arguments"
    if error["type"] == "missing":
        return f"{where}: required argument is missing"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown argument"
    given = repr(error["input"])
    given = given if len(given) <= 80 else given[:77] + "..."
    return f"{where}: {error['msg']} (got {given})"
