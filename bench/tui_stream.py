"""The TUI rendering a streamed reply: time from Enter to the last token on screen, the app's CPU
time, and how long a key press takes to show in the prompt while a reply streams.

Run: python bench/tui_stream.py [--tokens 2000 8000] [--runs 5] [--tmux-runs 3]
     [--mode both|headless|tmux] [--size 120x36] [--key-interval 0.1] [--min-presses 15]
     [--poll 0.003]
At a model's pace (20 tokens/s): python bench/tui_stream.py --paced --tokens 300 --runs 3
Profile: python bench/tui_stream.py --profile /tmp/prof_stream.txt --tokens 8000

The reply is ``#long:N`` from the scripted Ollama server (its own process, as fast as the app
reads). The clock starts when Enter is sent and stops at the first frame (headless) or pane
capture (tmux) whose chat pane shows the reply's last words; "follows" says whether, once
settled, those words are at the bottom of the pane. Key presses are measured in separate runs
(a letter typed every --key-interval s during the stream, timed until the prompt shows it), so
they do not slow the render figures; those runs' stream time is shown too. A short reply meets
few presses, so typing runs go on until --min-presses were timed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import common
import tui_common as tc

from agentry_tui.__main__ import long_lived_imports

CONNECTED = "● connected"  # the status line when idle ("◉ streaming" while a reply arrives)
TARGET_S = {2000: 1.0, 8000: 4.0}  # 2,000 tokens < 1 s, 8,000 < 4 s (linear: 0.5 ms a token)
KEY_TARGET_S = 0.05


def reply_text(tokens: int) -> str:
    from tests.servers.base import markdown_reply

    return markdown_reply(tokens)


def target_for(tokens: int) -> float:
    return TARGET_S.get(tokens, tokens / 2000)


def request(tokens: int, paced: bool) -> str:
    """What is typed: ``#slow`` makes the server send 20 tokens/s, as a model on a CPU does."""
    return f"#slow #long:{tokens}" if paced else f"#long:{tokens}"


def wait_limit(tokens: int, paced: bool) -> float:
    return tokens / 20 + 30 if paced else max(60.0, tokens / 50)


# -- headless (child process) ----------------------------------------------------------------


async def headless_run(
    url: str,
    tokens: int,
    size: tuple[int, int],
    keys: bool,
    key_interval: float,
    profile: str | None,
    paced: bool = False,
) -> dict[str, Any]:
    from agentry.events import DoneEvent, TextDelta

    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # noqa: F401 - imported under long_lived_imports
        from agentry_tui.widgets.chat import MessageList
        from agentry_tui.widgets.prompt import Prompt

    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    app = tc.bench_app(url, folder / "history", folder)
    watch = tc.FrameWatch(app, size)
    text = reply_text(tokens)
    last = tc.tail_signature(text)
    marks: dict[str, float] = {}
    take = app.store._runner._take

    def spy(entry: Any, event: Any) -> None:  # when the store got the first and last token
        if isinstance(event, TextDelta):
            marks.setdefault("first", time.perf_counter())
        elif isinstance(event, DoneEvent):
            marks["done"] = time.perf_counter()
        take(entry, event)

    app.store._runner._take = spy
    result: dict[str, Any] = {}
    async with app.run_test(size=size) as pilot:
        deadline = time.perf_counter() + 20
        while app.store.connection.state != "connected":
            if time.perf_counter() > deadline:
                raise SystemExit(f"not connected: {app.store.connection}")
            await pilot.pause(0.02)
        await pilot.pause(0.3)
        pane, prompt = app.query_one(MessageList), app.query_one(Prompt)
        prompt.cursor_blink = False
        prompt.load_text(request(tokens, paced))
        await pilot.pause(0.1)
        # The first frame with any of the reply: the empty session shows no "Section".
        on_screen_first = watch.expect(
            lambda g: "Section" in tc.words("\n".join(g.rows(tc.region_of(pane))))
        )
        on_screen = watch.expect(lambda g: tc.visible(g.rows(tc.region_of(pane)), last))
        status = app.query_one("StatusBar")
        finished = watch.expect(  # the status says the reply is over; its final widget is built
            lambda g: (
                tc.visible(g.rows(tc.region_of(pane)), last)
                and CONNECTED in "".join(g.rows(tc.region_of(status)))
            )
        )
        probe = tc.HeadlessKeyProbe(app, watch, prompt, key_interval) if keys else None
        profiler = tc.start_profiler() if profile else None
        frames0, held0 = watch.frames, watch.held
        cpu0, t0 = time.process_time(), time.perf_counter()
        tc.send_key(app, "enter", "\r")
        if probe:  # typing starts once the prompt was emptied (the message sent)
            while prompt.text:
                await asyncio.sleep(0.005)
            probe.start()
        end = await on_screen.wait(wait_limit(tokens, paced))
        done = await finished.wait(60)
        frames, held = watch.frames - frames0, watch.held - held0
        if probe:
            await probe.stop()
        if profiler:
            tc.write_profile(
                profiler,
                profile,
                f"stream render of {tokens:,} tokens, Enter to "
                f"the last token on screen "
                f"({tc.ms(None if end is None else end - t0)} under the profiler), "
                "headless",
            )
        entry = app.store.active
        deadline = time.perf_counter() + 30
        while entry.streaming or not entry.saved:  # settled: the reply committed and saved
            if time.perf_counter() > deadline:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        rows = watch.grid.rows(tc.region_of(pane))
        result = {
            "end": None if end is None else end - t0,
            "first_on_screen": None if on_screen_first.time is None else on_screen_first.time - t0,
            "finished": None if done is None else done - t0,
            "store_first": marks["first"] - t0 if "first" in marks else None,
            "store_done": marks["done"] - t0 if "done" in marks else None,
            "cpu": None if on_screen.cpu is None else on_screen.cpu - cpu0,
            "cpu_finished": None if finished.cpu is None else finished.cpu - cpu0,
            "frames": frames,
            "held": held,
            "follows": tc.at_bottom(rows, last),
            "visible_at_end": tc.visible(rows, last),
            "latencies": probe.latencies if probe else [],
            "missed": probe.missed if probe else 0,
            "missed_detail": probe.missed_detail if probe else [],
        }
        await pilot.press("ctrl+q")
    result["rss"] = tc.peak_rss_mib()
    shutil.rmtree(folder, ignore_errors=True)
    return result


