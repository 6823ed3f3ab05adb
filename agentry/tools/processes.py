"""Start a shell command so that everything it starts can be found again, and end all of it.

Three nets, because each misses something the others catch:
- the process group (POSIX): reaches members that scrubbed their environment;
- the descendant tree: reaches children that left the group (setsid) while their parent lives;
- a run token in the environment, which every descendant inherits: reaches orphans that left
  both the group and the tree (double fork, setsid, nohup, daemons).
Out of reach: a process that starts with an environment without the token (``env -i``) AND
leaves the tree (its parent exits) AND, on POSIX, leaves the command's process group.
"""

from __future__ import annotations

import os
import time
import uuid

import psutil

from agentry.platform_processes import group_of, kill_group

RUN_ENV = "AGENTRY_RUN"  # space-separated tokens: a nested run adds its own, keeps the outer ones
_ROUNDS_FOR = 5.0  # seconds to keep scanning for processes forked while others were being killed
_ROUND_PAUSE = 0.02  # seconds between rounds, for killed processes to finish exiting


class Run:
    """The processes of one command: start it with :meth:`environment`, then call
    :meth:`started` with its pid and, when the call ends however it ends, :meth:`end`."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self._leader: psutil.Process | None = None
        self._pgid: int | None = None

    def environment(self) -> dict[str, str]:
        """The app's environment plus this run's token."""
        env = dict(os.environ)
        env[RUN_ENV] = f"{env.get(RUN_ENV, '')} {self.token}".lstrip()
        return env

    def started(self, pid: int) -> None:
        # psutil keeps the start time, so a reused pid is never taken for the leader.
        try:
            self._leader = psutil.Process(pid)
        except psutil.NoSuchProcess:
            pass  # already gone: the group and the token still lead to the rest
        self._pgid = pid  # POSIX: the new session's group; unused where groups are not

    def end(self) -> int:
        """Kills every process of the run; answers how many were found alive. Blocks (a scan of
        all processes takes milliseconds): call it in a worker thread."""
        ended: set[int] = set()
        refused: set[int] = set()  # not ours to kill (a setuid program): do not retry
        deadline = time.monotonic() + _ROUNDS_FOR
        while True:
            found = [process for process in self._find() if process.pid not in refused]
            if self._pgid is not None:
                kill_group(self._pgid)
            for process in found:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
                except psutil.AccessDenied:
                    refused.add(process.pid)
            ended.update(process.pid for process in found)
            # Another round: a process may have forked between the scan and its kill.
            if not found or time.monotonic() > deadline:
                return len(ended - refused)
            time.sleep(_ROUND_PAUSE)

    def _find(self) -> list[psutil.Process]:
        """The run's live processes: the leader, token carriers and group members, with all
        their descendants (collected before any is killed: a dead parent's orphans move)."""
        me = os.getpid()
        roots = [self._leader] if self._leader is not None else []
        roots += (p for p in psutil.process_iter() if p.pid != me and self._marked(p))
        found: dict[int, psutil.Process] = {}
        for root in roots:
            try:
                family = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            found.update((process.pid, process) for process in family if _alive(process))
        return list(found.values())

    def _marked(self, process: psutil.Process) -> bool:
        try:
            if self.token in process.environ().get(RUN_ENV, "").split():
                return True
        except psutil.Error:  # gone, a zombie, or another user's
            pass
        return self._pgid is not None and group_of(process.pid) == self._pgid


def _alive(process: psutil.Process) -> bool:
    """Running and not a zombie (a killed orphan stays one while PID 1 does not reap it)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:  # gone, or another user's: nothing to kill either way
        return False
