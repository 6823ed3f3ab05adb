"""A chaos server: plays scripted faults at the library in every provider's wire format.

127.0.0.1 only. Every POST gets the next queued ``Fault`` (raw bytes framed as the protocol
frames them, or broken on purpose); every loop it runs (stalls, endless replies) stops by itself
after ``Fault.limit_s`` seconds at most, or as soon as the client goes away.

``PROTOCOLS`` says, for each provider, how a stream is framed, so one fault catalogue
(tests/providers/test_chaos.py) is played against all four: Ollama NDJSON, OpenAI SSE,
Anthropic SSE and Gemini SSE.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.servers.base import Request, Responder, ScriptedServer


@dataclass
class Fault:
    """One response: ``status`` and ``headers``, then ``chunks`` (each sent as one HTTP chunk,
    bytes exactly as given), then the ending: ``endless`` bytes repeated, a ``stall`` (nothing
    more), a ``cut`` (connection aborted), else a clean end of the body."""

    chunks: list[bytes] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    endless: bytes | None = None
    stall: bool = False
    cut: bool = False
    limit_s: float = 5.0  # no loop of this fault runs longer
    content_type: str = "text/event-stream"


class ChaosServer(ScriptedServer):
    def reset(self) -> None:
        super().reset()
        self.faults: deque[Fault] = deque()

    def play(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def route(self, method: str, path: str):  # type: ignore[override]
        # Faults are played at model calls; Ollama's /api/show (a model's details) is not one.
        return self.answer if method == "POST" and path != "/api/show" else None

    async def answer(self, request: Request, out: Responder) -> None:
        fault = self.faults.popleft() if self.faults else Fault(status=500, chunks=[b"no fault"])
        headers = {
            "Content-Type": fault.content_type,
            "Transfer-Encoding": "chunked",
            **fault.headers,
        }
        writer = out.writer
        try:
            writer.write(out._head(fault.status, headers))
            for chunk in fault.chunks:
                if chunk:
                    writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            ends = time.monotonic() + fault.limit_s
            if fault.endless is not None:
                piece = b"%x\r\n%s\r\n" % (len(fault.endless), fault.endless)
                while time.monotonic() < ends and not writer.is_closing():
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.001)
            elif fault.stall:
                assert out.reader is not None
                try:  # until the client gives up, or the limit
                    await asyncio.wait_for(out.reader.read(65536), fault.limit_s)
                except TimeoutError:
                    pass
            if fault.cut or fault.stall or fault.endless is not None:
                writer.transport.abort()
                out.closed = True
                return
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            out.closed = True


@dataclass(frozen=True)
class Protocol:
    """How one provider's stream is framed: ``frame`` wraps a piece's raw text (valid JSON or
    not), ``text`` is a JSON piece carrying reply text, ``call`` one carrying a whole tool call
    with the given raw arguments JSON, ``begin``/``end`` what a well-formed reply starts/ends
    with."""

    provider: str
    frame: Callable[[str], bytes]
    text: Callable[[str], str]
    call: Callable[[str], list[str]]
    begin: tuple[str, ...]
    end: tuple[str, ...]
    wrong_shapes: tuple[str, ...]  # objects of the right framing with wrong field types
    model: str
    endpoint_path: str = ""  # appended to the server's URL to make the provider's endpoint

    def body(self, *pieces: str, begin: bool = True) -> list[bytes]:
        return [self.frame(p) for p in ((self.begin if begin else ()) + pieces)]

    def reply(self, *pieces: str) -> list[bytes]:
        """A complete, well-formed reply around ``pieces``."""
        return self.body(*pieces, *self.end)


def _dump(obj: Any) -> str:
    return json.dumps(obj)  # ensure_ascii: lone surrogates travel as \\udXXX escapes


def _as_value(args: str) -> str:
    """Raw arguments text as a JSON value for protocols that carry arguments as values: itself
    if it is JSON, else a JSON string holding it (a server passing the model's text on)."""
    try:
        json.loads(args)
        return args
    except ValueError:
        return _dump(args)


def _sse(data: str) -> bytes:
    return b"data: " + data.encode("utf-8", "surrogatepass") + b"\n\n"


def _anthropic_frame(data: str) -> bytes:
    try:
        kind = json.loads(data).get("type", "message")
    except (ValueError, AttributeError, RecursionError):
        kind = "message"
    return b"event: " + str(kind).encode() + b"\n" + _sse(data)


OLLAMA = Protocol(
    provider="ollama",
    frame=lambda data: data.encode("utf-8", "surrogatepass") + b"\n",
    text=lambda t: _dump({"message": {"role": "assistant", "content": t}, "done": False}),
    call=lambda args: [
        '{"message": {"role": "assistant", "content": "", "tool_calls": [{"function": '
        '{"name": "echo", "arguments": ' + _as_value(args) + '}}]}, "done": false}'
    ],
    begin=(),
    end=(
        _dump(
            {
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "prompt_eval_count": 3,
                "eval_count": 2,
            }
        ),
    ),
    wrong_shapes=(
        _dump({"message": "just a string"}),
        _dump({"message": {"content": 5}}),
        _dump({"message": {"tool_calls": 3}}),
        _dump({"message": {"tool_calls": [{"function": "echo"}]}}),
        _dump({"done": True, "eval_duration": "soon"}),
        _dump({"done": True, "eval_duration": [1]}),
    ),
    model="llama3.2",
)

OPENAI = Protocol(
    provider="openai",
    frame=_sse,
    text=lambda t: _dump({"choices": [{"index": 0, "delta": {"content": t}}]}),
    call=lambda args: [
        '{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c1", '
        '"function": {"name": "echo", "arguments": ' + _dump(args) + "}}]}}]}",
        _dump({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
    ],
    begin=(),
    end=(_dump({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}), "[DONE]"),
    wrong_shapes=(
        _dump({"choices": "many"}),
        _dump({"choices": [{"delta": "text"}]}),
        _dump({"choices": [{"delta": {"content": 5}}]}),
        _dump({"choices": [{"delta": {"tool_calls": [{"function": "echo"}]}}]}),
        _dump({"choices": [], "usage": [1, 2]}),
        _dump({"choices": [{"index": 0, "delta": {"tool_calls": 5}}]}),
    ),
    model="gpt-4o-mini",
    endpoint_path="/v1",
)

ANTHROPIC = Protocol(
    provider="anthropic",
    frame=_anthropic_frame,
    text=lambda t: _dump(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}
    ),
    call=lambda args: [
        _dump(
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {"type": "tool_use", "id": "c1", "name": "echo", "input": {}},
            }
        ),
        _dump(
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": args},
            }
        ),
        _dump({"type": "content_block_stop", "index": 1}),
    ],
    begin=(
        _dump({"type": "message_start", "message": {"usage": {"input_tokens": 3}}}),
        _dump(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            }
        ),
    ),
    end=(
        _dump({"type": "content_block_stop", "index": 0}),
        _dump(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 2},
            }
        ),
        _dump({"type": "message_stop"}),
    ),
    wrong_shapes=(
        _dump({"type": "content_block_start", "index": 2, "content_block": "text"}),
        _dump({"type": "content_block_delta", "index": [0], "delta": {}}),
        _dump(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}}
        ),
        _dump(
            {"type": "message_delta", "usage": {"input_tokens": 1, "cache_read_input_tokens": "x"}}
        ),
        _dump({"type": "message_start", "message": "hello"}),
        _dump({"type": "error", "error": "overloaded"}),
    ),
    model="claude-x",
)

