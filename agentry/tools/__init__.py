"""Tools the model can call: the Tool type, a registry, the workspace boundary and the defaults."""

from __future__ import annotations

from agentry.tools.approvals import Allow, ApprovalRules
from agentry.tools.defaults import default_tools
from agentry.tools.registry import ToolRegistry
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Permission, Tool
from agentry.tools.workspace import Workspace

__all__ = [
    "Allow",
    "ApprovalRules",
    "Permission",
    "Tool",
    "ToolRegistry",
    "Workspace",
    "default_tools",
    "tool_from_function",
]
