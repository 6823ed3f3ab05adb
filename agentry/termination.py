"""The signals that ask a client to end: each saves what it has before it goes."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable

# SIGTERM (kill, a system shutdown), SIGHUP (the terminal was closed), and on Windows SIGBREAK
# (the console window was closed, or Ctrl-Break). Those a platform lacks are left out.
_NAMES = ("SIGTERM", "SIGHUP", "SIGBREAK")


def termination_signals() -> list[signal.Signals]:
    return [getattr(signal, name) for name in _NAMES if hasattr(signal, name)]


def on_termination(loop: asyncio.AbstractEventLoop, callback: Callable[[int], object]) -> None:
    """Have ``loop`` call ``callback(number)`` on each termination signal: through the loop's own
    handlers where it has them (POSIX, main thread), else (Windows' loops have none) through
    ``signal.signal``, whose handler hands over to the loop thread-safely. On Windows a console
    close is held until the callback has saved and exited (see hold_console_close)."""
    for number in termination_signals():
        try:
            loop.add_signal_handler(number, callback, number)
        except (NotImplementedError, RuntimeError):  # Windows' loops; not the main thread
            signal.signal(number, lambda n, _f: loop.call_soon_threadsafe(callback, n))
    hold_console_close()


# Windows: closing the console window, logging off or shutting down ends the process as soon as
# its console handlers return, and the C runtime's, which raises SIGBREAK, returns at once: the
# process could be gone before Python runs the SIGBREAK handler that saves. Windows calls the
# handler registered last first, so one registered after the runtime's raises SIGBREAK itself and
# holds the close for as long as Windows allows; the process exits once it has saved.
_CLOSE_EVENTS = (2, 5, 6)  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
_CLOSE_HOLD_S = 4.5  # Windows ends a process 5 s after a close event
_console_handlers: list[object] = []  # a registered ctypes callback must stay alive


def hold_console_close() -> None:
    """On Windows, after the SIGBREAK handler is installed: console-close events raise SIGBREAK
    and wait for the handler to save and exit. Nothing elsewhere."""
    if sys.platform != "win32" or _console_handlers:
        return
    import ctypes
    from ctypes import wintypes

    def on_event(event: int) -> bool:  # in a thread Windows starts for the event
        if event not in _CLOSE_EVENTS:
            return False  # Ctrl+C, Ctrl+Break: to the runtime's handler, as before
        signal.raise_signal(signal.SIGBREAK)
        time.sleep(_CLOSE_HOLD_S)  # this thread only; Python's main thread saves meanwhile
        return True

    handler = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)(on_event)
    if ctypes.windll.kernel32.SetConsoleCtrlHandler(handler, True):
        _console_handlers.append(handler)
