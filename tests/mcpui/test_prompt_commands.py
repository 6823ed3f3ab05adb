"""/server:prompt: what was typed, read against the prompt's arguments (pure)."""

from __future__ import annotations

import pytest

from agentry import commands
from agentry.mcp.hub import PromptArgument, PromptInfo
from agentry.mcp.prompts import (
    PromptCommand,
    PromptCommandError,
    find_prompt,
    parse_prompt_command,
    prompt_arguments,
    prompt_usage,
)

SUMMARIZE = PromptInfo(
    "docs",
    "summarize",
    "Summarise a topic",
    (PromptArgument("topic", "", True), PromptArgument("style", "", False)),
)


@pytest.mark.parametrize(
    ("line", "yes"),
    [
        ("/docs:summarize", True),
        ("/my-server.v2:do_it now", True),
        ("/model", False),
        ("/model qwen3:0.6b", False),  # a colon in an argument is not a prompt
        ("/docs:", False),
        ("//docs:summarize", False),
    ],
)
def test_which_lines_name_a_prompt(line: str, yes: bool) -> None:
    assert commands.is_prompt_command(line) is yes


def test_values_by_name_and_in_order_with_quotes_kept_whole() -> None:
    command = parse_prompt_command("/docs:summarize  style='very short' \"the moon\"")
    assert command == PromptCommand("docs", "summarize", (("style", "very short"),), ("the moon",))
    assert prompt_arguments(SUMMARIZE, command) == {"style": "very short", "topic": "the moon"}
    command = parse_prompt_command(r"/docs:summarize C:\notes\moon.md brief")
    assert prompt_arguments(SUMMARIZE, command) == {
        "topic": r"C:\notes\moon.md",
        "style": "brief",
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/docs:summarize style=brief",
            "/docs:summarize <topic> [style]: the required argument 'topic' is missing.",
        ),
        (
            "/docs:summarize colour=red moon",
            "/docs:summarize <topic> [style]: the prompt has no argument 'colour' "
            "(its arguments: topic, style).",
        ),
        (
            "/docs:summarize moon brief extra",
            "/docs:summarize <topic> [style]: there is no argument left for the value 'extra'.",
        ),
        (
            "/docs:summarize topic=a topic=b",
            "/docs:summarize <topic> [style]: 'topic' is given twice.",
        ),
    ],
)
def test_wrong_arguments_are_named(line: str, message: str) -> None:
    with pytest.raises(PromptCommandError) as caught:
        prompt_arguments(SUMMARIZE, parse_prompt_command(line))
    assert str(caught.value) == message


def test_an_open_quote_is_refused() -> None:
    with pytest.raises(PromptCommandError, match="a quote is not closed"):
        parse_prompt_command('/docs:summarize "the moon')


def test_an_unknown_prompt_or_server_lists_what_there_is() -> None:
    assert find_prompt([SUMMARIZE], "docs", "summarize") is SUMMARIZE
    with pytest.raises(PromptCommandError, match="^MCP server 'docs' has no prompt 'x'. Its "):
        find_prompt([SUMMARIZE], "docs", "x")
    with pytest.raises(PromptCommandError, match="Servers with prompts: docs.$"):
        find_prompt([SUMMARIZE], "web", "x")
    assert prompt_usage(SUMMARIZE) == "/docs:summarize <topic> [style]"
