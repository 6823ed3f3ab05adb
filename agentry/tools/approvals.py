"""Standing answers to "may this tool run?": allowed for a session, or always.

A tool is keyed by ``(server, tool)``: the MCP server it comes from (``"agentry"`` for Agentry's
own tools) and its name there. "Always" lives in settings.json under
``"tool_approvals": {"always": {"<server>": ["<tool>", ...]}}`` and is read again whenever the
file changes, so a revoke in one Agentry process holds at the next call in every other one.
"Session" lasts while the process runs (not saved). The rules in the middle are pure; reading
and writing the file is at the edge, in ``ApprovalRules``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from agentry.errors import AgentryError
from agentry.tools.tool import Tool

Scope = Literal["once", "session", "always"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
AGENTRY_SERVER = "agentry"  # the server name of Agentry's own tools
SETTINGS_KEY = "tool_approvals"

Key = tuple[str, str]  # (server, tool)


class ApprovalsError(AgentryError):
    """The settings file's approvals cannot be read or saved."""


@dataclass(frozen=True)
class Allow:
    """An approver's yes: for this call only, for the rest of the session, or always; with
    ``arguments`` the call runs with those instead of the model's."""

    scope: Scope = "once"
    arguments: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"Allow scope must be one of {', '.join(SCOPES)}, not {self.scope!r}.")


def tool_key(tool: Tool) -> Key:
    return (tool.server or AGENTRY_SERVER, tool.remote_name or tool.name)


# -- pure: the settings' "tool_approvals" value ----------------------------------------------


def always_of(value: object) -> frozenset[Key]:
    """The always-allowed pairs in a "tool_approvals" value. Anything malformed allows nothing
    (fails closed); ``approvals_problem`` says what is wrong."""
    if not isinstance(value, Mapping) or not isinstance(always := value.get("always"), Mapping):
        return frozenset()
    return frozenset(
        (server, tool)
        for server, tools in always.items()
        if isinstance(server, str) and isinstance(tools, list)
        for tool in tools
        if isinstance(tool, str)
    )


