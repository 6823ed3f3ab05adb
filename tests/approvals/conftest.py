"""The line client's and the TUI's fixtures, for the approval tests."""

from tests.cli.conftest import cli
from tests.tui.conftest import app, history, make_app, workspace

__all__ = ["app", "cli", "history", "make_app", "workspace"]
