"""The ``mcpServers`` object of settings.json: one entry per server, in the shape other MCP
clients write (Claude Desktop, Cursor, VS Code), so an entry can be pasted as it is.

    {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
     "docs": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ..."}}}

A bad entry fails alone, with a message naming it; the others still start. Values of ``env``
and ``headers`` may be secrets: no message here quotes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentry.safe_text import clip, visible

DEFAULT_TIMEOUT = 60.0


class _Common(BaseModel):
    # Other clients' keys ("type", "transport", "alwaysAllow", "autoApprove", ...) are accepted.
    model_config = ConfigDict(extra="ignore", frozen=True)

    disabled: bool = False
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)  # seconds one call may take


class StdioServerConfig(_Common):
    """A server Agentry starts as a subprocess and talks to over its stdin/stdout."""

    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    # Merged over the SDK's safe default environment (PATH, HOME, ...), not the whole of ours.
    env: dict[str, str] = Field(default_factory=dict, repr=False)  # may hold secrets
    cwd: str | None = None


class HttpServerConfig(_Common):
    """A server reached over Streamable HTTP."""

    url: str
    headers: dict[str, str] = Field(default_factory=dict, repr=False)  # may hold secrets

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url


ServerConfig = StdioServerConfig | HttpServerConfig


def parse_server(raw: object) -> ServerConfig:
    """One entry as a config; ValueError saying what is wrong (never quoting a value)."""
    if isinstance(raw, StdioServerConfig | HttpServerConfig):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"must be an object, not {type(raw).__name__}")
    model: type[StdioServerConfig] | type[HttpServerConfig]
    if "command" in raw:
        model = StdioServerConfig
    elif "url" in raw or "serverUrl" in raw:
        model = HttpServerConfig
        if "url" not in raw:  # Windsurf's spelling
            raw = {**raw, "url": raw["serverUrl"]}
    else:
        raise ValueError('needs "command" (a program to start) or "url" (an HTTP server)')
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        raise ValueError(_problems(exc)) from None


def parse_servers(raw: object) -> tuple[dict[str, ServerConfig], dict[str, str]]:
    """The ``mcpServers`` object -> (good configs by name, error text by name for bad ones)."""
    if raw is None:
        return {}, {}
    if not isinstance(raw, Mapping):
        return {}, {"mcpServers": f"mcpServers must be an object, not {type(raw).__name__}."}
    good: dict[str, ServerConfig] = {}
    bad: dict[str, str] = {}
    for name, entry in raw.items():
        shown = visible(clip(str(name), 60))
        if not isinstance(name, str) or not name.strip():
            bad[str(name)] = "mcpServers: a server needs a non-empty name."
            continue
        try:
            good[name] = parse_server(entry)
        except ValueError as exc:
            bad[name] = f"mcpServers.{shown}: {exc}."
    return good, bad


def _problems(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "entry"
        if error["type"] == "missing":
            problems.append(f"{where} is missing")
        else:  # pydantic's msg names the expected type, never the (maybe secret) value
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
    return "; ".join(problems)
