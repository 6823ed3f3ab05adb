"""The `@` picker's files: the paths under the working folder, and a fuzzy ranking of them for
what was typed after `@` (pure but for ``list_files``, which reads the folder; no Textual).

The ranking is fzf's idea in small: the query's characters must appear in the path in order
(case-insensitive); a match scores more where characters start a path segment or a word
("src/app.py" for "sa") and where they run on from the one before; ties go to the shorter path.
A cheap regular expression rules out most paths first, so only real matches are scored.
"""

from __future__ import annotations

import fnmatch
import heapq
import os
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Folders never listed: tools' caches and dependencies, thousands of files nobody attaches.
SKIPPED = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"})
MAX_FILES = 10_000  # the walk stops here: first results in < 50 ms on a 50,000-file tree
LISTED = 30  # ranked matches returned at most (the menu shows 8 at a time)

START_BONUS = 8  # a character at the start of a segment or word
RUN_BONUS = 5  # a character right after the previous matched one
GAP_PENALTY = 1  # each character skipped between two matched ones (at most GAP_CAP)
GAP_CAP = 4
SEPARATORS = frozenset("/\\_-. ")


@dataclass(frozen=True)
class Mention:
    """An `@word` in a line of the message box: where its `@` is, and what follows it."""

    start: int
    query: str


def mention_at(line: str, column: int) -> Mention | None:
    """The `@word` that ends at ``column``: its `@` starts the line or follows a space, so an
    e-mail address (``bob@example.com``) is none."""
    head = line[:column]
    at = head.rfind("@")
    if at < 0 or (at > 0 and not head[at - 1].isspace()):
        return None
    query = head[at + 1 :]
    return None if any(c.isspace() for c in query) else Mention(at, query)


def pasted_path(text: str) -> str | None:
    """The path if ``text`` is one absolute path and nothing else (a file dropped on a terminal
    is pasted so, often in quotes); else None."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if not text or "\n" in text or not os.path.isabs(text):
        return None
    return text


def ignore_rules(root: Path) -> list[str]:
    """The simple patterns of ``root``'s own .gitignore (no negations): cheap to apply, and
    they cover build output and data folders. Nested .gitignore files are not read."""
    try:
        text = (root / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            rules.append(line.rstrip("/"))
    return rules


def ignored(relative: str, name: str, rules: Sequence[str]) -> bool:
    """Whether a .gitignore rule covers the entry: a rule with a slash is matched against the
    path from the root, one without against the name alone, as git does."""
    for rule in rules:
        if "/" in rule:
            if fnmatch.fnmatchcase(relative, rule.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(name, rule):
            return True
    return False


def list_files(root: Path, limit: int = MAX_FILES) -> list[str]:
    """Paths of the files under ``root`` relative to it, with '/' between segments on every
    system; breadth first (the files near the top come first, and a cap cuts the deep ones),
    without hidden entries, the SKIPPED folders or what the root .gitignore ignores."""
    rules = ignore_rules(root)
    found: list[str] = []
    folders: deque[tuple[str, str]] = deque([(str(root), "")])
    while folders and len(found) < limit:
        folder, prefix = folders.popleft()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:  # unreadable or vanished meanwhile: its files are not offered
            continue
        for entry in listed:
            name = entry.name
            if name.startswith(".") or name in SKIPPED:
                continue
            relative = prefix + name
            if rules and ignored(relative, name, rules):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, relative + "/"))
                elif entry.is_file():
                    found.append(relative)
            except OSError:
                continue
            if len(found) >= limit:
                break
    return found


def _pattern(query: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(c) for c in query), re.IGNORECASE | re.DOTALL)


def score(path: str, query: str) -> int | None:
    """How well ``path`` matches ``query`` (higher is better), or None if it does not. Each
    character is placed greedily, at a later segment or word start when there is one (unless
    the first place found continues a run); if that leaves the query unplaced, plainly."""
    lower, wanted = path.lower(), query.lower()
    points = _placed(path, lower, wanted, prefer_starts=True)
    return points if points is not None else _placed(path, lower, wanted, prefer_starts=False)


def _placed(path: str, lower: str, wanted: str, *, prefer_starts: bool) -> int | None:
    # The hot loop of ranking (every match of every key press): _starts is inlined as `starts`.
    at, total, last, previous = 0, 0, -2, 0
    for char in wanted:
        place = lower.find(char, at)
        if place < 0:
            return None
        starts = place == 0 or _starts(path, place)
        if prefer_starts and not starts and place != last + 1:
            later = lower.find(char, place + 1)
            while later >= 0 and not _starts(path, later):
                later = lower.find(char, later + 1)
            if later >= 0:
                place, starts = later, True
        bonus = START_BONUS if starts else 0
        if place == last + 1:  # a run keeps the bonus of where it began, as in fzf
            bonus = max(bonus, RUN_BONUS, previous)
        elif last >= 0:
            total -= GAP_PENALTY * min(GAP_CAP, place - last - 1)
        total += 1 + bonus
        last, at, previous = place, place + 1, bonus
    return total


def _starts(path: str, index: int) -> bool:
    """A segment or word starts at ``index`` (> 0): after a separator, or an upper-case letter
    after a lower-case one (camelCase)."""
    before = path[index - 1]
    return before in SEPARATORS or (before.islower() and path[index].isupper())


Match = tuple[int, int, str]  # (-score, length, path): sorts best first


def matches(paths: Iterable[str], query: str) -> list[Match]:
    """The paths matching ``query`` (not empty), scored, in their order. Ranking a big folder
    is done a slice at a time with this (see AttachmentMenu), so keys are not kept waiting."""
    search = _pattern(query).search
    return [
        (-points, len(path), path)
        for path in paths
        if search(path) and (points := score(path, query)) is not None
    ]


def best(found: list[Match], limit: int = LISTED) -> list[str]:
    """The ``limit`` best of ``found``: highest score, then shorter, then alphabetical."""
    return [path for _, _, path in heapq.nsmallest(limit, found)]


def rank(paths: Iterable[str], query: str, limit: int = LISTED) -> list[str]:
    """The paths matching ``query``, best first (ties: shorter, then alphabetical); all of them
    in their order (up to ``limit``) for an empty query."""
    if not query:
        return list(paths)[:limit]
    return best(matches(paths, query), limit)
