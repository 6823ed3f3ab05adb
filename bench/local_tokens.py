"""Tokens per second of the bundled SmolLM2-135M: (a) in-process through LocalProvider and
(b) through ``python -m llama_cpp.server`` via OpenAIProvider, plus model load time.

Run from the repository root:  python bench/local_tokens.py [--runs 5] [--max-tokens 128]
Beside the TUI:                python bench/local_tokens.py --tui [--runs 5]

``--tui`` compares the model's speed with no UI against the same model in agentry-tui
(``--provider local``, in a tmux pane as a person runs it), run by run, alternating: both are
the tokens/s the reply's usage records (completion tokens / generation time, as the TUI shows
it), with the provider's defaults as the TUI uses them (the TUI has no temperature or length
setting); the TUI's is read from the saved session.

Each path gets one warm-up request, then ``--runs`` timed requests of the same prompt at
temperature 0 (so every run produces the same reply); the median is reported. Both paths use
the same thread count (LocalProvider's default: AGENTRY_LOCAL_THREADS, else cores - 1).

  tokens/s  completion tokens / wall time from sending the request to the last token
  decode/s  completion tokens after the first / time from the first token to the last
  TTFT      time to first token
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agentry.events import TextDelta, UsageEvent  # noqa: E402
from agentry.providers.base import Provider  # noqa: E402
from agentry.providers.local import LocalProvider, default_threads, local_available  # noqa: E402

PROMPT = [
    {"role": "system", "content": "You are a helpful AI assistant."},
    {"role": "user", "content": "Explain in about 100 words how a CPU executes a program."},
]


@dataclass
class Run:
    tokens: int
    total_s: float
    ttft_s: float
    last_token_s: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.total_s

    @property
    def decode_per_s(self) -> float:
        span = self.last_token_s - self.ttft_s
        return (self.tokens - 1) / span if self.tokens > 1 and span > 0 else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    try:
        import llama_cpp

        version = llama_cpp.__version__
    except Exception:
        version = "?"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return (
        f"{platform.platform()} | Python {platform.python_version()} | "
        f"llama-cpp-python {version}\n"
        f"CPU: {cpu_model()} | cpu_count {os.cpu_count()} (usable {usable})"
    )


async def one_run(provider: Provider, model: str) -> Run:
    tokens = 0
    reported: int | None = None
    started = time.perf_counter()
    first = last = started
    async for event in provider.stream_chat(PROMPT, model=model):
        if isinstance(event, TextDelta):
            last = time.perf_counter()
            if tokens == 0:
                first = last
            tokens += 1
        elif isinstance(event, UsageEvent):
            reported = event.completion_tokens
    total = time.perf_counter() - started
    # One streamed chunk is one token, except where llama.cpp holds back a partial character;
    # prefer the provider's own count when it gives one (llama_cpp.server does not, streaming).
    return Run(reported or tokens, total, first - started, last - started)


async def measure(provider: Provider, runs: int) -> list[Run]:
    model = await provider.resolve_model()
    await one_run(provider, model)  # warm-up: first-use costs, prompt cache
    return [await one_run(provider, model) for _ in range(runs)]


def report(label: str, results: list[Run]) -> None:
    med = statistics.median
    print(
        f"{label:<40} {med(r.tokens_per_s for r in results):7.1f} tok/s   "
        f"decode {med(r.decode_per_s for r in results):6.1f} tok/s   "
        f"TTFT {med(r.ttft_s for r in results) * 1000:5.0f} ms   "
        f"{med(r.tokens for r in results):.0f} tokens   "
        f"(runs: {', '.join(f'{r.tokens_per_s:.1f}' for r in results)})"
    )


async def usage_rate(provider: LocalProvider) -> float:
    """One reply's tokens/s as its usage records it (what the TUI shows)."""
    async for event in provider.stream_chat(PROMPT, model=await provider.resolve_model()):
        if isinstance(event, UsageEvent) and event.completion_tokens and event.duration_s:
            return event.completion_tokens / event.duration_s
    raise SystemExit("the local model reported no usage")


