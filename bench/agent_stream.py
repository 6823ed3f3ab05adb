"""The agent alone: how long ``agent.stream`` takes to consume N streamed tokens (no UI).

Run: python bench/agent_stream.py [--tokens 10000] [--runs 5]
The server runs in its own process and streams as fast as the client reads. This bounds every
client figure: no UI can show a reply faster than the agent hands it over.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import common

from agentry import Agent
from agentry.events import ErrorEvent, TextDelta


async def consume(agent: Agent, prompt: str, session_id: str) -> tuple[float, float, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    deltas = 0
    async for event in agent.stream(prompt, session_id=session_id):
        if isinstance(event, TextDelta):
            deltas += 1
        elif isinstance(event, ErrorEvent):
            raise SystemExit(f"the stream failed: {event.message}")
    return time.perf_counter() - t0, time.process_time() - cpu0, deltas


async def run(url: str, llm: str, tokens: int, runs: int) -> list[tuple[float, float, int]]:
    agent = Agent(llm=llm, endpoint=url)
    results = []
    for i in range(runs + 1):  # the first run warms the connection and imports
        result = await consume(agent, f"#long:{tokens}", f"bench{i}")
        if i:
            results.append(result)
    await agent.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    common.header("agent.stream throughput")
    for llm in ("ollama", "openai"):
        with common.ServerProcess(llm) as server:
            results = asyncio.run(run(server.url, llm, args.tokens, args.runs))
        wall = common.median([r[0] for r in results])
        cpu = common.median([r[1] for r in results])
        common.report(
            f"{llm} protocol, {results[0][2]} streamed tokens, median of {args.runs}",
            [
                ("wall", f"{wall:.3f} s"),
                ("client CPU", f"{cpu:.3f} s"),
                ("tokens/s", f"{results[0][2] / wall:,.0f}"),
            ],
        )
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
