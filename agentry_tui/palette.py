"""The command palette entries: every action of the key map, found by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from agentry_tui.keys import ACTIONS, JUMPS


class AgentryCommands(Provider):
    def _entries(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for every action, its key in the help."""
        return [
            (a.help, a.keys.split(",")[0], a.action)
            for a in (*ACTIONS, *JUMPS)
            if a.action != "change_theme"  # Textual lists "Theme" itself
        ]

    async def discover(self) -> Hits:
        for title, key, action in self._entries():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=key)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, key, action in self._entries():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action),
                          help=key)
