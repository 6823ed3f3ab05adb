"""Replies: streaming, following them across sessions, stopping, retrying, saving, the prompt."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerState

from agentry.sessions import SessionManager
from agentry_tui import pacing
from agentry_tui.pacing import (
    ALL,
    LIVE_FRAME_S,
    TYPING_CHARS,
    TYPING_PAUSE_S,
    TYPING_S,
    Pace,
    Pacer,
)
from agentry_tui.store import Generation, PartialReply
from agentry_tui.widgets import chat
from agentry_tui.widgets.chat import MessageList, window_start
from agentry_tui.widgets.markdown import MarkdownText
from agentry_tui.widgets.messages import AssistantMessage, LoadEarlier, UserMessage
from agentry_tui.widgets.prompt import Prompt
from agentry_tui.widgets.session_list import SessionList
from tests.servers.base import Reply, markdown_reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import (
    Holding,
    active,
    idle,
    notices,
    painted,
    ready,
    replies,
    replying,
    send,
    status_text,
    wait_until,
)
from tests.tui.scenes import SYSTEM, assistant, seed, user


def on_disk(history: Path, session_id: str) -> list[dict]:
    session = SessionManager(history).load(session_id)
    assert session is not None
    return session.messages


async def test_send_streams_the_reply_and_saves_it(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"hello there", "enter")
        entry = active(app)
        await wait_until(pilot, lambda: entry.streaming or entry.message_count == 3)
        await idle(pilot, entry)
        await pilot.pause()
        assert replies(app) == ["Echo: hello there"]
        assert [v.message["content"] for v in app.query(UserMessage)] == ["hello there"]
        assert app.query_one(Prompt).text == ""
        status = status_text(app)
        assert "Saved: Yes" in status and "3 messages" in status and "tok/s" in status
    saved = on_disk(history, "default")
    assert [m["role"] for m in saved] == ["system", "user", "assistant"]
    assert saved[-1]["content"] == "Echo: hello there"
    assert saved[-1]["_model"] == "llama3.2:latest"


async def test_reply_streams_into_one_growing_widget(app, ollama_server) -> None:
    """Mid-reply the text grows in the live widget, which is fed, not rebuilt."""
    ollama_server.enqueue(Reply(text="one two three four five six seven eight", delay=0.15))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "count")
        entry = active(app)
        await wait_until(pilot, lambda: entry.partial is not None and len(entry.partial.text) > 8)
        await pilot.pause(0.1)
        live = app.query_one(AssistantMessage)
        assert live.has_class("-live")
        body = live.query_one("#body", MarkdownText)
        first = body.source
        assert first and "one" in first
        await idle(pilot, entry)
        await pilot.pause()
        assert app.query_one(AssistantMessage) is live  # the same widget, finished in place
        assert body.source == "one two three four five six seven eight"
        assert "◉ streaming" not in status_text(app)


async def test_switch_sessions_mid_stream_and_come_back(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = await replying(pilot, "#slow #long:60 first session")
        await pilot.press("ctrl+n")
        await pilot.pause()
        second = active(app)
        assert second is not first and first.streaming
        await send(pilot, "meanwhile")
        await idle(pilot, second)
        await pilot.pause()
        assert replies(app) == ["Echo: meanwhile"]
        await idle(pilot, first, timeout=20)
        app.store.open(first.id)
        await pilot.pause(0.3)
        final = first.session.messages[-1]["content"]
        assert len(final.split()) >= 50
        assert replies(app) == [final]
    assert on_disk(history, first.id)[-1]["content"] == final


async def test_come_back_while_still_streaming(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = await replying(pilot, "#slow #long:60 going on")
        await pilot.press("ctrl+n")
        await pilot.pause(0.3)
        app.store.open(first.id)  # back before it ends: the reply so far, then the rest
        await pilot.pause(0.1)
        assert first.streaming
        await idle(pilot, first, timeout=20)
        await pilot.pause(0.2)
        assert replies(app) == [first.session.messages[-1]["content"]]


async def test_two_sessions_stream_at_once(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        # Long enough (10 s) that it is still arriving when the second one starts on a busy
        # machine.
        await send(pilot, "#slow #long:200 left")
        left = active(app)
        await pilot.press("ctrl+n")
        await send(pilot, "#slow #long:40 right")
        right = active(app)
        await wait_until(pilot, lambda: left.streaming and right.streaming)
        assert "●" in app.query_one(SessionList).row_text(left.id)
        await idle(pilot, left, timeout=20)
        await idle(pilot, right, timeout=20)
    for entry in (left, right):
        saved = on_disk(history, entry.id)
        assert saved[-1]["role"] == "assistant" and len(saved[-1]["content"].split()) >= 30
        assert "_interrupted" not in saved[-1]


async def test_quit_mid_stream_keeps_the_partial_reply(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#slow #long:400 a long one")
        entry = active(app)
        await wait_until(pilot, lambda: entry.partial is not None and len(entry.partial.text) > 20)
        await pilot.press("ctrl+q")
    saved = on_disk(history, entry.id)
    assert saved[-2]["content"] == "#slow #long:400 a long one"
    assert saved[-1]["role"] == "assistant"
    assert saved[-1]["_interrupted"] is True
    assert len(saved[-1]["content"]) > 20


async def test_escape_stops_the_reply(app, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#slow #long:400 stop me")
        entry = active(app)
        await wait_until(pilot, lambda: entry.partial is not None and len(entry.partial.text) > 10)
        await pilot.press("escape")
        await idle(pilot, entry)
        await pilot.pause()
        assert entry.generation is Generation.IDLE
        view = app.query(AssistantMessage).last()
        assert "stopped" in str(view.query_one("#footer").render())
    saved = on_disk(history, entry.id)
    assert saved[-1]["_interrupted"] is True and len(saved[-1]["content"].split()) < 400


async def test_stop_before_any_text(app, ollama_server) -> None:
    ollama_server.enqueue(Reply(hang=True))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hang")
        entry = active(app)
        await wait_until(pilot, lambda: entry.streaming)
        await pilot.press("escape")
        await idle(pilot, entry)
        assert entry.session.messages[-1]["role"] == "user"  # nothing came, nothing added
        assert not app.query(AssistantMessage)


async def test_retry_after_an_error(app, ollama_server, history: Path) -> None:
    ollama_server.enqueue(Reply(status=500, error="overloaded"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "try me")
        entry = active(app)
        await wait_until(pilot, lambda: entry.error is not None)
        await pilot.pause()
        assert entry.generation is Generation.ERROR
        assert any("HTTP 500" in n and "overloaded" in n for n in notices(app))
        assert "reply failed" in status_text(app) and "ctrl+r retries" in status_text(app)
        assert "✗" in app.query_one(SessionList).row_text(entry.id)
        await pilot.press("ctrl+r")
        await idle(pilot, entry)
        await pilot.pause()
        assert entry.error is None
        assert replies(app) == ["Echo: try me"]
    assert [m["role"] for m in on_disk(history, entry.id)] == ["system", "user", "assistant"]


async def test_retry_replaces_a_cut_reply(app, ollama_server, history: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#cut please")
        entry = active(app)
        await wait_until(pilot, lambda: entry.error is not None)
        assert entry.session.messages[-1]["_error"]  # the partial reply, kept and marked
        await pilot.pause()
        assert "failed" in str(app.query(AssistantMessage).last().query_one("#footer").render())
        ollama_server.enqueue(Reply(text="the whole reply"))  # the message itself says #cut
        await pilot.press("ctrl+r")
        await idle(pilot, entry)
        await pilot.pause()
        assert replies(app) == ["the whole reply"]
    assert [m["role"] for m in on_disk(history, entry.id)] == ["system", "user", "assistant"]
    assert on_disk(history, entry.id)[-1]["content"] == "the whole reply"


async def test_unknown_model_is_a_readable_error(make_app, ollama_server) -> None:
    app = make_app(model="nope:1b")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hi")
        entry = active(app)
        await wait_until(pilot, lambda: entry.error is not None)
        assert "nope:1b" in entry.error and "ollama pull" in entry.error


async def test_prompt_keys(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press(*"line one", "ctrl+j", *"line two")
        assert prompt.text == "line one\nline two"
        await pilot.press("shift+enter", *"three")
        assert prompt.text == "line one\nline two\nthree"
        await pilot.press("enter")
        entry = active(app)
        await idle(pilot, entry)
        assert entry.session.messages[1]["content"] == "line one\nline two\nthree"
        await send(pilot, "second")
        await idle(pilot, entry)
        await pilot.press("up")
        assert prompt.text == "second"
        await pilot.press("up")
        assert prompt.text == "line one\nline two\nthree"
        await pilot.press("down", "down", "down")  # down on the last line moves forward
        assert prompt.text == "second" or prompt.text == ""
        await pilot.press("down")
        assert prompt.text == ""


async def test_drafts_stay_with_their_session(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = active(app)
        await pilot.press(*"half written")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.query_one(Prompt).text == ""
        app.store.open(first.id)
        await pilot.pause()
        assert app.query_one(Prompt).text == "half written"


async def test_long_session_opens_with_recent_messages(app, history: Path) -> None:
    messages = [SYSTEM]
    for n in range(100):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        listing = app.query_one(MessageList)
        built = len(app.query(UserMessage)) + len(app.query(AssistantMessage))
        assert 20 <= built <= 60  # a screenful, then more up to about fifty
        assert replies(app)[-1] == "answer 99"
        assert listing.is_vertical_scroll_end  # opened at the newest message
        app.query_one(LoadEarlier).focus()
        await pilot.press("enter")  # as a person would: tab to it, or a click
        await pilot.pause(0.3)
        assert len(app.query(UserMessage)) + len(app.query(AssistantMessage)) > built

        def reach_top() -> bool:
            """Each time the reader reaches the top, older messages come in, till the first."""
            listing.scroll_home(animate=False)
            return not app.query(LoadEarlier)

        await wait_until(pilot, reach_top, timeout=30)
        assert len(app.query(UserMessage)) == 100
        assert not app.query(LoadEarlier)
        assert app.query(UserMessage).first().message["content"] == "question 0"


async def test_older_messages_are_built_a_step_at_a_time_each_after_a_frame(
    app, history: Path, monkeypatch
) -> None:
    messages = [SYSTEM]
    for n in range(100):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    steps: list[tuple[int, int]] = []  # (first message built, frames painted before)
    frames = 0
    send_to_terminal = app._display

    def frame(screen, update) -> None:
        nonlocal frames
        send_to_terminal(screen, update)
        frames += update is not None and not app._batch_count

    build = MessageList._build_earlier

    async def step(self, entry, lo) -> None:
        steps.append((lo, frames))
        await build(self, entry, lo)

    monkeypatch.setattr(MessageList, "_build_earlier", step)
    app._display = frame
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        listing = app.query_one(MessageList)
        await wait_until(pilot, lambda: listing._settled)
    assert len(steps) >= 3, steps  # the block of RECENT messages came in several steps
    assert [lo for lo, _ in steps] == sorted((lo for lo, _ in steps), reverse=True)
    assert all(b[1] > a[1] for a, b in itertools.pairwise(steps)), steps  # a frame between steps
    assert 201 - steps[-1][0] >= chat.RECENT  # all of the block was built


def slow_fill_in(app, history: Path, monkeypatch) -> Callable[[], bool]:
    """A 100-exchange session whose older messages are built over many frames; returns whether
    that build is under way."""
    messages = [SYSTEM]
    for n in range(100):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    monkeypatch.setattr(chat, "STEP_LINES", 3)

    def loading() -> bool:
        return any(w.group == "earlier" and w.state is WorkerState.RUNNING for w in app.workers)

    return loading


async def test_load_earlier_pressed_during_the_fill_in_still_lets_the_top_load_more(
    app, history: Path, monkeypatch
) -> None:
    """ "Load earlier" pressed while the block above the first screenful is still being built
    takes over from that build; once it is done, reaching the top loads the next block."""
    loading = slow_fill_in(app, history, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(MessageList)
        await wait_until(pilot, loading)  # the fill-in after opening
        app.query_one(LoadEarlier).press()
        await pilot.pause()
        # Built three lines a frame on purpose: on a loaded machine that takes a while.
        await wait_until(pilot, lambda: not loading(), timeout=30)
        built = len(app.query(UserMessage))
        listing.scroll_home(animate=False)
        await wait_until(pilot, lambda: len(app.query(UserMessage)) > built)


async def test_a_reader_at_the_top_when_a_block_is_built_gets_the_next(
    app, history: Path, monkeypatch
) -> None:
    """Reaching the top in the frame between a block being built and the list settling (no
    scroll event comes after it) still loads the next block: the reader was left stuck."""
    messages = [SYSTEM]
    for n in range(100):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    build, loads = MessageList.load_earlier, 0

    async def then_reach_the_top(listing: MessageList) -> None:
        nonlocal loads
        loads += 1
        await build(listing)
        listing.scroll_home(animate=False, immediate=True)

    monkeypatch.setattr(MessageList, "load_earlier", then_reach_the_top)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: loads >= 2, timeout=20)  # the fill-in, then the next


async def test_a_merge_while_older_messages_load_rebuilds_without_mixing_the_two(
    app, history: Path, monkeypatch
) -> None:
    """Another process's messages merged in while the block above the first screenful is being
    built: the rebuild takes over, and the load under way never reads the new positions in the
    old message list (an IndexError took the app down)."""
    loading = slow_fill_in(app, history, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(MessageList)
        await wait_until(pilot, loading)  # the fill-in after opening
        entry = app.store.active
        merged = list(entry.session.messages)
        for n in range(100, 140):
            merged += [user(f"question {n}", 40), assistant(f"answer {n}", 40)]
        entry.session.messages = merged  # as SessionManager.sync adopts a merge
        entry.merges += 1
        await listing.sync(entry)
        await wait_until(pilot, lambda: not loading())
        assert replies(app)[-1] == "answer 139"
        listing.scroll_home(animate=False)
        await pilot.pause(0.3)
        assert not app.return_code


def test_a_block_does_not_start_on_a_tool_result() -> None:
    messages = [
        SYSTEM,
        user("q", 9),
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "c1", "function": {"name": "read_file", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "x"},
        {"role": "tool", "tool_call_id": "c1", "content": "y"},
        assistant("done", 8),
    ]
    # A budget that would stop on the results takes their call too.
    assert window_start(messages, len(messages), 80, budget=1) == 5
    assert window_start(messages, len(messages), 80, budget=9) == 2


async def test_opening_a_long_session_still_follows_new_replies(app, history: Path) -> None:
    messages = [SYSTEM]
    for n in range(100):
        messages += [user(f"question {n}", 300 - n), assistant(f"answer {n}", 300 - n)]
    seed(history, "long", messages, 400, 100)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause(0.3)
        await send(pilot, "#long:200 a tall reply")
        await idle(pilot, active(app))
        await pilot.pause(0.3)
        assert app.query_one(MessageList).is_vertical_scroll_end


async def test_new_content_hint_when_scrolled_up(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#long:300 fill the screen")
        entry = active(app)
        await idle(pilot, entry)
        await send(pilot, "#slow #long:200 more")
        await wait_until(pilot, lambda: entry.partial is not None and entry.partial.text)
        listing = app.query_one(MessageList)
        # Sending scrolls to the end after the next frame; the reader goes up once that is done
        # (on a loaded machine it can come after the first words, and bring the reader back).
        await wait_until(pilot, lambda: listing.is_vertical_scroll_end)
        await pilot.pause()
        await pilot.pause()
        shows = listing._shows
        listing.scroll_to(y=0, animate=False)  # the reader goes up to read
        await wait_until(
            pilot,
            lambda: app.query_one("#new-hint").display,
            state=lambda: dict(
                rebuilt=listing._shows - shows,
                following=listing.following,
                y=listing.scroll_y,
                max_y=listing.max_scroll_y,
                streaming=entry.partial is not None,
            ),
        )
        await pilot.pause(0.3)
        assert listing.scroll_y < listing.max_scroll_y  # it stayed where the reader went
        await pilot.click("#new-hint")
        await pilot.pause()
        assert not app.query_one("#new-hint").display
        assert listing.is_vertical_scroll_end
        app.action_stop()
        await idle(pilot, entry)


async def test_long_reply_streams_and_ends_whole(app, history: Path) -> None:
    """A long reply, streamed faster than it renders, is shown whole in the end: exactly the
    text that was saved, every line of it laid out and its last line on screen."""
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#long:1200 a long one")
        entry = active(app)
        await idle(pilot, entry)
        saved = on_disk(history, entry.id)[-1]["content"]
        assert len(saved) > 6000
        await wait_until(pilot, lambda: replies(app)[-1] == saved)
        await pilot.pause()
        body = app.query(AssistantMessage).last().query_one(".body", MarkdownText)
        lines = body.strips(body.size.width)
        assert body.size.height == len(lines)
        listing = app.query_one(MessageList)
        assert listing.is_vertical_scroll_end
        assert body.region.bottom <= listing.region.bottom  # the last line is in view


async def test_typing_while_a_reply_streams_goes_first(app, history: Path, ollama_server) -> None:
    """Keys typed while a long reply streams are shown; the reply, held back meanwhile, still
    ends whole. The server sends half of it at full speed and the rest once the keys are in,
    so the keys always meet a reply in flight with a backlog to show."""
    rest = threading.Event()
    ollama_server.enqueue(Reply(text=markdown_reply(8000), stall_after=4000, resume=rest))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = await replying(pilot, "a long one")
        for letter in "typing":
            await pilot.press(letter)
        assert entry.streaming
        assert app.query_one(Prompt).text == "typing"
        rest.set()
        await idle(pilot, entry)
        saved = on_disk(history, entry.id)[-1]["content"]
        await wait_until(pilot, lambda: replies(app)[-1] == saved)


async def test_the_pace_of_a_reply_while_keys_are_pressed(app) -> None:
    """Nothing more of a reply until a key is painted; then slices while typing goes on;
    otherwise all that arrived, at most every LIVE_FRAME_S. The Enter that sends a message is
    not typing."""
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for letter in "hello":  # typed, then sent
            await pilot.press(letter)
        await pilot.press("enter")
        await pilot.pause()
        assert app.pacer.pace() == Pace(ALL, LIVE_FRAME_S)
        app.pacer.key_pressed()  # as App.on_event reports one
        assert app.pacer.pace() == Pace(0, 0.0)  # no frame has shown the key yet
        await pilot.pause()
        assert app.pacer.pace() == Pace(TYPING_CHARS, TYPING_PAUSE_S)
        await pilot.press("h")
        assert app.pacer.pace() == Pace(TYPING_CHARS, TYPING_PAUSE_S)
        await pilot.pause(TYPING_S)
        assert app.pacer.pace() == Pace(ALL, LIVE_FRAME_S)


def painted_at_once() -> tuple[Pacer, Callable[[], None]]:
    """A pacer whose clock stands still, and what presses a key and paints it at once (the
    painted key press lets a live reply take its next slice, as after a real frame)."""
    frames: list[Callable[[], None]] = []
    pacer = Pacer(frames.append, clock=lambda: 0.0)

    def key(sent: bool = False) -> None:
        pacer.key_pressed(sent=sent)
        frames.pop()()

    return pacer, key


@contextlib.asynccontextmanager
async def live_reply(
    partial: PartialReply, pacer: Pacer, grow_by: int = 0
) -> AsyncIterator[tuple[Pilot, AssistantMessage, MarkdownText]]:
    """A live reply alone on screen, shown at ``pacer``'s pace (its text taking room ``grow_by``
    lines at a time), once its first paint is done."""
    app = Holding(lambda: AssistantMessage(None, datetime.now(), partial, None, pacer, grow_by))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(AssistantMessage)
        body = view.query_one(".body", MarkdownText)
        await pilot.pause()
        yield pilot, view, body


async def test_a_slice_of_the_reply_waits_for_its_pause_or_a_step(monkeypatch) -> None:
    """A live reply far ahead of what is shown moves a slice at a time: after the pace's pause,
    or at once when a key press has been painted."""
    monkeypatch.setattr(pacing, "TYPING_CHARS", 500)
    monkeypatch.setattr(pacing, "TYPING_PAUSE_S", 60.0)
    partial = PartialReply(text=markdown_reply(2000))
    pacer, key = painted_at_once()
    key()  # typing (the clock stands still): slices of 500 with a minute between
    assert pacer.pace() == Pace(500, 60.0)

    async with live_reply(partial, pacer) as (pilot, _view, body):
        shown = len(body.source)
        assert 0 < shown <= 500
        await pilot.pause(0.2)
        assert len(body.source) == shown  # the pause is a minute
        for _ in range(3):
            key()
            assert shown < len(body.source) <= shown + 500
            shown = len(body.source)
        assert shown < len(partial.text)


async def test_text_arriving_in_small_pieces_waits_for_the_pause(monkeypatch) -> None:
    """After a paint the next one waits for the pace's pause even when the reply had caught
    up: a model streaming token by token is painted a few times a second, not per token."""
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 60.0)
    partial = PartialReply(text="Hello")
    pacer, key = painted_at_once()
    assert pacer.pace() == Pace(ALL, 60.0)

    async with live_reply(partial, pacer) as (pilot, view, body):
        assert body.source == "Hello"
        for more in (" world", ", and", " more"):
            partial.text += more
            view.pull(partial)
            await pilot.pause()
            assert body.source == "Hello"  # held until the pause (a minute) is over
        key(sent=True)  # a painted key lets it through; Enter is not typing: all of it
        assert body.source == partial.text


async def test_the_paint_after_a_pause_shows_all_that_arrived_by_then(monkeypatch) -> None:
    """A paint that was due shows the reply as it stands when it comes, not as the last pull
    saw it: text that arrived since is not left waiting for the pause after."""
    # A second: the pull below comes within the pause after the first paint even on a loaded
    # machine (with 0.2 s, a slow first frame let the pause end before it).
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 1.0)
    partial = PartialReply(text="Hello")
    pacer, _ = painted_at_once()

    async with live_reply(partial, pacer) as (pilot, view, body):
        partial.text += " world"
        view.pull(partial)  # during the pause: taken by the paint after it
        assert body.source == "Hello"
        partial.text += ", and more"  # not pulled yet
        await wait_until(pilot, lambda: body.source != "Hello")
        assert body.source == "Hello world, and more"


async def test_a_reply_far_behind_what_arrived_does_not_wait_for_the_pause(monkeypatch) -> None:
    """A few tokens wait for the pause; a backlog of HURRY_CHARS (a fast server's) is shown at
    once, so that it is rendered while the reply streams rather than after it ends."""
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 60.0)
    partial = PartialReply(text="Hello")
    pacer, _ = painted_at_once()

    async with live_reply(partial, pacer) as (pilot, view, body):
        partial.text += " world"
        view.pull(partial)
        await pilot.pause(0.2)
        assert body.source == "Hello"  # held for the pause (a minute)
        partial.text += "\n\n" + markdown_reply(400)
        assert len(partial.text) - len(body.source) >= pacing.HURRY_CHARS
        view.pull(partial)
        await wait_until(pilot, lambda: body.source == partial.text)


async def test_each_painted_key_press_lets_a_slice_of_the_reply_through(
    app, ollama_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the person types, the reply moves on right after each key press is on screen,
    when the next key is furthest away. The pause between slices is made longer than the
    test, so here key presses alone move it; the server sends 40,000 tokens at once and then
    leaves the reply open."""
    monkeypatch.setattr(pacing, "TYPING_PAUSE_S", 60.0)
    monkeypatch.setattr(pacing, "TYPING_S", 60.0)
    ollama_server.enqueue(Reply(text=markdown_reply(40000), stall_after=40000))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = await replying(pilot, "a long one")
        prompt = app.query_one(Prompt)

        async def type_key(key: str) -> None:
            """Press it, and wait until it is on screen and what its painting set off is done."""
            await pilot.press(key)
            await wait_until(pilot, lambda: prompt.text.endswith(key))
            await pilot.pause(0.2)

        await type_key("a")  # typing from here on
        body = app.query(AssistantMessage).last().query_one(".body", MarkdownText)
        shown = len(body.source)
        await wait_until(pilot, lambda: len(entry.partial.text) > shown + 4 * TYPING_CHARS)
        await pilot.pause(0.2)
        assert len(body.source) == shown  # no key, no slice
        for key in "bcd":
            await type_key(key)
            assert shown < len(body.source) <= shown + TYPING_CHARS
            shown = len(body.source)
        await pilot.press("escape")
        await idle(pilot, entry)


async def test_messages_the_agent_adds_while_a_reply_is_finished_are_all_shown(
    app, ollama_server, workspace: Path, monkeypatch
) -> None:
    """Finishing a reply's view awaits; the agent goes on meanwhile (the tool's result, the
    answer after it). Each of those must still be built, not taken as shown."""
    (workspace / "notes.txt").write_text("the notes")
    ollama_server.enqueue(
        Reply(tool_calls=[("read_file", {"path": "notes.txt"})]), Reply(text="done")
    )
    finish = AssistantMessage.finish

    async def slow_finish(view: AssistantMessage, message: dict) -> None:
        entry = active(app)
        if message.get("tool_calls"):  # as under load: the turn ends before this view is done
            while entry.streaming:
                await asyncio.sleep(0.01)
        await finish(view, message)

    monkeypatch.setattr(AssistantMessage, "finish", slow_finish)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "read the notes")
        entry = active(app)
        await idle(pilot, entry)
        await pilot.pause()
        assert [m["role"] for m in entry.session.messages] == [
            "system",
            "user",
            "assistant",
            "tool",
            "assistant",
        ]
        results = app.query(".tool-result")
        assert len(results) == 1 and not results.first().has_class("-pending")
        assert replies(app) == ["", "done"]


