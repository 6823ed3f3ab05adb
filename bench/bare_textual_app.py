"""A Textual app with nothing in it: the floor under agentry-tui's start-up (bench/tui_startup.py
runs it in the same tmux)."""

from textual.app import App, ComposeResult
from textual.widgets import Static

SHOWN = "a bare Textual app"


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(SHOWN)


if __name__ == "__main__":
    Bare().run()
