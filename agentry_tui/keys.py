"""The key map: one table that makes the bindings, the command palette entries and /help."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeyAction:
    keys: str  # Textual key names, comma separated
    action: str
    description: str  # short: the key bar
    help: str  # long: the command palette and /help
    show: bool = True  # in the key bar
    priority: bool = False  # also while the message box has focus and would take the key


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("ctrl+n", "new_session", "New", "Start a new session"),
    KeyAction("alt+down,ctrl+pagedown", "next_session", "Next", "Go to the next session", False),
    KeyAction(
        "alt+up,ctrl+pageup", "previous_session", "Previous", "Go to the previous session", False
    ),
    KeyAction("f2", "rename_session", "Rename", "Rename the current session"),
    KeyAction("f8", "delete_session", "Delete", "Delete the current session (asks first)"),
    KeyAction("ctrl+l", "clear_session", "Clear", "Clear the current session (asks first)"),
    KeyAction("escape", "stop", "Stop", "Stop the reply that is arriving"),
    KeyAction("ctrl+r", "retry", "Retry", "Answer the last message again"),
    KeyAction("ctrl+home", "jump_to_start", "Start", "Go to the session's first message", False),
    KeyAction("ctrl+end", "jump_to_end", "End", "Go to the session's newest message", False),
    KeyAction(
        "ctrl+g", "go_to_finished", "Go", "Go to the session whose reply finished last", False
    ),
    KeyAction("alt+c", "copy_reply", "Copy", "Copy the last reply to the clipboard", False),
    KeyAction(
        "alt+e", "export", "Export", "Export the session (Markdown, JSON) to this folder", False
    ),
    KeyAction("ctrl+s", "toggle_sidebar", "Sidebar", "Show or hide the session list"),
    KeyAction("ctrl+o", "toggle_metadata", "Info", "Show or hide the session metadata panel"),
    KeyAction("ctrl+f", "focus_filter", "Find", "Filter the session list", False),
    KeyAction("alt+t", "change_theme", "Theme", "Pick a colour theme (remembered)", False),
    KeyAction("f1", "help", "Help", "Show the commands and keys"),
    KeyAction(
        "ctrl+q",
        "quit",
        "Quit",
        "Quit (replies in progress are saved as they stand)",
        priority=True,
    ),
)
# Terminals that report modified keys (kitty, WezTerm, foot, Ghostty) send alt+digit as such;
# xterm and tmux send ESC and the digit, which Textual reads as the character macOS types for
# option+digit, so there alt+up/down (or ctrl+f) is the way to move between sessions.
JUMPS = tuple(
    KeyAction(
        f"alt+{n}", f"jump({n})", f"Session {n}", f"Go to session {n} in the list", False, True
    )
    for n in range(1, 10)
)
# Keys the message box handles itself, for /help.
PROMPT_KEYS: tuple[tuple[str, str], ...] = (
    ("enter", "Send the message"),
    ("ctrl+j / shift+enter", "New line (ctrl+j works in every terminal)"),
    ("up / down", "Earlier prompts (on the first / last line)"),
    ("ctrl+p", "Command palette"),
)


def bindings() -> list[BindingType]:
    return [
        *(
            Binding(
                a.keys, a.action, a.description, show=a.show, priority=a.priority, tooltip=a.help
            )
            for a in (*ACTIONS, *JUMPS)
        ),
        Binding("ctrl+c", "help_quit", show=False, system=True),  # Textual's "press ^q" hint
    ]


def help_rows() -> list[tuple[str, str]]:
    rows = [(a.keys.replace(",", " / "), a.help) for a in ACTIONS]
    rows.append(("alt+1 … alt+9", "Go to session 1 … 9 (where the terminal reports alt+digit)"))
    return rows + list(PROMPT_KEYS)
