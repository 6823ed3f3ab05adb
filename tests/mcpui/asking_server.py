"""An MCP server (the SDK's MCPServer, over stdio) that asks its client things: a completion
from the client's model (sampling) and a form (elicitation), and offers two prompts.

Run as ``python -m tests.mcpui.asking_server`` by the tests' settings.json.
"""

from __future__ import annotations

import warnings

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import SamplingMessage, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

server = MCPServer("asking")
# Read-only and closed-world: the client runs its tools without asking (the questions they ask
# are what the tests are about).
QUIET = ToolAnnotations(read_only_hint=True, open_world_hint=False)


@server.tool(annotations=QUIET)
async def ask_model(question: str, ctx: Context) -> str:
    """Ask the client's model a question (sampling) and return its answer."""
    with warnings.catch_warnings():  # sampling is deprecated in the 2026 protocol, not here
        warnings.simplefilter("ignore")
        try:
            result = await ctx.session.create_message(
                [SamplingMessage(role="user", content=TextContent(text=question))],
                max_tokens=50,
                system_prompt="Answer in one word.",
            )
        except Exception as exc:  # the client's refusal, as the tool's answer
            return f"sampling refused: {exc}"
    text = result.content.text if isinstance(result.content, TextContent) else "?"
    return f"model {result.model} said: {text}"


class Booking(BaseModel):
    name: str = Field(description="Who the table is for")
    guests: int = Field(ge=1, le=12, description="How many people")
    terrace: bool = False
    time: str = Field(json_schema_extra={"enum": ["18:00", "20:00"]})


@server.tool(annotations=QUIET)
async def book_table(ctx: Context) -> str:
    """Ask the person for the booking's details (elicitation)."""
    answer = await ctx.elicit("Book a table: who, how many, when?", Booking)
    if answer.action == "accept":
        got = answer.data
        return f"booked for {got.name}, {got.guests} at {got.time}, terrace {got.terrace}"
    return f"booking {answer.action}d" if answer.action == "decline" else "booking cancelled"


@server.prompt(description="Summarise a topic for a reader")
def summarize(topic: str, style: str = "short") -> list[dict[str, str]]:
    return [
        {"role": "user", "content": f"Summarise {topic} in a {style} way."},
        {"role": "assistant", "content": "Understood."},
        {"role": "user", "content": f"Go on: {topic}."},
    ]


@server.prompt(description="Say hello")
def greet() -> str:
    return "Say hello to the reader."


if __name__ == "__main__":
    server.run()