# -- tmux (this process drives agentry-tui in a pane) ----------------------------------------


def tmux_run(
    tmux: tc.Tmux,
    url: str,
    tokens: int,
    where: dict[str, Any],
    env: dict[str, str],
    keys: bool,
    key_interval: float,
    interval: float,
    paced: bool = False,
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    pane, prompt = tuple(where["pane"]), tuple(where["prompt"])
    placeholder = where["placeholder"][:20]
    text = reply_text(tokens)
    last = tc.tail_signature(text)
    try:
        tmux.start(tc.tui_argv(folder / "history", url), env)
        ready = tc.poll(
            tmux,
            {
                "ready": lambda s: (
                    placeholder in "".join(tc.crop(s, prompt))
                    and CONNECTED in "".join("".join(r) for r in s)
                ),
            },
            30,
            0.02,
        )
        if ready["ready"] is None:
            raise SystemExit(
                "agentry-tui did not become ready in tmux:\n"
                + "\n".join("".join(r) for r in tmux.screen())
            )
        time.sleep(0.3)
        tmux.keys(request(tokens, paced), literal=True)
        tc.poll(
            tmux,
            {"typed": lambda s: request(tokens, paced) in "".join(tc.crop(s, prompt))},
            10,
            0.01,
        )
        time.sleep(0.1)
        probe = tc.TmuxKeyProbe(tmux, prompt, key_interval, placeholder) if keys else None
        cpu0, t0 = tc.proc_cpu_s(tmux.pid), time.perf_counter()
        tmux.keys("Enter")
        cpu: dict[str, float] = {}

        def on_screen(screen: list[list[str]], now: float) -> None:
            for name, at in got_so_far.items():
                if at is not None and name not in cpu:
                    cpu[name] = tc.proc_cpu_s(tmux.pid) - cpu0
            if probe:
                probe.step(screen, now)

        got_so_far: dict[str, float | None] = {}
        got = tc.poll(
            tmux,
            {
                "first": lambda s: "Section" in tc.words("\n".join(tc.crop(s, pane))),
                "end": lambda s: tc.visible(tc.crop(s, pane), last),
                "finished": lambda s: (
                    tc.visible(tc.crop(s, pane), last)
                    and CONNECTED in "".join("".join(r) for r in s[-4:])
                ),
            },
            wait_limit(tokens, paced),
            interval,
            on_screen=on_screen,
            times=got_so_far,
        )
        while probe and probe.in_flight:  # the last press: wait until it shows
            probe.step(tmux.screen(), time.perf_counter())
            time.sleep(interval)
        settled = tc.poll(
            tmux, {"saved": lambda s: "Saved: Yes" in "".join("".join(r) for r in s[-4:])}, 30, 0.05
        )
        time.sleep(0.5 if settled["saved"] else 0)
        rows = tc.crop(tmux.screen(), pane)
        hwm = tc.proc_hwm_mib(tmux.pid)
        tmux.stop_app()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        **{k: None if v is None else v - t0 for k, v in got.items()},
        "first_on_screen": None if got["first"] is None else got["first"] - t0,
        "cpu": cpu.get("end"),
        "cpu_finished": cpu.get("finished"),
        "follows": tc.at_bottom(rows, last),
        "visible_at_end": tc.visible(rows, last),
        "latencies": probe.latencies if probe else [],
        "missed": probe.missed if probe else 0,
        "rss": hwm,
    }


