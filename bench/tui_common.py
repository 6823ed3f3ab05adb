"""What the TUI benchmarks (bench/tui_*.py) share: reading what is on screen, headless and in
tmux, the session folders they open, and running each measured run in a fresh process.

Two ways of seeing the screen, both timed at the moment a frame reaches the terminal:

* headless (Textual's ``App.run_test``): ``FrameWatch`` replaces the app's ``_display`` (where a
  real driver would write the frame) with one that also applies the frame to a character grid
  and checks the conditions waited for, noting the time of the first frame that meets each.
  So a clock stops only when a frame showing the text has been produced, never earlier.
* for real: ``Tmux`` runs ``agentry-tui`` in a pane of a private tmux server (its own socket)
  and reads the pane through a control-mode client (``capture-pane`` there costs ~0.05 ms, so
  polling every few milliseconds does not load the machine).

"On screen" always means: in the rectangle of the widget concerned (the chat pane, the prompt),
as words; ``tail_signature`` picks the last words of a text so that they are unique to its
end, and ``at_bottom`` checks that the pane ends with them (the view follows the text).

Each measured run is a fresh child process (``run_child``), like a real start, with its own
peak RSS; bytecode is cached (``isolated_env``) as for an installed app, and a headless child
imports the app under the collector settings agentry-tui runs with (``long_lived_imports``, and
``app_built`` once its first frame is up).
Run this module as ``python bench/tui_common.py --layout 120x36 URL`` (URL: a running test
server) to print where the chat pane and the prompt are (the tmux runs need it).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import common

if TYPE_CHECKING:
    from agentry_tui.app import AgentryApp

ROOT = common.ROOT
BENCH = Path(__file__).resolve().parent
SIZE = (120, 36)
TUI_COMMAND = str(Path(sys.executable).with_name("agentry-tui"))
WORD = re.compile(r"[A-Za-z0-9_]+")
RESULT = "RESULT "  # a child's last stdout line: RESULT {json}

Region = tuple[int, int, int, int]  # x, y, width, height (screen cells)


# -- words and what must be on screen --------------------------------------------------------


def words(text: str) -> list[str]:
    return WORD.findall(text)


def tail_signature(text: str, min_words: int = 8) -> list[str]:
    """The words of the last lines of ``text`` (Markdown or plain): enough of them, and one with
    a digit, to be unique to its end. Code fence lines are skipped (not shown as written)."""
    sig: list[str] = []
    for line in reversed(text.splitlines()):
        if not line.strip() or line.lstrip().startswith("```"):
            continue
        sig = words(line) + sig
        if len(sig) >= min_words and any(any(c.isdigit() for c in w) for w in sig):
            break
    return sig


def contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    if n == 0:
        return True
    first = needle[0]
    return any(
        haystack[i] == first and haystack[i : i + n] == needle for i in range(len(haystack) - n + 1)
    )


def at_bottom(rows: list[str], sig: list[str]) -> bool:
    """The pane's text ends with the signature: the end of the text is at the bottom."""
    pane = words("\n".join(rows))
    return len(pane) >= len(sig) and pane[-len(sig) :] == sig


def visible(rows: list[str], sig: list[str]) -> bool:
    return contains(words("\n".join(rows)), sig)


def crop(lines: list[list[str]], region: Region) -> list[str]:
    x, y, w, h = region
    return ["".join(row[x : x + w]) for row in lines[y : y + h]]


def cells(text: str) -> list[str]:
    """One item per screen cell ("" after a double-width character)."""
    if text.isascii():
        return list(text)
    from rich.cells import get_character_cell_size

    out: list[str] = []
    for ch in text:
        size = get_character_cell_size(ch)
        if size:
            out.append(ch)
            out.extend([""] * (size - 1))
    return out


# -- headless: the frames the app produces ---------------------------------------------------


