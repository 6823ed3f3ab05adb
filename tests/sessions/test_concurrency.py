"""Several processes on one session file: readers never see a partial file, kills lose nothing.

(a) Two writer processes save the same session 200 times each with different content while a
    third process loads it in a loop: every load succeeds and is one writer's whole save.
(b) A writer is killed with SIGKILL 50 times at varied moments, some of them deterministically
    in the middle of a save (after the temp file is written, before the rename): the file always
    parses afterwards, and the lock of the dead writer does not block the next one.
(c) A save waits while another process holds that session's lock, and only that session's.
"""

from __future__ import annotations

import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import agentry
from agentry import SessionManager

REPO_ROOT = Path(agentry.__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The children import the same agentry as the tests.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def python(code: str, *args: object, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


class Lines:
    """A child's stdout lines, read by a thread, so that waiting for one can time out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put("")  # end of output

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the end of output (call after the child has ended)."""
        self._thread.join(timeout)

    def next(self, timeout: float = 30.0) -> str:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return f"<no line within {timeout}s>"


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- (a) two writers and a reader -----------------------------------------------------------------

MAKE_MESSAGES = r"""
def make_messages(tag, i):
    n = 1 + (i * 7) % 23
    return [
        {
            "role": "user" if j % 2 == 0 else "assistant",
            "content": f"{tag}:{i}:{j}:" + tag * (50 + (37 * j + i) % 400),
            "w": tag,
            "i": i,
            "n": n,
        }
        for j in range(n)
    ]
"""

WRITER = (
    MAKE_MESSAGES
    + r"""
import sys
from agentry.sessions import SessionManager

folder, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sm = SessionManager(folder)
for i in range(count):
    # Every other save gives no metadata, so the stored one must be read and kept under the lock.
    sm.save_session("shared", make_messages(tag, i), {"w": tag, "i": i} if i % 2 == 0 else None)
print("done", count)
"""
)

READER = r"""
import json, os, sys, traceback
from agentry.sessions import SessionManager

folder, stop_file = sys.argv[1], sys.argv[2]
sm = SessionManager(folder)
loads = lists = 0
errors, seen, created = [], set(), set()


def check(messages):
    assert isinstance(messages, list) and messages, f"not a non-empty list: {messages!r}"
    w, i, n = messages[0]["w"], messages[0]["i"], messages[0]["n"]
    assert len(messages) == n, f"{len(messages)} messages, the save had {n}"
    for j, m in enumerate(messages):
        assert (m["w"], m["i"], m["n"]) == (w, i, n), f"message {j} is from another save"
        assert m["content"].startswith(f"{w}:{i}:{j}:"), f"message {j} content mixed"
    return w


while True:
    stop = os.path.exists(stop_file)  # one more round after the writers have finished
    try:
        seen.add(check(sm.load_session("shared")))
        session = sm.load("shared")
        check(session.messages)
        created.add(session.created_at.isoformat())
        loads += 1
        if loads % 10 == 0:
            rows = sm.list_sessions(include_corrupt=True)
            assert [r["id"] for r in rows] == ["shared"], rows
            assert rows[0]["message_count"], rows
            lists += 1
    except Exception:
        errors.append(traceback.format_exc())
        if len(errors) > 20:
            break
    if stop:
        break
print(json.dumps({"loads": loads, "lists": lists, "errors": errors,
                  "seen": sorted(seen), "created": sorted(created)}))
"""


def test_two_writers_and_a_reader(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    namespace: dict = {}
    exec(MAKE_MESSAGES, namespace)
    sm.save_session("shared", namespace["make_messages"]("init", 0), {"w": "init", "i": 0})
    created_at = json.loads(sm.path_for("shared").read_text())["created_at"]

    stop_file = tmp_path / "stop"
    reader = python(READER, folder, stop_file)
    writers = [python(WRITER, folder, tag, 200) for tag in ("A", "B")]
    try:
        for w in writers:
            out, err = w.communicate(timeout=120)
            assert w.returncode == 0, err
            assert out.strip() == "done 200"
        stop_file.touch()
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
    finally:
        for p in (*writers, reader):
            if p.poll() is None:
                p.kill()
                p.wait()

    result = json.loads(out)
    print(f"reader: {result['loads']} loads, {result['lists']} listings, saw {result['seen']}")
    assert result["errors"] == [], result["errors"][0]
    assert result["loads"] > 0
    assert result["lists"] > 0
    assert {"A", "B"} <= set(result["seen"])  # the reader saw both writers' saves
    # created_at survived 400 concurrent saves (read and kept under the lock each time).
    assert result["created"] == [created_at]

    final = sm.load("shared")
    assert final is not None
    assert final.messages[0]["w"] in ("A", "B") and final.messages[0]["i"] == 199
    assert final.created_at.isoformat() == created_at
    assert final.metadata["w"] in ("A", "B")
    assert json.loads(sm.path_for("shared").read_text())["messages"] == final.messages
    assert temp_files(folder) == []  # every temp file was renamed or removed
    assert [r["id"] for r in sm.list_sessions()] == ["shared"]


# -- (b) writers killed with SIGKILL --------------------------------------------------------------

KILLED_WRITER = r"""
import os, stat, sys, time
from agentry.sessions import SessionManager

folder, start, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sm = SessionManager(folder)
filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8

if mode == "in-fsync":
    # Stop inside the first save, after the whole temp file is written but before the rename,
    # and say so: the parent kills us right there.
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            sys.stdout.write("in-fsync\n")
            sys.stdout.flush()
            time.sleep(60)
        real_fsync(fd)

    os.fsync = fsync  # storage.py calls os.fsync

sys.stdout.write("ready\n")
sys.stdout.flush()
i = start
while True:
    i += 1
    n = 300 + (i % 5) * 40
    messages = [
        {"role": "user" if j % 2 == 0 else "assistant", "content": f"{i}:{j}:" + filler,
         "i": i, "n": n}
        for j in range(n)
    ]
    sm.save_session("victim", messages, {"i": i})
"""

KILLS = 50


def _check_whole(sm: SessionManager) -> int:
    """The session parses and is one save's whole content; returns that save's number."""
    messages = sm.load_session("victim")
    assert isinstance(messages, list)
    i, n = messages[0]["i"], messages[0]["n"]
    assert len(messages) == n
    assert all(m["i"] == i and m["content"].startswith(f"{i}:{j}:") for j, m in enumerate(messages))
    session = sm.load("victim")
    assert session is not None and session.metadata == {"i": i}
    return i


def test_writer_killed_at_random_moments(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    sm.save_session("victim", [{"role": "user", "content": "0:0:start", "i": 0, "n": 1}], {"i": 0})
    created_at = json.loads(sm.path_for("victim").read_text())["created_at"]
    rng = random.Random(20251122)
    last = 0
    changed = 0
    mid_save = 0
    started = time.monotonic()
    for run in range(KILLS):
        start = (run + 1) * 1_000_000
        mode = "in-fsync" if run % 5 == 4 else "random"
        before = sm.path_for("victim").read_bytes()
        temps_before = set(temp_files(folder))
        proc = python(KILLED_WRITER, folder, start, mode)
        lines = Lines(proc)
        try:
            assert lines.next() == "ready\n", f"writer did not start (run {run})"
            if mode == "in-fsync":
                # The previous run was killed holding the lock: getting here proves it is free.
                assert lines.next() == "in-fsync\n", f"save never reached fsync (run {run})"
            else:
                # From "just started" to "a few saves in": lands before, in and between saves.
                time.sleep(0.0 if run % 10 == 0 else rng.uniform(0.0, 0.25))
        finally:
            proc.kill()
            proc.wait(timeout=30)
            lines.join()
            proc.stdout.close()  # type: ignore[union-attr]
            proc.stderr.close()  # type: ignore[union-attr]

        i = _check_whole(sm)
        if mode == "in-fsync":
            # Killed mid-save: the old file is intact, byte for byte; the new one never landed.
            assert sm.path_for("victim").read_bytes() == before
            assert i == last
            assert set(temp_files(folder)) - temps_before, "the save had not reached its temp file"
            mid_save += 1
        else:
            assert i == last or start < i < start + 1_000_000
            changed += i != last
        last = i
        assert json.loads(sm.path_for("victim").read_text())["created_at"] == created_at

    elapsed = time.monotonic() - started
    stray = len(temp_files(folder))
    print(
        f"{KILLS} kills in {elapsed:.1f}s: {changed} random kills after a finished save, "
        f"{mid_save} in-fsync kills, {stray} temp files left by killed saves"
    )
    assert mid_save == KILLS // 5
    assert changed >= 5, f"only {changed} random kills came after a finished save"
    # Leftover temp files are not sessions.
    assert [r["id"] for r in sm.list_sessions(include_corrupt=True)] == ["victim"]
    # And the session can still be written and read.
    sm.save_session("victim", [{"role": "user", "content": "after", "i": -1, "n": 1}])
    assert sm.load_session("victim")[0]["content"] == "after"


# -- (c) the per-session lock ---------------------------------------------------------------------

LOCK_WAITER = r"""
import sys
from agentry.sessions import SessionManager

sm = SessionManager(sys.argv[1])
sm.save_session("other", [{"role": "user", "content": "not blocked"}])
print("other saved", flush=True)
print("saving locked", flush=True)
sm.save_session("locked", [{"role": "user", "content": "after the lock"}])
print("locked saved", flush=True)
"""


def test_save_waits_for_the_session_lock_of_another_process(tmp_path: Path) -> None:
    from agentry.sessions.storage import locked

    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    sm.save_session("locked", [{"role": "user", "content": "before"}])
    before = sm.path_for("locked").read_bytes()

    with locked(folder, "locked"):
        proc = python(LOCK_WAITER, folder)
        lines = Lines(proc)
        try:
            assert lines.next() == "other saved\n"  # another session is not blocked
            assert lines.next() == "saving locked\n"
            assert lines.next(timeout=1.0).startswith("<no line")  # waiting for us
            assert sm.path_for("locked").read_bytes() == before
            assert list((folder / ".locks").glob("locked*.lock"))  # a lock file per session
        except BaseException:
            proc.kill()
            raise
    try:
        assert lines.next() == "locked saved\n"  # released: the save went through
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        lines.join()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert sm.load_session("locked") == [{"role": "user", "content": "after the lock"}]


# -- (d) 200 kills mid-save, and no temp file left after the next listing -------------------------

FORKING_WRITER = r"""
import os, sys
from agentry.sessions import SessionManager

folder = sys.argv[1]
filler = "lorem ipsum dolor sit amet " * 20
print("ready", flush=True)
for line in sys.stdin:  # one run per line: fork a writer that saves until it is killed
    start = int(line)
    pid = os.fork()
    if pid == 0:
        sm = SessionManager(folder)
        i = start
        while True:
            i += 1
            n = 5 + i % 20
            messages = [{"role": "user", "content": f"{i}:{j}:{filler}", "i": i, "n": n}
                        for j in range(n)]
            sm.save_session("victim", messages, {"i": i})
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""

FORK_KILLS = 200


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a writer per kill")
def test_200_kills_mid_save_leave_whole_files_and_no_temp_after_listing(tmp_path: Path) -> None:
    import signal

    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    sm.save_session("victim", [{"role": "user", "content": "0:0:", "i": 0, "n": 1}], {"i": 0})
    # A fork per kill: a fresh interpreter each time would take a minute for 200.
    forker = python(FORKING_WRITER, folder, stdin=subprocess.PIPE)
    lines = Lines(forker)
    rng = random.Random(20261206)
    last, changed, temps_left = 0, 0, 0
    try:
        assert lines.next() == "ready\n"
        for run in range(FORK_KILLS):
            start = (run + 1) * 1_000_000
            forker.stdin.write(f"{start}\n")  # type: ignore[union-attr]
            forker.stdin.flush()  # type: ignore[union-attr]
            pid = int(lines.next())
            time.sleep(rng.uniform(0.0, 0.02))
            os.kill(pid, signal.SIGKILL)
            assert lines.next() == "reaped\n", f"run {run}"
            i = _check_whole(sm)  # parses, and is one whole save: the previous or a new one
            assert i == last or start < i < start + 1_000_000
            changed += i != last
            last = i
            temps_left += bool(temp_files(folder))
            sm.list_sessions()
            assert temp_files(folder) == [], f"run {run}: a temp file outlived the listing"
    finally:
        forker.stdin.close()  # type: ignore[union-attr]
        forker.wait(timeout=30)
        lines.join()
    print(f"{FORK_KILLS} kills: {changed} after a new save, {temps_left} left a temp file")
    assert changed >= 20 and temps_left >= 20  # kills landed both between and inside saves
    assert [r["id"] for r in sm.list_sessions(include_corrupt=True)] == ["victim"]


# -- (e) the lock itself, across processes ---------------------------------------------------------

LOCK_HOLDER = r"""
import sys, time
from pathlib import Path
from agentry.sessions.storage import locked

folder, tag, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
log = folder / "log"
if rounds == 0:  # hold the lock until killed
    with locked(folder, "s"):
        print("held", flush=True)
        time.sleep(600)
for _ in range(rounds):
    with locked(folder, "s"):
        with open(log, "a") as f:
            f.write(f"{tag} in\n")
            f.flush()
        time.sleep(0.001)
        with open(log, "a") as f:
            f.write(f"{tag} out\n")
print("done", flush=True)
"""


def test_two_processes_holding_the_lock_never_interleave(tmp_path: Path) -> None:
    procs = [python(LOCK_HOLDER, tmp_path, tag, 100) for tag in "AB"]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert out == "done\n", err
    log = (tmp_path / "log").read_text().splitlines()
    assert len(log) == 400
    for enter, leave in zip(log[::2], log[1::2], strict=True):
        assert enter.endswith(" in") and leave == enter.replace(" in", " out")


def test_a_process_killed_holding_the_lock_does_not_block_the_next_writer(
    tmp_path: Path,
) -> None:
    from agentry.sessions.storage import locked_if_free

    folder = tmp_path / "sessions"
    sm = SessionManager(folder)
    holder = python(LOCK_HOLDER, folder, "A", 0)
    lines = Lines(holder)
    try:
        assert lines.next() == "held\n"
        with locked_if_free(folder, "s") as free:
            assert not free  # really held by the other process
        holder.kill()
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        lines.join()
    assert list((folder / ".locks").glob("s.lock"))  # its file stays, and means nothing
    with locked_if_free(folder, "s") as free:
        assert free
    started = time.monotonic()
    sm.save_session("s", [{"role": "user", "content": "after the kill"}])
    assert time.monotonic() - started < 5
    assert sm.load_session("s") == [{"role": "user", "content": "after the kill"}]
