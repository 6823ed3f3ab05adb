from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import agentry
from agentry.errors import ToolError
from agentry.tools import ToolRegistry
from agentry.tools.shell import OUTPUT_CAP

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the commands are POSIX sh")


def gone(pid: int) -> bool:
    """Dead, or a zombie waiting to be reaped (PID 1 in a container may never reap it)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def pids(root: Path) -> list[int]:
    """The pids the test's command recorded in pid* files."""
    return [int(path.read_text()) for path in sorted(root.glob("pid*")) if path.read_text()]


@pytest.fixture(autouse=True)
def no_strays(root: Path) -> Iterator[None]:
    """Kills what a failing test (or the old code) leaves behind, so it does not outlive the run."""
    yield
    for pid in pids(root):
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass


# Ways a command leaves a `sleep 300` running, each recording the sleep's pid in {pidfile}.
DETACHING = {
    "background": "sleep 300 > /dev/null 2>&1 & echo $! > {pidfile}",
    "nohup": "nohup sleep 300 > /dev/null 2>&1 & echo $! > {pidfile}",
    "double fork": "(sh -c 'sleep 300 > /dev/null 2>&1 & echo $! > {pidfile}' &)",
    # The pid is written after setsid(2): the sleep is in a session of its own.
    "setsid": "setsid sh -c 'echo $$ > {pidfile}; exec sleep 300' > /dev/null 2>&1 &",
    "daemon": "(setsid sh -c 'sleep 300 > /dev/null 2>&1 & echo $! > {pidfile}' > /dev/null &)",
    # No token, but in the command's process group once the shell has gone.
    "env scrubbed": "env -i sleep 300 > /dev/null 2>&1 & echo $! > {pidfile}",
    # No token, but the child of a detached process that has it.
    "env scrubbed below setsid": (
        "setsid sh -c 'env -i sleep 300 & echo $! > {pidfile}; wait' > /dev/null 2>&1 &"
    ),
}
NEEDS_SETSID = {"setsid", "daemon", "env scrubbed below setsid"}
USABLE = [kind for kind in DETACHING if kind not in NEEDS_SETSID or shutil.which("setsid")]


def detach(kind: str, pidfile: str = "pid") -> str:
    """The command for ``kind``; it waits for the pid, so the process exists before it ends."""
    wait = f"while [ ! -s {pidfile} ]; do sleep 0.01; done"
    return f"{DETACHING[kind].format(pidfile=pidfile)}\n{wait}"


def detach_all() -> str:
    """One process of every usable kind, recording their pids in pid0, pid1, ..."""
    return "\n".join(detach(kind, f"pid{n}") for n, kind in enumerate(USABLE))


def kinds(*exclude: str) -> list[object]:
    return [
        pytest.param(kind, id=kind, marks=pytest.mark.skipif(kind not in USABLE, reason="setsid"))
        for kind in DETACHING
        if kind not in exclude
    ]


async def test_output_and_exit_code(tools: ToolRegistry, root: Path) -> None:
    result = await tools.execute("execute_command", {"command": "echo out; echo err >&2; exit 3"})
    assert result == "Exit code: 3\n--- stdout ---\nout\n--- stderr ---\nerr"
    assert await tools.execute("execute_command", {"command": "pwd"}) == (
        f"Exit code: 0\n--- stdout ---\n{root.resolve()}"
    )
    # stdin is empty, so a command that reads it cannot hang.
    assert await tools.execute("execute_command", {"command": "cat"}) == "Exit code: 0\n(no output)"


async def test_timeout_ends_the_command(tools: ToolRegistry) -> None:
    started = time.monotonic()
    with pytest.raises(ToolError) as info:
        command = "sleep 30 & echo $!; wait"
        await tools.execute("execute_command", {"command": command, "timeout": 1})
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert message.startswith(
        "Timed out after 1 s; the command and every process it started were ended."
    )
    child = int(message.split("--- stdout ---\n")[1])  # partial output is kept
    assert gone(child)


