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


class AgentryCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, what it does): actions with their key as help, then commands by their
        usage with their one-line help."""
        actions = [
            (a.help, a.keys.split(",")[0], partial(self.app.run_action, a.action))
            for a in (*ACTIONS, *MESSAGE_ACTIONS, *JUMPS)
            if a.action != "change_theme"  # Textual lists "Theme" itself
        ]
        start = cast("AgentryApp", self.app).start_command
        return actions + [(spec.usage, spec.help, partial(start, spec)) for spec in offered(TUI)]

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
