"""The TUI starting with a big history: time to the first usable frame, and peak memory.

Run: python bench/tui_startup.py [--sessions 1000] [--messages 200] [--runs 5]
     [--mode both|headless|tmux] [--size 120x36] [--poll 0.005] [--no-cold] [--mcp N]
Profile: python bench/tui_startup.py --profile /tmp/prof_startup.txt

The history folder gets --sessions files of --messages messages (bench/sessions.py's
``populate``); the newest, which the app opens, has Markdown replies (prose, lists, code).
"Usable" is the first frame (headless) or pane capture (tmux) showing the prompt's placeholder
and the open session's last message at the bottom of the chat pane.
* headless: from ``AgentryApp(...)`` (imports done, timed apart) to that frame;
* tmux: from spawning ``agentry-tui`` (Python start and imports included) to that capture.
Headless, the probe then types a key every 0.1 s for 1.5 s, while the app does the work it left
for after the first frame: how long each takes to show says whether "usable" means usable.
Both with the listing index on disk (an ordinary start) and without it (the first start on a
folder, or after the files changed): --no-cold skips the latter.
In tmux the floor is measured too: a bare Textual app (one Static) from spawn to shown, right
after each of our runs. It says how much of the start-up is Python and Textual, and how fast the
machine is right now (the same VM has been measured 1.7x slower from one hour to the next); "ours
over the floor" is the part our code adds, which moves less with the machine.
--mcp N measures each case twice, run by run in turn: with no MCP server configured and with N
stdio servers in settings.json (tests/servers/mcp_stdio_server.py; they start in the background
after the first frame, so "usable" should not move; the key probe shows what their start costs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import bare_textual_app
import common
import tui_common as tc

from agentry_tui.__main__ import long_lived_imports

TARGET_S = 0.8
INDEX = ".index.json"
MCP_SERVER = common.ROOT / "tests" / "servers" / "mcp_stdio_server.py"


def configure_mcp(env: dict[str, str], count: int) -> None:
    """The measured app's settings.json names ``count`` stdio MCP servers (none: no key)."""
    servers = {
        f"bench{n}": {"command": sys.executable, "args": [str(MCP_SERVER)]} for n in range(count)
    }
    settings = Path(env["AGENTRY_CONFIG_DIR"]) / "settings.json"
    settings.write_text(json.dumps({"mcpServers": servers} if servers else {}))


def make_history(folder: Path, sessions: int, messages: int) -> tuple[str, list[str]]:
    """The folder's sessions; the id the app opens and its last message's words."""
    import sessions as storage_bench  # bench/sessions.py

    storage_bench.populate(folder, sessions, messages)
    tc.save_session(
        folder, "s00000", tc.markdown_conversation(messages, 0), datetime(2026, 2, 1, 10, 0)
    )
    active, last = tc.active_at_start(folder)  # also writes the listing index
    return active, tc.message_signature(last)


# -- headless (child process) ----------------------------------------------------------------


async def headless_run(
    url: str, history: Path, sig: list[str], size: tuple[int, int], profile: str | None
) -> dict[str, Any]:
    t_import = time.perf_counter()
    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # noqa: F401 - imported under long_lived_imports
        from agentry_tui.widgets.chat import MessageList
        from agentry_tui.widgets.prompt import Prompt

    import_s = time.perf_counter() - t_import
    workspace = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    profiler = tc.start_profiler() if profile else None
    cpu0, t0 = time.process_time(), time.perf_counter()
    app = tc.bench_app(url, history, workspace)
    watch = tc.FrameWatch(app, size)

    def placeholder_shown(grid: tc.Grid) -> bool:
        prompt = app.query_one(Prompt)
        return tc.words(str(prompt.placeholder)) == tc.words(
            "\n".join(grid.rows(tc.region_of(prompt)))
        )

    first = watch.expect(lambda g: True)
    usable = watch.expect(placeholder_shown)
    messages = watch.expect(
        lambda g: tc.at_bottom(g.rows(tc.region_of(app.query_one(MessageList))), sig)
    )
    async with app.run_test(size=size) as pilot:
        await messages.wait(60)
        await usable.wait(10)
        cpu = time.process_time() - cpu0
        if profiler:
            count = len(list(history.glob("*_chat.*")))
            tc.write_profile(
                profiler,
                profile,
                f"start-up with {count} sessions, AgentryApp() to the first usable frame, headless",
            )
        # Typing at once, while the app does what it left for after the first frame (the
        # connection, code colours, older messages): a key every 0.1 s for 1.5 s.
        probe = tc.HeadlessKeyProbe(app, watch, app.query_one(Prompt), 0.1, limit=15)
        probe.start()
        await asyncio.sleep(1.5)
        await probe.stop()
        mcp = [state.status for state in app.store.mcp.states()]
        await pilot.press("ctrl+q")

    def since(exp: tc.Expectation) -> float | None:
        return None if exp.time is None else exp.time - t0

    shutil.rmtree(workspace, ignore_errors=True)
    return {
        "import": import_s,
        "first": since(first),
        "usable": since(usable),
        "messages": since(messages),
        "cpu": cpu,
        "rss": tc.peak_rss_mib(),
        "keys": probe.latencies,
        "keys_missed": probe.missed,
        "mcp": mcp,
    }


