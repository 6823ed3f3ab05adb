"""The command line: agentry-tui [--session ID] [--provider NAME] [--model NAME]
[--endpoint URL] [--history-dir DIR], also ``python -m agentry_tui``."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from agentry.argv import add_provider_option, values_attached
from agentry.sessions.ids import ID_RULE, is_valid_session_id

NOT_A_TERMINAL = 2  # the exit code when there is no terminal to draw on or read keys from


def _endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an http(s) URL (e.g. http://127.0.0.1:11434)"
        )
    return value


def _history_dir(value: str) -> str:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is a file, not a folder")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentry-tui",
        description="A full-screen terminal chat client for Agentry sessions.",
    )
    parser.add_argument(
        "--session",
        metavar="ID",
        help="open this session (created if new); default: the most recent",
    )
    add_provider_option(parser, "AGENTRY_PROVIDER, the settings file, else Ollama if it answers")
    parser.add_argument("--model", metavar="NAME", help="the model; default: the provider's first")
    parser.add_argument("--endpoint", metavar="URL", type=_endpoint, help="the provider's base URL")
    parser.add_argument(
        "--history-dir",
        metavar="DIR",
        type=_history_dir,
        help="where sessions are kept; default: AGENTRY_HISTORY_DIR or the user data folder",
    )
    args = parser.parse_args(
        values_attached(sys.argv[1:] if argv is None else argv, ("--session",))
    )
    if args.session is not None and not is_valid_session_id(args.session):
        parser.error(f"--session {args.session!r}: {ID_RULE}")
    return args


def terminal_problem(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> str | None:
    """Why the app cannot run on these streams, or None. Keys come from stdin and the screen
    is drawn on stderr; a redirected stdout means the person meant to capture text, which a
    full-screen app has none of. Without this check a stdin at end of file made Textual's
    input thread spin (select() reports it readable, each read returns nothing): 100% CPU."""
    for name, stream in (("input", stdin), ("output", stdout), ("error output", stderr)):
        if stream is None or not stream.isatty():
            return (
                f"agentry-tui: standard {name} is not a terminal. agentry-tui is a full-screen "
                "app: run it in a terminal. For pipes and scripts use the line client: "
                "agentry --session ID < prompt.txt"
            )
    return None


@contextmanager
def long_lived_imports() -> Iterator[None]:
    """Around the app's imports, and for the rest of the process: the collector tuned for it.

    Start-up makes ~100,000 objects that live as long as the app (modules, widgets, styles);
    with the default threshold the collector went over them ~300 times, 200 ms of work in a
    1 s start on a 2-core VM. Collect young objects less often (each pass ~6 ms, well inside
    a frame), and keep what the imports made out of every later pass. bench/tui_startup.py:
    ~60 ms less to the first usable frame in tmux (median of 4x7 runs each way). The headless
    benchmarks run the app under it too, as agentry-tui does."""
    gc.set_threshold(10_000, 10, 10)
    yield
    gc.freeze()


def app_built() -> None:
    """Once the app's first frame is laid out: what start-up made (~50,000 objects: widgets,
    styles, the sessions listed) is kept out of every later pass of the collector too, as the
    imports are. Left in, the first pass over the older objects, during the first reply, went
    over all of them (40-55 ms here), and every full pass after it would again."""
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)  # before the terminal check: `agentry-tui --help | less` works
    if problem := terminal_problem(sys.stdin, sys.stdout, sys.stderr):
        print(problem, file=sys.stderr)
        return NOT_A_TERMINAL
    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # after argument errors, which need no Textual

    app = AgentryApp(
        session_id=args.session,
        provider=args.provider,
        model=args.model,
        endpoint=args.endpoint,
        history_dir=args.history_dir,
        when_ready=app_built,
    )
    app.run()
    return app.return_code or 0  # non-zero after a crash, which Textual has reported


if __name__ == "__main__":
    raise SystemExit(main())
