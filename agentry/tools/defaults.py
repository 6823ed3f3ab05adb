"""The tools an agent gets out of the box, all confined to one workspace."""

from __future__ import annotations

from agentry.tools.edits import edit_tools
from agentry.tools.files import file_tools
from agentry.tools.shell import shell_tool
from agentry.tools.tool import Tool
from agentry.tools.web import fetch_tool
from agentry.tools.workspace import Workspace


def default_tools(workspace: Workspace) -> list[Tool]:
    """read_file, list_files, search_files (read); create_file, edit_file, delete_file (write);
    execute_command (execute); url_fetch (network)."""
    return [*file_tools(workspace), *edit_tools(workspace), shell_tool(workspace), fetch_tool()]
