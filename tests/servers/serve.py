"""Run one protocol server in the foreground, for benchmarks and for trying the clients by hand:

    python -m tests.servers.serve ollama [--port 11434]

It prints its URL on the first line, then serves until killed. Script replies with the
directives in base.py (``#long:2000``, ``#slow``, ``#tool:NAME {...}``, ...).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading

SERVERS = {
    "ollama": "tests.servers.ollama:OllamaServer",
    "openai": "tests.servers.openai:OpenAIServer",
    "anthropic": "tests.servers.anthropic:AnthropicServer",
    "gemini": "tests.servers.gemini:GeminiServer",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("protocol", choices=SERVERS)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    module, _, name = SERVERS[args.protocol].partition(":")
    server = getattr(importlib.import_module(module), name)()
    server.port = args.port
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(server.url, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
