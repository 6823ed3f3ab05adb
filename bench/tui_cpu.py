"""The TUI's CPU while a reply streams at a model's pace: agentry-tui in a tmux pane, as a person
runs it, against the scripted Ollama server sending about --rates tokens a second.

Run: python bench/tui_cpu.py [--rates 100 20] [--seconds 20] [--runs 3] [--idle 5]
     [--code /work/main .]   (code trees to compare, alternated run by run)

For each rate the reply is rate x --seconds tokens (``#rate:N #long:M``). The app's CPU
(psutil: user + system, children included) is read when Enter is sent and again at the first
pane capture that shows the reply's last words with the status back to idle; "% of a core" is
that CPU over the same wall time. Then the app sits idle for --idle s: its CPU then is the cost
of timers and ticks with nothing to show. Each --code tree runs as the app's PYTHONPATH, so one
run of this script compares them in the same hour, run by run; the medians are printed side by
side.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import common
import psutil
import tui_common as tc

from tests.servers.base import markdown_reply

CONNECTED = "● connected"


def cpu_s(process: psutil.Process) -> float:
    t = process.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def screen_text(screen: list[list[str]]) -> str:
    return "\n".join("".join(row) for row in screen)


def one_run(
    tmux: tc.Tmux, url: str, code: Path, rate: int, tokens: int, idle: float, env: dict[str, str]
) -> dict[str, float | None]:
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    request = f"#rate:{rate} #long:{tokens}"
    last = tc.tail_signature(markdown_reply(tokens))
    try:
        tmux.start(tc.tui_argv(folder / "history", url), {**env, "PYTHONPATH": str(code)})
        ready = tc.poll(tmux, {"ready": lambda s: CONNECTED in screen_text(s)}, 30, 0.05)
        if ready["ready"] is None:
            raise SystemExit("agentry-tui did not become ready:\n" + screen_text(tmux.screen()))
        process = psutil.Process(tmux.pid)
        tmux.keys(request, literal=True)
        tc.poll(tmux, {"typed": lambda s: request in screen_text(s)}, 10, 0.02)
        time.sleep(0.5)
        cpu0, t0 = cpu_s(process), time.perf_counter()
        tmux.keys("Enter")
        done = tc.poll(
            tmux,
            {
                "done": lambda s: (
                    tc.visible(screen_text(s).splitlines(), last)
                    and CONNECTED in screen_text(s[-4:])
                )
            },
            tokens / rate * 3 + 30,
            0.25,
        )
        cpu1, t1 = cpu_s(process), time.perf_counter()
        time.sleep(idle)
        idle_cpu = cpu_s(process) - cpu1
        tmux.stop_app()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if done["done"] is None:
        return {"wall": None, "cpu": None, "share": None, "idle": None}
    return {
        "wall": t1 - t0,
        "cpu": cpu1 - cpu0,
        "share": (cpu1 - cpu0) / (t1 - t0),
        "idle": idle_cpu / idle if idle else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 20])
    parser.add_argument("--seconds", type=float, default=20, help="length of each reply")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5, help="seconds idle after each reply")
    parser.add_argument(
        "--code",
        type=Path,
        nargs="+",
        default=[common.ROOT],
        help="code trees to compare (the app's PYTHONPATH), alternated",
    )
    parser.add_argument("--size", default="120x36")
    args = parser.parse_args()
    size = tc.parse_size(args.size)
    codes = [path.resolve() for path in args.code]
    env = tc.isolated_env()
    tc.header("TUI CPU while a reply streams at a model's pace (tmux)")
    print(
        f"# terminal {size[0]}x{size[1]}; server: tests.servers.serve ollama (own process); "
        f"{tc.load_note()}"
    )
    with common.ServerProcess("ollama") as server, tc.Tmux(size) as tmux:
        for rate in args.rates:
            tokens = round(rate * args.seconds)
            results: dict[Path, list[dict[str, float | None]]] = {code: [] for code in codes}
            for _ in range(args.runs):
                for code in codes:
                    results[code].append(
                        one_run(tmux, server.url, code, rate, tokens, args.idle, env)
                    )
            rows = []
            for code, runs in results.items():
                share = tc.med(r["share"] for r in runs)
                idle = tc.med(r["idle"] for r in runs)
                rows.append(
                    (
                        str(code),
                        (
                            f"CPU {tc.seconds(tc.med(r['cpu'] for r in runs))} in "
                            f"{tc.seconds(tc.med(r['wall'] for r in runs))}: "
                            + ("—" if share is None else f"{share * 100:.1f}% of a core")
                            + ("" if idle is None else f"; idle {idle * 100:.2f}%")
                            + "  (runs: "
                            + ", ".join(
                                "failed" if r["share"] is None else f"{r['share'] * 100:.1f}%"
                                for r in runs
                            )
                            + ")"
                        ),
                    )
                )
            common.report(f"{tokens:,} tokens at {rate} tokens/s, median of {args.runs} runs", rows)
    tc.footer()


if __name__ == "__main__":
    main()
