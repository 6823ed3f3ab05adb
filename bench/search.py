"""Search across every session (issue 18): building the index, querying it, keeping it up to
date after a save, and the TUI's search screen answering keystrokes.

Run: python bench/search.py [--files 10000] [--messages 50] [--queries 200] [--keys 20]
     [--skip-tmux] [--folder DIR] [--while-building]

The corpus: FILES sessions of MESSAGES messages of ~30 words drawn (seeded) from a 20,000-word
vocabulary with a Zipf-like law, as chat text has: some words are everywhere, most are rare.
Figures:
* full build: a fresh index from the files (a first start), in a child process: its time and
  peak RSS, and the index's size on disk;
* warm queries (index built, cache warm), each QUERIES times: one word, a phrase, a prefix
  (of three letters, as typed, and of two), for the best 50 and for the search screen's 100;
* one save of a 50-message session: the save's own time, and until the index has it;
* in tmux: agentry-tui on that folder, F6, a word typed letter by letter: from each key sent to
  the pane showing that text's hit count (the results painted);
* with --while-building: agentry-tui started on the folder with its index deleted, so its own
  start builds it all in the background: from each letter typed into the chat prompt to the
  prompt showing it, while that build runs.

--folder keeps the corpus (and its index) in DIR, made there if DIR is empty, so that runs
before and after a change can alternate on the same sessions (give each code its own copy: the
index of another version is rebuilt).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

from agentry.sessions import SessionManager, fileformat
from agentry.sessions.fileformat import SessionRecord
from agentry.sessions.search import INDEX_NAME

VOCABULARY = 20_000
WORDS_PER_MESSAGE = 30
TARGETS_MS = {"build": 60_000, "median": 20, "p95": 50, "update": 10, "keystroke": 50}


def vocabulary(seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def populate(folder: Path, files: int, messages: int) -> list[str]:
    """Write the sessions directly (the benchmark is about indexing, not saving)."""
    words = vocabulary()
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))  # Zipf
    rng = random.Random(2)
    for i in range(files):
        drawn = rng.choices(words, cum_weights=cumulative, k=WORDS_PER_MESSAGE * messages)
        conversation = [
            {
                "role": "user" if n % 2 == 0 else "assistant",
                "content": " ".join(drawn[n * WORDS_PER_MESSAGE : (n + 1) * WORDS_PER_MESSAGE]),
                "_created_at": f"2026-{1 + i % 12:02d}-{1 + n % 28:02d}T10:00:00",
            }
            for n in range(messages)
        ]
        record = SessionRecord(
            f"s{i:05d}", "2026-01-01T10:00:00", "2026-12-01T10:00:00", {}, conversation
        )
        (folder / f"s{i:05d}_chat.toon").write_bytes(fileformat.encode(record))
    return words


def build_in_child(folder: Path) -> dict[str, float]:
    script = (
        "import json, resource, sys, time\n"
        "from agentry.sessions import SessionManager\n"
        "m = SessionManager(sys.argv[1])\n"
        "t = time.perf_counter(); n = m.refresh_search(); t = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': t, 'files': n, 'rss': rss}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.splitlines()[-1])


def timed_ms(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def verdict(value: float, target: float) -> str:
    return f"(target < {target:,} ms: {'met' if value < target else 'MISSED'})"


def queries(manager: SessionManager, words: list[str]) -> dict[str, str]:
    """A word, a phrase and prefixes that match a fair number of messages (not all of them)."""
    word = words[40]  # by rank: a common word, not the commonest
    hit = manager.search(word, 1)[0]
    phrase_words = [w.strip("…") for w in hit.snippet.split()]
    at = next(n for n, w in enumerate(phrase_words) if w == word)
    phrase = " ".join(phrase_words[max(0, at - 1) : at + 1])
    return {
        "word": word,
        "phrase": f'"{phrase}"',
        "prefix": word[:3] + "*",
        "short prefix": word[:2] + "*",  # begins hundreds of words
    }


def keystrokes(folder: Path, word: str, keys: int, manager: SessionManager) -> list[float]:
    """Keystroke-to-results-painted in tmux (see the module docstring)."""
    import tui_common as tc

    typed = [word[: n + 1] for n in range(min(keys, len(word)))]
    typed += [word + " " + "x" * n for n in range(1, keys - len(typed) + 1)]  # narrowing
    expected = {}
    for text in typed:
        hits = manager.search(text, 100)
        sessions = len({hit.session_id for hit in hits})
        expected[text] = (
            f"{len(hits)} in {sessions} session{'s' if sessions != 1 else ''}"
            if hits
            else "nothing matches"
        )
    env = tc.isolated_env()
    # A second start, as people have: the session listing's own index written (else the app
    # spends its first minute parsing 10,000 files for the list, which is not search).
    SessionManager(folder).list_sessions()
    latencies = []
    with common.ServerProcess("ollama") as server, tc.Tmux() as tmux:
        tmux.start(tc.tui_argv(folder, server.url), env)
        ready = tc.poll(tmux, {"up": lambda s: "connected" in "".join(map("".join, s))}, 60, 0.05)
        if ready["up"] is None:
            raise SystemExit("agentry-tui did not start in tmux")
        time.sleep(2)
        tmux.keys("F6")
        tc.poll(tmux, {"open": lambda s: "Search every" in "".join(map("".join, s))}, 10, 0.01)
        previous = None
        for text in typed:
            key = text[-1]
            want = expected[text]
            if want == previous:  # the same count: a repaint could not be told from the last
                previous = want
                tmux.keys(key, literal=True)
                time.sleep(0.3)
                continue
            t0 = time.perf_counter()
            tmux.keys(key, literal=True)
            got = tc.poll(
                tmux, {"shown": lambda s, w=want: w in "".join(map("".join, s))}, 10, 0.002
            )["shown"]
            if got is not None:
                latencies.append((got - t0) * 1000)
            previous = want
            time.sleep(0.1)
        tmux.stop_app()
    return latencies


def keys_while_building(folder: Path, keys: int) -> tuple[list[float], int, float]:
    """Keystroke-to-painted in the chat prompt while the app builds the index from nothing
    (see the module docstring): the latencies, the keys unanswered, and the seconds from the
    start to the last key (the build, from nothing, takes longer: see "full build")."""
    import tui_common as tc

    for stale in folder.glob(INDEX_NAME + "*"):
        stale.unlink()
    env = tc.isolated_env()
    SessionManager(folder).list_sessions()  # the listing's own index: as in keystrokes()
    with common.ServerProcess("ollama") as server, tc.Tmux() as tmux:
        where = tc.layout(tc.SIZE, server.url, env)
        prompt, placeholder = tuple(where["prompt"]), where["placeholder"][:20]
        tmux.start(tc.tui_argv(folder, server.url), env)
        probe = tc.TmuxKeyProbe(tmux, prompt, 0.25, placeholder, limit=keys)
        t0 = time.perf_counter()
        done = {"done": lambda s: len(probe.latencies) >= keys or not probe.active}
        tc.poll(tmux, done, 60 + keys, 0.002, on_screen=probe.step)
        took = time.perf_counter() - t0
        tmux.stop_app()
    return [t * 1000 for t in probe.latencies], probe.missed, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keys", type=int, default=12)
    parser.add_argument("--skip-tmux", action="store_true")
    parser.add_argument("--folder", type=Path, help="keep the corpus here (made if empty)")
    parser.add_argument("--while-building", action="store_true")
    args = parser.parse_args()
    common.header("search across every session")
    folder = args.folder or Path(tempfile.mkdtemp(prefix="agentry-bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        if any(folder.glob("*_chat.toon")):
            words = vocabulary()
        else:
            words = populate(folder, args.files, args.messages)
            print(f"# corpus: {args.files:,} sessions x {args.messages} messages written in "
                  f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        if args.while_building:
            latencies, missed, took = keys_while_building(folder, args.keys * 4)
            common.report(
                "while the app builds the index",
                [
                    (
                        f"tmux: key to shown in the chat prompt ({len(latencies)} keys, "
                        f"the first {took:.0f} s after the start)",
                        f"median {statistics.median(latencies):.0f} ms, p95 "
                        f"{p95(latencies):.0f} ms, max {max(latencies):.0f} ms, "
                        f"{missed} unanswered",
                    )
                ],
            )
            return
        built = build_in_child(folder)
        size = sum(p.stat().st_size for p in folder.glob(INDEX_NAME + "*")) / 2**20
        rows = [
            (
                f"full build ({built['files']:,} files; 0: the index was up to date)",
                f"{built['seconds']:.1f} s {verdict(built['seconds'] * 1000, TARGETS_MS['build'])}",
            ),
            ("  peak RSS of the building process", f"{built['rss']:.0f} MiB"),
            ("  index size on disk", f"{size:.0f} MiB"),
        ]
        manager = SessionManager(folder)
        asked = queries(manager, words)
        for (kind, query), best in itertools.product(asked.items(), (50, 100)):
            manager.search(query, best)  # warm
            times = timed_ms(lambda q=query, b=best: manager.search(q, b), args.queries)
            hits = len(manager.search(query, 10_000))
            rows.append(
                (
                    f"query, {kind} {query} ({hits:,}+ hits, best {best})",
                    f"median {statistics.median(times):.1f} ms "
                    f"{verdict(statistics.median(times), TARGETS_MS['median'])}, "
                    f"p95 {p95(times):.1f} ms {verdict(p95(times), TARGETS_MS['p95'])}",
                )
            )
        session = manager.load("s00042")
        assert session is not None
        saves, updates = [], []
        for n in range(21):
            session.messages[-1] = {**session.messages[-1], "content": f"zyzzyva{n} edited"}
            t0 = time.perf_counter()
            manager.save(session)
            t1 = time.perf_counter()
            manager._search.wait()  # the index writer (a thread of its own) has it
            t2 = time.perf_counter()
            assert manager.search(f"zyzzyva{n}", 1, session="s00042")
            saves.append((t1 - t0) * 1000)
            updates.append((t2 - t1) * 1000)
        rows += [
            ("save of a 50-message session", f"median {statistics.median(saves):.1f} ms"),
            (
                "  then until the index has it (off the save's path)",
                f"median {statistics.median(updates):.1f} ms "
                f"{verdict(statistics.median(updates), TARGETS_MS['update'])}",
            ),
        ]  # fmt: skip
        manager.close()
        if not args.skip_tmux:
            latencies = keystrokes(folder, asked["word"], args.keys, manager)
            if latencies:
                median = statistics.median(latencies)
                rows.append(
                    (
                        f"tmux: keystroke to results painted ({len(latencies)} keys)",
                        f"median {median:.0f} ms {verdict(median, TARGETS_MS['keystroke'])}, "
                        f"max {max(latencies):.0f} ms",
                    )
                )
        common.report("results", rows)
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
