"""The pure rules (the settings value, /permissions parsing) and the problem report."""

from __future__ import annotations

import json

import pytest

from agentry import commands
from agentry.commands import TUI, UsageError, parse
from agentry.config import settings_path
from agentry.tools import ApprovalRules, Tool
from agentry.tools.approvals import (
    ApprovalsError,
    always_of,
    approvals_problem,
    tool_key,
    with_always,
)


def _tool(**options) -> Tool:
    return Tool("files__write", "", {"type": "object"}, print, permission="write", **options)


def test_a_tool_is_keyed_by_server_and_remote_name() -> None:
    assert tool_key(_tool()) == ("agentry", "files__write")
    assert tool_key(_tool(server="files", remote_name="write")) == ("files", "write")


def test_with_always_adds_and_removes_one_pair_and_keeps_the_rest() -> None:
    value = {"always": {"files": ["read"]}, "future_key": 1}
    added = with_always(value, ("agentry", "create_file"), True)
    assert added == {"always": {"agentry": ["create_file"], "files": ["read"]}, "future_key": 1}
    assert value == {"always": {"files": ["read"]}, "future_key": 1}  # not changed in place
    assert with_always(added, ("files", "read"), False)["always"] == {"agentry": ["create_file"]}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([], "'tool_approvals' must be an object"),
        ({"always": ["x"]}, "'tool_approvals.always' must be an object of server names"),
        ({"always": {"files": "write"}}, "'tool_approvals.always.files' must be a list of"),
        ({"always": {"files": ["write", 3]}}, "'tool_approvals.always.files' must be a list of"),
    ],
)
def test_a_malformed_value_is_named_and_allows_nothing_of_its_own(value, problem) -> None:
    assert approvals_problem(value).startswith(problem)
    assert always_of(value) <= {("files", "write")}  # a bad entry fails alone


def test_the_problem_is_reported_and_the_good_entries_still_hold() -> None:
    settings_path().parent.mkdir(parents=True)
    bad = {"always": {"files": "write", "agentry": ["create_file"]}}
    settings_path().write_text(json.dumps({"tool_approvals": bad}))
    rules = ApprovalRules()
    assert rules.always() == [("agentry", "create_file")]
    text = commands.permissions_text(rules.always(), [], rules.problem())
    assert text.startswith(f"{settings_path()}: 'tool_approvals.always.files' must be a list")
    assert "  agentry create_file" in text
    with pytest.raises(ApprovalsError, match="must be a list of tool names"):
        rules.revoke("agentry", "create_file")  # the file is left for the person to fix
    assert json.loads(settings_path().read_bytes())["tool_approvals"] == bad


@pytest.mark.parametrize(
    ("line", "pair"),
    [
        ("/permissions", None),
        ("/permissions list", None),
        ("/permissions revoke files write", ("files", "write")),
    ],
)
def test_permissions_command(line, pair) -> None:
    assert commands.revoked_pair(parse(line, TUI)) == pair


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("/permissions revoke files", "revoke needs the server and the tool"),
        ("/permissions files write", "to stop allowing 'files', say revoke"),
        ("/permissions revoke a b c", "Usage: /permissions"),
    ],
)
def test_permissions_command_errors(line, error) -> None:
    with pytest.raises(UsageError, match=error):
        commands.revoked_pair(parse(line, TUI))
