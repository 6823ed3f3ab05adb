"""The session's parameters in the metadata panel, editable. Each field is checked as it is
typed: a wrong value says why under the field and is not kept; a valid one is kept (in the
session's file) on Enter or on leaving the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from agentry import params
from agentry.sessions import AgentSession

if TYPE_CHECKING:
    from agentry.agent import Agent


class ParamsForm(Vertical):
    class Edited(Message):
        """A valid value was entered for the active session's parameter ``param``."""

        def __init__(self, param: str, text: str) -> None:
            super().__init__()
            self.param = param
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._session: AgentSession | None = None  # the one the fields show
        self._wanted: tuple[AgentSession | None, Agent | None] = (None, None)

    def compose(self) -> ComposeResult:
        yield Static("PARAMETERS", id="params-heading")
        for name in params.NAMES:
            with Horizontal(classes="param-row"):
                yield Static(name, id=f"param-{name}-label", classes="param-label")
                yield Input(id=f"param-{name}", compact=True, tooltip=params.HELP[name])
            yield Static(id=f"param-{name}-problem", classes="param-problem", markup=False)
            yield Static(id=f"param-{name}-note", classes="param-note", markup=False)

    def show(self, session: AgentSession | None, agent: Agent | None) -> None:
        """Show ``session``'s values: now if the form is on screen, else when it is shown (the
        panel is often hidden, and sessions change as replies arrive)."""
        self._wanted = (session, agent)
        if self.region.width:
            self._fill()

    def on_show(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """The session's values in the fields (a field being edited is left alone); the agent's
        default shows as the placeholder; a parameter its provider cannot send says so."""
        session, agent = self._wanted
        changed, self._session = session is not self._session, session
        if session is None:
            return
        defaults = agent.params if agent is not None else {}
        provider = agent.provider.name if agent is not None else None
        allowed = agent.provider.supported_params if agent is not None else params.WIRE_NAMES
        for name in params.NAMES:
            field = self.query_one(f"#param-{name}", Input)
            if changed or not field.has_focus:
                field.value = params.typed(session.metadata, session.messages, name)
                self._problem(name, None)
            default = defaults.get(name)
            field.placeholder = "default" if default is None else f"{params.shown(name, default)}"
            unsent = name != params.SYSTEM and name not in allowed and provider
            note = self.query_one(f"#param-{name}-note", Static)
            note.update(f"not sent: {provider} does not support it" if unsent else "")
            note.set_class(bool(unsent), "-shown")

    def _param_of(self, field: Input) -> str:
        return (field.id or "").removeprefix("param-")

    def _problem(self, name: str, problem: str | None) -> None:
        self.query_one(f"#param-{name}", Input).set_class(problem is not None, "-invalid")
        note = self.query_one(f"#param-{name}-problem", Static)
        note.update(problem or "")
        note.set_class(problem is not None, "-shown")

    def _check(self, field: Input) -> str | None:
        if self._session is None:
            return "No session is open."
        name = self._param_of(field)
        problem = params.value_problem(self._session.metadata, name, field.value)
        self._problem(name, problem)
        return problem

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check(event.input)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._keep(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        self._keep(event.input)

    def _keep(self, field: Input) -> None:
        session = self._session
        if session is None or self._check(field) is not None:
            return
        name = self._param_of(field)
        if field.value.strip() != params.typed(session.metadata, session.messages, name):
            self.post_message(self.Edited(name, field.value.strip()))
