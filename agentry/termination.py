"""The signals that ask a client to end: each saves what it has before it goes."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

# SIGTERM (kill, a system shutdown), SIGHUP (the terminal was closed), and on Windows SIGBREAK
# (the console window was closed, or Ctrl-Break). Those a platform lacks are left out.
_NAMES = ("SIGTERM", "SIGHUP", "SIGBREAK")


def termination_signals() -> list[signal.Signals]:
    return [getattr(signal, name) for name in _NAMES if hasattr(signal, name)]


def on_termination(loop: asyncio.AbstractEventLoop, callback: Callable[[int], object]) -> None:
    """Have ``loop`` call ``callback(number)`` on each termination signal: through the loop's own
    handlers where it has them (POSIX, main thread), else (Windows' loops have none) through
    ``signal.signal``, whose handler hands over to the loop thread-safely."""
    for number in termination_signals():
        try:
            loop.add_signal_handler(number, callback, number)
        except (NotImplementedError, RuntimeError):  # Windows' loops; not the main thread
            signal.signal(number, lambda n, _f: loop.call_soon_threadsafe(callback, n))
