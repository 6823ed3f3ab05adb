"""The line client and the TUI end to end against a real ``python -m llama_cpp.server`` running
the bundled SmolLM2 (the ``llama_server`` fixture: one thread, requests queued rather than
interrupted; skipped when the local extra is not installed).

The replies are real, so the assertions are about what every reply must do (arrive, stream, be
saved, stop when asked), never about its exact words. The line client cannot set sampling, so
its replies use the server's defaults; the TUI tests set temperature 0 and a token limit on the
connected provider, which keeps their replies repeatable and their runtime bounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import agentry_tui.app
from agentry.sessions import SessionManager
from agentry_tui.app import AgentryApp
from agentry_tui.store import Generation, StreamDelta
from agentry_tui.widgets.messages import AssistantMessage
from tests.cli.conftest import Cli
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    active,
    idle,
    notices,
    ready,
    replies,
    send,
    status_text,
    wait_until,
)

SHORT = "What is the capital of France?"
LONG = "Write a long story about a dragon."
EXPLAIN = "Why is the sky blue?"  # a question with a long answer: a second or so at 64 tokens

REPLY_S = 60.0  # the most any one reply here may take (they take 0.2-3 s on one thread)


def on_disk(history: Path, session_id: str) -> list[dict[str, Any]]:
    session = SessionManager(history).load(session_id)
    assert session is not None, f"no session file for {session_id!r}"
    return session.messages


def roles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["role"] for m in messages]


# -- the line client ------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path)
    yield runner
    runner.close()


def test_line_client_reply_arrives_and_is_saved(cli: Cli, llama_server) -> None:
    result = cli.pipe(
        f"{SHORT}\n", "--endpoint", llama_server.url, "--session", "real", provider="openai"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"Using openai, model {llama_server.model} (chosen with --provider)\n")
    assert result.stdout.endswith("\n")  # the reply alone: stdout is not a terminal
    messages = cli.stored("real")["messages"]
    assert roles(messages) == ["system", "user", "assistant"]
    assert messages[1]["content"] == SHORT
    reply = messages[-1]
    assert reply["content"].strip()
    # Exactly the saved reply was printed (the pipe reads text with universal newlines).
    shown = result.stdout
    saved = reply["content"].replace("\r\n", "\n").replace("\r", "\n")
    assert shown == (saved if saved.endswith("\n") else saved + "\n")
    assert reply["_provider"] == "openai"
    assert reply["_model"] == llama_server.model
    assert "_interrupted" not in reply and "_error" not in reply
    assert reply["_usage"]["duration_s"] > 0


def test_line_client_ctrl_c_mid_reply_keeps_the_partial_reply(cli: Cli, llama_server) -> None:
    term = cli.pty("--endpoint", llama_server.url, "--session", "real", provider="openai")
    term.expect_exact(
        f"Using openai, model {llama_server.model} (chosen with --provider)\n", timeout=15
    )
    term.expect_exact("[real] You: ", timeout=15)
    term.sendline(LONG)
    start = term.expect_exact("[real] Assistant: ", timeout=REPLY_S).end()
    # Some of the reply is on screen (it streams in), and more is surely on its way: a story
    # runs to hundreds of tokens.
    term.expect(r"(?s)\S.{30}", timeout=REPLY_S)
    term.interrupt()
    stop = term.expect_exact("(interrupted)\n", timeout=5).start()
    term.expect_exact("[real] You: ", timeout=5)
    shown = term.text[start:stop].removesuffix("\n")
    assert len(shown) > 30

    # Saved when the turn ended, not only at exit.
    messages = cli.stored("real")["messages"]
    assert roles(messages) == ["system", "user", "assistant"]
    partial = messages[-1]
    assert partial["_interrupted"] is True and partial["_provider"] == "openai"
    # What was shown is what was kept (the agent may hold a piece that never reached the
    # screen; the terminal helper drops carriage returns).
    assert partial["content"].replace("\r", "").startswith(shown.rstrip())

    # The server let go of the cut request: the next question is answered in this session.
    term.sendline(SHORT)
    term.expect_exact("[real] Assistant: ", timeout=REPLY_S)
    term.expect_exact("[real] You: ", timeout=REPLY_S)
    term.send_eof()
    assert term.wait(timeout=10) == 0
    assert "Traceback" not in term.text
    messages = cli.stored("real")["messages"]
    assert roles(messages) == ["system", "user", "assistant", "user", "assistant"]
    assert messages[-1]["content"].strip() and "_interrupted" not in messages[-1]


# -- the TUI --------------------------------------------------------------------------------


class RecordingApp(AgentryApp):
    """The app, noting each reply's state every time a piece of it reaches the screen."""

    # Textual finds a relative CSS_PATH next to the subclass's module: point at the app's own.
    CSS_PATH = Path(agentry_tui.app.__file__).parent / AgentryApp.CSS_PATH

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # (session id, streaming, the store's partial text, the live reply widget's text)
        self.frames: list[tuple[str, bool, str, str]] = []

    def on_stream_delta(self, message: StreamDelta) -> None:
        message.prevent_default()  # the base handler runs here, not again after this one
        super().on_stream_delta(message)
        entry = self.store.get(message.session_id)
        if entry is None:
            return
        live = [view for view in self.query(AssistantMessage) if view.has_class("-live")]
        shown = ""
        if live and entry is self.active:  # its text may be in pieces: see helpers.replies
            shown = "".join(piece.source for piece in live[-1].query(".body"))
        partial = entry.partial.text if entry.partial is not None else ""
        self.frames.append((entry.id, entry.streaming, partial, shown))


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return tmp_path / "history"