def tui_rate(tmux: Any, env: dict[str, str]) -> float:
    """Ask agentry-tui --provider local the prompt; the tokens/s of its saved reply."""
    import tempfile

    import tui_common as tc

    from agentry.sessions import SessionManager

    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))

    def shown(screen: list[list[str]]) -> str:
        return "\n".join("".join(row) for row in screen)

    tmux.start([tc.TUI_COMMAND, "--provider", "local", "--history-dir", str(folder)], env)
    ready = tc.poll(tmux, {"ready": lambda s: "● connected" in shown(s)}, 120, 0.1)
    if ready["ready"] is None:
        raise SystemExit(
            "agentry-tui --provider local did not become ready:\n" + shown(tmux.screen())
        )
    tmux.keys(PROMPT[-1]["content"], literal=True)
    time.sleep(0.3)
    tmux.keys("Enter")
    # The finished reply's header shows its speed (the status line may have no room for it).
    done = tc.poll(
        tmux,
        {"done": lambda s: "tok/s" in shown(s) and "● connected" in shown(s[-4:])},
        300,
        0.25,
    )
    if done["done"] is None:
        screen = shown(tmux.screen())
        tmux.stop_app()
        raise SystemExit("the TUI's reply did not finish:\n" + screen)
    tmux.stop_app()
    manager = SessionManager(folder)
    rows = [r for r in manager.list_sessions() if "error" not in r]
    session = manager.load(rows[0]["id"])
    assert session is not None
    usage = next(m["_usage"] for m in reversed(session.messages) if "_usage" in m)
    return usage["completion_tokens"] / usage["duration_s"]


async def bench_tui(threads: int, runs: int, code: Path) -> None:
    import common
    import tui_common as tc

    env = {**tc.isolated_env(), "AGENTRY_LOCAL_THREADS": str(threads), "PYTHONPATH": str(code)}
    provider = LocalProvider(n_threads=threads)
    await provider.load()
    await usage_rate(provider)  # warm-up
    bare: list[float] = []
    shown: list[float] = []
    with tc.Tmux() as tmux:
        for _ in range(runs):
            bare.append(await usage_rate(provider))
            provider.unload()  # the TUI's process loads its own copy
            shown.append(tui_rate(tmux, env))
            await provider.load()
    provider.unload()
    no_ui, tui = statistics.median(bare), statistics.median(shown)
    print(
        f"{'no UI (LocalProvider, usage)':<40} {no_ui:7.1f} tok/s   "
        f"(runs: {', '.join(f'{r:.1f}' for r in bare)})"
    )
    print(f"agentry-tui --provider local (tmux), code {code}")
    print(f"{'  in the TUI':<40} {tui:7.1f} tok/s   (runs: {', '.join(f'{r:.1f}' for r in shown)})")
    print(
        f"the TUI's figure is {tui / no_ui * 100:.1f}% of the no-UI one "
        f"(target: at least 95%); {common.machine()}"
    )


async def bench_local(threads: int, runs: int, max_tokens: int) -> None:
    provider = LocalProvider(n_threads=threads, temperature=0, max_tokens=max_tokens)
    started = time.perf_counter()
    await provider.load()
    wall = time.perf_counter() - started
    print(
        f"model load (in-process): {provider.load_seconds:.2f} s "
        f"(awaited from the event loop: {wall:.2f} s)"
    )
    report("(a) LocalProvider, in-process", await measure(provider, runs))
    provider.unload()


async def bench_server(threads: int, runs: int, max_tokens: int) -> None:
    from agentry.providers.openai import OpenAIProvider
    from tests.servers.llama import LlamaServer

    with LlamaServer(n_threads=threads) as server:
        print(
            f"llama_cpp.server start-up (process + model load, until /v1/models answers): "
            f"{server.startup_seconds:.2f} s"
        )
        provider = OpenAIProvider(endpoint=server.url, temperature=0, max_tokens=max_tokens)
        try:
            report("(b) OpenAIProvider -> llama_cpp.server", await measure(provider, runs))
        finally:
            await provider.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument(
        "--threads", type=int, default=None, help="default: AGENTRY_LOCAL_THREADS, else cores - 1"
    )
    parser.add_argument(
        "--tui",
        action="store_true",
        help="compare with agentry-tui --provider local (tmux), run by run",
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="with --tui: the code tree the TUI runs (its PYTHONPATH)",
    )
    args = parser.parse_args()
    if not local_available():
        sys.exit("The local extra is not installed: pip install 'agentry[local]'")
    threads = args.threads or default_threads()
    print(machine())
    if args.tui:
        print(
            f"model: SmolLM2-135M-Instruct Q4_1 (bundled) | threads {threads} | the "
            f"provider's defaults | median of {args.runs} runs, alternating\n"
        )
        asyncio.run(bench_tui(threads, args.runs, args.code.resolve()))
        return
    print(
        f"model: SmolLM2-135M-Instruct Q4_1 (bundled) | threads {threads} | "
        f"max_tokens {args.max_tokens} | temperature 0 | median of {args.runs} runs\n"
    )
    asyncio.run(bench_local(threads, args.runs, args.max_tokens))
    asyncio.run(bench_server(threads, args.runs, args.max_tokens))


if __name__ == "__main__":
    main()
