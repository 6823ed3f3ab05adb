"""Branches: saving a session with 50 branches, and switching between two branches of a
5,000-message session (the library's part of a switch; the TUI's paint is bench/tui_switch.py).

Run: python bench/branches.py [--messages 5000] [--branches 50] [--runs 9]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import common
from sessions import conversation

from agentry.sessions import AgentSession, SessionManager


def branched(messages: int, branches: int) -> AgentSession:
    """A conversation of ``messages`` with ``branches`` other branches of 20 messages each,
    forking at points spread through it (as edits and answers again leave them)."""
    session = AgentSession("branched", messages=conversation(messages))
    for n in range(branches):
        at = 1 + (n * (messages - 1)) // branches
        at += at % 2 == 0  # a user message (odd indexes): an edit there
        session.edit_message(at, f"edit {n}")
        for i in range(19):
            role = "assistant" if i % 2 == 0 else "user"
            session.add_message({"role": role, "content": f"branch {n} message {i} " * 20})
        session.switch_alternative(at, -1)  # back to the original below it
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    common.header("branches")
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    try:
        session = branched(args.messages, args.branches)
        assert session.branch_count() == args.branches + 1
        sm = SessionManager(folder)
        sm.save(session)
        size = sm.path_for("branched").stat().st_size
        saves = [common.timed(lambda: sm.save(session)) for _ in range(args.runs)]
        plain = list(session.messages)
        plain_saves = [
            common.timed(lambda: sm.save_session("branched", plain)) for _ in range(args.runs)
        ]
        # The same number of messages in one conversation with no branches: the figure to
        # compare with (the machine's own speed, and the 100 ms save target).
        alone = conversation(args.messages + 20 * args.branches)
        sm.save_session("alone", alone)
        alone_saves = [
            common.timed(lambda: sm.save_session("alone", alone)) for _ in range(args.runs)
        ]
        syncs = []
        for run in range(args.runs):
            session.add_message({"role": "user", "content": f"one more {run}"})
            syncs.append(common.timed(lambda: sm.sync(session)))
        loads = [common.timed(lambda: sm.load("branched")) for _ in range(args.runs)]
        early = session.branch_points()[0][0]  # everything below it changes on a switch
        switches = [
            common.timed(lambda: session.switch_alternative(early, 1)) for _ in range(args.runs)
        ]
        points = [common.timed(session.branch_points) for _ in range(args.runs)]
        common.report(
            f"{args.messages} messages, {args.branches} branches of 20 ({size / 1e6:.1f} MB), "
            f"median of {args.runs}",
            [
                (
                    f"save_session() of {len(alone)} messages, no branches",
                    f"{common.median(alone_saves) * 1000:.1f} ms",
                ),
                ("save(session)", f"{common.median(saves) * 1000:.1f} ms"),
                (
                    "save_session(id, plain list): branches kept",
                    f"{common.median(plain_saves) * 1000:.1f} ms",
                ),
                ("sync(session) after one new message", f"{common.median(syncs) * 1000:.1f} ms"),
                ("load(id)", f"{common.median(loads) * 1000:.1f} ms"),
                (
                    f"switch_alternative at message {early} (all below changes)",
                    f"{common.median(switches) * 1000:.2f} ms",
                ),
                ("branch_points()", f"{common.median(points) * 1000:.2f} ms"),
            ],
        )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
