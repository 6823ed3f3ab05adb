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
    KeyAction(
        "f5,alt+m",
        "select_message",
        "Messages",
        "Select a message: copy, edit, answer again…",
        False,  # the bar is full at 120 columns; the chat's keys show once it has the focus
        True,
    ),
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
        "f7,alt+o",
        "continue_reply",
        "Continue",
        "Go on from a reply cut at the length limit",
        False,
        True,
    ),
    KeyAction("f1", "help", "Help", "Show the commands and keys"),
    KeyAction("f6,alt+s", "search", "Search", "Search every session's messages", False, True),
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
# What the keys do to the message selected in the chat (f5, or a click): keys of the chat pane
# while it has the focus, and palette entries. A letter is free there: the message box is not
# typing then. ‹ and › switch between the branches that stand at the message.
MESSAGE_ACTIONS = (
    KeyAction("c", "copy_message", "Copy", "Copy the selected message"),
    KeyAction("b", "copy_code", "Code", "Copy a code block of the selected message"),
    KeyAction("e", "edit_message", "Edit", "Edit the selected message (a new branch)"),
    KeyAction("r", "answer_again", "Again", "Another answer beside the selected reply"),
    KeyAction("left,[", "sibling(-1)", "‹", "The previous branch at the selected message"),
    KeyAction("right,]", "sibling(1)", "›", "The next branch at the selected message"),
    KeyAction("f", "fork_message", "Fork", "A new session up to the selected message"),
    KeyAction("d,delete", "delete_message", "Delete", "Delete the selected message (asks first)"),
    KeyAction("p", "pin_message", "Pin", "Pin (always send) or unpin the selected message"),
)
# Moving the selection (the chat pane's own keys).
CURSOR_ACTIONS = (
    KeyAction("up,k", "cursor(-1)", "Up", "Select the message above"),
    KeyAction("down,j", "cursor(1)", "Down", "Select the message below"),
    KeyAction("escape", "leave", "Back", "Leave the messages for the message box"),
)
# Keys the message box handles itself, for /help.
PROMPT_KEYS: tuple[tuple[str, str], ...] = (
    ("enter", "Send the message"),
    ("ctrl+j / shift+enter", "New line (ctrl+j works in every terminal)"),
    ("up / down", "Earlier prompts (on the first / last line)"),
    ("tab", "Complete a /command or a session id"),
    ("@", "Attach a file or an MCP resource"),
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


# The chat pane's keys as the key bar names their actions: while it has the focus they are the
# keys of the moment, kept before the session's keys when the bar is too narrow for all.
SELECTION_KEYS = tuple(
    [a.action for a in CURSOR_ACTIONS] + [f"app.{a.action}" for a in MESSAGE_ACTIONS]
)


def message_bindings() -> list[BindingType]:
    """The chat pane's keys: the selection's own, and the message actions (the app's)."""
    return [
        *(Binding(a.keys, a.action, a.description, tooltip=a.help) for a in CURSOR_ACTIONS),
        *(
            Binding(a.keys, f"app.{a.action}", a.description, tooltip=a.help)
            for a in MESSAGE_ACTIONS
        ),
    ]


def alt_keys() -> list[str]:
    """Every alt key of the map, for textual_private.read_alt_keys."""
    return [key for a in (*ACTIONS, *JUMPS) for key in a.keys.split(",") if key.startswith("alt+")]


def help_rows() -> list[tuple[str, str]]:
    rows = [(key_label(a.keys), a.help) for a in ACTIONS]
    rows.append(("alt+1 … alt+9", "Go to session 1 … 9 in the list"))
    rows += [(key_label(a.keys), a.help) for a in (*CURSOR_ACTIONS, *MESSAGE_ACTIONS)]
    return rows + list(PROMPT_KEYS)
