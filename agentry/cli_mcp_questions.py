"""The line client's side of MCP (issue 20): the questions a server asks the person (sampling,
elicitation) asked line by line, and a server's prompts as commands (``/server:prompt``).
Imported only once a server is configured.

As with tool approvals (cli.Approvals), the questions are read with a blocking ``input()``
on purpose: the turn has nothing else to do while it waits. Without a terminal on stdin
nobody can answer: sampling is declined and a form cancelled, each with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentry.mcp.elicitation import (
    Answer,
    ElicitationForm,
    FormField,
    Value,
    default_text,
    elicitation_handler,
    field_value,
)
from agentry.mcp.prompts import prompt_messages_for, run_prompt_command
from agentry.mcp.sampling import SamplingRequest, SamplingTarget, sampling_handler

if TYPE_CHECKING:
    from agentry.agent import Agent
    from agentry.cli_output import Terminal
    from agentry.mcp import McpHandlers, McpHub
    from agentry.mcp.hub import PromptInfo
    from agentry.sessions import AgentSession

Read = Callable[[str], str]  # input() with the prompt, Ctrl-C and EOF raised as they come


class LineQuestions:
    """A sampling request is answered by ``agent``'s model: the one the current session uses
    (this client has one model at a time)."""

    def __init__(self, term: Terminal, interactive: bool, read: Read, agent: Agent) -> None:
        self.term, self.interactive, self.read, self.agent = term, interactive, read, agent

    def target(self) -> SamplingTarget:
        return SamplingTarget(self.agent, self.agent.provider.model, "")

    def handlers(self) -> McpHandlers:
        from agentry.mcp import McpHandlers

        return McpHandlers(
            sampling=sampling_handler(self.target, self.ask_sampling),
            elicitation=elicitation_handler(self.ask_elicitation),
        )

    async def ask_sampling(self, request: SamplingRequest) -> str | None:
        term = self.term
        if not self.interactive:
            term.note(
                f"  {request.server} asked the model for a completion; declined because input "
                "is not a terminal."
            )
            return None
        term.aside(
            f"  {request.server} asks the model for a completion, answered by {request.model} "
            f"(the current session's model), at most {request.max_tokens} tokens:"
        )
        if request.system_prompt:
            term.aside(f"    System prompt: {request.system_prompt}")
        for role, text in request.messages:
            term.aside(f"    {role}: {text}")
        try:
            while True:
                answer = self.read(term.question("Send it? [y]es / [n]o / [e]dit: ")).strip()
                if answer.lower() in ("y", "yes"):
                    return request.prompt
                if answer.lower() in ("n", "no"):
                    return None
                if answer.lower() in ("e", "edit"):
                    edited = self.read(term.question("New last message (empty: as it was): "))
                    return edited or request.prompt
        except (EOFError, KeyboardInterrupt):
            term.aside("")  # off the question's line
            return None

    async def ask_elicitation(self, form: ElicitationForm) -> Answer:
        term = self.term
        if not self.interactive:
            term.note(
                f"  {form.server} asked for information ({form.message}); cancelled because "
                "input is not a terminal."
            )
            return "cancel"
        term.aside(f"  {form.server} asks for some information: {form.message}")
        try:
            answer = self.read(term.question("Answer it? [y]es / [n]o (decline): ")).strip()
            if answer.lower() not in ("y", "yes"):
                return "decline"
            content: dict[str, Value] = {}
            for field in form.fields:
                value = self._field(field)
                if value is not None:
                    content[field.name] = value
            return content
        except (EOFError, KeyboardInterrupt):
            term.aside("")
            return "cancel"

    def _field(self, field: FormField) -> Value | None:
        """One field asked until its value is valid; Enter alone takes the default, if any."""
        if field.description:
            self.term.aside(f"    {field.description}")
        default = default_text(field)
        shown = f" [{default}]" if default else ("" if field.required else " (optional)")
        while True:
            text = self.read(self.term.question(f"  {field.label} ({field.hint}){shown}: "))
            try:
                return field_value(field, text if text.strip() else default)
            except ValueError as exc:
                self.term.note(f"  {exc}")


async def add_prompt(hub: McpHub, session: AgentSession, text: str, stamp: str) -> PromptInfo:
    """``/server:prompt args``: the prompt's messages added to ``session`` (to be answered).
    PromptCommandError or McpError, adding nothing, if the prompt cannot be had."""
    prompt, messages = await run_prompt_command(hub, text)
    for message in prompt_messages_for(messages, stamp):
        session.add_message(message)
    return prompt
