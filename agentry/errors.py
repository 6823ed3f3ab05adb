"""Exception types. Each message is written for the person who has to act on it."""

from __future__ import annotations

from pathlib import Path


class AgentryError(Exception):
    """Base class of every error Agentry raises on purpose."""


class Refused(AgentryError):
    """A request the program will not carry out as things stand (a reply is still arriving, no
    model is connected, the name is taken). The message is the reason shown to the person."""


class SessionCorruptError(AgentryError, ValueError):
    """A session file exists but cannot be read as a session. The file is left untouched."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"Session file {self.path} is corrupt: {problem}. It was left as it is.")


class InvalidSessionIdError(Refused, ValueError):
    """A session id that breaks the naming rule (and so could escape the history folder)."""


class ProviderError(AgentryError):
    """A model provider failed. ``provider`` and ``url`` say which; the text says what to do."""

    def __init__(self, message: str, *, provider: str = "", url: str = "") -> None:
        self.provider = provider
        self.url = url
        super().__init__(message)


class ProviderConnectionError(ProviderError):
    """The server could not be reached (refused, DNS, TLS)."""


class AuthenticationError(ProviderError):
    """401/403: the key is missing, wrong or lacks access. Never contains the key itself."""


class ModelNotFoundError(ProviderError):
    """The model is not on the server (or none is installed)."""


class RateLimitError(ProviderError):
    """429 after the one retry that honours Retry-After."""


class ServerError(ProviderError):
    """A 5xx answer, or another HTTP status we cannot act on."""


class StreamError(ProviderError):
    """The stream was malformed or cut before the reply finished; the partial reply is kept."""


class ProviderTimeout(ProviderError):
    """Connecting or waiting for the next piece of the stream took too long."""


class ToolError(AgentryError):
    """A tool could not run (refused, bad arguments, outside the workspace). Shown to the model."""


class ContextFullError(AgentryError):
    """The next request would not fit the model's context window, and the session's policy
    (or the size of the newest message alone) says not to send it."""
