"""The signals that ask a client to end: each saves what it has before it goes."""

from __future__ import annotations

import signal

# SIGTERM (kill, a system shutdown), SIGHUP (the terminal was closed), and on Windows SIGBREAK
# (the console window was closed, or Ctrl-Break). Those a platform lacks are left out.
_NAMES = ("SIGTERM", "SIGHUP", "SIGBREAK")


def termination_signals() -> list[signal.Signals]:
    return [getattr(signal, name) for name in _NAMES if hasattr(signal, name)]
