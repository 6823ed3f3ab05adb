"""/title in the line client (issue 16, item 9): the same command, table and texts as the TUI's."""

from __future__ import annotations

from agentry.sessions.titles import TITLE_RULE

PIRATE = "My Pirate Chat ☠"


def test_title_sets_shows_and_refuses_saying_why(cli, ollama_server) -> None:
    result = cli.pipe(
        f"/title\n/title {PIRATE}\n/title two\x1bescapes\n/title\n", "--lines", "--session", "t"
    )
    assert result.stdout.splitlines() == [
        "Session 't' has no title. /title <text> gives it one.",
        f"Session 't' is titled '{PIRATE}'.",
        f"Session 't' is titled '{PIRATE}'.",  # the refused one changed nothing
    ]
    assert TITLE_RULE in result.stderr and "U+001B" in result.stderr
    assert cli.stored("t")["metadata"] == {"title": PIRATE}
