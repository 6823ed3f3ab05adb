"""Fixed sessions and the steps that bring the app to each screen worth a picture.

Shared by the snapshot tests and screenshots/make_screenshots.py, so both show the same thing.
Everything that could vary between runs is pinned: the clock, the timestamps the agent writes,
the session files, the home folder shown in paths, the cursor blink.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from textual.app import App
from textual.pilot import Pilot

from agentry.errors import ProviderError
from agentry.sessions import AgentSession, SessionManager
from agentry_tui.app import AgentryApp
from agentry_tui.store import Generation, PartialReply, SessionUpdated
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.prompt import Prompt

NOW = datetime(2025, 11, 22, 20, 40, 0)
SYSTEM = {"role": "system", "content": "You are a helpful AI assistant."}

REPLY = """Use slicing, or `reversed()` when you only need to walk it:

```python
numbers = [1, 2, 3, 4]
backwards = numbers[::-1]      # a new list
for n in reversed(numbers):    # no copy
    print(n)
```

`list.reverse()` turns the list around **in place** and returns `None`."""


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def assistant(text: str, minutes_ago: float, tokens: int = 64, **extra: Any) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": text,
        "_created_at": at(minutes_ago),
        "_provider": "ollama",
        "_model": "llama3.2:latest",
        "_usage": {"prompt_tokens": 26, "completion_tokens": tokens, "duration_s": 2.0},
        **extra,
    }


def user(text: str, minutes_ago: float) -> dict[str, Any]:
    return {"role": "user", "content": text, "_created_at": at(minutes_ago)}


def seed(
    history: Path,
    session_id: str,
    messages: list[dict[str, Any]],
    created_minutes_ago: float,
    last_minutes_ago: float,
    metadata: dict[str, Any] | None = None,
) -> None:
    SessionManager(history).save(
        AgentSession(
            session_id,
            messages,
            created_at=NOW - timedelta(minutes=created_minutes_ago),
            last_activity=NOW - timedelta(minutes=last_minutes_ago),
            metadata=metadata or {},
        )
    )


def seed_short(history: Path, names: list[str]) -> None:
    """A short session (a question and its answer) for each name; the first is the newest."""
    for n, name in enumerate(names):
        seed(
            history,
            name,
            [SYSTEM, user(f"q {name}", 10 + n), assistant(f"a {name}", 9 + n)],
            20 + n,
            9 + n,
        )


def seed_demo(history: Path) -> None:
    """Three sessions: a short conversation (newest), and two older ones for the list."""
    seed(
        history,
        "release-notes",
        [
            SYSTEM,
            user("Draft release notes for 0.2", 3 * 24 * 60),
            assistant("Here is a draft…", 3 * 24 * 60 - 1),
        ],
        3 * 24 * 60,
        3 * 24 * 60 - 1,
    )
    seed(
        history,
        "sql-tuning",
        [
            SYSTEM,
            user("Why is this query slow?", 200),
            assistant("It scans the whole table; add an index.", 199),
        ],
        200,
        199,
    )
    seed(
        history,
        "python-lists",
        [SYSTEM, user("How do I reverse a list in Python?", 6), assistant(REPLY, 5, tokens=96)],
        6,
        5,
        metadata={"project": "tutorial", "tags": ["python"]},
    )


def demo_app(history: Path, workspace: Path, **options: Any) -> AgentryApp:
    return AgentryApp(
        provider="ollama", history_dir=history, workspace=workspace, clock=lambda: NOW, **options
    )


def seeded_for_snapshots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo sessions in ``tmp_path/history`` (shown as ~/history), the agent's clock pinned:
    what every snapshot starts from. Returns the history folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    pin_agent_clock(monkeypatch.setattr)
    history = tmp_path / "history"
    seed_demo(history)
    return history


def pin_agent_clock(monkeypatch_setattr: Callable[[str, Any], None]) -> None:
    """The agent stamps replies with the wall clock; pin it to NOW for pictures."""
    fixed = lambda: NOW  # noqa: E731
    monkeypatch_setattr("agentry.agent.now", fixed)
    monkeypatch_setattr("agentry.sessions.session.now", fixed)


async def wait_until(
    pilot: Pilot,
    check: Callable[[], bool],
    timeout: float = 10.0,
    state: Callable[[], object] = lambda: "",
) -> None:
    """Wait for ``check``; on time-out, say what ``state`` shows then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {check} {state()}")
        await pilot.pause(0.05)


async def settle(pilot: Pilot) -> None:
    """Connected, idle, every session listed in full, and the cursor steady."""
    app = pilot.app
    assert isinstance(app, AgentryApp)
    await wait_until(pilot, lambda: app.store.connection.state != "connecting")
    await wait_until(pilot, lambda: not any(e.streaming or e.pending for e in app.store.entries))
    # The context length the server says (the status bar's meter, the metadata panel).
    await wait_until(pilot, lambda: not any(w.group == "context" for w in app.store.workers))
    still_cursors(app)
    await pilot.pause(0.2)


def still_cursors(app: App[Any]) -> None:
    """No text cursor blinks, on any screen (the prompt, a modal's or the palette's input): a
    blinking one would be in a picture or not depending on the moment it is taken."""
    for screen in app.screen_stack:
        for box in screen.query("Input, TextArea"):
            box.cursor_blink = False


async def steady(pilot: Pilot) -> None:
    """Cursors still and animations finished before the picture."""
    app = pilot.app
    assert isinstance(app, AgentryApp)
    still_cursors(app)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.3)


