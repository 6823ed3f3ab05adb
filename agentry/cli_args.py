"""The line client's command line: ``agentry [options] [PROMPT...]``. Pure: parsing only."""

from __future__ import annotations

import argparse
from importlib import metadata

from agentry.argv import add_provider_option, values_attached
from agentry.sessions import validate_session_id

DESCRIPTION = "Chat with a model in sessions saved between runs."
EPILOG = """\
how it runs:
  agentry                      a chat at the terminal (/help lists the commands)
  agentry "what is 2+2"        one answer, then exit; stdout is just the reply
  cat f.py | agentry           the piped text is ONE prompt, sent whole
  cat f.py | agentry "explain" the argument, a blank line, then the piped text
  agentry --lines < script     each line a message or a /command, as typed in a chat
  agentry mcp list [--json]    the MCP servers of settings.json: their state and tools

When stdout is not a terminal, replies are plain text and notes go to stderr. The exit code is
1 if a reply or a command failed. Without --session or -c the session is 'default'."""


def _session_id(value: str) -> str:
    try:
        return validate_session_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def version() -> str:
    try:
        return metadata.version("agentry")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentry",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        metavar="PROMPT",
        help="send this and print the reply, then exit (words are joined with spaces)",
    )
    parser.add_argument("--version", action="version", version=f"agentry {version()}")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--session",
        type=_session_id,
        metavar="ID",
        help="session to resume, or to start if new (default: default)",
    )
    which.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        action="store_true",
        help="continue the most recently active session",
    )
    parser.add_argument(
        "-s",
        "--system",
        metavar="TEXT",
        help="set the session's system message (kept in the session, as /system does)",
    )
    add_provider_option(
        parser, "the configured one, else Ollama if it answers, else the offline model"
    )
    parser.add_argument("-m", "--model", metavar="NAME", help="default: the server's first model")
    parser.add_argument("--endpoint", metavar="URL", help="the provider's base URL")
    parser.add_argument("--history-dir", metavar="DIR", help="where session files are kept")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--list",
        action="store_true",
        help="print the sessions, newest first, and exit: one a line, tab-separated: "
        "id, messages, last activity, title",
    )
    mode.add_argument(
        "--lines",
        action="store_true",
        help="read stdin line by line: each line a message or a /command (the old script mode)",
    )
    args = parser.parse_args(values_attached(argv, ("--session", "-s", "--system")))
    args.prompt = " ".join(args.prompt)
    if args.prompt and (args.list or args.lines):
        parser.error(f"{'--list' if args.list else '--lines'} takes no PROMPT")
    return args
