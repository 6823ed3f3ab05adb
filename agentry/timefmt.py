"""How both clients write a moment in full (the spec's /status form)."""

from __future__ import annotations

from datetime import datetime


def stamp(moment: datetime | str | None) -> str:
    """The spec's /status form: 2025-11-22 20:30:15 (an ISO string, as files hold, is read)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"
