"""``agentry search WORDS [--role R] [--since DATE] [--json]``: search every session, for
scripts. One hit a line (tab-separated: session, #index, role, time, snippet) or JSON lines;
exit 1 when nothing matched, 2 for a wrong argument."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from agentry.commands import hit_line
from agentry.messages import ROLES
from agentry.safe_text import visible
from agentry.sessions import SessionManager
from agentry.sessions.search import SearchUnavailable


def _date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date: write it as 2026-12-07 or 2026-12-07T14:30"
        ) from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentry search",
        description='Search the messages of every session: words (all must match), "a phrase", '
        "prefix*, -excluded. Best matches first.",
    )
    parser.add_argument("words", nargs="+", metavar="WORDS")
    parser.add_argument("--role", choices=sorted(ROLES), help="only messages of this role")
    parser.add_argument("--since", type=_date, metavar="DATE", help="only messages from DATE on")
    parser.add_argument("--until", type=_date, metavar="DATE", help="only messages before DATE")
    parser.add_argument("--session", metavar="ID", help="only this session")
    parser.add_argument("--model", metavar="NAME", help="only replies of this model")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="default: 50")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument("--history-dir", metavar="DIR", help="where session files are kept")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        manager = SessionManager(args.history_dir)
        hits = manager.search(
            " ".join(args.words),
            args.limit,
            role=args.role,
            session=args.session,
            model=args.model,
            since=args.since,
            until=args.until,
        )
    except (SearchUnavailable, OSError) as exc:
        print(visible(f"Cannot search: {exc}"), file=sys.stderr)
        return 1
    for hit in hits:
        line = json.dumps(hit.as_dict(), ensure_ascii=False) if args.json else hit_line(hit)
        print(visible(line))  # text from sessions may hold escape sequences
    return 0 if hits else 1
