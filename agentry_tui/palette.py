"""The command palette entries: every action of the key map and every slash command, found by
name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from agentry.commands import TUI, offered
from agentry_tui.keys import ACTIONS, JUMPS, MESSAGE_ACTIONS

if TYPE_CHECKING:
    from agentry_tui.app import AgentryApp

MCP_SERVERS = "MCP servers"


class AgentryCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, what it does): actions with their key as help, then commands by their
        usage with their one-line help."""
        actions = [
            (a.help, a.keys.split(",")[0], partial(self.app.run_action, a.action))
            for a in (*ACTIONS, *MESSAGE_ACTIONS, *JUMPS)
            if a.action != "change_theme"  # Textual lists "Theme" itself
        ]
        app = cast("AgentryApp", self.app)
        commands = [
            (spec.usage, spec.help, partial(app.start_command, spec)) for spec in offered(TUI)
        ]
        return actions + commands + self._mcp_entries(app)

    def _mcp_entries(self, app: AgentryApp) -> list[tuple[str, str, Callable[[], object]]]:
        """The MCP servers screen, and each ready server's prompts (as /server:prompt)."""
        entries: list[tuple[str, str, Callable[[], object]]] = [
            (
                MCP_SERVERS,
                "Each server's state and tools; switch one off here",
                app.action_mcp_servers,
            )
        ]
        if prompts := app.store.mcp.prompts:  # the hub is loaded: its prompts are listed
            from agentry.mcp.prompts import prompt_help, prompt_usage

            entries += [
                (prompt_usage(p), prompt_help(p), partial(app.start_prompt, p)) for p in prompts
            ]
        return entries

    async def discover(self) -> Hits:
        for title, help_text, run in self._entries():
            yield DiscoveryHit(Content(title), run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, highlighted(matcher, title), run, help=help_text)


def highlighted(matcher: Matcher, title: str) -> Content:
    """The title with the matched letters marked. Textual's ``Matcher.highlight`` reads the
    title as markup, and "/model [name]" showed as "/model "."""
    _, offsets = matcher.fuzzy_search.match(matcher.query, title)
    content = Content(title)
    for offset in offsets:
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
