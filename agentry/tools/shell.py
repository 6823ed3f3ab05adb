"""execute_command: a shell command in the workspace root, bounded in time and output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Annotated

from pydantic import Field

from agentry.errors import ToolError
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool
from agentry.tools.workspace import Workspace

OUTPUT_CAP = 32 * 1024  # bytes kept of each stream: its first and last halves
_HALF = OUTPUT_CAP // 2
_REAP_GRACE = 2.0  # seconds to wait for a killed group to release the pipes


class _Capture:
    """Keeps the head and tail of a stream (errors tend to come last) and counts the rest."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    async def drain(self, stream: asyncio.StreamReader) -> None:
        # Reads to the end even past the cap, so the command never stalls on a full pipe.
        while chunk := await stream.read(65536):
            self.total += len(chunk)
            room = _HALF - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail += chunk
            del self.tail[:-_HALF]

    def text(self) -> str:
        skipped = self.total - len(self.head) - len(self.tail)
        gap = f"\n[... {skipped} bytes of output left out ...]\n".encode() if skipped else b""
        return bytes(self.head + gap + self.tail).decode("utf-8", errors="replace")


def shell_tool(workspace: Workspace) -> Tool:
    async def execute_command(
        command: str, timeout: Annotated[float, Field(gt=0, le=3600)] = 30
    ) -> str:
        """Run a shell command in the workspace root; answers its exit code, stdout and stderr.

        Args:
            command: The command line, run by /bin/sh. Redirect the output of background jobs
                (cmd > log 2>&1 &), or the call waits for them until the timeout.
            timeout: Seconds before the command and every process it started are killed.
        """
        proc = await asyncio.create_subprocess_shell(
            command,
            cwd=workspace.root,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group, so a kill reaches its children too
        )
        out, err = _Capture(), _Capture()
        assert proc.stdout is not None and proc.stderr is not None
        finished = False
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(out.drain(proc.stdout), err.drain(proc.stderr), proc.wait())
            finished = True
        except TimeoutError:
            pass
        finally:
            # Timed out or cancelled: kill the group even if the shell is gone, since what hangs
            # may be a background child still holding the pipes.
            if not finished:
                await _kill_group(proc)
        if not finished:
            raise ToolError(
                f"Timed out after {timeout:g} s; the command's process group was killed.\n"
                + _report(None, out, err)
            )
        return _report(proc.returncode, out, err)

    return tool_from_function(execute_command, permission="execute")


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    # A process that left the group (setsid) may still hold the pipes: do not wait on it forever.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), _REAP_GRACE)


def _report(code: int | None, out: _Capture, err: _Capture) -> str:
    parts = [] if code is None else [f"Exit code: {code}"]
    for label, capture in (("stdout", out), ("stderr", err)):
        if capture.total:
            parts.append(f"--- {label} ---\n{capture.text().rstrip()}")
    if not (out.total or err.total):
        parts.append("(no output)")
    return "\n".join(parts)
