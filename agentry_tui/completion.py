"""Tab completion in the message box: slash commands, and the session id after /resume."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentry.commands import is_command

# Commands whose argument names a session there is (not a new id, as /new and /rename take).
SESSION_COMMANDS = frozenset({"resume"})
LISTED = 12  # choices shown at most (200 sessions named "chat-…" match "/resume c")


@dataclass(frozen=True)
class Completion:
    text: str  # the message box's text, completed as far as every match agrees
    choices: tuple[str, ...] = ()  # the matches, when there are several


def complete(text: str, commands: Sequence[str], session_ids: Sequence[str]) -> Completion | None:
    """``text`` completed: "/ex" → "/export ", "/resume ch" → "/resume chat-2…"; several matches
    complete their common start and are listed. None when there is nothing to complete (then Tab
    moves on, as it does elsewhere)."""
    if not is_command(text) or "\n" in text:
        return None
    head, space, rest = text.partition(" ")
    if not space:
        lead, typed, candidates, end = "/", head[1:], commands, " "
    elif head[1:] in SESSION_COMMANDS and " " not in rest:
        lead, typed, candidates, end = f"{head} ", rest, session_ids, ""
    else:
        return None
    matches = [c for c in candidates if c.startswith(typed)]
    if not matches:
        return None
    if len(matches) == 1:
        return Completion(lead + matches[0] + end)
    return Completion(lead + _common_start(matches), tuple(matches))


def _common_start(words: Sequence[str]) -> str:
    first, last = min(words), max(words)  # the others start as these two agree
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def choices_text(choices: Sequence[str]) -> str:
    shown = "   ".join(choices[:LISTED])
    return shown + (f"   … {len(choices) - LISTED} more" if len(choices) > LISTED else "")
