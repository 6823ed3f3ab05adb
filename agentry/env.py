"""Settings read from environment variables."""

from __future__ import annotations

import os


def env_seconds(env: str, default: float) -> float:
    """The positive, finite number of seconds in ``$env``, else ``default`` when it is unset or
    empty. ValueError, naming the variable, for anything else."""
    value = os.environ.get(env)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{env} must be a positive number of seconds, not {value!r}")
    return seconds
