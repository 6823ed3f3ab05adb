"""Drive a process on a pseudo-terminal: a small pexpect-like helper on pty + select."""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

# CSI/OSC sequences (readline's bracketed-paste switches, our dimmed reasoning) and carriage
# returns (the terminal's ONLCR), so tests compare plain text lines.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]|\r")
# A cursor position query (7-bit and 8-bit CSI), which a real terminal answers as typed input.
_POSITION_QUERY = re.compile(rb"\x1b\[6n|\xc2\x9b6n")
POSITION_ANSWER = b"\x1b[7;1R"


class PtyProcess:
    def __init__(
        self,
        args: Sequence[str],
        env: dict[str, str],
        cwd: Path,
        size: tuple[int, int] | None = None,
    ) -> None:
        master, slave = os.openpty()
        if size is not None:  # columns, rows: what a full-screen program lays itself out in
            columns, rows = size
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        # Its own session, so signals the test sends reach only it. Ctrl-C is sent as SIGINT to
        # the process, as the terminal would: making the pty its controlling terminal needs a
        # preexec_fn, which is unsafe with the test server's thread running.
        self.proc = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self.fd = master
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text = ""  # everything read so far, control sequences removed
        self.raw = b""  # everything read so far, as the terminal received it
        self.answers_queries = False  # answer cursor position queries, as a terminal does
        self.pos = 0  # where the next expect() starts looking

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the process closed the terminal
            data = b""
        if not data:
            raise EOFError(f"process ended; output so far:\n{self.text}")
        self.raw += data
        if self.answers_queries:
            for _ in _POSITION_QUERY.finditer(data):
                os.write(self.fd, POSITION_ANSWER)
        self.text += _CONTROL.sub("", self._decoder.decode(data))
        return True

    def expect(self, pattern: str, timeout: float = 5.0) -> re.Match[str]:
        """Wait for the regex ``pattern`` after the previous match; return the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text, self.pos)
            if match:
                self.pos = match.end()
                return match
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {pattern!r} in output:\n{self.text[self.pos :]}")
            self._read(left)

    def expect_exact(self, text: str, timeout: float = 5.0) -> re.Match[str]:
        return self.expect(re.escape(text), timeout)

    def sendline(self, line: str = "") -> None:
        os.write(self.fd, line.encode() + b"\r")

    def send_eof(self) -> None:
        os.write(self.fd, b"\x04")

    def interrupt(self) -> None:
        os.kill(self.proc.pid, signal.SIGINT)

    def interrupt_at_prompt(self) -> None:
        """Ctrl-C at a prompt just seen. Python's input() misses a signal that lands between
        showing the prompt and starting to wait for a key (it notices at the next key), so give
        it time to get there, as a person's reaction time always does."""
        time.sleep(0.2)
        self.interrupt()

    def wait(self, timeout: float = 5.0) -> int:
        """Read to the end (a full pty would block the process) and return the exit code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self._read(deadline - time.monotonic())
        except EOFError:
            pass
        return self.proc.wait(max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)
