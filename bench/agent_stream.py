"""The agent alone: how long ``agent.stream`` takes to consume N streamed tokens (no UI).

Run: python bench/agent_stream.py [--tokens 10000] [--runs 5]
This bounds every client figure: no UI can show a reply faster than the agent hands it over.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import common  # noqa: F401  (puts the repo on sys.path)

from agentry import Agent
from agentry.events import TextDelta
from tests.servers.base import Reply, markdown_reply
from tests.servers.ollama import OllamaServer
from tests.servers.openai import OpenAIServer


async def consume(agent: Agent, session_id: str) -> tuple[float, float, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    deltas = 0
    async for event in agent.stream("go", session_id=session_id):
        if isinstance(event, TextDelta):
            deltas += 1
    return time.perf_counter() - t0, time.process_time() - cpu0, deltas


async def run(server, llm: str, tokens: int, runs: int) -> list[tuple[float, float, int]]:
    text = markdown_reply(tokens)
    agent = Agent(llm=llm, endpoint=server.url, model="llama3.2:latest")
    results = []
    for i in range(runs + 1):  # the first run warms the connection and imports
        server.enqueue(Reply(text=text))
        result = await consume(agent, f"bench{i}")
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
    for llm, server_cls in (("ollama", OllamaServer), ("openai", OpenAIServer)):
        with server_cls() as server:
            results = asyncio.run(run(server, llm, args.tokens, args.runs))
        wall = common.median([r[0] for r in results])
        cpu = common.median([r[1] for r in results])
        common.report(f"{llm} protocol, {args.tokens} tokens, median of {args.runs}", [
            ("wall", f"{wall:.3f} s"),
            ("cpu (client + in-process server)", f"{cpu:.3f} s"),
            ("tokens/s", f"{results[0][2] / wall:,.0f}"),
        ])
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