async def test_a_live_reply_takes_room_in_steps_and_fits_its_text_once_finished() -> None:
    """While it streams, the reply's text is given room ``grow_by`` lines at a time, so the
    pane is laid out and moved once per step rather than on every paint; finished, it is as
    tall as its text."""
    partial = PartialReply(text="line 1\n")
    app = Holding(lambda: AssistantMessage(None, datetime.now(), partial, None, None, 10))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(AssistantMessage)
        body = view.query_one(".body", MarkdownText)
        await pilot.pause()
        heights = []
        for upto in (3, 9, 10, 11, 25):
            partial.text = "".join(f"line {n}\n\n" for n in range(1, upto + 1))
            view.pull(partial)
            await wait_until(pilot, lambda: body.source == partial.text)
            await pilot.pause()
            lines = len(body.strips(body.size.width))
            heights.append((lines, body.size.height))
        # "line n" paragraphs, a blank line between: 2n - 1 lines.
        assert heights == [(5, 10), (17, 20), (19, 20), (21, 30), (49, 50)]
        await view.finish({"role": "assistant", "content": partial.text})
        await pilot.pause()
        assert body.size.height == 49


def numbered_lines(upto: int) -> str:
    """ "line n" paragraphs, a blank line between: 2 * upto - 1 lines."""
    return "".join(f"line {n}\n\n" for n in range(1, upto + 1))


