"""The TUI switching to a session of 5,000 messages: time to first paint, and peak memory.

Run: python bench/tui_switch.py [--messages 5000] [--runs 5] [--mode both|headless|tmux]
     [--size 120x36] [--poll 0.003]
Profile: python bench/tui_switch.py --profile /tmp/prof_switch.txt

The history holds a short session (newest, open at start), the big one (next in the list, with
Markdown replies) and 50 others. The switch is alt+down (next session) and is timed until the
first frame (headless) or pane capture (tmux) whose chat pane ends with the big session's last
message. Twice per run: the first time the file is read and parsed ("first open"), then, after
going back with alt+up, again with the session already in memory ("again").
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

TARGET_S = 0.15
BIG, SMALL = "big", "a-short-one"


def make_history(folder: Path, messages: int) -> tuple[list[str], list[str]]:
    """The folder's sessions; the words of the short and the big session's last messages."""
    import sessions as storage_bench  # bench/sessions.py

    storage_bench.populate(folder, 50, 20)
    big = tc.markdown_conversation(messages, 1)
    small = tc.markdown_conversation(21, 2)
    tc.save_session(folder, BIG, big, datetime(2026, 2, 1, 10, 0))
    tc.save_session(folder, SMALL, small, datetime(2026, 2, 2, 10, 0))
    active, _ = tc.active_at_start(folder)
    assert active == SMALL, active
    return tc.message_signature(small[-1]), tc.message_signature(big[-1])


# -- headless (child process) ----------------------------------------------------------------


async def headless_run(
    url: str,
    history: Path,
    small: list[str],
    big: list[str],
    size: tuple[int, int],
    profile: str | None,
) -> dict[str, Any]:
    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # noqa: F401 - imported under long_lived_imports
        from agentry_tui.widgets.chat import MessageList

    workspace = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    app = tc.bench_app(url, history, workspace)
    watch = tc.FrameWatch(app, size)
    result: dict[str, Any] = {}

    def ends_with(sig: list[str]) -> tc.Expectation:
        return watch.expect(
            lambda g: tc.at_bottom(g.rows(tc.region_of(app.query_one(MessageList))), sig)
        )

    async def settled(pane: MessageList, timeout: float = 30) -> float | None:
        """When the list has built its older messages too (MessageList._settled)."""
        deadline = time.perf_counter() + timeout
        while not getattr(pane, "_settled", True):
            if time.perf_counter() > deadline:
                return None
            await asyncio.sleep(0.005)
        return time.perf_counter()

    async with app.run_test(size=size) as pilot:
        start = ends_with(small)
        if await start.wait(30) is None:
            raise SystemExit("the short session never showed")
        deadline = time.perf_counter() + 20
        while app.store.connection.state != "connected" and time.perf_counter() < deadline:
            await pilot.pause(0.02)
        await pilot.pause(1.0)  # the session list filled in, nothing pending
        pane = app.query_one(MessageList)
        for kind in ("first", "again"):
            shown = ends_with(big)
            profiler = tc.start_profiler() if profile and kind == "first" else None
            cpu0, t0 = time.process_time(), time.perf_counter()
            tc.send_key(app, "alt+down")
            end = await shown.wait(30)
            cpu = time.process_time() - cpu0
            filled = await settled(pane)
            if profiler:
                tc.write_profile(
                    profiler,
                    profile,
                    "switch to the big session (first open): "
                    "alt+down until the older messages are built too, headless",
                )
            result[kind] = None if end is None else end - t0
            result[f"{kind}_cpu"] = cpu
            result[f"{kind}_filled"] = None if filled is None else filled - t0
            await pilot.pause(0.5)
            result[f"{kind}_follows"] = tc.at_bottom(watch.grid.rows(tc.region_of(pane)), big)
            if kind == "first":  # back to the short one, then again
                back = ends_with(small)
                tc.send_key(app, "alt+up")
                if await back.wait(30) is None:
                    raise SystemExit("the switch back never showed")
                await pilot.pause(1.0)
        await pilot.press("ctrl+q")
    shutil.rmtree(workspace, ignore_errors=True)
    result["rss"] = tc.peak_rss_mib()
    return result


# -- tmux ------------------------------------------------------------------------------------


def tmux_run(
    tmux: tc.Tmux,
    url: str,
    history: Path,
    small: list[str],
    big: list[str],
    where: dict[str, Any],
    env: dict[str, str],
    interval: float,
) -> dict[str, Any]:
    pane = tuple(where["pane"])
    tmux.start(tc.tui_argv(history, url), env)
    ready = tc.poll(
        tmux,
        {
            "small": lambda s: (
                tc.at_bottom(tc.crop(s, pane), small)
                and "● connected" in "".join("".join(r) for r in s)
            ),
        },
        30,
        0.02,
    )
    if ready["small"] is None:
        raise SystemExit("agentry-tui did not become ready in tmux")
    time.sleep(1.0)
    result: dict[str, Any] = {}
    for kind in ("first", "again"):
        cpu0, t0 = tc.proc_cpu_s(tmux.pid), time.perf_counter()
        tmux.keys("M-Down")
        got = tc.poll(tmux, {"big": lambda s: tc.at_bottom(tc.crop(s, pane), big)}, 30, interval)
        result[kind] = None if got["big"] is None else got["big"] - t0
        result[f"{kind}_cpu"] = tc.proc_cpu_s(tmux.pid) - cpu0
        time.sleep(1.0)
        result[f"{kind}_follows"] = tc.at_bottom(tc.crop(tmux.screen(), pane), big)
        if kind == "first":
            tmux.keys("M-Up")
            back = tc.poll(
                tmux, {"small": lambda s: tc.at_bottom(tc.crop(s, pane), small)}, 30, 0.02
            )
            if back["small"] is None:
                raise SystemExit("the switch back never showed in tmux")
            time.sleep(1.0)
    result["rss"] = tc.proc_hwm_mib(tmux.pid)
    tmux.stop_app()
    return result


# -- the report ------------------------------------------------------------------------------


def summarise(title: str, results: list[dict[str, Any]]) -> None:
    rows = []
    for kind, label in (("first", "first open (file read)"), ("again", "again (in memory)")):
        rows += [
            (
                f"alt+down → last message shown, {label}",
                tc.against(tc.med(r[kind] for r in results), TARGET_S),
            ),
            ("  app CPU time in that", tc.seconds(tc.med(r[f"{kind}_cpu"] for r in results))),
        ]
        if f"{kind}_filled" in results[0]:
            rows.append(
                (
                    "  until the older messages are built too",
                    tc.ms(tc.med(r[f"{kind}_filled"] for r in results)),
                )
            )
        rows.append(
            (
                "  newest message at the bottom afterwards",
                f"{sum(r[f'{kind}_follows'] for r in results)} of {len(results)} runs",
            )
        )
    rows.append(("peak RSS of the app", f"{tc.med(r['rss'] for r in results):.0f} MiB"))
    common.report(f"{title}, median of {len(results)} runs", rows)


def main() -> None:
    parser = tc.arguments(__doc__, poll=0.003)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--history", help=argparse.SUPPRESS)
    parser.add_argument("--small", help=argparse.SUPPRESS)
    parser.add_argument("--big", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tc.parse_size(args.size)
    if args.child:
        tc.child_result(
            asyncio.run(
                headless_run(
                    args.url,
                    Path(args.history),
                    args.small.split(),
                    args.big.split(),
                    size,
                    args.profile,
                )
            )
        )
        return
    env = tc.isolated_env()
    tc.header("TUI session switch")
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    history = folder / "history"
    history.mkdir()
    try:
        small, big = make_history(history, args.messages)
        big_mb = (
            history / next(p.name for p in history.iterdir() if p.name.startswith(BIG))
        ).stat().st_size / 1e6
        print(
            f"# terminal {size[0]}x{size[1]}; '{BIG}': {args.messages:,} messages "
            f"({big_mb:.1f} MB file), 52 sessions in all"
        )
        with common.ServerProcess("ollama") as server:

            def child(profile: str | None = None) -> dict[str, Any]:
                extra = ["--profile", profile] if profile else []
                return tc.run_child(
                    "tui_switch.py",
                    [
                        "--url",
                        server.url,
                        "--history",
                        str(history),
                        "--small",
                        " ".join(small),
                        "--big",
                        " ".join(big),
                        "--size",
                        args.size,
                        *extra,
                    ],
                    env,
                )

            child()  # untimed: compiles what the first switch imports
            if args.profile:
                result = child(args.profile)
                print(
                    f"profile of the first switch written to {args.profile} (that run: "
                    f"{tc.ms(result['first'])} under the profiler)"
                )
                return
            if args.mode in ("both", "headless"):
                summarise("headless (App.run_test)", [child() for _ in range(args.runs)])
            if args.mode in ("both", "tmux"):
                where = tc.layout(size, server.url, env)
                with tc.Tmux(size) as tmux:
                    summarise(
                        f"tmux (agentry-tui in a pane, capture every {args.poll * 1000:.0f} ms)",
                        [
                            tmux_run(tmux, server.url, history, small, big, where, env, args.poll)
                            for _ in range(args.runs)
                        ],
                    )
        tc.footer()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
