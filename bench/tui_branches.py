"""The TUI switching between two branches of a 5,000-message session (issue 17): from the key
(→) to the first frame (headless) or pane capture (tmux) showing the other branch.

Run: python bench/tui_branches.py [--messages 5000] [--runs 5] [--mode both|headless|tmux]
     [--size 120x36] [--poll 0.003]

The session has two branches of ``--messages`` messages each, forking at one reply. Two cases:
"near the end" forks at the fourth message from the end (the session opens there: f5 and ↑ ↑ ↑
select it); "near the start" forks at message 2 (ctrl+home, f5, ↑ to the top, ↓ ↓). Each run
switches twice (→ shows the other branch, → again the first), timed until the pane shows the
reply of the branch switched to; both branches hold the whole conversation below the fork.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import common
import tui_common as tc

from agentry_tui.__main__ import long_lived_imports

TARGET_S = 0.1
SESSION = "branched"
CASES = {"end": "near the end", "start": "near the start"}
UPS_TO_TOP = 40  # ↑ presses that reach the first message from wherever f5 selects


def fork_at(messages: int, case: str) -> int:
    """The index of the reply where the branches part (replies are at even indexes)."""
    return 2 if case == "start" else (messages - 4) // 2 * 2


def reply_words(seed: int, index: int) -> list[str]:
    """The first line of the reply at ``index`` of conversation ``seed`` ("Reply 1-2:")."""
    return ["Reply", str(seed), str(index)]


def make_history(folder: Path, messages: int, case: str) -> None:
    """One session: conversation 2 on screen, conversation 1 a branch from the fork on."""
    from agentry.sessions import AgentSession, SessionManager

    at = fork_at(messages, case)
    moment = datetime(2026, 2, 1, 10, 0)
    session = AgentSession(
        SESSION, tc.markdown_conversation(messages, 1), created_at=moment, last_activity=moment
    )
    session.prepare_answer_again(at)
    session.messages += tc.markdown_conversation(messages, 2)[at:]
    assert session.alternatives(at) == (2, 2) and len(session.messages) == messages
    SessionManager(folder).save(session)


def select_keys(messages: int, case: str) -> list[str]:
    """Textual key names that select the fork's reply, the session opened at its end."""
    if case == "end":
        return ["f5", "up", "up", "up"]
    return ["ctrl+home", "f5", *["up"] * UPS_TO_TOP, *["down"] * fork_at(messages, case)]


TMUX_NAMES = {"f5": "F5", "up": "Up", "down": "Down", "ctrl+home": "C-Home", "right": "Right"}


# -- headless (child process) ----------------------------------------------------------------


async def headless_run(
    url: str, history: Path, messages: int, case: str, size: tuple[int, int]
) -> dict[str, Any]:
    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # noqa: F401 - imported under long_lived_imports
        from agentry_tui.widgets.chat import MessageList

    workspace = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    app = tc.bench_app(url, history, workspace)
    watch = tc.FrameWatch(app, size)
    at = fork_at(messages, case)
    times: list[float | None] = []
    cpus: list[float] = []
    async with app.run_test(size=size) as pilot:
        deadline = time.perf_counter() + 20
        while app.store.connection.state != "connected" and time.perf_counter() < deadline:
            await pilot.pause(0.02)
        await pilot.pause(1.0)
        pane = app.query_one(MessageList)
        for key in select_keys(messages, case):
            tc.send_key(app, key)
            await pilot.pause(0.01)
        await pilot.pause(0.5)
        if pane.selected != at:
            raise SystemExit(f"selected {pane.selected}, not the fork at {at}")
        for seed in (1, 2):  # → shows conversation 1, → again conversation 2
            region = tc.region_of(pane)
            shown = watch.expect(
                lambda g, r=region, s=seed: tc.visible(g.rows(r), reply_words(s, at))
            )
            cpu0, t0 = time.process_time(), time.perf_counter()
            tc.send_key(app, "right")
            end = await shown.wait(30)
            times.append(None if end is None else end - t0)
            cpus.append(time.process_time() - cpu0)
            await pilot.pause(1.0)  # its save done
        await pilot.press("ctrl+q")
    shutil.rmtree(workspace, ignore_errors=True)
    return {"switch": times, "cpu": cpus}


