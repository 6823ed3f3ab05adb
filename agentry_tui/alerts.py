"""Saying that a reply finished in a session that is not on screen, beyond the toast: the
terminal bell, or a desktop notification. Off by default; ``reply_alert`` in settings.json is
"off", "bell" or "desktop".

A desktop notification is an escape sequence (OSC 9, or OSC 777 in foot) that only some
terminals understand, so it is sent only to those known to show it, and never through tmux or
screen: there it needs their passthrough (off by default) and would otherwise print as junk.
Elsewhere "desktop" rings the bell instead. Pure: the app writes what this returns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

ALERTS = ("off", "bell", "desktop")
BELL = "\a"
_OSC9_PROGRAMS = frozenset(("iTerm.app", "WezTerm", "ghostty"))


def check_alert(value: str | None) -> str:
    """The setting's value ("off" for none); ValueError naming the choices for another."""
    alert = value or "off"
    if alert not in ALERTS:
        raise ValueError(
            f"settings.json: 'reply_alert' is {value!r}; it must be one of {', '.join(ALERTS)}"
        )
    return alert


def alert_sequence(alert: str, title: str, body: str, env: Mapping[str, str]) -> str:
    """What to write to the terminal for ``alert`` ("" for none)."""
    if alert == "off":
        return ""
    if alert == "desktop" and (sequence := desktop_notification(title, body, env)):
        return sequence
    return BELL


def desktop_notification(title: str, body: str, env: Mapping[str, str]) -> str | None:
    """The escape sequence showing a desktop notification in this terminal, or None where none
    is known to be safe."""
    term = env.get("TERM", "")
    if env.get("TMUX") or env.get("STY") or term.startswith(("screen", "tmux")):
        return None
    title, body = _plain(title), _plain(body)
    if env.get("TERM_PROGRAM") in _OSC9_PROGRAMS or term == "xterm-kitty":
        return f"\x1b]9;{title}: {body}\x1b\\"
    if term.startswith("foot"):
        return f"\x1b]777;notify;{title.replace(';', ',')};{body}\x1b\\"
    return None


def _plain(text: str) -> str:
    """``text`` without control characters (an ESC or BEL in a title would end the sequence
    and let the rest reach the terminal as commands)."""
    return "".join(c for c in text if unicodedata.category(c) != "Cc")[:200]
