"""The command palette entries: every action of the key map and every slash command, found by
name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from agentry.commands import TUI, offered
from agentry_tui.keys import ACTIONS, JUMPS

if TYPE_CHECKING:
    from agentry_tui.app import AgentryApp


class AgentryCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, what it does): actions with their key as help, then commands by their
        usage with their one-line help."""
        actions = [
            (a.help, a.keys.split(",")[0], partial(self.app.run_action, a.action))
            for a in (*ACTIONS, *JUMPS)
            if a.action != "change_theme"  # Textual lists "Theme" itself
        ]
        start = cast("AgentryApp", self.app).start_command
        return actions + [(spec.usage, spec.help, partial(start, spec)) for spec in offered(TUI)]

    async def discover(self) -> Hits:
        for title, help_text, run in self._entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
