"""The line client's output: stdout and stderr as a ``Terminal``, and one turn's events as a
``ReplyView``, decorated at a terminal or plain (see agentry/cli.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, TextIO

from agentry.events import (
    DoneEvent,
    ErrorEvent,
    MessageAdded,
    NoticeEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
)
from agentry.messages import is_truncated
from agentry.params import TRUNCATED_NOTE
from agentry.safe_text import clip, visible

DIM, RESET = "\x1b[2m", "\x1b[0m"


class Terminal:
    """stdout and stderr, knowing whether stdout is mid-line so notes never run into a reply.

    Everything is written through ``visible``: model text, tool output, titles and error texts
    may hold escape sequences (clipboard, window title, a query the terminal would answer into
    the next prompt). Only our own ``style`` codes are added, after that."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        # Replies headed "[id] Assistant: ", with reasoning and tool calls among them; else
        # stdout holds only reply text and the rest goes to stderr.
        self.decorated = out.isatty()
        self.mid_line = False
        self.failed = False  # an error was shown (the exit code of a script run)

    def write(self, text: str, style: str = "") -> None:
        text = visible(text)
        if text:
            with _closed_terminal_ignored():
                self.out.write(f"{style}{text}{RESET}" if style else text)
                self.out.flush()  # each delta as it arrives, also into a pipe
            self.mid_line = not text.endswith("\n")

    def end_line(self) -> None:
        if self.mid_line:
            self.write("\n")

    def line(self, text: str = "") -> None:
        self.end_line()
        self.write(text + "\n")

    def aside(self, text: str) -> None:
        """A line that is not reply text (a tool call, a question): among decorated replies on
        stdout, else on stderr with the notes, so stdout holds only the reply."""
        if self.decorated:
            self.line(text)
        else:
            self.note(text)

    def question(self, prompt: str) -> str:
        """The prompt input() should show: ``prompt`` itself among decorated replies; else it
        is written to stderr here (input() would put it on stdout) and input() shows none."""
        if self.decorated:
            return prompt
        self.end_line()
        with _closed_terminal_ignored():
            self.err.write(visible(prompt))
            self.err.flush()
        return ""

    def note(self, text: str) -> None:
        self.end_line()
        with _closed_terminal_ignored():
            print(visible(text), file=self.err, flush=True)

    def error(self, text: str) -> None:
        self.failed = True
        self.note(text)


@contextlib.contextmanager
def _closed_terminal_ignored() -> Iterator[None]:
    """Output to a terminal that was closed (SIGHUP) or a pipe whose reader left fails; the
    session must still be saved, so such a failure ends nothing."""
    try:
        yield
    except OSError:
        pass


def _result_summary(content: str) -> str:
    """The first line of a tool result, and how many more there are."""
    lines = content.strip().splitlines() or [""]
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return clip(lines[0], 100) + more


def arguments_text(arguments: dict[str, Any], indent: int | None = None) -> str:
    return json.dumps(arguments, ensure_ascii=False, indent=indent)


CONTINUE_HINT = "/continue, or Enter on an empty line, asks the model to go on."


class ReplyView:
    """Shows one turn's events. Decorated: text after ``[id] Assistant: ``, tool calls and
    results on indented lines, reasoning dimmed. Plain: the text alone, tool calls and results
    as notes on stderr, no reasoning (it is in the session file anyway)."""

    def __init__(self, term: Terminal, session_id: str) -> None:
        self.term = term
        self.header = f"[{session_id}] Assistant: " if term.decorated else ""
        self.streaming: type[TextDelta] | type[ReasoningDelta] | None = None
        self.answered = False

    def show(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._stream(TextDelta, event.text)
        elif isinstance(event, ReasoningDelta) and self.term.decorated:
            self._stream(ReasoningDelta, event.text, DIM)
        elif isinstance(event, ToolCallEvent):
            self._line(f"  ⚙ {event.name} {clip(arguments_text(event.arguments), 120)}")
        elif isinstance(event, ToolResultEvent):
            self._line(f"  ↳ {_result_summary(event.content)}")
        elif isinstance(event, DoneEvent):
            if not self.answered:  # an empty reply still gets its line
                self._stream(TextDelta, "")
            self.term.end_line()
        elif isinstance(event, ErrorEvent):
            self.term.error(f"Error: {event.message}")
        elif isinstance(event, NoticeEvent):
            self.term.note(f"({event.text})")
        elif isinstance(event, MessageAdded) and is_truncated(event.message):
            self.term.end_line()
            self.term.note(f"({TRUNCATED_NOTE} {CONTINUE_HINT})")

    def _stream(
        self, kind: type[TextDelta] | type[ReasoningDelta], text: str, style: str = ""
    ) -> None:
        if self.streaming is not kind:
            self.term.end_line()
            self.term.write(self.header if kind is TextDelta else "  thinking: ", style)
            self.streaming = kind
            self.answered = self.answered or kind is TextDelta
        self.term.write(text, style)

    def _line(self, text: str) -> None:
        self.term.aside(text)
        self.streaming = None
