"""MCP servers for the apps' tests: the settings.json entries that start them over stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.cli.conftest import cli  # noqa: F401 - the line client's fixture
from tests.tui.conftest import history, make_app, workspace  # noqa: F401 - the TUI's fixtures

HERE = Path(__file__).parent
# Sampling, elicitation and two prompts (tests/mcpui/asking_server.py).
ASKING = {"command": sys.executable, "args": [str(HERE / "asking_server.py")]}
# A server that cannot start: a line on stderr, then exit (no SDK to import: quick).
BROKEN = {
    "command": sys.executable,
    "args": ["-c", "import sys; sys.exit('cannot start: no database')"],
}


def configure(servers: dict[str, Any], **settings: Any) -> None:
    """Write the test's settings.json with these ``mcpServers``."""
    folder = Path(os.environ["AGENTRY_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"mcpServers": servers, **settings})
    (folder / "settings.json").write_text(text, encoding="utf-8")
