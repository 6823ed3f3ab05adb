"""Ask before a tool with side effects runs: allow once, for this session or always, edit the
arguments, or deny.

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
from textual.widgets.button import ButtonVariant

from agentry.agent import Approval
from agentry.events import ToolCallEvent
from agentry.safe_text import is_safe, visible
from agentry.tools import Allow, Tool
from agentry.tools.approvals import Scope, always_meaning, tool_label


def _editable_json(arguments: dict[str, object]) -> str:
    """The arguments as JSON to read and edit. Characters that would act on the terminal (DEL,
    C1, bidi overrides; JSON escapes C0 itself) are written as \\u escapes, which read back as the
    same arguments: approved unedited, they are exactly what the model asked for."""
    text = json.dumps(arguments, indent=2, ensure_ascii=False)
    return text if is_safe(text) else json.dumps(arguments, indent=2, ensure_ascii=True)


# The buttons: id, label, key, variant; the ids of the allowing ones are their scopes.
_BUTTONS: tuple[tuple[str, str, str, ButtonVariant], ...] = (
    ("approve", "Allow once", "y", "success"),
    ("session", "Session", "s", "primary"),
    ("always", "Always", "a", "warning"),
    ("edit", "Edit", "e", "default"),
    ("deny", "Deny", "d", "error"),
)
_SCOPES: dict[str, Scope] = {"approve": "once", "session": "session", "always": "always"}


class ApprovalScreen(ModalScreen[Approval]):
    BINDINGS = [
        Binding("y", "approve('once')", "Allow once"),
        Binding("s", "approve('session')", "Allow for this session"),
        Binding("a", "approve('always')", "Always allow"),
        Binding("e", "edit", "Edit arguments"),
        Binding("d,n,escape", "deny", "Deny"),
    ]

    def __init__(self, session_id: str, call: ToolCallEvent, tool: Tool) -> None:
        super().__init__(id="approval-screen")
        self._session_id = session_id
        self._call = call
        self._tool = tool

    def compose(self) -> ComposeResult:
        tool = self._tool
        server = (("   Server ", "$text-muted"), visible(tool.server)) if tool.server else ()
        with Vertical(classes="dialog", id="approval"):
            yield Label(Content(visible(f"Run tool {tool_label(tool)}?")), classes="dialog-title")
            yield Static(
                Content.assemble(
                    ("Permission ", "$text-muted"),
                    (tool.permission, "bold $text-warning"),
                    *server,
                    ("   Session ", "$text-muted"),
                    visible(self._session_id),
                ),
                id="approval-permission",
            )
            yield Static(
                visible(tool.description.strip().splitlines()[0])
                if tool.description.strip()
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
            yield Static(
                visible(always_meaning(tool)),
                id="approval-always",
                classes="-execute" if tool.permission == "execute" else "",
                markup=False,
            )
            yield Static("", id="approval-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for button_id, label, key, variant in _BUTTONS:
                    yield Button(f"{label} ({key})", variant=variant, id=button_id, compact=True)

    def on_mount(self) -> None:
        self.query_one("#approve", Button).focus()
        self.query_one("#approval-error").display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button in _SCOPES:
            self.action_approve(_SCOPES[button])
        elif button == "edit":
            self.action_edit()
        else:
            self.action_deny()

    def action_approve(self, scope: Scope = "once") -> None:
        area = self.query_one("#arguments", TextArea)
        try:
            arguments = json.loads(area.text)
        except ValueError as exc:
            self._error(f"The arguments are not valid JSON: {exc}. Fix them or press Esc to deny.")
            return
        if not isinstance(arguments, dict):
            self._error("The arguments must be a JSON object ({...}).")
            return
        self.dismiss(Allow(scope, None if arguments == self._call.arguments else arguments))

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