async def test_a_background_job_on_the_pipes_does_not_hold_the_call(tools: ToolRegistry) -> None:
    # The job keeps stdout open; the call still ends with the shell, and ends the job.
    started = time.monotonic()
    command = "sleep 30 & echo $!; echo done >&2"
    result = await tools.execute("execute_command", {"command": command, "timeout": 10})
    assert time.monotonic() - started < 2
    child = int(result.split("--- stdout ---\n")[1].split("\n")[0])
    assert result == (
        f"Exit code: 0\n--- stdout ---\n{child}\n--- stderr ---\ndone\n"
        "[1 process(es) still running when the command exited: ended.]"
    )
    assert gone(child)


@pytest.mark.parametrize("kind", kinds())
async def test_processes_left_running_are_ended_with_the_call(
    tools: ToolRegistry, root: Path, kind: str
) -> None:
    result = await tools.execute("execute_command", {"command": detach(kind), "timeout": 10})
    assert result.startswith("Exit code: 0\n(no output)\n[")
    assert result.endswith(" still running when the command exited: ended.]")
    [pid] = pids(root)
    assert gone(pid)  # at once: the call returns only when all are dead


async def test_timeout_ends_every_process_the_command_started(
    tools: ToolRegistry, root: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(ToolError, match="Timed out after 1 s"):
        command = detach_all() + "\nsleep 30"
        await tools.execute("execute_command", {"command": command, "timeout": 1})
    assert time.monotonic() - started < 5
    assert len(pids(root)) == len(USABLE)
    assert [pid for pid in pids(root) if not gone(pid)] == []


async def test_cancelling_ends_every_process_the_command_started(
    tools: ToolRegistry, root: Path
) -> None:
    command = detach_all() + "\necho $$ > pid_shell; sleep 30"
    call = asyncio.create_task(tools.execute("execute_command", {"command": command}))
    while not (root / "pid_shell").exists() or not (root / "pid_shell").read_text():
        await asyncio.sleep(0.02)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert len(pids(root)) == len(USABLE) + 1
    assert [pid for pid in pids(root) if not gone(pid)] == []


@pytest.mark.parametrize("kind", kinds("env scrubbed"))
async def test_without_process_groups_the_tree_and_token_end_everything(
    tools: ToolRegistry, root: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on Windows: no process groups. A process outside the tree and without the token
    # ("env scrubbed") is then out of reach: the documented limit.
    for name in ("killpg", "getpgid", "setsid"):
        monkeypatch.delattr(os, name)
    result = await tools.execute("execute_command", {"command": detach(kind), "timeout": 10})
    assert result.startswith("Exit code: 0\n")
    [pid] = pids(root)
    assert gone(pid)


def test_imports_and_ends_processes_without_posix_calls(root: Path) -> None:
    # A fresh interpreter, so the modules are imported without the calls Windows lacks.
    script = """
import asyncio, os, sys
for name in ("killpg", "getpgid", "setsid", "setpgid"):
    delattr(os, name)
from agentry.tools import ToolRegistry, Workspace, default_tools
tools = ToolRegistry(default_tools(Workspace(sys.argv[1])))
print(asyncio.run(tools.execute("execute_command", {"command": sys.argv[2]})))
"""
    command = detach("double fork")
    env = {**os.environ, "PYTHONPATH": str(Path(agentry.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-c", script, str(root), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    assert result.stdout.startswith("Exit code: 0\n(no output)\n[1 process(es) still running")
    [pid] = pids(root)
    assert gone(pid)


async def test_output_is_capped_keeping_head_and_tail(tools: ToolRegistry) -> None:
    command = "printf start; head -c 200000 /dev/zero | tr '\\0' x; printf end"
    result = await tools.execute("execute_command", {"command": command})
    assert f"[... {200_008 - OUTPUT_CAP} bytes of output left out ...]" in result
    stdout = result.split("--- stdout ---\n")[1]
    assert stdout.startswith("startxxx") and stdout.endswith("xxxend")
    assert len(stdout) < OUTPUT_CAP + 100


async def test_does_not_block_the_event_loop(tools: ToolRegistry) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await tools.execute("execute_command", {"command": "sleep 0.5"})
    task.cancel()
    assert ticks > 20


async def test_timeout_is_validated(tools: ToolRegistry) -> None:
    with pytest.raises(ToolError, match="timeout: Input should be greater than 0"):
        await tools.execute("execute_command", {"command": "true", "timeout": 0})