@pytest.fixture
def tui(llama_server, history: Path, tmp_path: Path, monkeypatch) -> RecordingApp:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.chdir(workspace)
    return RecordingApp(
        provider="openai", endpoint=llama_server.url, history_dir=history, workspace=workspace
    )


async def connected(pilot: Pilot, llama_server, max_tokens: int) -> RecordingApp:
    """Connected to the server and idle, sampling at temperature 0 with a token limit."""
    app = await ready(pilot)
    assert isinstance(app, RecordingApp)
    connection = app.store.connection
    assert connection.state == "connected", connection
    assert (connection.provider, connection.model) == ("openai", llama_server.model)
    assert app.store.agent is not None
    # The TUI has no sampling options; these go with every request the provider makes.
    app.store.agent.provider.sampling.update(temperature=0, max_tokens=max_tokens)
    return app


async def test_tui_reply_streams_in_and_is_saved(
    tui: RecordingApp, history: Path, llama_server
) -> None:
    async with tui.run_test(size=SIZE) as pilot:
        # A short answer ("The capital of France is Paris.", 7 tokens) arrives faster than the
        # app's first frame, so ask one whose answer takes long enough to watch.
        app = await connected(pilot, llama_server, max_tokens=64)
        await pilot.press(*EXPLAIN, "enter")
        entry = active(app)
        await idle(pilot, entry, timeout=REPLY_S)
        await pilot.pause()
        final = entry.session.messages[-1]
        text = final["content"]
        assert text.strip()
        # It streamed: pieces reached the store and the screen while the reply was arriving,
        # each a beginning of the final text.
        mid = [f for f in app.frames if f[0] == entry.id and f[1] and f[2]]
        assert mid, app.frames
        assert all(text.startswith(partial) for _, _, partial, _ in mid)
        assert any(shown and text.startswith(shown) for *_, shown in mid), app.frames
        assert entry.generation is Generation.IDLE and entry.partial is None
        assert replies(app) == [text]
        assert not app.query(AssistantMessage).last().has_class("-live")
        status = status_text(app)
        assert "● connected" in status and "3 messages" in status and "Saved: Yes" in status
        assert not [n for n in notices(app) if "fail" in n.lower() or "error" in n.lower()]
        await pilot.press("ctrl+q")
    saved = on_disk(history, entry.id)
    assert roles(saved) == ["system", "user", "assistant"]
    assert saved[1]["content"] == EXPLAIN
    assert saved[-1]["content"] == text
    assert saved[-1]["_provider"] == "openai" and saved[-1]["_model"] == llama_server.model
    assert "_interrupted" not in saved[-1]


