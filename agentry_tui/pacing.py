"""How fast a streaming reply reaches the screen: every throttle of the stream, and the one
piece of state they share, whether a key press is waiting to be painted.

Input comes first. The app reports each key press here (``Pacer.key_pressed``); until the next
frame has painted it, nothing more of a reply is shown or rendered ahead (``held``). While the
person types (a key within TYPING_S) a reply moves a slice at a time: TYPING_CHARS right after
each key press is painted, when the next key is furthest away, and another each TYPING_PAUSE_S
between keys further apart; it catches up at full speed once they stop.

Otherwise a reply shows all that arrived, at most every LIVE_FRAME_S. Each paint of a growing
reply costs 3-12 ms of CPU here (rendering its new Markdown, repainting the lines that changed,
laying out and repainting the pane when it takes its next room), and a model streaming
20-100 tokens a second would keep a core 20-40% busy painting a few tokens at a time, taken
from the model when it runs on the same cores. Painted once a second, each paint shows a few
lines. A fast server's reply is not slowed by it: a reply HURRY_CHARS behind what arrived is
shown without waiting for the pause, so its rendering goes on while it streams rather than
after.

Two more rules keep a model-paced reply cheap: it is read in gulps (``Gulps``), and its text
takes room a chat pane at a time (less KEPT_LINES), so the pane is laid out and moved once a
page, and a paint between repaints only the lines that changed (see ``MarkdownText``). Turning
the page (laying out, moving and repainting the whole pane) costs several times a paint that
fills lines, and a model at 100 tokens a second fills a page about every second: the next page
is taken at most every PAGE_S (``PageTurns``), the lines of the one on screen filling meanwhile.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import NamedTuple

FRAME_S = 1 / 60  # the store hands stream deltas to the views at most once a frame
TURN_S = 0.005  # the longest a reply worker holds the event loop between events
BITE_S = 0.005  # the longest one bite of rendering Markdown ahead holds the event loop
TYPING_CHARS = 1200  # shown at a time while the person types
TYPING_PAUSE_S = 0.25  # between those slices when no key press comes first
TYPING_S = 1.0  # typing: a key within this long
LIVE_FRAME_S = 1.0  # otherwise a growing reply is painted at most this often...
HURRY_CHARS = 1000  # ...unless it is this far behind (a model's second is a few hundred)
KEPT_LINES = 5  # a growing reply takes room a chat pane at a time, less this many lines (the
# ones above it stay in view when it moves on, as a pager keeps a few when it turns the page)...
MIN_GROWTH = 4  # ...and at least this many lines...
PAGE_S = 2.0  # ...and its next room at most this often (the lines of the room it has fill first)


GULP_S = 0.5  # a stream slower than MODEL_RATE is read this often, all that came in one read
MODEL_RATE = 300  # stream events a second: slower is a model's pace (a fast server sends 1000s)
RATE_AFTER_S = 0.5  # the rate is judged once the stream has run this long
WAITED_S = 0.002  # a read that took this long had caught up with what arrived


class Gulps:
    """When a reply's stream is read. A model streaming 20-100 tokens a second sends each token
    on its own, and reading each as it comes costs a pass through httpx, the agent and the store
    (and a wake-up of the event loop) per token, while the screen shows them at most every
    LIVE_FRAME_S. So when a stream runs slower than MODEL_RATE, each read that had to wait is
    followed by a pause of GULP_S, and the next read takes everything that came meanwhile. A
    fast server is read without pauses: a busy machine makes its reads wait too (the process
    waits for a core), but not its rate drop that low.

    ``pause_after(now, waited)``: a read that ended at ``now`` (seconds) took ``waited``."""

    def __init__(self) -> None:
        self._started: float | None = None
        self._reads = 0

    def pause_after(self, now: float, waited: float) -> float:
        if self._started is None:
            self._started = now
        self._reads += 1
        running = now - self._started
        if waited < WAITED_S or running < RATE_AFTER_S or self._reads >= MODEL_RATE * running:
            return 0.0
        return GULP_S


class PageTurns:
    """When a live reply may take its next room (see PAGE_S). ``clock`` gives seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._turned = -math.inf

    def wait(self) -> float:
        """Seconds until the next page may be turned (0: now)."""
        return max(0.0, self._turned + PAGE_S - self._clock())

    def turned(self) -> None:
        self._turned = self._clock()


class Pace(NamedTuple):
    chars: int  # characters shown at a time (0: none for now)
    pause: float  # seconds the rest waits; 0: until the next frame is painted


ALL = 1 << 62  # Pace.chars: everything that arrived
UNPACED = Pace(ALL, 0.0)  # a reply shown with no pacer: everything, at once


class Pacer:
    """The app's one record of key presses, which every live reply asks how fast to go.

    ``after_paint(callback)`` must call ``callback`` once the next frame is on screen (the
    app's ``call_after_refresh``); ``clock`` gives seconds (monotonic).
    """

    def __init__(
        self,
        after_paint: Callable[[Callable[[], None]], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._after_paint = after_paint
        self._clock = clock
        self._typed_at = -math.inf  # when the last key press that is typing came
        self._unpainted = False  # a key press not yet on screen
        self._listeners: list[Callable[[], None]] = []

    def key_pressed(self, *, sent: bool = False) -> None:
        """A key was pressed. ``sent``: it sent what was typed, so the typing is over (the
        reply to it should come at full speed)."""
        self._typed_at = -math.inf if sent else self._clock()
        if not self._unpainted:
            self._unpainted = True
            self._after_paint(self._painted)

    def _painted(self) -> None:
        self._unpainted = False
        for listener in list(self._listeners):
            listener()

    @property
    def held(self) -> bool:
        """A key press waits to be painted: show and render nothing more of a reply."""
        return self._unpainted

    def pace(self) -> Pace:
        """How much of a reply to show now, and how long the rest waits."""
        if self._unpainted:
            return Pace(0, 0.0)
        if self.typing():
            return Pace(TYPING_CHARS, TYPING_PAUSE_S)
        return Pace(ALL, LIVE_FRAME_S)

    def typing(self) -> bool:
        """Whether the person is typing (a key within TYPING_S)."""
        return self._clock() - self._typed_at < TYPING_S

    async def until_not_typing(self) -> None:
        """Return once the person is not typing (at once if they are not): for work that holds
        the interpreter long enough to keep a key press waiting."""
        # A sleep, not an Event: each key moves the deadline.
        while (left := self._typed_at + TYPING_S - self._clock()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    def hurries(self, behind: int) -> bool:
        """Whether a reply ``behind`` characters behind what arrived is shown now, before
        the pause is over (not while the person types: then it goes a slice at a time)."""
        return behind >= HURRY_CHARS and self.pace().chars == ALL

    def on_key_painted(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` each time a key press has been painted (the loop is free until the
        next key: a live reply shows its next slice then). Returns what unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe
