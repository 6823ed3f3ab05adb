"""How both clients write a moment: the spec's full stamp and the short "5m ago" of a list."""

from __future__ import annotations

from datetime import datetime


def stamp(moment: datetime | str | None) -> str:
    """The spec's /status form: 2025-11-22 20:30:15 (an ISO string, as files hold, is read)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def relative_time(moment: datetime | None, now: datetime) -> str:
    """'just now', '5m ago', '3h ago', '2d ago', else the date: how a list shows last activity."""
    if moment is None:
        return "—"
    if moment.tzinfo is not None and now.tzinfo is None:
        moment = moment.astimezone().replace(tzinfo=None)
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return moment.strftime("%Y-%m-%d")