def approvals_problem(value: object) -> str | None:
    """What is wrong with a "tool_approvals" value, or None if it is well formed."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return f"'{SETTINGS_KEY}' must be an object"
    always = value.get("always", {})
    if not isinstance(always, Mapping):
        return f"'{SETTINGS_KEY}.always' must be an object of server names"
    for server, tools in always.items():
        if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
            return f"'{SETTINGS_KEY}.always.{server}' must be a list of tool names"
    return None


def with_always(value: object, key: Key, allowed: bool) -> dict[str, Any]:
    """A new "tool_approvals" value with ``key`` always allowed or not; other keys kept."""
    result = dict(value) if isinstance(value, Mapping) else {}
    pairs = set(always_of(value))
    if allowed:
        pairs.add(key)
    else:
        pairs.discard(key)
    always: dict[str, list[str]] = {}
    for server, tool in sorted(pairs):
        always.setdefault(server, []).append(tool)
    result["always"] = always
    return result


# -- the rules of one Agent ------------------------------------------------------------------


class ApprovalRules:
    """Which calls an Agent may run without asking. ``path`` is the settings file (default:
    settings.json in the config folder, found at first use)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        # Changed from the client's thread and from worker threads (saving "always" there).
        self._lock = threading.Lock()
        self._session: dict[str, set[Key]] = {}
        self._always: frozenset[Key] = frozenset()
        self._seen: tuple[int, int, int] | None = None  # the file's (inode, size, mtime) read
        self._problem: str | None = None  # what is wrong with the file's approvals, if anything

    @property
    def path(self) -> Path:
        if self._path is None:
            from agentry.config import settings_path

            self._path = settings_path()
        return self._path

    def allows(self, session_id: str, tool: Tool) -> bool:
        key = tool_key(tool)
        return key in self._session.get(session_id, ()) or key in self._read_always()

    def remember(self, session_id: str, tool: Tool, scope: Scope) -> None:
        """Record an answer: "session" for this process, "always" in the settings file only
        (so that a revoke anywhere holds here). If "always" cannot be saved: ApprovalsError,
        and the tool is allowed for the session instead."""
        key = tool_key(tool)
        if scope == "always":
            try:
                self._save(key, allowed=True)
            except ApprovalsError:
                self._allow_for_session(session_id, key)
                raise
        elif scope == "session":
            self._allow_for_session(session_id, key)

    def _allow_for_session(self, session_id: str, key: Key) -> None:
        with self._lock:
            self._session.setdefault(session_id, set()).add(key)

    def always(self) -> list[Key]:
        return sorted(self._read_always())

    def problem(self) -> str | None:
        """What is wrong with the settings file's approvals (its malformed entries allow
        nothing), or None."""
        self._read_always()
        return self._problem

    def session(self, session_id: str) -> list[Key]:
        """The pairs allowed for the rest of this session (not the always-allowed ones)."""
        return sorted(self._session.get(session_id, ()))

    def revoke(self, server: str, tool: str) -> bool:
        """Stop allowing the pair without asking, always and in every session of this process;
        whether it was allowed anywhere."""
        key = (server, tool)
        found = False
        with self._lock:
            for keys in self._session.values():
                found |= key in keys
                keys.discard(key)
        if key in self._read_always():
            self._save(key, allowed=False)
            found = True
        return found

    def revoke_session(self, session_id: str, server: str, tool: str) -> bool:
        """Stop allowing the pair for the rest of one session; whether it was."""
        with self._lock:
            keys = self._session.get(session_id, set())
            found = (server, tool) in keys
            keys.discard((server, tool))
        return found

    def forget_session(self, session_id: str) -> None:
        """Drop a session's allowances (it was deleted)."""
        with self._lock:
            self._session.pop(session_id, None)

    # -- the file (the edge) ---------------------------------------------------------------

    def _read_always(self) -> frozenset[Key]:
        """The always-allowed pairs, read again when the file changed (atomic writes replace
        it: a new inode, or at least a new mtime or size)."""
        try:
            info = os.stat(self.path)
        except OSError:
            self._always, self._seen, self._problem = frozenset(), None, None
            return self._always
        seen = (info.st_ino, info.st_size, info.st_mtime_ns)
        if seen != self._seen:
            try:
                data = json.loads(self.path.read_bytes())
                value = data.get(SETTINGS_KEY) if isinstance(data, dict) else None
                problem = approvals_problem(value)
            except (OSError, ValueError) as exc:  # nothing is allowed without asking
                value, problem = None, f"it cannot be read ({exc})"
            self._always, self._seen = always_of(value), seen
            self._problem = f"{self.path}: {problem}" if problem else None
        return self._always

    def _save(self, key: Key, *, allowed: bool) -> None:
        """Read the file, change this one pair, write it back; every other key kept as it was.
        A file that is not a JSON object is left alone (ApprovalsError)."""
        from agentry.config import change_settings

        def change(data: dict[str, Any]) -> None:
            if problem := approvals_problem(data.get(SETTINGS_KEY)):
                raise ApprovalsError(f"Cannot save the approval in {self.path}: {problem}.")
            data[SETTINGS_KEY] = with_always(data.get(SETTINGS_KEY), key, allowed)

        try:
            change_settings(change, self.path)
        except (OSError, ValueError) as exc:
            raise ApprovalsError(f"Cannot save the approval: {exc}") from exc
        self._seen = None  # read it again at the next question


def tool_label(tool: Tool) -> str:
    """The tool's name as the person is asked about it: with its MCP server, if it has one."""
    server, name = tool_key(tool)
    return tool.name if tool.server is None else f"{name} (MCP server {server})"


def always_meaning(tool: Tool) -> str:
    """What "always allow" means for this tool, plainly (the shell tool's the plainest)."""
    server, name = tool_key(tool)
    runs = (
        "ANY command the model writes runs without asking"
        if tool.permission == "execute"
        else f"{tool_label(tool)} runs without asking"
    )
    return f"Always: {runs}, in every session, until revoked (/permissions revoke {server} {name})."
