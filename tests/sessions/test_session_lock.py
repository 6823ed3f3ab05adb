"""The per-session lock across processes, with the lock the platform gives (filelock's native
one): two processes holding it in turn never overlap, and a process killed while holding it
does not block the next one, although its lock file stays behind."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import agentry
from agentry.sessions import SessionManager
from agentry.sessions.storage import LOCK_DIR, locked_if_free

REPO_ROOT = Path(agentry.__file__).resolve().parents[1]
ROUNDS = 150


def python(code: str, *args: object, stdout: int | None = None) -> subprocess.Popen[str]:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], env=env, text=True, stdout=stdout
    )


# Each round writes "<tag> in", lets the other process run, then "<tag> out", under the lock.
# Both start together (the go file), so without the lock their rounds would overlap. Between
# rounds a taker waits a little: a waiting one polls for the lock, and one that took it again
# at once would run all its rounds before the other got a turn (on a loaded machine).
TAKER = r"""
import os, sys, time
from pathlib import Path
from agentry.sessions.storage import locked

folder, tag, rounds, log, go = sys.argv[1:]
while not os.path.exists(go):
    time.sleep(0.001)
fd = os.open(log, os.O_WRONLY | os.O_APPEND)
for _ in range(int(rounds)):
    with locked(Path(folder), "shared"):
        os.write(fd, f"{tag} in\n".encode())
        time.sleep(0.0005)
        os.write(fd, f"{tag} out\n".encode())
    time.sleep(0.002)
"""


def test_two_processes_never_hold_the_lock_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    log, go = tmp_path / "log", tmp_path / "go"
    log.touch()
    takers = [python(TAKER, folder, tag, ROUNDS, log, go) for tag in "AB"]
    go.touch()
    for taker in takers:
        assert taker.wait(timeout=60) == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 4 * ROUNDS
    pairs = list(zip(lines[::2], lines[1::2], strict=True))
    overlapping = [pair for pair in pairs if pair[0].split()[0] != pair[1].split()[0]]
    assert overlapping == []
    assert all(first.endswith(" in") and second.endswith(" out") for first, second in pairs)
    # They took turns rather than one running after the other: the test could catch an overlap.
    switches = sum(a[0][0] != b[0][0] for a, b in itertools.pairwise(pairs))
    assert switches >= 5


HOLDER = r"""
import sys, time
from pathlib import Path
from agentry.sessions.storage import locked

with locked(Path(sys.argv[1]), "victim"):  # the lock SessionManager takes to save "victim"
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_holding_the_lock_does_not_block_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    sm.save_session("victim", [{"role": "user", "content": "before"}])
    holder = python(HOLDER, folder, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with locked_if_free(folder, "victim") as taken:
            assert not taken  # really held by the other process
    finally:
        holder.kill()  # SIGKILL: no chance to release anything
        holder.wait(timeout=30)
        holder.stdout.close()  # type: ignore[union-attr]
    assert (folder / LOCK_DIR / "victim.lock").exists()  # left behind by the dead holder
    with locked_if_free(folder, "victim") as taken:
        assert taken  # the file is not taken for a held lock
    started = time.monotonic()
    sm.save_session("victim", [{"role": "user", "content": "after"}])
    assert time.monotonic() - started < 2.0
    assert sm.load_session("victim") == [{"role": "user", "content": "after"}]
