"""Settings and the choice of provider: arguments > environment > settings file > defaults."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentry.context.length import positive_int
from agentry.messages import optional_str
from agentry.providers.base import MODEL_ENV
from agentry.sessions.storage import atomic_write, locked

if TYPE_CHECKING:
    from agentry.providers import Provider

CONFIG_DIR_ENV = "AGENTRY_CONFIG_DIR"
PROVIDER_ENV = "AGENTRY_PROVIDER"


@dataclass
class Settings:
    """What a person configures once: ``<config dir>/settings.json``. (A dataclass checked by
    hand, not a pydantic model: read at every start-up, where importing pydantic costs 0.2 s.)"""

    provider: str | None = None
    model: str | None = None
    endpoint: str | None = None
    theme: str | None = None
    sidebar: str | None = None  # "hidden" once the TUI's session list was hidden (ctrl+s)
    reply_alert: str | None = None  # off | bell | desktop: see agentry_tui/alerts.py
    # Defaults for every session's parameters ({"temperature": 0.7, "system": "..."}): see
    # agentry/params.py and ``default_params``. Checked when the agent is made, not here.
    params: dict[str, Any] | None = None
    # MCP servers by name, as other MCP clients write them: parsed by agentry/mcp/config.py
    # (with pydantic) only when there are some, so here it is only checked to be an object.
    mcpServers: dict[str, Any] | None = None
    # Tools allowed without asking: {"always": {"<server>": ["<tool>", ...]}}; kept by
    # agentry/tools/approvals.py, which reads and writes this key itself.
    tool_approvals: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, raw: bytes) -> Settings:
        """Settings from the file's text; unknown keys are ignored. ValueError if it is not a
        JSON object or a known key's value is not a string."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("settings.json must hold a JSON object")
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for key, value in values.items():
            # Objects checked inside by their owners: params.py, mcp/config.py, tools/approvals.py
            if key in ("params", "mcpServers", "tool_approvals"):
                if not isinstance(value, dict):
                    raise ValueError(f"settings.json: {key!r} must be an object")
            elif not optional_str(value):
                raise ValueError(f"settings.json: {key!r} must be a string")
        return cls(**values)


def config_dir() -> Path:
    configured = os.environ.get(CONFIG_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_config_path

    return user_config_path("agentry", appauthor=False)


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings() -> Settings:
    """The saved settings; a missing or unreadable file gives the defaults (never an error at
    start-up: the file is only preferences)."""
    try:
        return Settings.from_json(settings_path().read_bytes())
    except (OSError, ValueError):
        return Settings()


def change_settings(change: Callable[[dict[str, Any]], None], path: Path | None = None) -> None:
    """Read settings.json, let ``change`` edit its object, and write it back if it changed, all
    under the file's lock: what ``change`` leaves alone (another process's change, a person's
    edit, a key this version does not know) is kept. ValueError, the file untouched, when it
    is not a JSON object (a person may be halfway through editing it). ``path``: another
    settings file than the configured one."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.parent, path.name):
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            data = {}
        except ValueError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc}); it was left as it is") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path} does not hold a JSON object; it was left as it is")
        before = dict(data)
        change(data)
        if data != before:
            atomic_write(path, json.dumps(data, indent=2).encode())


def save_setting(key: str, value: Any) -> None:
    """Set one key of settings.json (None removes it), keeping every other key as it is."""

    def put(data: dict[str, Any]) -> None:
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value

    change_settings(put)


def save_settings(settings: Settings) -> None:
    """Write the keys ``settings`` sets into settings.json; the file's other keys are kept."""
    values = {k: v for k, v in asdict(settings).items() if v is not None}
    change_settings(lambda data: data.update(values))


def default_params(settings: Settings) -> tuple[str | None, dict[str, Any]]:
    """The settings file's session defaults: (system prompt or None, the other parameters
    checked). ParamsError naming the file and the wrong value."""
    from agentry.params import SYSTEM, ParamsError, checked

    params = dict(settings.params or {})
    system = params.pop(SYSTEM, None)
    if system is not None and not isinstance(system, str):
        raise ParamsError(f"{settings_path()}: params.system must be a string, not {system!r}.")
    return system or None, checked(params, f"{settings_path()}: params.") if params else {}


@dataclass(frozen=True)
class ProviderChoice:
    """Which provider to use and why, in words for the status bar. ``name`` is None when
    nothing is available; ``reason`` then says how to connect one."""

    name: str | None
    reason: str


NO_PROVIDER_HELP = (
    "No model server found. Start Ollama (`ollama serve`), pass --provider openai/anthropic/"
    "gemini/groq with its API key in the environment, or install the offline model: "
    "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'agentry[local]'"
)


async def ollama_answers(endpoint: str | None = None, timeout: float = 1.0) -> str | None:
    """The Ollama URL if a server answers there within ``timeout``, else None."""
    import httpx  # here, not at the top: the TUI reads settings before its first frame

    from agentry.providers.ollama import parse_ollama_host

    url = endpoint or parse_ollama_host(os.environ.get("OLLAMA_HOST"))
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"{url.rstrip('/')}/api/tags")
            return url if response.status_code == 200 else None
    except httpx.HTTPError:
        return None


async def choose_provider(
    provider: str | None, endpoint: str | None = None, settings: Settings | None = None
) -> ProviderChoice:
    """The configured provider, else Ollama if it answers, else the bundled local model."""
    if provider:
        return ProviderChoice(provider, "chosen with --provider")
    if env := os.environ.get(PROVIDER_ENV):
        return ProviderChoice(env, f"from {PROVIDER_ENV}")
    settings = settings or load_settings()
    if settings.provider:
        return ProviderChoice(settings.provider, f"from {settings_path()}")
    if url := await ollama_answers(endpoint):
        return ProviderChoice("ollama", f"Ollama answered at {url}")
    from agentry.providers.local import local_available

    if local_available():
        return ProviderChoice(
            "local",
            "no Ollama answered; the bundled offline model answers instead: start Ollama, "
            "or pick a provider with /model or --provider",
        )
    return ProviderChoice(None, NO_PROVIDER_HELP)


def build_provider(
    choice: ProviderChoice,
    model: str | None = None,
    endpoint: str | None = None,
    settings: Settings | None = None,
) -> Provider:
    """The chosen provider, configured: ``model``/``endpoint`` as given, else the settings
    file's when they are for this provider (a model named for another provider would not exist
    on this one); AGENTRY_MODEL beats the file. No choice gives the stand-in that explains how
    to connect one."""
    from agentry.providers import make_provider
    from agentry.providers.unavailable import UnavailableProvider

    if choice.name is None:
        return UnavailableProvider(choice.reason)
    settings = settings or load_settings()
    own = choice.name == settings.provider
    model = model or os.environ.get(MODEL_ENV) or (settings.model if own else None)
    endpoint = endpoint or (settings.endpoint if own else None)
    return make_provider(choice.name, model=model, endpoint=endpoint)


def settings_context_length() -> int | None:
    """The context length settings.json gives (``"params": {"context_length": N}``), if any."""
    try:
        data = json.loads(settings_path().read_bytes())
    except (OSError, ValueError):
        return None
    params = data.get("params") if isinstance(data, dict) else None
    return positive_int(params.get("context_length")) if isinstance(params, dict) else None
