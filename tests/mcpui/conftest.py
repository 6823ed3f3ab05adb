"""MCP servers for the apps' tests: the settings.json entries that start them over stdio."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from agentry_tui.app import AgentryApp
from tests.cli.conftest import cli  # noqa: F401 - the line client's fixture
from tests.tui.conftest import SIZE, history, make_app, workspace  # noqa: F401 - the TUI's fixtures
from tests.tui.helpers import ready, wait_until

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


async def servers_settled(pilot: Pilot, statuses: set[str]) -> None:
    """Wait until the app's MCP servers are in these states, and no other."""
    app = pilot.app
    assert isinstance(app, AgentryApp)
    await wait_until(
        pilot,
        lambda: {s.status for s in app.store.mcp.states()} == statuses,
        timeout=30,
        state=lambda: app.store.mcp.states(),
    )


@contextlib.asynccontextmanager
async def asking_app(
    make: Callable[..., AgentryApp],
) -> AsyncIterator[tuple[AgentryApp, Pilot]]:
    """The TUI (``make``: the make_app fixture) with the "asking" server configured, once the
    model and the server are ready."""
    configure({"asking": ASKING})
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await servers_settled(pilot, {"ready"})
        yield app, pilot