# -- tmux ------------------------------------------------------------------------------------


def tmux_run(
    tmux: tc.Tmux,
    url: str,
    history: Path,
    messages: int,
    case: str,
    where: dict[str, Any],
    env: dict[str, str],
    interval: float,
) -> dict[str, Any]:
    pane = tuple(where["pane"])
    at = fork_at(messages, case)
    tmux.start(tc.tui_argv(history, url), env)
    ready = tc.poll(
        tmux,
        {
            "shown": lambda s: (
                tc.visible(tc.crop(s, pane), reply_words(2, messages - 2))
                and "● connected" in "".join("".join(r) for r in s)
            ),
        },
        30,
        0.02,
    )
    if ready["shown"] is None:
        raise SystemExit("agentry-tui did not become ready in tmux")
    time.sleep(1.0)
    for key in select_keys(messages, case):
        tmux.keys(TMUX_NAMES[key])
        time.sleep(0.01)
    time.sleep(0.5)
    times: list[float | None] = []
    cpus: list[float] = []
    for seed in (1, 2):
        sig = reply_words(seed, at)
        cpu0, t0 = tc.proc_cpu_s(tmux.pid), time.perf_counter()
        tmux.keys("Right")
        got = tc.poll(
            tmux, {"other": lambda s, sig=sig: tc.visible(tc.crop(s, pane), sig)}, 30, interval
        )
        times.append(None if got["other"] is None else got["other"] - t0)
        cpus.append(tc.proc_cpu_s(tmux.pid) - cpu0)
        time.sleep(1.0)
    tmux.stop_app()
    return {"switch": times, "cpu": cpus}


# -- the report ------------------------------------------------------------------------------


def summarise(title: str, results: dict[str, list[dict[str, Any]]]) -> None:
    rows = []
    for case, runs in results.items():
        switches = [t for r in runs for t in r["switch"]]
        missed = sum(t is None for t in switches)
        rows += [
            (
                f"→ → other branch shown, fork {CASES[case]}",
                tc.against(tc.med(t for t in switches if t is not None), TARGET_S)
                + (f" ({missed} never shown)" if missed else ""),
            ),
            (
                "  app CPU time in that",
                tc.seconds(tc.med(c for r in runs for c in r["cpu"])),
            ),
        ]
    n = len(next(iter(results.values())))
    common.report(f"{title}, median of {n} runs × 2 switches", rows)


def main() -> None:
    parser = tc.arguments(__doc__, poll=0.003)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--history", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tc.parse_size(args.size)
    if args.child:
        tc.child_result(
            asyncio.run(headless_run(args.url, Path(args.history), args.messages, args.case, size))
        )
        return
    env = tc.isolated_env()
    tc.header("TUI branch switch")
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    try:
        histories = {}
        for case in CASES:
            histories[case] = folder / case
            histories[case].mkdir()
            make_history(histories[case], args.messages, case)
        size_mb = next(histories["end"].glob(f"{SESSION}*")).stat().st_size / 1e6
        print(
            f"# terminal {size[0]}x{size[1]}; '{SESSION}': two branches of {args.messages:,} "
            f"messages ({size_mb:.1f} MB file)"
        )
        with common.ServerProcess("ollama") as server:

            def child(case: str) -> dict[str, Any]:
                options = ["--url", server.url, "--history", str(histories[case])]
                options += ["--messages", str(args.messages), "--case", case, "--size", args.size]
                return tc.run_child("tui_branches.py", options, env)

            child("end")  # untimed: compiles what the first switch imports
            if args.mode in ("both", "headless"):
                summarise(
                    "headless (App.run_test)",
                    {case: [child(case) for _ in range(args.runs)] for case in CASES},
                )
            if args.mode in ("both", "tmux"):
                where = tc.layout(size, server.url, env)
                with tc.Tmux(size) as tmux:
                    results = {
                        case: [
                            tmux_run(
                                tmux,
                                server.url,
                                histories[case],
                                args.messages,
                                case,
                                where,
                                env,
                                args.poll,
                            )
                            for _ in range(args.runs)
                        ]
                        for case in CASES
                    }
                    summarise(
                        f"tmux (agentry-tui in a pane, capture every {args.poll * 1000:.0f} ms)",
                        results,
                    )
        tc.footer()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
