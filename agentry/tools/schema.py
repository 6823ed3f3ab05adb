"""Build a Tool from a Python function: pydantic reads the signature, the docstring the prose."""

from __future__ import annotations

import inspect
import re
import typing
import warnings
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from agentry.tools.tool import Permission, Tool

_SECTION = re.compile(
    r"(Args|Arguments|Parameters|Returns?|Raises|Yields?|Examples?|Notes?|Attributes):\s*"
)
_ARGS_HEADER = re.compile(r"\s*(Args|Arguments|Parameters):\s*")
_ARG_LINE = re.compile(r"\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)")
# Keywords whose values are data, not schemas: cleaning must not reach inside them.
_VALUES = frozenset({"default", "const", "enum", "examples"})


class _Arguments(BaseModel):
    # Unknown arguments are an error the model can fix (a misspelt optional would vanish silently);
    # no protected namespaces so a parameter may be called e.g. ``model_name``.
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


def tool_from_function(
    func: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    permission: Permission = "read",
) -> Tool:
    """A Tool whose schema comes from ``func``'s type hints and Google-style docstring.

    Parameters without a default are required; unannotated ones accept anything. Arguments are
    validated (and coerced, as pydantic does) with the same model that produced the schema.
    """
    name = name or func.__name__
    doc = inspect.getdoc(func) or ""
    model = _arguments_model(func, name, _arg_docs(doc))
    return Tool(
        name=name,
        description=_summary(doc) if description is None else description,
        parameters=_clean_schema(model.model_json_schema()),
        executor=func,
        permission=permission,
        arguments_model=model,
    )


def _arguments_model(func: Callable[..., Any], name: str, docs: dict[str, str]) -> type[BaseModel]:
    """A pydantic model with one field per parameter of ``func``."""
    hints = typing.get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ValueError(
                f"Tool {name!r}: parameter {param.name!r} cannot be passed by keyword from JSON; "
                "use named parameters only."
            )
        default = ... if param.default is param.empty else param.default
        field = Field(default, description=docs.get(param.name))
        fields[param.name] = (hints.get(param.name, Any), field)
    with warnings.catch_warnings():
        # Names like ``json`` or ``copy`` shadow BaseModel methods; harmless for a model that is
        # only validated and read as a dict.
        warnings.filterwarnings("ignore", message="Field name .* shadows an attribute")
        return create_model(f"{name}_arguments", __base__=_Arguments, **fields)


def _summary(doc: str) -> str:
    """The docstring's first paragraph, as one line."""
    lines: list[str] = []
    for line in doc.splitlines():
        if not line.strip() or _SECTION.fullmatch(line.strip()):
            break
        lines.append(line.strip())
    return " ".join(lines)


def _arg_docs(doc: str) -> dict[str, str]:
    """Per-parameter descriptions from the ``Args:`` section (continuation lines are joined)."""
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if _ARGS_HEADER.fullmatch(line)), None)
    if start is None:
        return {}
    header_indent = _indent(lines[start])
    docs: dict[str, str] = {}
    current, entry_indent = "", 0
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        indent = _indent(line)
        if indent <= header_indent:
            break  # the next section
        match = _ARG_LINE.fullmatch(line.strip())
        if match and (not current or indent <= entry_indent):
            current, entry_indent = match[1], indent
            docs[current] = match[2].strip()
        elif current:
            docs[current] = f"{docs[current]} {line.strip()}".strip()
    return docs


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$defs`` and drop pydantic's ``title`` noise: LLM APIs want plain, flat schemas."""
    defs = schema.pop("$defs", {})

    def clean(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [clean(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            if ref in seen:
                raise ValueError(f"Recursive type {ref!r} cannot be used in a tool's parameters.")
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return clean({**defs[ref], **rest}, (*seen, ref))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                continue
            if key in _VALUES:
                out[key] = value
            elif key == "properties":  # keys here are parameter names, not schema keywords
                out[key] = {prop: clean(sub, seen) for prop, sub in value.items()}
            else:
                out[key] = clean(value, seen)
        return out

    cleaned: dict[str, Any] = clean(schema, ())
    cleaned.setdefault("properties", {})
    return cleaned
