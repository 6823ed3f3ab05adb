"""MCP prompts as slash commands: ``/server:prompt arg=value ...`` in both clients.

The parsing is pure (what was typed, against the prompt's arguments); ``run_prompt_command``
is the one edge, asking the hub for the prompt's messages. Positional values fill the
prompt's arguments in order, after those given by name; quotes keep spaces in a value
(``topic="a long one"``), and there are no backslash escapes (Windows paths are typed as
they are).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentry.agent import MCP_START_WAIT
from agentry.commands import PROMPT_HEAD
from agentry.errors import Refused

if TYPE_CHECKING:
    from agentry.mcp.hub import McpHub, PromptInfo

# One value: name=value or a bare value, either of them quoted ("a b", 'a b') to keep spaces.
_TOKEN = re.compile(r"""(?:([A-Za-z_][\w.-]*)=)?(?:"([^"]*)"|'([^']*)'|(\S+))""")


class PromptCommandError(Refused):
    """A prompt command that cannot be run as typed; the text says what to type instead."""


@dataclass(frozen=True)
class PromptCommand:
    server: str
    name: str
    named: tuple[tuple[str, str], ...] = ()  # name=value, in the order typed
    positional: tuple[str, ...] = ()


def parse_prompt_command(text: str) -> PromptCommand:
    """The prompt command on a line; PromptCommandError if it is not one or a quote is open."""
    head, _, rest = text.strip().partition(" ")
    match = PROMPT_HEAD.fullmatch(head)
    if match is None:
        raise PromptCommandError(f"'{head}' is not a prompt command: type /server:prompt.")
    named: list[tuple[str, str]] = []
    positional: list[str] = []
    position = 0
    rest = rest.strip()
    while position < len(rest):
        token = _TOKEN.match(rest, position)
        if token is None or (token.end() < len(rest) and not rest[token.end()].isspace()):
            raise PromptCommandError(
                f"{head}: cannot read the value at '{rest[position:][:30]}' — a quote is not "
                "closed, or a quoted value runs into the next one."
            )
        key, double, single, bare = token.groups()
        value = next(v for v in (double, single, bare) if v is not None)
        if bare is not None and bare[0] in "\"'":
            raise PromptCommandError(f"{head}: a quote is not closed in '{bare}'.")
        if key is None:
            positional.append(value)
        else:
            named.append((key, value))
        position = token.end()
        while position < len(rest) and rest[position].isspace():
            position += 1
    return PromptCommand(match[1], match[2], tuple(named), tuple(positional))


def prompt_usage(prompt: PromptInfo) -> str:
    """``/server:name <required> [optional]``, as /help shows a command."""
    args = (f"<{a.name}>" if a.required else f"[{a.name}]" for a in prompt.arguments)
    return " ".join([f"/{prompt.server}:{prompt.name}", *args])


def prompt_help(prompt: PromptInfo) -> str:
    """One line for the palette and Tab completion."""
    first = prompt.description.strip().splitlines()[0] if prompt.description.strip() else ""
    return f"MCP prompt of {prompt.server}" + (f": {first}" if first else "")


def find_prompt(prompts: Sequence[PromptInfo], server: str, name: str) -> PromptInfo:
    """The prompt named so on that server; PromptCommandError listing what there is, if none."""
    for prompt in prompts:
        if prompt.server == server and prompt.name == name:
            return prompt
    own = sorted(p.name for p in prompts if p.server == server)
    if own:
        raise PromptCommandError(
            f"MCP server '{server}' has no prompt '{name}'. Its prompts: {', '.join(own)}."
        )
    servers = sorted({p.server for p in prompts})
    listed = f" Servers with prompts: {', '.join(servers)}." if servers else ""
    raise PromptCommandError(f"No ready MCP server '{server}' offers prompts.{listed}")


def prompt_arguments(prompt: PromptInfo, command: PromptCommand) -> dict[str, str]:
    """The arguments to get the prompt with: named ones, then positional values in the order
    of the arguments still unfilled. PromptCommandError names an unknown or doubled argument,
    a value too many, or a required argument left out."""
    usage = prompt_usage(prompt)
    known = [a.name for a in prompt.arguments]
    values: dict[str, str] = {}
    for key, value in command.named:
        if key not in known:
            offered = ", ".join(known) if known else "none"
            raise PromptCommandError(
                f"{usage}: the prompt has no argument '{key}' (its arguments: {offered})."
            )
        if key in values:
            raise PromptCommandError(f"{usage}: '{key}' is given twice.")
        values[key] = value
    free = [name for name in known if name not in values]
    if len(command.positional) > len(free):
        extra = command.positional[len(free)]
        raise PromptCommandError(f"{usage}: there is no argument left for the value '{extra}'.")
    values.update(zip(free, command.positional, strict=False))
    missing = [a.name for a in prompt.arguments if a.required and a.name not in values]
    if missing:
        names = " and ".join(f"'{name}'" for name in missing)
        raise PromptCommandError(
            f"{usage}: the required argument {names} is missing."
            if len(missing) == 1
            else f"{usage}: the required arguments {names} are missing."
        )
    return values


async def run_prompt_command(hub: McpHub, text: str) -> tuple[PromptInfo, list[dict[str, Any]]]:
    """The prompt a command line names and its messages (Agentry's ``{"role", "content"}``),
    got from its server. PromptCommandError for what was typed; the hub's errors as they are."""
    command = parse_prompt_command(text)
    if not hub.running:  # the line client's hub starts with its first turn
        hub.start()
    await hub.settled(MCP_START_WAIT)  # a server still starting may be the one named
    prompt = find_prompt(await hub.list_prompts(), command.server, command.name)
    arguments = prompt_arguments(prompt, command)
    messages = await hub.get_prompt(prompt.server, prompt.name, arguments)
    if not messages:
        raise PromptCommandError(f"{prompt_usage(prompt)}: the server sent no messages.")
    return prompt, messages


def prompt_messages_for(messages: list[dict[str, Any]], stamp: str) -> list[dict[str, Any]]:
    """The prompt's messages as the session keeps them: stamped with the time they were added."""
    from agentry.messages import CREATED_AT

    return [{**message, CREATED_AT: stamp} for message in messages]