# -- tmux ------------------------------------------------------------------------------------


def tmux_run(
    tmux: tc.Tmux,
    url: str,
    history: Path,
    sig: list[str],
    where: dict[str, Any],
    env: dict[str, str],
    interval: float,
) -> dict[str, Any]:
    pane, prompt = tuple(where["pane"]), tuple(where["prompt"])
    placeholder = tc.words(where["placeholder"])
    t0 = tmux.start(tc.tui_argv(history, url), env)
    got = tc.poll(
        tmux,
        {
            "first": lambda s: any(ch.strip() for row in s for ch in row),
            "usable": lambda s: tc.words("\n".join(tc.crop(s, prompt))) == placeholder,
            "messages": lambda s: tc.at_bottom(tc.crop(s, pane), sig),
        },
        60,
        interval,
    )
    cpu = tc.proc_cpu_s(tmux.pid)
    time.sleep(1.5)
    hwm = tc.proc_hwm_mib(tmux.pid)
    tmux.stop_app()
    return {**{k: None if v is None else v - t0 for k, v in got.items()}, "cpu": cpu, "rss": hwm}


def bare_run(tmux: tc.Tmux, env: dict[str, str], interval: float) -> float | None:
    """Spawn → shown for a Textual app with nothing in it: the floor under ours."""
    t0 = tmux.start([sys.executable, bare_textual_app.__file__], env)
    got = tc.poll(
        tmux, {"shown": lambda s: bare_textual_app.SHOWN in "".join(map("".join, s))}, 30, interval
    )
    tmux.stop_app()
    return None if got["shown"] is None else got["shown"] - t0


# -- the report ------------------------------------------------------------------------------


def summarise(title: str, results: list[dict[str, Any]], headless: bool) -> None:
    start = "AgentryApp()" if headless else "spawn"
    both = [
        None if r["usable"] is None or r["messages"] is None else max(r["usable"], r["messages"])
        for r in results
    ]
    rows = []
    if headless:
        rows.append(
            (
                "import agentry_tui.app (before the clock)",
                tc.ms(tc.med(r["import"] for r in results)),
            )
        )
    rows += [
        (f"{start} → first frame", tc.ms(tc.med(r["first"] for r in results))),
        (f"{start} → prompt placeholder shown", tc.ms(tc.med(r["usable"] for r in results))),
        (f"{start} → session's last message shown", tc.ms(tc.med(r["messages"] for r in results))),
        (f"{start} → usable (both)", tc.against(tc.med(both), TARGET_S)),
        (
            "app CPU time to usable" + (" (process total)" if not headless else ""),
            tc.seconds(tc.med(r["cpu"] for r in results)),
        ),
        ("peak RSS (1.5 s after usable)", f"{tc.med(r['rss'] for r in results):.0f} MiB"),
    ]
    if headless and (servers := [s for r in results for s in r["mcp"]]):
        ready = sum(s == "ready" for s in servers)
        rows.append(("MCP servers ready 1.5 s after usable", f"{ready} of {len(servers)}"))
    if headless:
        keys = [k for r in results for k in r["keys"]]
        missed = sum(r["keys_missed"] for r in results)
        rows.append(
            (
                "key press shown, typing from usable on (a key / 0.1 s)",
                f"median {tc.ms(tc.med(keys))}, max {tc.ms(max(keys))}"
                f" ({len(keys)} presses{f', {missed} missed' if missed else ''})",
            )
        )
    common.report(f"{title}, median of {len(results)} runs", rows)


