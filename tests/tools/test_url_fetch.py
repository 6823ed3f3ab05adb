from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from agentry.errors import ToolError
from agentry.tools import ToolRegistry, web

PAGE = b"""<html><head><title>T</title><style>p {color: red}</style>
<script>alert("no")</script></head>
<body><h1>Hello &amp; welcome</h1><p>First   paragraph.</p><!-- hidden -->
<p>Second</p></body></html>"""

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/page": (200, "text/html; charset=utf-8", PAGE),
    "/data": (200, "application/json", b'{"k": "v\xc3\xa9"}'),
    "/big": (200, "text/plain", b"y" * (web.FETCH_CAP + 1000)),
    "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n\0\0"),
    "/latin": (200, "text/plain; charset=iso-8859-1", "café".encode("latin-1")),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/data")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1)
        if self.path == "/drip":
            return self.drip()
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", b"nope"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self) -> None:
        """Headers at once, then a byte every 0.5 s: each read is quick, the whole is not."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "20")
        self.end_headers()
        for _ in range(20):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up early (at the size cap, on timeout) is what the tests do


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_html_is_reduced_to_text(tools: ToolRegistry, server: str) -> None:
    result = await tools.execute("url_fetch", {"url": f"{server}/page"})
    text = "T\n\nHello & welcome\n\nFirst paragraph.\n\nSecond"
    assert result == f"{server}/page (text/html; charset=utf-8)\n\n{text}"


async def test_text_types_redirects_and_charsets(tools: ToolRegistry, server: str) -> None:
    assert await tools.execute("url_fetch", {"url": f"{server}/redirect"}) == (
        f'{server}/data (application/json)\n\n{{"k": "vé"}}'
    )
    assert (await tools.execute("url_fetch", {"url": f"{server}/latin"})).endswith("café")


async def test_body_is_capped(tools: ToolRegistry, server: str) -> None:
    result = await tools.execute("url_fetch", {"url": f"{server}/big"})
    assert result.endswith("y" * 100 + "\n[Truncated at 512 KB.]")
    assert result.count("y") == web.FETCH_CAP


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/missing", "answered HTTP 404 Not Found"), ("/image", r"is not text \(image/png\)")],
)
async def test_http_errors_and_binaries(
    tools: ToolRegistry, server: str, path: str, problem: str
) -> None:
    with pytest.raises(ToolError, match=problem):
        await tools.execute("url_fetch", {"url": server + path})


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "example.com", "http://"]
)
async def test_only_http_urls(tools: ToolRegistry, url: str) -> None:
    with pytest.raises(ToolError, match="Only absolute http:// and https://|Invalid URL"):
        await tools.execute("url_fetch", {"url": url})


async def test_unreachable_and_slow_servers(
    tools: ToolRegistry, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ToolError, match="Could not fetch http://127.0.0.1:1/: ConnectError"):
        await tools.execute("url_fetch", {"url": "http://127.0.0.1:1/"})
    monkeypatch.setattr(web, "TIMEOUT", httpx.Timeout(0.2))
    with pytest.raises(ToolError, match="ReadTimeout"):
        await tools.execute("url_fetch", {"url": f"{server}/slow"})


@pytest.mark.parametrize("set_limit", ["env", "constant"])
async def test_a_whole_fetch_is_bounded_in_time(
    tools: ToolRegistry, server: str, monkeypatch: pytest.MonkeyPatch, set_limit: str
) -> None:
    if set_limit == "env":
        monkeypatch.setenv("AGENTRY_FETCH_TIMEOUT", "1.2")
    else:
        monkeypatch.delenv("AGENTRY_FETCH_TIMEOUT", raising=False)
        monkeypatch.setattr(web, "TOTAL_TIMEOUT", 1.2)
    started = time.monotonic()
    with pytest.raises(ToolError) as info:
        await tools.execute("url_fetch", {"url": f"{server}/drip"})
    assert 1.2 <= time.monotonic() - started < 2
    message = str(info.value)
    assert re.fullmatch(
        rf"Gave up on {server}/drip after 1\.2 s, the limit for a whole fetch, with (\d) bytes"
        r" of the body read\. Set AGENTRY_FETCH_TIMEOUT \(seconds\) to allow longer\.",
        message,
    )
    # Bytes come at 0, 0.5 and 1.0 s (3 read, or fewer on a loaded machine).
    assert 1 <= int(re.findall(r"with (\d) bytes", message)[0]) <= 3


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan", "inf"])
async def test_a_bad_fetch_limit_is_named(
    tools: ToolRegistry, server: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AGENTRY_FETCH_TIMEOUT", value)
    with pytest.raises(ToolError) as info:
        await tools.execute("url_fetch", {"url": f"{server}/data"})
    assert str(info.value) == (
        f"AGENTRY_FETCH_TIMEOUT must be a positive number of seconds, not {value!r}."
    )
