"""A real llama.cpp server (``python -m llama_cpp.server``) with the bundled SmolLM2 model, for
tests and benchmarks of the OpenAI-compatible path. Unlike the scripted servers it runs a model:
replies are real (temperature 0 makes them repeatable), and slow-ish on one thread.

Usage::

    with LlamaServer() as server:
        provider = OpenAIProvider(endpoint=server.url, temperature=0, max_tokens=64)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from agentry.providers.local import bundled_model_path, llama_cpp_installed

SKIP_REASON = "the local extra (agentry[local]) is not installed"


def server_available() -> bool:
    return llama_cpp_installed() and bundled_model_path() is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` in a subprocess on 127.0.0.1 and a free port.

    ``--interrupt_requests False`` so a second request queues behind the first instead of
    cutting it short. ``url`` is the base (no ``/v1``); ``model`` the id ``/v1/models`` reports.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        n_threads: int = 1,
        n_ctx: int = 4096,
        startup_timeout: float = 60.0,
    ) -> None:
        path = Path(model_path) if model_path else bundled_model_path()
        if path is None or not llama_cpp_installed():
            raise RuntimeError(SKIP_REASON)
        self.model_path = path
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
        self.port = 0
        self.model = ""
        self.startup_seconds: float | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LlamaServer:
        self.port = free_port()
        self._log = tempfile.TemporaryFile()
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            self.model_path.name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_threads",
            str(self.n_threads),
            "--n_threads_batch",
            str(self.n_threads),
            "--n_ctx",
            str(self.n_ctx),
            "--interrupt_requests",
            "False",
            "--verbose",
            "False",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env
        )
        try:
            self.model = self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        return self

    def _wait_until_ready(self) -> str:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited with code {self.process.returncode} before it "
                    f"was ready:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/v1/models", timeout=2) as response:
                    models = json.load(response).get("data") or []
                    return models[0]["id"] if models else self.model_path.name
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                time.sleep(0.1)
        raise RuntimeError(
            f"llama_cpp.server did not answer /v1/models within {self.startup_timeout:g} s:\n"
            f"{self.output()}"
        )

    def output(self, limit: int = 4000) -> str:
        """The server's combined stdout and stderr so far (the end of it)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        return text[-limit:]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
