"""The command line: agentry-tui [--session ID] [--provider NAME] [--model NAME]
[--endpoint URL] [--history-dir DIR], also ``python -m agentry_tui``."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from agentry.argv import values_attached
from agentry.sessions.ids import ID_RULE, is_valid_session_id


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
    parser.add_argument(
        "--provider",
        metavar="NAME",
        help="ollama, openai, anthropic, gemini, groq or local; default: "
        "AGENTRY_PROVIDER, the settings file, else Ollama if it answers",
    )
    parser.add_argument("--model", metavar="NAME", help="the model; default: the provider's first")
    parser.add_argument("--endpoint", metavar="URL", help="the provider's base URL")
    parser.add_argument(
        "--history-dir",
        metavar="DIR",
        help="where sessions are kept; default: AGENTRY_HISTORY_DIR or the user data folder",
    )
    args = parser.parse_args(
        values_attached(sys.argv[1:] if argv is None else argv, ("--session",))
    )
    if args.session is not None and not is_valid_session_id(args.session):
        parser.error(f"--session {args.session!r}: {ID_RULE}")
    return args


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with long_lived_imports():
        from agentry_tui.app import AgentryApp  # after argument errors, which need no Textual

    app = AgentryApp(
        session_id=args.session,
        provider=args.provider,
        model=args.model,
        endpoint=args.endpoint,
        history_dir=args.history_dir,
    )
    app.run()
    return app.return_code or 0  # non-zero after a crash, which Textual has reported


if __name__ == "__main__":
    raise SystemExit(main())
