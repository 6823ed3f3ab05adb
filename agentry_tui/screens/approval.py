"""Ask before a tool with side effects runs: approve, deny, or approve edited arguments.

Imported when the first approval is asked for (it needs the agent, which loads after start).
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from agentry.agent import Approval
from agentry.events import ToolCallEvent
from agentry.safe_text import is_safe, visible
from agentry.tools import Tool


def _editable_json(arguments: dict[str, object]) -> str:
    """The arguments as JSON to read and edit. Characters that would act on the terminal (DEL,
    C1, bidi overrides; JSON escapes C0 itself) are written as \\u escapes, which read back as the
    same arguments: approved unedited, they are exactly what the model asked for."""
    text = json.dumps(arguments, indent=2, ensure_ascii=False)
    return text if is_safe(text) else json.dumps(arguments, indent=2, ensure_ascii=True)


class ApprovalScreen(ModalScreen[Approval]):
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("e", "edit", "Edit arguments"),
        Binding("d,escape", "deny", "Deny"),
    ]

    def __init__(self, session_id: str, call: ToolCallEvent, tool: Tool) -> None:
        super().__init__(id="approval-screen")
        self._session_id = session_id
        self._call = call
        self._tool = tool

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="approval"):
            yield Label(Content(visible(f"Run tool {self._call.name}?")), classes="dialog-title")
            yield Static(
                Content.assemble(
                    ("Permission ", "$text-muted"),
                    (self._tool.permission, "bold $text-warning"),
                    ("   Session ", "$text-muted"),
                    visible(self._session_id),
                ),
                id="approval-permission",
            )
            yield Static(
                visible(self._tool.description.strip().splitlines()[0])
                if self._tool.description.strip()
                else "",
                classes="dialog-hint",
                id="approval-hint",
                markup=False,
            )
            yield TextArea(
                _editable_json(self._call.arguments),
                language="json",
                read_only=True,
                id="arguments",
                soft_wrap=True,
            )
            yield Static("", id="approval-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve (a)", variant="success", id="approve")
                yield Button("Edit arguments (e)", id="edit")
                yield Button("Deny (d)", variant="error", id="deny")

    def on_mount(self) -> None:
        self.query_one("#approve", Button).focus()
        self.query_one("#approval-error").display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"approve": self.action_approve, "edit": self.action_edit}
        actions.get(event.button.id or "", self.action_deny)()

    def action_approve(self) -> None:
        area = self.query_one("#arguments", TextArea)
        try:
            arguments = json.loads(area.text)
        except ValueError as exc:
            self._error(f"The arguments are not valid JSON: {exc}. Fix them or press Esc to deny.")
            return
        if not isinstance(arguments, dict):
            self._error("The arguments must be a JSON object ({...}).")
            return
        self.dismiss(True if arguments == self._call.arguments else arguments)

    def action_edit(self) -> None:
        area = self.query_one("#arguments", TextArea)
        area.read_only = False
        area.focus()
        # Short enough for the button at any width; how to reach it is said above the JSON.
        self.query_one("#approve", Button).label = "Approve edited"
        self.query_one("#approval-hint", Static).update(
            "Editing: Tab, then Enter, approves the edited arguments; Esc denies."
        )

    def action_deny(self) -> None:
        self.dismiss(False)

    def _error(self, text: str) -> None:
        error = self.query_one("#approval-error", Static)
        error.update(visible(text))
        error.display = True
