"""Messages stay plain dicts: the bookkeeping keys are read through typed accessors, and every
reader takes a message's text with the one ``content_text``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from agentry import Agent, messages
from agentry.errors import ProviderError
from agentry.events import ToolCallEvent
from agentry.export import to_markdown
from agentry.messages import (
    CREATED_AT,
    ERROR,
    INTERRUPTED,
    META_PREFIX,
    MODEL,
    PROVIDER,
    REASONING,
    USAGE,
    content_text,
    title_of,
    wire_message,
)
from agentry.providers import anthropic, gemini
from agentry.providers.local import to_local_messages
from agentry.sessions import AgentSession
from agentry.tools import Tool
from agentry_tui.view import ShownMessage
from tests.servers.base import Reply

KEYS = (CREATED_AT, PROVIDER, MODEL, REASONING, USAGE, INTERRUPTED, ERROR)


# -- the accessors ----------------------------------------------------------------------------


async def test_the_accessors_read_what_the_agent_writes(ollama_server, tmp_path) -> None:
    """A reply with reasoning and usage, a tool result that failed, a reply cut short: each key
    as the agent writes it is the key its accessor reads."""

    async def refuse(call: ToolCallEvent, tool: Tool) -> bool:
        return False

    agent = Agent(llm="ollama", workspace=tmp_path, approve=refuse)
    agent.load_default_tools()
    ollama_server.enqueue(Reply(text="Hello.", reasoning="Thinking hard."))
    await agent.chat("Hi", session_id="s")
    ollama_server.enqueue(Reply(tool_calls=[("create_file", {"path": "x", "content": "y"})]))
    await agent.chat("write it", session_id="s")
    with pytest.raises(ProviderError, match="cut"):
        await agent.chat("#cut", session_id="s")
    user, reply = agent.get_session("s").messages[1:3]
    tool = next(m for m in agent.get_session("s").messages if m["role"] == "tool")
    cut = agent.get_session("s").messages[-1]

    made = messages.created_at(reply)
    assert made is not None and abs(datetime.now() - made) < timedelta(minutes=1)
    assert messages.created_at(user) is not None
    assert messages.provider(reply) == "ollama" and messages.model(reply) == "llama3.2:latest"
    assert messages.reasoning(reply) == "Thinking hard."
    usage = messages.usage(reply)
    assert usage is not None and usage["prompt_tokens"] == 26
    assert not messages.is_interrupted(reply) and messages.error(reply) == ""
    assert messages.error(tool) and not messages.is_interrupted(tool)
    assert messages.is_interrupted(cut) and "cut" in messages.error(cut)


def test_absent_keys_read_as_nothing() -> None:
    message = {"role": "user", "content": "hi"}
    assert messages.created_at(message) is None and messages.usage(message) is None
    assert (
        messages.provider(message)
        == messages.model(message)
        == messages.reasoning(message)
        == messages.error(message)
        == ""
    )
    assert not messages.is_interrupted(message)


def test_a_value_of_the_wrong_type_reads_as_absent() -> None:
    """The schema does not cover these keys, so a hand-edited file may hold anything there; a
    screen or an export shows the message without it rather than failing."""
    odd: dict[str, Any] = {
        "role": "assistant",
        CREATED_AT: "yesterday",
        PROVIDER: None,
        MODEL: 5,
        REASONING: ["why"],
        USAGE: "12 tokens",
        INTERRUPTED: 0,
    }
    assert messages.created_at(odd) is None and messages.usage(odd) is None
    assert messages.provider(odd) == messages.model(odd) == messages.reasoning(odd) == ""
    assert not messages.is_interrupted(odd) and messages.error(odd) == ""
    assert messages.created_at({CREATED_AT: 20261207}) is None


def test_times_with_an_offset_are_read() -> None:
    made = messages.created_at({CREATED_AT: "2026-12-07T10:05:00+01:00"})
    assert made is not None and made.utcoffset() == timedelta(hours=1) and made.hour == 10


def test_every_bookkeeping_key_stays_off_the_wire() -> None:
    message = {"role": "user", "content": "hi", **dict.fromkeys(KEYS, "x")}
    assert all(key.startswith(META_PREFIX) for key in KEYS)
    assert wire_message(message) == {"role": "user", "content": "hi"}


# -- content_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("plain text", "plain text"),
        ("", ""),
        (None, ""),
        ([], ""),
        ([{"type": "text", "text": "look at "}, {"type": "text", "text": "this"}], "look at this"),
        # Gemini-style parts carry no type; a bare string is text; images and tool results
        # have none; a text that is not a string (refused on load, possible in memory) is none.
        (
            [
                {"text": "one "},
                "two",
                {"type": "image_url", "image_url": {"url": "data:,"}},
                {"type": "tool_result", "content": "x"},
                {"type": "text", "text": None},
                {"type": "text"},
                7,
                None,
                [" nested"],
            ],
            "one two",
        ),
        (42, "42"),  # odd content a library user passed in memory
    ],
)
def test_content_text(content: Any, text: str) -> None:
    assert content_text(content) == text


def test_every_reader_takes_the_same_text_from_parts() -> None:
    """The providers, the local model, titles, the chat view and the export all read
    multi-part content alike: text parts joined with nothing between them."""
    parts = [
        {"type": "text", "text": "Look at"},
        {"type": "image_url", "image_url": {}},
        {"text": " this\nfile"},
    ]
    text = "Look at this\nfile"
    user = {"role": "user", "content": parts}
    assert to_local_messages([user]) == [{"role": "user", "content": text}]
    assert anthropic.to_wire([user]) == ("", [{"role": "user", "content": text}])
    assert gemini.to_wire([user], {}) == (None, [{"role": "user", "parts": [{"text": text}]}])
    assert title_of([user]) == "Look at this file"
    assert ShownMessage.of(user, datetime.now()).text == text
    assert f"## You\n\n{text}\n" in to_markdown(AgentSession("s", [user]))
