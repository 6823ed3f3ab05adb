"""execute_command: a shell command in the workspace root, bounded in time and output."""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import Field

from agentry.errors import ToolError
from agentry.platform_processes import NEW_GROUP
from agentry.tools.processes import Run
from agentry.tools.schema import tool_from_function
from agentry.tools.tool import Tool
from agentry.tools.workspace import Workspace

OUTPUT_CAP = 32 * 1024  # bytes kept of each stream: its first and last halves
_HALF = OUTPUT_CAP // 2
_EXIT_POLL = 0.05  # seconds between looks at the exit code while a background job holds the pipes
_REAP_GRACE = 2.0  # seconds to wait for the ended processes to release the pipes


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
        When the command ends (or times out, or the turn is stopped), every process it started
        is ended too, background ones included (&, nohup, setsid, daemons): do not rely on a
        process outliving the call; start a server and use it within the same command.

        Args:
            command: The command line, run by /bin/sh (cmd.exe on Windows).
            timeout: Seconds before the command and every process it started are ended.
        """
        run = Run()
        proc = await asyncio.create_subprocess_shell(
            command,
            cwd=workspace.root,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=run.environment(),
            **NEW_GROUP,
        )
        run.started(proc.pid)
        out, err = _Capture(), _Capture()
        assert proc.stdout is not None and proc.stderr is not None
        streams = ((out, proc.stdout), (err, proc.stderr))
        drains = [asyncio.create_task(capture.drain(stream)) for capture, stream in streams]
        timed_out = False
        try:
            async with asyncio.timeout(timeout):
                await _exit_of(proc)
        except TimeoutError:
            timed_out = True
        finally:
            # On cancellation too. The thread finishes its work even if this task is cancelled
            # again while waiting for it.
            try:
                leftovers = await asyncio.to_thread(run.end)
                # The pipes close once their holders are dead; one out of reach must not hold
                # the call.
                await asyncio.wait(drains, timeout=_REAP_GRACE)
            finally:
                for task in drains:
                    task.cancel()  # no-op on a finished one
        if timed_out:
            raise ToolError(
                f"Timed out after {timeout:g} s; the command and every process it started were"
                " ended.\n" + _report(None, out, err)
            )
        report = _report(proc.returncode, out, err)
        if leftovers:
            report += f"\n[{leftovers} process(es) still running when the command exited: ended.]"
        return report

    return tool_from_function(execute_command, permission="execute")


async def _exit_of(proc: asyncio.subprocess.Process) -> None:
    """Returns once the shell has exited. ``proc.wait()`` also waits for the pipes to close,
    which a background process may hold open for as long as it lives; so its exit code is
    polled while the pipes stay open."""
    closed = asyncio.ensure_future(proc.wait())
    try:
        while proc.returncode is None:
            await asyncio.wait([closed], timeout=_EXIT_POLL)
    finally:
        closed.cancel()


def _report(code: int | None, out: _Capture, err: _Capture) -> str:
    parts = [] if code is None else [f"Exit code: {code}"]
    for label, capture in (("stdout", out), ("stderr", err)):
        if capture.total:
            parts.append(f"--- {label} ---\n{capture.text().rstrip()}")
    if not (out.total or err.total):
        parts.append("(no output)")
    return "\n".join(parts)