def main() -> None:
    parser = tc.arguments(__doc__, poll=0.005)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--no-cold", action="store_true", help="skip runs without the index")
    parser.add_argument(
        "--mcp", type=int, default=0, help="also measure with N stdio MCP servers configured"
    )
    parser.add_argument("--history", help=argparse.SUPPRESS)
    parser.add_argument("--sig", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tc.parse_size(args.size)
    if args.child:
        tc.child_result(
            asyncio.run(
                headless_run(args.url, Path(args.history), args.sig.split(), size, args.profile)
            )
        )
        return
    env = tc.isolated_env()
    tc.header("TUI start-up")
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    history = folder / "history"
    history.mkdir()
    try:
        t = time.perf_counter()
        active, sig = make_history(history, args.sessions, args.messages)
        size_mb = sum(p.stat().st_size for p in history.iterdir()) / 1e6
        print(
            f"# terminal {size[0]}x{size[1]}; {args.sessions:,} sessions of {args.messages} "
            f"messages ({size_mb:.0f} MB, written in {time.perf_counter() - t:.0f} s); "
            f"opens '{active}'"
        )
        index = (history / INDEX).read_bytes()
        with common.ServerProcess("ollama") as server:

            def child(profile: str | None = None) -> dict[str, Any]:
                extra = ["--profile", profile] if profile else []
                return tc.run_child(
                    "tui_startup.py",
                    [
                        "--url",
                        server.url,
                        "--history",
                        str(history),
                        "--sig",
                        " ".join(sig),
                        "--size",
                        args.size,
                        *extra,
                    ],
                    env,
                )

            def with_index(cold: bool) -> None:
                if cold:
                    (history / INDEX).unlink(missing_ok=True)
                else:
                    (history / INDEX).write_bytes(index)

            with_index(False)
            child()  # untimed: compiles what the first start imports
            if args.profile:
                result = child(args.profile)
                print(
                    f"profile written to {args.profile} (that run: usable in "
                    f"{tc.ms(max(result['usable'] or 0, result['messages'] or 0))} "
                    "under the profiler)"
                )
                return
            kinds = [False] if args.no_cold else [False, True]
            servers = [0, args.mcp] if args.mcp else [0]
            if args.mode in ("both", "headless"):
                for cold in kinds:
                    by_servers: dict[int, list[dict[str, Any]]] = {n: [] for n in servers}
                    for _ in range(args.runs):
                        for count in servers:  # in turn: the machine's drift hits both alike
                            configure_mcp(env, count)
                            with_index(cold)
                            by_servers[count].append(child())
                    for count, results in by_servers.items():
                        mcp = f", {count} MCP servers configured" if args.mcp else ""
                        summarise(
                            f"headless (App.run_test), listing index "
                            f"{'absent' if cold else 'on disk'}{mcp}",
                            results,
                            True,
                        )
                configure_mcp(env, 0)
            if args.mode in ("both", "tmux"):
                with_index(False)
                where = tc.layout(size, server.url, env)
                with tc.Tmux(size) as tmux:
                    for cold in kinds:
                        results: list[dict[str, Any]] = []
                        bare: list[float | None] = []
                        for _ in range(args.runs):  # each run paired with the floor's
                            with_index(cold)
                            results.append(
                                tmux_run(tmux, server.url, history, sig, where, env, args.poll)
                            )
                            bare.append(bare_run(tmux, env, args.poll))
                        summarise(
                            f"tmux (agentry-tui in a pane, capture every "
                            f"{args.poll * 1000:.0f} ms), listing index "
                            f"{'absent' if cold else 'on disk'}",
                            results,
                            False,
                        )
                        over = [
                            None
                            if b is None or r["usable"] is None or r["messages"] is None
                            else max(r["usable"], r["messages"]) - b
                            for r, b in zip(results, bare, strict=True)
                        ]
                        common.report(
                            "the floor, each run right after one of ours",
                            [
                                (
                                    "a bare Textual app (one Static): spawn → shown",
                                    tc.ms(tc.med(bare)),
                                ),
                                ("ours over the floor, run by run", tc.ms(tc.med(over))),
                            ],
                        )
        tc.footer()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