@contextlib.asynccontextmanager
async def paced_growing_reply(
    partial: PartialReply,
) -> AsyncIterator[tuple[Pilot, AssistantMessage, MarkdownText, Callable[[int], Awaitable[None]]]]:
    """A live reply alone on screen, painted at a model's pace and taking room 10 lines at a
    time; and what streams "line 1" to "line n" into it."""
    pacer, _ = painted_at_once()
    async with live_reply(partial, pacer, 10) as (pilot, view, body):

        async def stream(upto: int) -> None:
            partial.text = numbered_lines(upto)
            view.pull(partial)
            await wait_until(pilot, lambda: body.source == partial.text)
            await pilot.pause()

        yield pilot, view, body, stream


async def test_a_paced_reply_fills_the_room_it_has_before_it_takes_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Taking the next room lays out, moves and repaints the whole pane, several times what a
    paint that fills lines costs: a reply at a model's pace takes it at most every PAGE_S, the
    lines of the room it has showing the text that came meanwhile. Finished, it is as tall as
    its text at once."""
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 0.05)
    monkeypatch.setattr(pacing, "PAGE_S", 60.0)
    async with paced_growing_reply(PartialReply(text="line 1\n")) as (pilot, view, body, stream):
        await stream(7)  # 13 lines: the first turn is taken at once
        assert body.size.height == 20
        await stream(12)  # 23 lines: the next room waits for PAGE_S (a minute)
        await pilot.pause(0.2)
        assert body.size.height == 20
        shown = [line.strip() for line in painted(view.app, body)]
        assert shown[18:] == ["line 10", ""]  # the room it has, filled: lines 19 and 20
        await view.finish({"role": "assistant", "content": numbered_lines(12)})
        await pilot.pause()
        assert body.size.height == 23


async def test_a_paced_reply_finished_while_its_text_is_rendered_ahead_takes_its_room_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finishing ends the page turns: blocks rendered after it (a long rest, a bite at a time)
    are given their room as they come, not PAGE_S later."""
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 0.05)
    monkeypatch.setattr(pacing, "PAGE_S", 60.0)
    async with paced_growing_reply(PartialReply(text="line 1\n")) as (pilot, view, body, stream):
        await stream(7)  # a page turned: the next would wait a minute
        text = numbered_lines(7) + markdown_reply(3000)
        await view.finish({"role": "assistant", "content": text})
        await wait_until(pilot, lambda: body.source == text)

        def fits() -> bool:  # hundreds of lines, not the 13 first rendered
            return body.size.height == len(body.strips(body.size.width)) > 100

        await wait_until(pilot, fits)


async def test_a_page_turn_that_waited_is_taken_with_no_more_text_coming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacing, "LIVE_FRAME_S", 0.05)
    monkeypatch.setattr(pacing, "PAGE_S", 0.3)
    async with paced_growing_reply(PartialReply(text="line 1\n")) as (pilot, _view, body, stream):
        await stream(7)
        await stream(12)
        await wait_until(pilot, lambda: body.size.height == 30)
        assert painted(body.app, body)[22].strip() == "line 12"


async def test_the_live_reply_takes_a_pane_of_room_less_the_lines_kept_in_view(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "#rate:20 #long:400")
        entry = active(app)
        await wait_until(pilot, lambda: entry.partial is not None and entry.partial.text != "")
        pane = app.query_one(MessageList)
        body = app.query_one(AssistantMessage).query_one(".body", MarkdownText)
        await wait_until(pilot, lambda: body.source != "")
        await pilot.pause()
        assert body.size.height == pane.size.height - pacing.KEPT_LINES
        assert pane.is_vertical_scroll_end  # the room below the text is in view, to fill