# -- the report ------------------------------------------------------------------------------


def summarise(
    title: str, tokens: int, clean: list[dict], typing: list[dict], paced: bool = False
) -> float | None:
    end = tc.med(r["end"] for r in clean)
    shown = f"{tc.ms(end)} (the server's pace)" if paced else tc.against(end, target_for(tokens))
    rows = [("Enter → last token on screen", shown), ("", tc.runs_ms(r["end"] for r in clean))]
    if end:
        rows.append(("  per 1,000 tokens", f"{end / tokens * 1000 * 1000:,.0f} ms"))
    rows += [
        (
            "Enter → first words of the reply on screen",
            tc.ms(tc.med(r["first_on_screen"] for r in clean)),
        ),
        (
            "Enter → reply finished on screen (status idle)",
            tc.ms(tc.med(r["finished"] for r in clean)),
        ),
    ]
    if any("store_done" in r for r in clean):
        rows += [
            ("Enter → store has the last token", tc.ms(tc.med(r["store_done"] for r in clean))),
            (
                "frames painted during the reply",
                (
                    f"{tc.med(r['frames'] for r in clean):.0f} (and "
                    f"{tc.med(r['held'] for r in clean):.0f} rendered but held back: drawn inside "
                    "App.batch_update())"
                ),
            ),
        ]
    rows += [
        ("app CPU time, Enter → last token shown", tc.seconds(tc.med(r["cpu"] for r in clean))),
        (
            "app CPU time, Enter → reply finished",
            tc.seconds(tc.med(r["cpu_finished"] for r in clean)),
        ),
        (
            "view follows the stream to its end",
            f"{sum(r['follows'] for r in clean)} of {len(clean)} runs"
            + (
                ""
                if all(r["visible_at_end"] for r in clean)
                else f" (last words not on screen at all in "
                f"{sum(not r['visible_at_end'] for r in clean)})"
            ),
        ),
        ("peak RSS of the app", f"{tc.med(r['rss'] for r in clean):.0f} MiB"),
    ]
    if typing:
        latencies = [v for r in typing for v in r["latencies"]]
        rows += [
            (
                "key press → shown in the prompt",
                tc.latency_summary(latencies, sum(r["missed"] for r in typing), KEY_TARGET_S),
            ),
            (
                "  (target < 50 ms) median ratio",
                f"{common.median(latencies) / KEY_TARGET_S:.2f}x" if latencies else "—",
            ),
            ("  Enter → last token, while typing", tc.ms(tc.med(r["end"] for r in typing))),
        ]
        for detail in (d for r in typing for d in r.get("missed_detail", [])):
            rows.append(
                (
                    "  a press never shown",
                    (
                        f"typed {detail['typed']!r}, the prompt held {detail['text']!r} and showed "
                        f"{detail['shown']!r}"
                    ),
                )
            )
    common.report(
        f"{title}, {tokens:,} tokens, median of {len(clean)} runs"
        + (f" (+{len(typing)} with typing)" if typing else ""),
        rows,
    )
    return end


