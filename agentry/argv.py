"""Command-line helpers both clients share."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from agentry.providers import PROVIDER_NAMES


def values_attached(argv: Sequence[str], options: Sequence[str]) -> list[str]:
    """``argv`` with each of ``options`` joined to the value after it (``--session -x`` becomes
    ``--session=-x``): argparse takes a value starting with ``-`` for an option, and session ids
    may start with one."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            out += [arg, *args]
            break
        value = next(args, None) if arg in options else None
        out.append(arg if value is None else f"{arg}={value}")
    return out


def add_provider_option(parser: argparse.ArgumentParser, default: str) -> None:
    """``--provider NAME``, one of the providers in any case; ``default`` says what is used
    without it."""
    parser.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        type=str.lower,
        metavar="NAME",
        help=f"one of {', '.join(PROVIDER_NAMES)}; default: {default}",
    )
