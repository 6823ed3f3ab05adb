"""The pacer on its own: a fake clock and frames painted when the test says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentry_tui.pacing import (
    ALL,
    GULP_S,
    HURRY_CHARS,
    LIVE_FRAME_S,
    PAGE_S,
    RATE_AFTER_S,
    TYPING_CHARS,
    TYPING_PAUSE_S,
    TYPING_S,
    Gulps,
    Pace,
    Pacer,
    PageTurns,
)


class Frames:
    """Stands in for the app's call_after_refresh: the callbacks wait for ``paint``."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []

    def __call__(self, callback: Callable[[], None]) -> None:
        self.waiting.append(callback)

    def paint(self) -> None:
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback()


@pytest.fixture
def clock() -> list[float]:
    return [100.0]


@pytest.fixture
def frames() -> Frames:
    return Frames()


@pytest.fixture
def pacer(frames: Frames, clock: list[float]) -> Pacer:
    return Pacer(frames, clock=lambda: clock[0])


def test_with_no_key_pressed_a_reply_shows_all_that_arrived_a_few_times_a_second(
    pacer: Pacer, frames: Frames
) -> None:
    assert not pacer.held
    assert pacer.pace() == Pace(ALL, LIVE_FRAME_S)
    assert frames.waiting == []  # nothing scheduled while nobody types


def test_a_key_press_holds_the_reply_until_a_frame_has_painted_it(
    pacer: Pacer, frames: Frames
) -> None:
    for _ in range(3):  # keys before the frame: one paint to wait for
        pacer.key_pressed()
        assert pacer.held
        assert pacer.pace() == Pace(0, 0.0)
    assert len(frames.waiting) == 1
    frames.paint()
    assert not pacer.held


def test_while_the_person_types_the_reply_moves_in_slices_then_catches_up(
    pacer: Pacer, frames: Frames, clock: list[float]
) -> None:
    pacer.key_pressed()
    frames.paint()
    assert pacer.pace() == Pace(TYPING_CHARS, TYPING_PAUSE_S)
    clock[0] += TYPING_S * 0.9
    assert pacer.pace() == Pace(TYPING_CHARS, TYPING_PAUSE_S)
    clock[0] += TYPING_S * 0.2
    assert pacer.pace() == Pace(ALL, LIVE_FRAME_S)


def test_the_key_that_sends_ends_the_typing(pacer: Pacer, frames: Frames) -> None:
    pacer.key_pressed()
    frames.paint()
    pacer.key_pressed(sent=True)
    assert pacer.pace() == Pace(0, 0.0)  # still painted first
    frames.paint()
    assert pacer.pace() == Pace(ALL, LIVE_FRAME_S)  # the reply to it comes at full speed


def test_listeners_hear_of_each_painted_key_until_they_leave(pacer: Pacer, frames: Frames) -> None:
    heard: list[str] = []
    leave = pacer.on_key_painted(lambda: heard.append("a"))
    pacer.on_key_painted(lambda: heard.append("b"))
    pacer.key_pressed()
    assert heard == []  # not before the frame
    frames.paint()
    assert heard == ["a", "b"]
    leave()
    leave()  # twice is harmless
    pacer.key_pressed()
    frames.paint()
    assert heard == ["a", "b", "b"]


def test_a_listener_may_leave_while_it_is_told(pacer: Pacer, frames: Frames) -> None:
    heard: list[int] = []
    leave: Callable[[], None] = lambda: None  # noqa: E731

    def once() -> None:
        heard.append(1)
        leave()

    leave = pacer.on_key_painted(once)
    pacer.on_key_painted(lambda: heard.append(2))
    pacer.key_pressed()
    frames.paint()
    pacer.key_pressed()
    frames.paint()
    assert heard == [1, 2, 2]


def test_a_reply_far_behind_hurries_unless_the_person_types(pacer: Pacer, frames: Frames) -> None:
    assert not pacer.hurries(HURRY_CHARS - 1)
    assert pacer.hurries(HURRY_CHARS)
    pacer.key_pressed()
    assert not pacer.hurries(HURRY_CHARS)  # the key is painted first
    frames.paint()
    assert not pacer.hurries(HURRY_CHARS * 10)  # typing: a slice at a time


def test_a_stream_at_a_models_pace_is_read_in_gulps_after_each_read_that_waited() -> None:
    gulps = Gulps()
    # 100 events a second, each read waiting for the next: no pause until the rate is known.
    pauses = [gulps.pause_after(t / 100, 0.009) for t in range(100)]
    first = int(RATE_AFTER_S * 100)
    assert pauses[:first] == [0.0] * first
    assert set(pauses[first:]) == {GULP_S}
    assert gulps.pause_after(1.0, 0.0001) == 0.0  # buffered: more may be waiting, read on


def test_a_fast_stream_is_read_without_pauses_even_when_its_reads_wait() -> None:
    """A fast server on a busy machine: reads wait for a core, and paints hold some."""
    gulps = Gulps()
    pauses = [gulps.pause_after(t / 1000, 0.005 if t % 10 == 0 else 0.0) for t in range(3000)]
    assert set(pauses) == {0.0}


def test_a_reply_at_a_models_pace_is_painted_once_a_second(pacer: Pacer) -> None:
    """The CPU budget (bench/tui_cpu.py: under 5% of a core at 100 tokens a second): a paint
    costs 3-12 ms here whatever it shows, so a model's second of text (100 tokens, about 550
    characters) is one paint, not hurried."""
    assert not pacer.hurries(550)
    assert pacer.pace().pause >= 1.0


async def test_work_waits_until_the_person_stops_typing(
    pacer: Pacer, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # time passes; a key comes during the first wait
        slept.append(seconds)
        if len(slept) == 1:
            clock[0] += 0.5
            pacer.key_pressed()
            clock[0] += seconds - 0.5
        else:
            clock[0] += seconds

    monkeypatch.setattr("agentry_tui.pacing.asyncio.sleep", sleep)
    await pacer.until_not_typing()
    assert slept == []  # nobody typing: at once
    pacer.key_pressed()
    assert pacer.typing()
    await pacer.until_not_typing()
    assert slept == [pytest.approx(TYPING_S), pytest.approx(0.5)]  # the second key moved it on
    assert not pacer.typing()


def test_a_live_reply_turns_its_page_at_most_every_page_s() -> None:
    now = [100.0]
    turns = PageTurns(clock=lambda: now[0])
    assert turns.wait() == 0.0  # the first room is taken at once
    turns.turned()
    now[0] += 0.5
    assert turns.wait() == PAGE_S - 0.5
    now[0] += PAGE_S
    assert turns.wait() == 0.0
