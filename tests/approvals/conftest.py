"""The line client's fixture, for the approval prompt's tests."""

from tests.cli.conftest import cli

__all__ = ["cli"]
