"""An MCP server asks for a completion from the model: shown whole before anything is sent.
Approve sends it (the last message perhaps edited) to the model of the session on screen;
deny tells the server no.

Imported when the first request comes (the hub loads after start-up).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from agentry.mcp.sampling import SamplingRequest
from agentry.safe_text import visible


class SamplingScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("e", "edit", "Edit"),
        Binding("d,escape", "deny", "Deny"),
    ]

    def __init__(self, request: SamplingRequest) -> None:
        super().__init__(id="sampling-screen")
        self._request = request

    def compose(self) -> ComposeResult:
        request = self._request
        with Vertical(classes="dialog", id="sampling"):
            yield Label(
                Content(visible(f"{request.server} asks the model for a completion")),
                classes="dialog-title",
            )
            yield Static(
                Content.assemble(
                    ("Answered by ", "$text-muted"),
                    (visible(request.model), "bold"),
                    ", the model of the session on screen ",
                    (f"'{visible(request.session_id)}'", "bold"),
                    ("   Max tokens ", "$text-muted"),
                    str(request.max_tokens),
                ),
                id="sampling-model",
            )
            with VerticalScroll(id="sampling-messages"):
                if request.system_prompt:
                    yield Static(
                        Content.assemble(("System prompt: ", "$text-muted"), request.system_prompt)
                    )
                for role, text in request.messages[:-1]:
                    yield Static(Content.assemble((f"{role}: ", "$text-muted"), visible(text)))
            last_role = request.messages[-1][0] if request.messages else "user"
            yield Label(f"Last message ({last_role}), sent as shown:", classes="dialog-label")
            yield TextArea(request.prompt, read_only=True, soft_wrap=True, id="sampling-prompt")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve (a)", variant="success", id="approve")
                yield Button("Edit (e)", id="edit")
                yield Button("Deny (d)", variant="error", id="deny")

    def on_mount(self) -> None:
        self.query_one("#approve", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"approve": self.action_approve, "edit": self.action_edit}
        actions.get(event.button.id or "", self.action_deny)()

    def action_approve(self) -> None:
        self.dismiss(self.query_one("#sampling-prompt", TextArea).text)

    def action_edit(self) -> None:
        area = self.query_one("#sampling-prompt", TextArea)
        area.read_only = False
        area.focus()
        self.query_one("#approve", Button).label = "Approve edited"

    def action_deny(self) -> None:
        self.dismiss(None)