async def test_tui_escape_stops_the_reply_and_keeps_it(
    tui: RecordingApp, history: Path, llama_server
) -> None:
    async with tui.run_test(size=SIZE) as pilot:
        # Unstopped, this story runs to about 480 tokens (8 s or so).
        app = await connected(pilot, llama_server, max_tokens=1000)
        await send(pilot, LONG)
        entry = active(app)
        await wait_until(
            pilot,
            lambda: (
                not entry.streaming or (entry.partial is not None and len(entry.partial.text) > 30)
            ),
            timeout=REPLY_S,
        )
        assert entry.streaming, entry.session.messages[-1]
        await pilot.press("escape")
        stopped_at = time.monotonic()
        await idle(pilot, entry, timeout=10)
        assert time.monotonic() - stopped_at < 3
        await pilot.pause()
        assert entry.generation is Generation.IDLE and entry.error is None
        kept = entry.session.messages[-1]
        assert kept["role"] == "assistant" and kept["_interrupted"] is True
        assert len(kept["content"]) > 30
        view = app.query(AssistantMessage).last()
        assert "stopped" in str(view.query_one("#footer").render())
        assert replies(app) == [kept["content"]]
        await pilot.pause(0.5)
        assert entry.session.messages[-1] == kept  # nothing more arrived
        assert on_disk(history, entry.id)[-1] == kept

        # The server let go of the stopped request: the next question is answered.
        app.store.agent.provider.sampling["max_tokens"] = 48
        await send(pilot, SHORT)
        await idle(pilot, entry, timeout=20)
        assert entry.error is None
        await pilot.press("ctrl+q")
    saved = on_disk(history, entry.id)
    assert roles(saved) == ["system", "user", "assistant", "user", "assistant"]
    assert saved[2] == kept
    assert saved[-1]["content"].strip() and "_interrupted" not in saved[-1]


async def test_tui_two_sessions_ask_at_once(tui: RecordingApp, history: Path, llama_server) -> None:
    async with tui.run_test(size=SIZE) as pilot:
        # The story stops at 400 tokens (4-7 s): time enough to ask in B meanwhile.
        app = await connected(pilot, llama_server, max_tokens=400)
        await send(pilot, LONG)
        first = active(app)
        await wait_until(
            pilot,
            lambda: not first.streaming or (first.partial is not None and first.partial.text),
            timeout=REPLY_S,
        )
        assert first.streaming, first.session.messages[-1]
        # A's request went with 400; B's answer needs only to be long enough to watch it arrive.
        app.store.agent.provider.sampling["max_tokens"] = 64
        await pilot.press("ctrl+n")
        await send(pilot, EXPLAIN)
        second = active(app)
        assert second is not first
        assert first.streaming and second.streaming  # both asking at once
        # The server answers one at a time: B's reply waits behind A's, then arrives.
        await idle(pilot, first, timeout=REPLY_S)
        await idle(pilot, second, timeout=REPLY_S)
        await pilot.pause()
        assert first.error is None and second.error is None
        assert replies(app) == [second.session.messages[-1]["content"]]
        # B's reply streamed into the screen while A's session was in the background.
        assert any(f[0] == second.id and f[1] and f[3] for f in app.frames), app.frames
        await pilot.press("ctrl+q")
    for entry, question in ((first, LONG), (second, EXPLAIN)):
        saved = on_disk(history, entry.id)
        assert roles(saved) == ["system", "user", "assistant"], entry.id
        assert saved[1]["content"] == question
        assert saved[-1]["content"].strip()
        assert saved[-1]["content"] == entry.session.messages[-1]["content"]
        assert saved[-1]["_provider"] == "openai"
        assert "_interrupted" not in saved[-1] and "_error" not in saved[-1]