class Grid:
    """The terminal as characters, kept up to date from Textual's compositor updates."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.lines = [[" "] * width for _ in range(height)]

    def apply(self, update: Any) -> None:
        from rich.segment import ControlType

        x = y = 0
        lines, width = self.lines, self.width
        for segment in update.__rich_console__(None, None):
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            text = segment.text
            if text == "\n":
                x, y = 0, y + 1
                continue
            if not 0 <= y < self.height:
                continue
            row = lines[y]
            for ch in cells(text):
                if 0 <= x < width:
                    row[x] = ch
                x += 1

    def rows(self, region: Region) -> list[str]:
        return crop(self.lines, region)


@dataclass
class Expectation:
    check: Callable[[Grid], bool]
    time: float | None = None  # perf_counter of the first frame that met it
    cpu: float | None = None  # process_time then
    done: threading.Event = field(default_factory=threading.Event)

    async def wait(self, timeout: float) -> float | None:
        """The frame time, or None if no frame met it in ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        while self.time is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)  # the time comes from the frame, not from this poll
        return self.time


class FrameWatch:
    """Sees every frame the app sends to its (headless) terminal; see the module docstring."""

    def __init__(self, app: Any, size: tuple[int, int]) -> None:
        self.app = app
        self.grid = Grid(*size)
        self.frames = 0
        self.held = 0  # frames rendered but not sent: inside App.batch_update()
        self.last_frame = 0.0
        self._pending: list[Expectation] = []
        self._display = app._display
        app._display = self._frame  # looked up on the instance by Screen._compositor_refresh

    def _frame(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        from textual._compositor import CompositorUpdate

        app = self.app
        if renderable is None or not isinstance(renderable, CompositorUpdate):
            return
        if app._batch_count:  # not sent to the terminal (Textual's own rule in App._display)
            self.held += 1
            return
        now = time.perf_counter()
        self.grid.apply(renderable)
        self.frames += 1
        self.last_frame = now
        for exp in list(self._pending):
            try:
                met = exp.check(self.grid)
            except Exception:
                met = False
            if met:
                exp.time, exp.cpu = now, time.process_time()
                self._pending.remove(exp)
                exp.done.set()

    def expect(self, check: Callable[[Grid], bool]) -> Expectation:
        exp = Expectation(check)
        self._pending.append(exp)
        return exp

    def withdraw(self, exp: Expectation) -> None:
        if exp in self._pending:
            self._pending.remove(exp)


def region_of(widget: Any) -> Region:
    r = widget.region
    return (r.x, r.y, r.width, r.height)


def send_key(app: Any, key: str, char: str | None = None) -> None:
    """A key press as the terminal driver delivers it (thread-safe, queued behind the app's
    work): usable from a thread, so a busy event loop delays it as a real key would be."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


class HeadlessKeyProbe(threading.Thread):
    """While started: every ``interval`` s types the next letter into the prompt (from a thread,
    like a terminal) and notes how long until a frame shows the prompt with it."""

    def __init__(
        self, app: Any, watch: FrameWatch, prompt: Any, interval: float, limit: int = 60
    ) -> None:
        super().__init__(daemon=True)
        self.app, self.watch, self.prompt = app, watch, prompt
        self.interval, self.limit = interval, limit
        self.latencies: list[float] = []
        self.missed = 0
        self.missed_detail: list[dict[str, Any]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        typed = ""
        while not self.stopped.wait(self.interval) and len(typed) < self.limit:
            typed += "abcdefghijklmnopqrstuvwxyz"[len(typed) % 26]
            want = typed
            exp = self.watch.expect(
                lambda g, want=want: prompt_shows(g.rows(region_of(self.prompt)), want)
            )
            t0 = time.perf_counter()
            send_key(self.app, typed[-1], typed[-1])
            if exp.done.wait(60) and exp.time is not None:
                self.latencies.append(exp.time - t0)
            else:
                self.watch.withdraw(exp)
                self.missed += 1
                self.missed_detail.append(
                    {  # what the prompt held and showed instead
                        "typed": want,
                        "text": self.prompt.text,
                        "shown": self.watch.grid.rows(region_of(self.prompt)),
                    }
                )
                return  # the prompt is out of step now; stop probing

    async def stop(self) -> None:
        """No more presses; waits (without blocking the app's loop, which must paint it) for
        the one in flight to show."""
        self.stopped.set()
        deadline = time.perf_counter() + 70
        while self.is_alive() and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)


def prompt_shows(rows: list[str], text: str) -> bool:
    """The prompt holds exactly ``text`` (a word: the probes type letters)."""
    return words("\n".join(rows)) == [text]


def start_profiler() -> Any:
    """pyinstrument on the main thread, event loop included (the app's work is all there)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    return profiler


def write_profile(profiler: Any, path: str, title: str) -> None:
    """Stop and write three views: the call tree with Textual, Rich, markdown-it, Pygments and
    the app shown (only asyncio and the standard library folded), then the functions by self
    time, then by total time."""
    from pyinstrument.renderers import ConsoleRenderer

    profiler.stop()
    session = profiler.last_session
    shown = r".*(textual|rich|markdown_it|pygments|agentry|agentry_tui|httpx|httpcore|bench)[\\/]"
    tree = ConsoleRenderer(
        unicode=True,
        color=False,
        processor_options={
            "show_regex": shown,
            "hide_regex": r".*(asyncio|concurrent|selectors)[\\/]",
            "filter_threshold": 0.005,
        },
    )
    flat_self = ConsoleRenderer(
        unicode=True,
        color=False,
        flat=True,
        flat_time="self",
        processor_options={"filter_threshold": 0.003},
    )
    flat_total = ConsoleRenderer(
        unicode=True,
        color=False,
        flat=True,
        flat_time="total",
        processor_options={"filter_threshold": 0.02},
    )
    Path(path).write_text(
        f"# {title}\n# machine: {common.machine()}\n"
        f"# code: {common.revision('agentry_tui', 'agentry')}\n\n== call tree ==\n"
        + tree.render(session)
        + "\n== functions by self time ==\n"
        + flat_self.render(session)
        + "\n== functions by total time ==\n"
        + flat_total.render(session)
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the real thing: agentry-tui in tmux -----------------------------------------------------


class Tmux:
    """A private tmux server (its own socket, no user config) and a control-mode client."""

    def __init__(self, size: tuple[int, int] = SIZE) -> None:
        self.size = size
        self.socket = f"agentry-bench-{os.getpid()}"
        self.runs = 0
        self.target = ""
        self.pid = 0
        self._tmux(
            [
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "hold",
                "-x",
                "20",
                "-y",
                "5",
                "sleep 86400",
            ]
        )
        # No window-size manual: tmux 3.3a crashes creating a sized session with it. The app's
        # sessions have no client attached (the control client sits on "hold"), so they keep
        # the size they are made with.
        for option in (
            ["status", "off"],
            ["escape-time", "0"],
            ["remain-on-exit", "on"],
            ["default-terminal", "tmux-256color"],
        ):
            self._tmux(["set-option", "-g", *option])
        self._client = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach", "-t", "hold"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._client.stdout is not None
        while not self._client.stdout.readline().startswith("%session-changed"):
            pass  # attached
        self.cmd("refresh-client -f no-output")  # no %output: we read the pane, not the stream

    def _tmux(self, args: list[str]) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        ).stdout

    def cmd(self, line: str) -> list[str]:
        """Run a tmux command through the control client; its output lines."""
        assert self._client.stdin is not None and self._client.stdout is not None
        self._client.stdin.write(line + "\n")
        self._client.stdin.flush()
        out: list[str] = []
        inside = False
        while True:
            got = self._client.stdout.readline()
            if not got:
                raise RuntimeError(f"tmux control client ended during {line!r}")
            if got.startswith("%begin"):
                inside, out = got.split()[3] == "1", []  # flags 1: a command of ours
            elif inside and got.startswith(("%end", "%error")):
                if got.startswith("%error"):
                    raise RuntimeError(f"tmux {line!r}: {' '.join(out)}")
                return out
            elif inside:
                out.append(got.rstrip("\n"))

    def start(self, argv: list[str], env: dict[str, str]) -> float:
        """Spawn the app in a new window of the size asked; returns the spawn time."""
        self.runs += 1
        name = f"app{self.runs}"
        w, h = self.size
        setenv = " ".join(f"-e {shlex.quote(f'{k}={v}')}" for k, v in env.items())
        command = shlex.quote("exec " + shlex.join(argv))
        t0 = time.perf_counter()
        self.cmd(
            f"new-session -d -s {name} -x {w} -y {h} -c {shlex.quote(str(ROOT))} {setenv} {command}"
        )
        self.target = f"{name}:0.0"
        self.pid = int(self.cmd(f"display-message -p -t {self.target} '#{{pane_pid}}'")[0])
        return t0

    def screen(self) -> list[list[str]]:
        lines = self.cmd(f"capture-pane -p -t {self.target}")
        grid = [cells(line) for line in lines]
        w = self.size[0]
        return [row + [" "] * (w - len(row)) for row in grid]

    def keys(self, *keys: str, literal: bool = False) -> None:
        flag = "-l " if literal else ""
        self.cmd(f"send-keys -t {self.target} {flag}" + " ".join(shlex.quote(k) for k in keys))

    def dead(self) -> bool:
        return self.cmd(f"display-message -p -t {self.target} '#{{pane_dead}}'")[0] == "1"

    def stop_app(self) -> None:
        """Quit with ctrl+q (saves and closes like a person would), then drop the window."""
        if not self.dead():
            self.keys("C-q")
            deadline = time.perf_counter() + 15
            while not self.dead() and time.perf_counter() < deadline:
                time.sleep(0.05)
        self.cmd(f"kill-session -t {self.target.split(':')[0]}")

    def close(self) -> None:
        if self._client.stdin:
            self._client.stdin.close()
        self._client.wait(5)
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def poll(
    tmux: Tmux,
    checks: dict[str, Callable[[list[list[str]]], bool]],
    timeout: float,
    interval: float,
    on_screen: Callable[[list[list[str]], float], None] | None = None,
    times: dict[str, float | None] | None = None,
) -> dict[str, float | None]:
    """Capture the pane every ``interval`` s until every check has passed once; the time of
    the capture where each first passed (None if not within ``timeout``). ``times``, if
    given, is filled in as they pass (``on_screen`` can look at it)."""
    times = {} if times is None else times
    times.update({name: None for name in checks})
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        now = time.perf_counter()
        screen = tmux.screen()
        for name, check in checks.items():
            if times[name] is None and check(screen):
                times[name] = now
        if on_screen is not None:
            on_screen(screen, now)
        if all(t is not None for t in times.values()):
            break
        time.sleep(interval)
    return times


class TmuxKeyProbe:
    """The tmux twin of HeadlessKeyProbe, driven from the polling loop (``step``)."""

    def __init__(
        self, tmux: Tmux, prompt: Region, interval: float, placeholder: str, limit: int = 60
    ) -> None:
        self.tmux, self.prompt, self.interval, self.limit = tmux, prompt, interval, limit
        self.placeholder = placeholder  # typing starts once the prompt is empty again
        self.latencies: list[float] = []
        self.missed = 0
        self.typed = ""
        self._sent: float | None = None
        self._next: float | None = None
        self.active = True

    @property
    def in_flight(self) -> bool:
        return self.active and self._sent is not None

    def step(self, screen: list[list[str]], now: float) -> None:
        if not self.active:
            return
        if self._next is None:
            if self.placeholder in "".join(crop(screen, self.prompt)):
                self._next = now + self.interval
            return
        if self._sent is not None:
            if prompt_shows(crop(screen, self.prompt), self.typed):
                self.latencies.append(now - self._sent)
                self._sent, self._next = None, now + self.interval
            elif now - self._sent > 60:
                self.missed += 1
                self.active = False
            return
        if now >= self._next and len(self.typed) < self.limit:
            self.typed += "abcdefghijklmnopqrstuvwxyz"[len(self.typed) % 26]
            self._sent = time.perf_counter()
            self.tmux.keys(self.typed[-1], literal=True)


def tmux_version() -> str:
    return subprocess.run(
        ["tmux", "-V"], check=False, capture_output=True, text=True
    ).stdout.strip()


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def proc_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tui_argv(history: Path, url: str, *extra: str) -> list[str]:
    return [
        TUI_COMMAND,
        "--provider",
        "ollama",
        "--endpoint",
        url,
        "--history-dir",
        str(history),
        *extra,
    ]


# -- sessions on disk ------------------------------------------------------------------------


def save_session(
    history: Path, session_id: str, messages: list[dict[str, Any]], last_activity: datetime
) -> None:
    from agentry.sessions import AgentSession, SessionManager

    SessionManager(history).save(
        AgentSession(session_id, messages, created_at=last_activity, last_activity=last_activity)
    )


def markdown_conversation(n: int, seed: int = 0, reply_tokens: int = 60) -> list[dict[str, Any]]:
    """bench/sessions.py's conversation, with Markdown replies (prose, lists, code fences) from
    the test server's generator, as a model would write them."""
    import sessions as storage_bench  # bench/sessions.py

    from tests.servers.base import markdown_reply

    reply = markdown_reply(reply_tokens)
    messages = storage_bench.conversation(n, seed)
    for i, message in enumerate(messages):
        if message["role"] == "assistant":
            message["content"] = f"Reply {seed}-{i}:\n\n{reply}"
    return messages


def active_at_start(history: Path) -> tuple[str, dict[str, Any]]:
    """The session the app opens by default (the newest readable) and its last message.
    Lists the folder, so it writes the listing index."""
    from agentry.sessions import SessionManager

    manager = SessionManager(history)
    first = next(r for r in manager.list_sessions() if "error" not in r)
    session = manager.load(first["id"])
    assert session is not None
    return first["id"], session.messages[-1]


def message_signature(message: dict[str, Any]) -> list[str]:
    """Words of a message's whole text (plain prompts repeat words; the whole is unique)."""
    content = message.get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    if message.get("role") == "assistant":
        return tail_signature(text, min_words=12)
    return words(text)


# -- runs in child processes -----------------------------------------------------------------


PYCACHE = Path(tempfile.gettempdir()) / "agentry-bench-pycache"


def isolated_env() -> dict[str, str]:
    """The environment of the measured processes: settings (theme) from an empty folder, so the
    person's own do not count or change; and compiled bytecode kept (outside the repo, in
    PYCACHE) even where PYTHONDONTWRITEBYTECODE is set, as an installed app has it. Imports the
    app once with it, so the first measured run does not compile."""
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-config-"))
    atexit.register(shutil.rmtree, folder, True)
    env = {
        "AGENTRY_CONFIG_DIR": str(folder),
        "AGENTRY_PROVIDER": "",
        "AGENTRY_MODEL": "",
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(PYCACHE),
    }
    warm = (
        "import agentry_tui.__main__, agentry_tui.app, agentry_tui.widgets.markdown, "
        "textual.widgets._markdown, pyinstrument"
    )
    subprocess.run([sys.executable, "-c", warm], cwd=ROOT, check=True, env={**os.environ, **env})
    return env


def load_note() -> str:
    """The load average: other work on the machine slows every figure."""
    one, five, _ = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {one} (1 min), {five} (5 min) on {os.cpu_count()} cores"


def run_child(
    script: str, args: Iterable[str], env: dict[str, str] | None = None, timeout: float = 600
) -> dict[str, Any]:
    """Run ``python bench/SCRIPT --child ARGS`` and return the JSON it reports."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), "--child", *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    raise SystemExit(
        f"{script} child failed (exit {proc.returncode}):\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )


def child_result(result: dict[str, Any]) -> None:
    print(RESULT + json.dumps(result), flush=True)


def bench_app(url: str, history: Path, workspace: Path) -> AgentryApp:
    """The app on the test server at ``url``, as agentry-tui runs it: ``app_built`` once its
    first frame is up (import the app under ``long_lived_imports`` before)."""
    from agentry_tui.__main__ import app_built
    from agentry_tui.app import AgentryApp

    return AgentryApp(
        provider="ollama",
        endpoint=url,
        history_dir=history,
        workspace=workspace,
        when_ready=app_built,
    )


def layout(size: tuple[int, int], url: str, env: dict[str, str]) -> dict[str, Any]:
    """Where the chat pane and the prompt are at this terminal size once connected to the
    server at ``url``, and the prompt's placeholder (a headless app in a child process)."""
    return run_child("tui_common.py", ["--layout", f"{size[0]}x{size[1]}", url], env)


async def _layout(size: tuple[int, int], url: str) -> dict[str, Any]:
    from agentry_tui.widgets.chat import MessageList
    from agentry_tui.widgets.prompt import Prompt

    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, Path(folder) / "history", Path(folder))
        async with app.run_test(size=size) as pilot:
            deadline = time.perf_counter() + 20
            while app.store.connection.state != "connected":  # a problem line moves things
                if time.perf_counter() > deadline:
                    raise SystemExit(f"not connected: {app.store.connection}")
                await pilot.pause(0.02)
            await pilot.pause(0.2)
            prompt = app.query_one(Prompt)
            return {
                "pane": region_of(app.query_one(MessageList)),
                "prompt": region_of(prompt),
                "placeholder": str(prompt.placeholder),
            }


def arguments(doc: str | None, poll: float) -> argparse.ArgumentParser:
    """The options every TUI benchmark takes, and the hidden ones its headless children get
    (``--child``, the server's ``--url``); each script adds its own."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=["both", "headless", "tmux"], default="both")
    parser.add_argument("--size", default="120x36", help="terminal size, COLSxROWS")
    parser.add_argument("--poll", type=float, default=poll, help="tmux capture interval (s)")
    parser.add_argument("--profile", metavar="FILE", help="one headless run under pyinstrument")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser


def parse_size(text: str) -> tuple[int, int]:
    w, h = text.lower().split("x")
    return int(w), int(h)


# -- reporting -------------------------------------------------------------------------------


def header(name: str) -> None:
    common.header(name)
    print(f"# code: {common.revision('agentry_tui', 'agentry')}")
    print(f"# before: {load_note()}")


def footer() -> None:
    print(
        f"\n# after: {load_note()} (this benchmark keeps about one core busy; more means "
        "something else was competing for the CPU)"
    )


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f} ms"


def seconds(value: float | None) -> str:
    """'0.42 s', or a dash when nothing was measured (e.g. the last words were never seen)."""
    return "—" if value is None else f"{value:.2f} s"


def against(value: float | None, target: float) -> str:
    """'412 ms (target < 1,000 ms: 0.41x, met)'."""
    if value is None:
        return f"— (target < {ms(target)}: not measured)"
    verdict = "met" if value < target else "MISSED"
    return f"{ms(value)} (target < {ms(target)}: {value / target:.2f}x, {verdict})"


def runs_ms(values: Iterable[float | None]) -> str:
    """Every run's figure, sorted: the spread behind a median."""
    got = sorted(v for v in values if v is not None)
    return "runs: " + ", ".join(f"{v * 1000:,.0f}" for v in got) + " ms" if got else ""


def med(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return common.median(got) if got else None


def latency_summary(latencies: list[float], missed: int, target: float) -> str:
    if not latencies:
        return f"no key press measured ({missed} missed)"
    lat = sorted(latencies)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    over = sum(1 for v in lat if v >= target)
    return (
        f"median {ms(common.median(lat))}, p95 {ms(p95)}, max {ms(lat[-1])} over {len(lat)} "
        f"presses; {over} at or over {ms(target)}" + (f"; {missed} never shown" if missed else "")
    )


if __name__ == "__main__":
    if "--layout" in sys.argv:
        at = sys.argv.index("--layout")
        child_result(asyncio.run(_layout(parse_size(sys.argv[at + 1]), sys.argv[at + 2])))
