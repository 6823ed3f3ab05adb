"""An MCP server asks the person to fill in a form: one input per field, checked as the
server's schema says before it is sent. Submit accepts, Decline says no, Esc cancels.

Imported when the first request comes (the hub loads after start-up).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from agentry.mcp.elicitation import Answer, ElicitationForm, FormField, default_text, form_content
from agentry.safe_text import visible


def field_widget(field: FormField) -> Widget:
    """The input for one field, its id the field's place (names may be any text)."""
    if field.kind == "boolean":
        return Checkbox(visible(field.label), value=field.default is True)
    if field.kind == "choice":
        return Select(
            [(visible(label), value) for value, label in field.choices],
            allow_blank=not field.required or field.default is None,
            value=field.default if isinstance(field.default, str) else Select.NULL,
            prompt="Choose…",
        )
    if field.kind == "choices":
        chosen = field.default if isinstance(field.default, list) else []
        return SelectionList[str](
            *((visible(label), value, value in chosen) for value, label in field.choices)
        )
    return Input(default_text(field), placeholder=field.hint)


def typed_text(widget: Widget) -> str:
    """What a field's input holds, as text ``field_value`` reads."""
    if isinstance(widget, Checkbox):
        return "yes" if widget.value else "no"
    if isinstance(widget, Select):
        return "" if widget.value is Select.NULL else str(widget.value)
    if isinstance(widget, SelectionList):
        return ",".join(str(value) for value in widget.selected)
    assert isinstance(widget, Input)
    return widget.value


class ElicitationScreen(ModalScreen[Answer]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, form: ElicitationForm) -> None:
        super().__init__(id="elicitation-screen")
        self._form = form
        self._inputs: list[Widget] = []

    def compose(self) -> ComposeResult:
        form = self._form
        with Vertical(classes="dialog", id="elicitation"):
            yield Label(
                Content(visible(f"{form.server} asks for some information")),
                classes="dialog-title",
            )
            yield Static(visible(form.message), classes="dialog-body", markup=False)
            with VerticalScroll(id="elicitation-fields"):
                for place, field in enumerate(form.fields):
                    with Vertical(classes="form-field"):
                        if field.kind != "boolean":  # a checkbox carries its own label
                            yield Label(
                                visible(field.label) + (" *" if field.required else ""),
                                classes="field-label",
                            )
                        if field.description:
                            yield Static(
                                visible(field.description), classes="dialog-label", markup=False
                            )
                        widget = field_widget(field)
                        widget.id = f"field-{place}"
                        self._inputs.append(widget)
                        yield widget
                        yield Static("", id=f"error-{place}", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Submit", variant="success", id="submit")
                yield Button("Decline", variant="error", id="decline")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        if self._inputs:
            self._inputs[0].focus()
        else:
            self.query_one("#submit", Button).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"submit": self.action_submit, "decline": self.action_decline}
        actions.get(event.button.id or "", self.action_cancel)()

    def action_submit(self) -> None:
        fields = self._form.fields
        typed = {f.name: typed_text(w) for f, w in zip(fields, self._inputs, strict=True)}
        content, errors = form_content(list(fields), typed)
        for place, field in enumerate(fields):
            error = self.query_one(f"#error-{place}", Static)
            error.update(visible(errors.get(field.name, "")))
            error.set_class(field.name in errors, "-shown")
        if errors:
            first = next(p for p, f in enumerate(fields) if f.name in errors)
            self._inputs[first].focus()
            return
        self.dismiss(content)

    def action_decline(self) -> None:
        self.dismiss("decline")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