GEMINI = Protocol(
    provider="gemini",
    frame=lambda data: b"data: " + data.encode("utf-8", "surrogatepass") + b"\r\n\r\n",
    text=lambda t: _dump({"candidates": [{"content": {"role": "model", "parts": [{"text": t}]}}]}),
    call=lambda args: [
        '{"candidates": [{"content": {"role": "model", "parts": [{"functionCall": {"name": '
        '"echo", "args": ' + _as_value(args) + '}}]}, "finishReason": "STOP"}]}'
    ],
    begin=(),
    end=(
        _dump(
            {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP"}
                ],
                "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2},
            }
        ),
    ),
    wrong_shapes=(
        _dump({"candidates": "one"}),
        _dump({"candidates": [{"content": {"parts": [5]}}]}),
        _dump({"candidates": [{"content": {"parts": [{"text": 5}]}}]}),
        _dump({"usageMetadata": [1]}),
        _dump({"candidates": [{"content": "parts"}]}),
        _dump({"candidates": [{"content": {"parts": [{"functionCall": "echo"}]}}]}),
    ),
    model="gemini-x",
)

PROTOCOLS = (OLLAMA, OPENAI, ANTHROPIC, GEMINI)


# What a Python error looks like in a message meant for a person (the fault tests' "never").
PYTHON_ERROR = re.compile(
    r"Traceback|\w+Error\b(?!:? ?\()|object has no attribute|not subscriptable|JSONDecode"
)

# Terminal control sequences a hostile model may send: clear, title, clipboard, a position query.
HOSTILE = "\x1b[2J\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x9b6n"


def client_turns(proto: Protocol) -> list[tuple[str, list[Fault]]]:
    """Turns to play at a client, (what the turn is, the responses it gets); the first one's
    reply is ``f"Hi \U0001f600 {HOSTILE} done"``, the others fail or are refused."""
    text = proto.text
    return [
        (
            "split surrogates and escapes",
            [
                Fault(
                    chunks=proto.reply(text("Hi \ud83d"), text("\ude00 " + HOSTILE), text(" done"))
                )
            ],
        ),
        (
            "a piece of the wrong shape",
            [Fault(chunks=proto.reply(text("partial "), proto.wrong_shapes[0]))],
        ),
        (
            "a piece that is not an object",
            [Fault(chunks=proto.reply(text("partial "), "[" * 5000 + "]" * 5000))],
        ),
        (
            "tool arguments that are a list",
            [
                Fault(chunks=proto.reply(*proto.call("[1, 2]"))),
                Fault(chunks=proto.reply(text("after"))),
            ],
        ),
        (
            "an endless reply",
            [Fault(chunks=proto.body(text("la ")), endless=proto.frame(text("la ")), limit_s=4)],
        ),
        ("a stall", [Fault(chunks=proto.body(text("partial ")), stall=True, limit_s=4)]),
        (
            "a 500 with a huge body",
            [
                Fault(
                    status=500,
                    content_type="application/json",
                    chunks=[
                        b'{"error": {"message": "' + b"x" * 100_000 + HOSTILE.encode() + b'"}}'
                    ],
                )
            ],
        ),
    ]