def typing_runs(run: Callable[[], dict], runs: int, min_presses: int) -> list[dict]:
    """At least ``runs`` runs with typing, and more (up to four times as many) until
    ``min_presses`` key presses were timed: a reply of a few hundred milliseconds meets one or
    two presses a run, too few for a median to mean much."""
    results: list[dict] = []
    while len(results) < runs or (
        sum(len(r["latencies"]) for r in results) < min_presses and len(results) < 4 * runs
    ):
        results.append(run())
    return results


def main() -> None:
    parser = tc.arguments(__doc__, poll=0.003)
    parser.add_argument("--tokens", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--tmux-runs", type=int, default=3, help="tmux runs per size")
    parser.add_argument("--key-interval", type=float, default=0.1)
    parser.add_argument(
        "--min-presses",
        type=int,
        default=15,
        help="typing runs go on (up to 4x --runs) until this many presses",
    )
    parser.add_argument(
        "--paced",
        action="store_true",
        help="the server sends 20 tokens/s (a model on a CPU) instead of at once",
    )
    parser.add_argument("--keys", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tc.parse_size(args.size)
    if args.child:
        tc.child_result(
            asyncio.run(
                headless_run(
                    args.url,
                    args.tokens[0],
                    size,
                    args.keys,
                    args.key_interval,
                    args.profile,
                    args.paced,
                )
            )
        )
        return
    env = tc.isolated_env()
    tc.header("TUI stream render")
    print(f"# terminal {size[0]}x{size[1]}; server: tests.servers.serve ollama (own process)")
    with common.ServerProcess("ollama") as server:

        def child(tokens: int, keys: bool = False, profile: str | None = None) -> dict:
            extra = ["--keys"] if keys else []
            extra += ["--paced"] if args.paced else []
            extra += ["--profile", profile] if profile else []
            return tc.run_child(
                "tui_stream.py",
                [
                    "--url",
                    server.url,
                    "--tokens",
                    str(tokens),
                    "--size",
                    args.size,
                    "--key-interval",
                    str(args.key_interval),
                    *extra,
                ],
                env,
            )

        child(200)  # untimed: compiles what the first reply imports (Markdown, Pygments, ...)
        if args.profile:
            for tokens in args.tokens:
                path = Path(args.profile)
                if len(args.tokens) > 1:  # one file each
                    path = path.with_name(f"{path.stem}_{tokens}{path.suffix}")
                result = child(tokens, profile=str(path))
                print(
                    f"profile of {tokens} tokens written to {path} "
                    f"(that run: {tc.ms(result['end'])} under the profiler)"
                )
            return
        ends: dict[str, dict[int, float | None]] = {}
        if args.mode in ("both", "headless"):
            for tokens in args.tokens:
                clean = [child(tokens) for _ in range(args.runs)]
                typing = typing_runs(
                    lambda tokens=tokens: child(tokens, keys=True), args.runs, args.min_presses
                )
                ends.setdefault("headless", {})[tokens] = summarise(
                    "headless (App.run_test)", tokens, clean, typing, args.paced
                )
        if args.mode in ("both", "tmux"):
            where = tc.layout(size, server.url, env)
            with tc.Tmux(size) as tmux:
                for tokens in args.tokens:
                    clean = [
                        tmux_run(
                            tmux,
                            server.url,
                            tokens,
                            where,
                            env,
                            False,
                            args.key_interval,
                            args.poll,
                            args.paced,
                        )
                        for _ in range(args.tmux_runs)
                    ]
                    typing = typing_runs(
                        lambda tokens=tokens: tmux_run(
                            tmux,
                            server.url,
                            tokens,
                            where,
                            env,
                            True,
                            args.key_interval,
                            args.poll,
                            args.paced,
                        ),
                        args.tmux_runs,
                        args.min_presses,
                    )
                    ends.setdefault("tmux", {})[tokens] = summarise(
                        f"{tc.tmux_version()} (agentry-tui in a pane, capture every "
                        f"{args.poll * 1000:.0f} ms)",
                        tokens,
                        clean,
                        typing,
                        args.paced,
                    )
    for mode, by_tokens in ends.items():
        known = sorted((t, e) for t, e in by_tokens.items() if e)
        if len(known) >= 2:
            (t1, e1), (t2, e2) = known[0], known[-1]
            print(
                f"\n{mode}: {t2:,} vs {t1:,} tokens took {e2 / e1:.2f}x as long "
                f"({t2 / t1:.1f}x the tokens; linear would be {t2 / t1:.1f}x)"
            )
    tc.footer()


if __name__ == "__main__":
    main()