def mask_port(app: AgentryApp) -> None:
    """Errors name the server's URL; the test server's port is random, so show Ollama's."""
    assert app.store.agent is not None
    provider = app.store.agent.provider
    port = urlsplit(provider.endpoint).port
    original = provider.stream_chat

    async def stream_chat(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for event in original(*args, **kwargs):
                yield event
        except ProviderError as exc:
            text = str(exc).replace(f":{port}", ":11434")
            raise type(exc)(text, provider=exc.provider, url=exc.url) from None

    provider.stream_chat = stream_chat  # type: ignore[method-assign]


async def send(pilot: Pilot, text: str) -> None:
    await pilot.pause()  # let a session switch finish first: it loads that session's draft
    prompt = pilot.app.query_one(Prompt)
    prompt.load_text(text)
    await pilot.press("enter")


# -- scenes -------------------------------------------------------------------------------


async def main_screen(pilot: Pilot) -> None:
    await settle(pilot)
    await steady(pilot)


async def metadata_panel(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+o")
    await steady(pilot)


async def error_shown(pilot: Pilot) -> None:
    """A reply that failed with a server error, ready to retry."""
    await settle(pilot)
    mask_port(pilot.app)  # type: ignore[arg-type]
    await send(pilot, "Summarise the changelog #status:500")
    await settle(pilot)
    await steady(pilot)


async def tool_approval(pilot: Pilot) -> None:
    await settle(pilot)
    await send(pilot, '#tool:create_file {"path": "notes/todo.md", "content": "- ship 0.2\\n"}')
    await wait_until(pilot, lambda: pilot.app.screen.id == "approval-screen")
    await steady(pilot)


async def streaming_reply(pilot: Pilot) -> None:
    """A reply half way through, fed to the store at a fixed point (no timing involved)."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AgentryApp)
    entry = app.store.active
    assert entry is not None and entry.session is not None
    entry.session.messages.append(user("Show me a generator that yields squares", 0))
    entry.generation = Generation.STREAMING
    entry.version += 1
    entry.message_count = len(entry.session.messages)
    entry.partial = PartialReply(
        text="A generator keeps its place between values:\n\n```python\ndef squares(n):\n"
        "    for i in range(n):\n        yield i * i\n```\n\nEach call to `next()` runs",
    )
    app.post_message(SessionUpdated(entry.id))
    await steady(pilot)


async def command_palette(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause(0.3)
    await pilot.press(*"session")
    await _palette_settled(pilot)
    await steady(pilot)


async def _palette_settled(pilot: Pilot, timeout: float = 10.0) -> None:
    """The palette searches in a worker: wait until its list holds the hits and their count
    has stopped changing (a busy machine can take well over the usual half second)."""
    from textual.command import CommandList

    commands = pilot.app.screen.query_one(CommandList)
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        await pilot.pause(0.2)
        count = commands.option_count
        if count and count == last and not pilot.app.screen.workers:
            return
        last = count
    raise AssertionError("the command palette did not settle")


async def context_nearly_full(pilot: Pilot) -> None:
    """The session's context set small: the meter in the status bar turns to the warning
    colour past 80%."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AgentryApp) and app.store.active is not None
    entry = app.store.active
    assert entry.session is not None
    entry.session.metadata["params"] = {"context_length": 150}
    await app.store.discover_context(entry.id)
    await steady(pilot)


async def message_cursor(pilot: Pilot) -> None:
    """The question selected in the chat (f5, up): its highlight and the selection's keys."""
    await settle(pilot)
    await pilot.press("f5", "up")
    await steady(pilot)


ANSWERS = (
    "Reverse it in place with `numbers.reverse()`; it returns `None`.",
    "`numbers[::-1]` makes a reversed copy and leaves `numbers` as it was.",
)


async def branch_switcher(pilot: Pilot) -> None:
    """The reply answered again twice (three answers, the third shown: ‹3/3›), selected."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, AgentryApp)
    entry = app.store.active
    assert entry is not None and entry.session is not None
    for n, text in enumerate(ANSWERS):
        entry.session.prepare_answer_again(2)
        entry.session.messages.append(assistant(text, 4 - n, tokens=24))
    await app.query_one(MessageList).show(entry)
    await pilot.press("f5")
    await steady(pilot)


async def editing_message(pilot: Pilot) -> None:
    """The question being edited in place (f5, up, e)."""
    await settle(pilot)
    await pilot.press("f5", "up", "e")


async def params_form(pilot: Pilot) -> None:
    """The metadata panel's parameters form: two set with /set, a wrong one being typed."""
    await settle(pilot)
    await send(pilot, "/set temperature 0.4")
    await send(pilot, '/set stop ["###"]')
    await pilot.press("ctrl+o")
    await pilot.pause()
    pilot.app.query_one("#param-max_tokens").focus()
    await pilot.press("0")
    await steady(pilot)


async def truncated_reply(pilot: Pilot) -> None:
    """A reply cut at the length limit the session set, marked, with the key that goes on."""
    await settle(pilot)
    await send(pilot, "/set max_tokens 24")
    await send(pilot, "Explain list comprehensions #long:200")
    await settle(pilot)
    await steady(pilot)


SCENES: dict[str, Callable[[Pilot], Any]] = {
    "main_screen": main_screen,
    "metadata_panel": metadata_panel,
    "error_shown": error_shown,
    "tool_approval": tool_approval,
    "streaming_reply": streaming_reply,
    "command_palette": command_palette,
    "context_nearly_full": context_nearly_full,
    "message_cursor": message_cursor,
    "branch_switcher": branch_switcher,
    "editing_message": editing_message,
    "params_form": params_form,
    "truncated_reply": truncated_reply,
}
