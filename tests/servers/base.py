"""A small HTTP/1.1 server on 127.0.0.1, in its own thread and event loop, that answers chat
requests from a script.

What a chat request gets, in order of precedence:
1. the next ``Reply`` queued with ``server.enqueue(...)`` (tests in the same process);
2. directives in the last user message, so tests that drive a subprocess can script it too:
   ``#tool:NAME {json args}`` asks for a tool call, ``#think`` adds reasoning, ``#long:N`` a
   markdown reply of N tokens, ``#slow`` (0.05 s a token), ``#rate:N`` (about N tokens/s),
   ``#cut`` (connection dropped after a few tokens), ``#hang`` (never answers),
   ``#status:CODE``, ``#malformed``;
3. otherwise an echo: "Echo: <the message>", or after a tool result "Tool said: <result>".

Protocol modules (ollama.py, openai.py, ...) subclass ``ScriptedServer`` and turn a ``Reply``
into bytes exactly as the provider's API reference shows them.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

TOKEN = re.compile(r"\s*\S+|\s+")


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text)


def markdown_reply(n_tokens: int) -> str:
    """A reply of about ``n_tokens`` tokens mixing prose, lists, headings and code fences."""
    blocks = [
        "## Section {i}\n\nHere is a paragraph of prose that explains part {i} of the answer "
        "with enough words to wrap across the width of a terminal window.\n\n",
        "- first point about item {i}\n- second point with `inline code`\n- third point\n\n",
        "```python\ndef step_{i}(x):\n    return x * {i} + 1\n```\n\n",
        "1. numbered **bold** step {i}\n2. another *italic* step\n\n",
    ]
    text, i = "", 0
    while len(tokenize(text)) < n_tokens:
        text += "".join(blocks[j % len(blocks)].format(i=j) for j in range(i, i + 50))
        i += 50
    return "".join(tokenize(text)[:n_tokens])


@dataclass
class Reply:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    error: str | None = None  # error message for a non-200 status
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None  # drop the connection after this many text tokens
    hang: bool = False  # read the request, never answer
    delay: float = 0.0  # seconds between tokens
    stall_after: int | None = None  # after this many chunks, send nothing more (nor end)...
    resume: threading.Event | None = None  # ...until this is set, if given; then the rest
    malformed_after: int | None = None  # send a broken line after this many tokens
    prompt_tokens: int = 26
    # The request's reply limit (each server reads its protocol's field): text stops there and
    # the reply ends as cut by the length limit, as the real services say it.
    max_tokens: int | None = None

    @property
    def tokens(self) -> list[str]:
        return tokenize(self.text)

    @property
    def truncated(self) -> bool:
        """The text is longer than the request allowed."""
        return self.max_tokens is not None and len(self.tokens) > self.max_tokens


def reply_for(messages: list[dict[str, Any]]) -> Reply:
    """The scripted reply for a conversation with no queued reply (see module docstring)."""
    last = messages[-1] if messages else {}
    if last.get("role") == "tool" or (
        isinstance(last.get("content"), list)
        and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in last["content"])
    ):
        return Reply(text=f"Tool said: {_content_text(last)}")
    text = _content_text(last)
    reply = Reply(text=f"Echo: {text}")
    if m := re.search(r"#tool:(\w+)\s*(\{.*\})?", text):
        reply = Reply(tool_calls=[(m.group(1), json.loads(m.group(2) or "{}"))])
    if m := re.search(r"#long:(\d+)", text):
        reply.text = markdown_reply(int(m.group(1)))
    if "#think" in text:
        reply.reasoning = "Let me think about this step by step."
    if "#slow" in text:
        reply.delay = 0.05
    if m := re.search(r"#rate:(\d+)", text):
        reply.delay = 1 / max(1, int(m.group(1)))
    if "#cut" in text:
        reply.text = "This reply will be cut off in the middle of a sentence"
        reply.cut_after = 6
    if "#hang" in text:
        reply.hang = True
    if m := re.search(r"#status:(\d+)", text):
        reply.status = int(m.group(1))
        reply.error = "scripted failure"
    if "#malformed" in text:
        reply.malformed_after = 1
    return reply


def _content_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):  # Anthropic blocks / Gemini parts already flattened
        parts = []
        for p in content:
            if isinstance(p, dict):
                inner = p.get("content", p.get("text", ""))
                parts.append(inner if isinstance(inner, str) else _content_text({"content": inner}))
        return " ".join(parts)
    return str(content or "")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    # Set when the client closes the connection this request came on (seen from the server).
    closed: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)


class ScriptedServer:
    """Subclasses implement ``route`` returning a handler for (method, path), and name the
    models they offer in MODELS. ``reset`` brings back everything a test may have changed."""

    MODELS: ClassVar[tuple[str, ...]] = ("llama3.2:latest", "qwen3:0.6b")

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0  # set before start() for a fixed port
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> ScriptedServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(serve())
        self._loop.run_forever()
        # Stopped: the aborted connections end their handlers; let them finish, then close.
        pending = asyncio.all_tasks(self._loop)
        if pending:
            self._loop.run_until_complete(asyncio.wait(pending, timeout=2))
        self._loop.close()

    def stop(self) -> None:
        def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            self._loop.stop()

        self._loop.call_soon_threadsafe(shutdown)
        self._thread.join(10)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def reset(self) -> None:
        self.replies.clear()
        self.requests.clear()
        self.models = list(self.MODELS)
        self.api_key: str | None = None  # None: no key check
        self.end_early = False  # end the stream cleanly but without its end marker
        self.images: list[tuple[str, bytes]] = []  # (media type, bytes) the requests carried

    def next_reply(self, messages: list[dict[str, Any]], max_tokens: Any = None) -> Reply:
        """The reply to send, limited to ``max_tokens`` (the request's own field, if any)."""
        reply = self.replies.popleft() if self.replies else reply_for(messages)
        if isinstance(max_tokens, int):
            reply.max_tokens = max_tokens
        return reply

    # -- HTTP -------------------------------------------------------------------------------

    def route(self, method: str, path: str) -> Callable[[Request, Responder], Any] | None:
        raise NotImplementedError

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        seen: list[Request] = []
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                size = int(headers.get("content-length", "0"))
                raw = await reader.readexactly(size) if size else b""
                body = json.loads(raw) if raw else None
                request = Request(method, target, headers, body)
                self.requests.append(request)
                seen.append(request)
                responder = Responder(writer, reader)
                handler = self.route(method, target.split("?")[0])
                if handler is None:
                    await responder.json(404, {"error": f"no route {method} {target}"})
                else:
                    await handler(request, responder)
                if responder.closed:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            for request in seen:
                request.closed.set()


class Responder:
    """Writes one HTTP/1.1 response: a whole JSON body, or a chunked stream."""

    REASONS = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }

    def __init__(
        self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader | None = None
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.closed = False

    def _head(self, status: int, headers: dict[str, str]) -> bytes:
        reason = self.REASONS.get(status, "Error")
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        all_headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(data)),
            **(headers or {}),
        }
        self.writer.write(self._head(status, all_headers) + data)
        await self.writer.drain()

    async def _until_closed(self) -> None:
        """Send nothing more; return once the client gives up and closes the connection."""
        if self.reader is None:
            await asyncio.sleep(3600)
        else:
            while await self.reader.read(65536):
                pass
        self.closed = True

    async def stream(self, content_type: str, chunks: AsyncIterator[bytes], reply: Reply) -> None:
        """Send ``chunks`` with chunked transfer encoding, honouring the reply's faults."""
        if reply.hang:
            await self._until_closed()  # answer nothing
            return
        headers = {"Content-Type": content_type, "Transfer-Encoding": "chunked", **reply.headers}
        self.writer.write(self._head(200, headers))
        sent = 0
        async for chunk in chunks:
            if sent == reply.stall_after:
                if reply.resume is None:
                    await self._until_closed()
                    return
                while not reply.resume.is_set():
                    await asyncio.sleep(0.01)
            sent += 1
            if chunk is CUT:
                self.writer.transport.abort()  # drop mid-reply, no terminating chunk
                self.closed = True
                return
            self.writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await self.writer.drain()
            if reply.delay:
                await asyncio.sleep(reply.delay)
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()


CUT = b"<cut>"  # sentinel a protocol generator yields to drop the connection


async def paced(reply: Reply) -> AsyncIterator[tuple[str, str]]:
    """The reply as ("reasoning" | "text" | "cut" | "malformed", token) steps, faults included."""
    for tok in tokenize(reply.reasoning):
        yield "reasoning", tok
    for i, tok in enumerate(reply.tokens):
        if reply.cut_after is not None and i == reply.cut_after:
            yield "cut", ""
            return
        if reply.malformed_after is not None and i == reply.malformed_after:
            yield "malformed", ""
            return
        if i == reply.max_tokens:
            return
        yield "text", tok


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000000Z"
