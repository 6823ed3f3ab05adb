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
    KeyAction(
        "f3,alt+c", "copy_reply", "Copy", "Copy the last reply to the clipboard", False, True
    ),
    KeyAction(
        "f4,alt+e",
        "export",
        "Export",
        "Export the session (Markdown, JSON) to ./",
        False,
        True,
    ),
    KeyAction("ctrl+s", "toggle_sidebar", "Sidebar", "Show or hide the session list"),
    KeyAction("ctrl+o", "toggle_metadata", "Info", "Show or hide the session metadata panel"),
    # Priority, as the keys typed right after it are: they must find the filter focused.
    KeyAction("ctrl+f", "focus_filter", "Find", "Filter the session list", False, True),
    KeyAction(
        "ctrl+t,alt+t", "change_theme", "Theme", "Pick a colour theme (remembered)", False, True
    ),
    KeyAction(
        "f6,alt+o",
        "continue_reply",
        "Continue",
        "Go on from a reply cut at the length limit",
        False,
        True,
    ),
    KeyAction("f1", "help", "Help", "Show the commands and keys"),
    KeyAction(
        "ctrl+q",
        "quit",
        "Quit",
        "Quit (replies in progress are saved)",
        priority=True,
    ),
)
# An alt key arrives as alt+x where the terminal reports modifiers (kitty, WezTerm, foot,
# Ghostty) and as ESC x in tmux, GNOME Terminal, Windows Terminal, xterm (metaSendsEscape) and
# iTerm2 (option as Esc+), which textual_private.read_alt_keys makes alt+x too. They are priority
# bindings, so the message box never types their letter. Where option types a character (macOS's
# default: ç, ¡) that character is text; so each alt key has a twin that works in every terminal
# (f3, f4, ctrl+t above; alt+up/down and ctrl+pageup/pagedown for these).
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
    ("tab", "Complete a /command or a session id"),
    ("pgup / pgdn", "Scroll the chat a page"),
    ("ctrl+p", "Command palette"),
)
# Short names in /help, so that a row fits an 80-column terminal.
_SHORT = {"pageup": "pgup", "pagedown": "pgdn"}


def key_label(keys: str) -> str:
    """ "alt+down,ctrl+pagedown" → "alt+down / ctrl+pgdn"."""
    names = ("+".join(_SHORT.get(part, part) for part in key.split("+")) for key in keys.split(","))
    return " / ".join(names)


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


# Priority keys that act on the main screen: while a dialog is open they are its keys (ctrl+q
# still quits from anywhere).
MAIN_SCREEN_ONLY = frozenset(
    a.action.partition("(")[0] for a in (*ACTIONS, *JUMPS) if a.priority and a.action != "quit"
)


def alt_keys() -> list[str]:
    """Every alt key of the map, for textual_private.read_alt_keys."""
    return [key for a in (*ACTIONS, *JUMPS) for key in a.keys.split(",") if key.startswith("alt+")]


def help_rows() -> list[tuple[str, str]]:
    rows = [(key_label(a.keys), a.help) for a in ACTIONS]
    rows.append(("alt+1 … alt+9", "Go to session 1 … 9 in the list"))
    return rows + list(PROMPT_KEYS)
