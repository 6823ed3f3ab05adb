"""The `@` picker (issue 21): listing and ranking a big working folder, and typing after `@`.

Run: python bench/file_picker.py [--files 50000] [--runs 5] [--keys 12] [--skip-tmux]

The tree: FILES empty files, 100 to a folder, in folders two deep (pkg<N>/mod<M>/file_<K>.py),
plus a .git folder and node_modules the listing must skip.
Figures:
* listing: agentry_tui.file_match.list_files on the tree (capped at MAX_FILES);
* first results: the listing and its first LISTED, what the menu shows when `@` is typed
  (target < 50 ms);
* ranking: rank() of the listing for a few queries (run in a thread for each key: the menu
  follows, typing does not wait for it);
* in tmux: agentry-tui started in the tree, a word typed letter by letter, from each key sent to
  the pane showing it: once as plain text, once after `@` (the menu open, ranking each key). The
  two should not differ: the menu must not slow typing.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import tempfile
import time
from pathlib import Path

import common

from agentry_tui.file_match import MAX_FILES, list_files, rank

QUERIES = ("file_7", "p12m3", "mod/file", "zzz")
TARGET_MS = 50.0
WORD = "pkgmodfile"  # typed letter by letter: matches most of the tree all along


def populate(root: Path, files: int) -> None:
    for n in range(files):
        folder = root / f"pkg{n // 2000}" / f"mod{n // 100 % 20}"
        if n % 100 == 0:
            folder.mkdir(parents=True)
        (folder / f"file_{n % 100}.py").touch()
    for skipped in (".git/objects", "node_modules/lib"):
        (root / skipped).mkdir(parents=True)
        for n in range(1000):
            (root / skipped / f"x{n}").touch()


def timed_ms(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    return [common.timed(fn) * 1000 for _ in range(runs)]


def typing(root: Path, keys: int, poll: float) -> dict[str, list[float]]:
    """Keystroke-to-paint in tmux for WORD typed plain and after `@`."""
    import tui_common as tc

    env = {**tc.isolated_env(), "PYTHONPATH": str(common.ROOT)}  # this checkout's code
    history = Path(tempfile.mkdtemp(prefix="agentry-bench-history-"))
    results: dict[str, list[float]] = {}
    try:
        with common.ServerProcess("ollama") as server, tc.Tmux() as tmux:
            command = shlex.join(tc.tui_argv(history, server.url))
            tmux.start(["sh", "-c", f"cd {shlex.quote(str(root))} && exec {command}"], env)
            up = tc.poll(tmux, {"up": lambda s: "connected" in "".join(map("".join, s))}, 60, 0.05)
            if up["up"] is None:
                raise SystemExit("agentry-tui did not start in tmux")
            time.sleep(1)
            for label, lead in (("plain", "x"), ("after @", "@")):
                tmux.keys(lead, literal=True)
                time.sleep(0.5)  # the menu lists the tree (a thread) before the first key
                latencies = []
                for n in range(min(keys, len(WORD))):
                    want = lead + WORD[: n + 1]
                    t0 = time.perf_counter()
                    tmux.keys(WORD[n], literal=True)
                    got = tc.poll(
                        tmux,
                        {"shown": lambda s, w=want: w in "".join(map("".join, s))},
                        10,
                        poll,
                    )["shown"]
                    if got is not None:
                        latencies.append((got - t0) * 1000)
                    time.sleep(0.1)
                results[label] = latencies
                tmux.keys("Escape", "C-u")  # the menu closed, the line emptied
                tmux.keys(*["BSpace"] * (len(WORD) + 2))
                time.sleep(0.3)
            tmux.stop_app()
    finally:
        shutil.rmtree(history, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.002)
    parser.add_argument("--skip-tmux", action="store_true")
    args = parser.parse_args()
    common.header("file_picker")
    root = Path(tempfile.mkdtemp(prefix="agentry-bench-tree-"))
    try:
        populate(root, args.files)
        listing = list_files(root)
        rows = [
            ("tree", f"{args.files:,} files (+2,000 in .git and node_modules)"),
            ("listed", f"{len(listing):,} (cap MAX_FILES = {MAX_FILES:,})"),
        ]
        listed = common.median(timed_ms(lambda: list_files(root), args.runs))
        rows.append(("list_files", f"median {listed:.1f} ms"))
        first = listed + common.median(timed_ms(lambda: rank(listing, ""), args.runs))
        verdict = "met" if first < TARGET_MS else "MISSED"
        rows.append(
            ("first results (@)", f"{first:.1f} ms (target < {TARGET_MS:.0f} ms: {verdict})")
        )
        for query in QUERIES:
            ranked = common.median(timed_ms(lambda q=query: rank(listing, q), args.runs))
            found = len(rank(listing, query, limit=MAX_FILES))
            rows.append((f"rank {query!r}", f"median {ranked:.1f} ms ({found:,} match)"))
        common.report("listing and ranking", rows)
        if not args.skip_tmux:
            import tui_common as tc

            latencies = typing(root, args.keys, args.poll)
            common.report(
                "tmux: key to paint",
                [
                    (label, tc.latency_summary([v / 1000 for v in values], 0, TARGET_MS / 1000))
                    for label, values in latencies.items()
                ],
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
