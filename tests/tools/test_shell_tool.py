from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from agentry.errors import ToolError
from agentry.tools import ToolRegistry
from agentry.tools.shell import OUTPUT_CAP


def gone(pid: int) -> bool:
    """Dead, or a zombie waiting to be reaped (PID 1 in a container may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def wait_gone(pid: int) -> bool:
    for _ in range(50):
        if gone(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_output_and_exit_code(tools: ToolRegistry, root: Path) -> None:
    result = await tools.execute("execute_command", {"command": "echo out; echo err >&2; exit 3"})
    assert result == "Exit code: 3\n--- stdout ---\nout\n--- stderr ---\nerr"
    assert await tools.execute("execute_command", {"command": "pwd"}) == (
        f"Exit code: 0\n--- stdout ---\n{root.resolve()}"
    )
    # stdin is empty, so a command that reads it cannot hang.
    assert await tools.execute("execute_command", {"command": "cat"}) == "Exit code: 0\n(no output)"


@pytest.mark.parametrize(
    "command",
    ["sleep 30 & echo $!; wait", "sleep 30 & echo $!"],  # the second leaves a child on the pipes
)
async def test_timeout_kills_the_whole_process_group(tools: ToolRegistry, command: str) -> None:
    started = time.monotonic()
    with pytest.raises(ToolError) as info:
        await tools.execute("execute_command", {"command": command, "timeout": 1})
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert message.startswith("Timed out after 1 s; the command's process group was killed.")
    child = int(message.split("--- stdout ---\n")[1])  # partial output is kept
    assert await wait_gone(child)


async def test_cancelling_kills_the_command(tools: ToolRegistry, root: Path) -> None:
    call = asyncio.create_task(
        tools.execute("execute_command", {"command": "echo $$ > pid; sleep 30"})
    )
    while not (root / "pid").exists() or not (root / "pid").read_text():
        await asyncio.sleep(0.02)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await wait_gone(int((root / "pid").read_text()))


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
