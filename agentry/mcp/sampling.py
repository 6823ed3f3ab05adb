"""Sampling: an MCP server asks the client's model for a completion. The person sees the request
first (which server, its messages, system prompt and token limit, and which session's model
would answer) and approves it, perhaps with the last message edited, or denies it.

``sampling_handler`` makes the hub's handler from two client parts: ``target`` (the agent and
model to answer with, and the session they are for) and ``ask`` (the dialog or line-client
question). Approved, the request goes to the agent's provider with no tools; the server gets
the reply as the SDK's CreateMessageResult. Denied, or when the model fails, it gets an
ErrorData saying so, and the tool that asked goes on with that.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentry.errors import AgentryError
from agentry.events import TextDelta, UsageEvent
from agentry.providers.boundary import checked_model, checked_stream
from agentry.wording import plural

if TYPE_CHECKING:  # the SDK's types load with the hub, not with this module
    from mcp_types import CreateMessageRequestParams, CreateMessageResult, ErrorData

    from agentry.agent import Agent
    from agentry.mcp.handlers import SamplingHandler

# JSON-RPC code for a request the person turned down (the MCP specification's example uses -1).
DECLINED = -1


@dataclass(frozen=True)
class SamplingTarget:
    """What would answer: ``agent``'s provider with ``model`` (None: the provider's), for the
    session named ``session_id`` (said in the question)."""

    agent: Agent
    model: str | None
    session_id: str


@dataclass(frozen=True)
class SamplingRequest:
    """A sampling request as the person is shown it: every text made plain."""

    server: str
    session_id: str
    model: str  # the model that would answer ("the provider's default" if not known)
    messages: tuple[tuple[str, str], ...]  # (role, text); images and audio as a note
    system_prompt: str
    max_tokens: int

    @property
    def prompt(self) -> str:
        """The last message's text: what the person may edit before it is sent."""
        return self.messages[-1][1] if self.messages else ""


# The person's answer: None denies; a text approves, sent as the last message's text.
Ask = Callable[[SamplingRequest], Awaitable[str | None]]


def content_text(block: Any) -> str:
    """One content block of a sampling message as text; what is not text is named."""
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        return f"[{kind}: {block.mime_type}, {_decoded_size(block.data)}]"
    return f"[{kind or 'unknown'} content, not shown]"


def _decoded_size(data: str) -> str:
    try:
        return plural(len(base64.b64decode(data, validate=True)), "byte")
    except (binascii.Error, ValueError):
        return "data that is not base64"


def describe(
    server: str, params: CreateMessageRequestParams, target: SamplingTarget
) -> SamplingRequest:
    """The request as it is shown."""
    messages = tuple(
        (message.role, "\n".join(content_text(block) for block in message.content_as_list))
        for message in params.messages
    )
    return SamplingRequest(
        server,
        target.session_id,
        target.model or "the provider's default model",
        messages,
        params.system_prompt or "",
        params.max_tokens,
    )


def request_messages(request: SamplingRequest, prompt: str) -> list[dict[str, Any]]:
    """The messages sent to the model: the system prompt, then the messages, the last one's
    text being ``prompt`` (as approved, perhaps edited)."""
    messages = [{"role": "system", "content": request.system_prompt}] * bool(request.system_prompt)
    messages += [{"role": role, "content": text} for role, text in request.messages[:-1]]
    if request.messages:
        messages.append({"role": request.messages[-1][0], "content": prompt})
    return messages


def refusal(message: str) -> ErrorData:
    """The error the server gets instead of a completion."""
    from mcp_types import ErrorData

    return ErrorData(code=DECLINED, message=message)


async def complete(
    target: SamplingTarget,
    request: SamplingRequest,
    params: CreateMessageRequestParams,
    prompt: str,
) -> CreateMessageResult:
    """The model's answer to the approved request, with no tools; ProviderError if it fails."""
    from mcp_types import CreateMessageResult, TextContent

    agent = target.agent
    wanted = {
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "stop": params.stop_sequences or None,
    }
    sent = {
        k: v for k, v in wanted.items() if v is not None and k in agent.provider.supported_params
    }
    model = target.model or await checked_model(agent.provider)
    parts: list[str] = []
    truncated = False
    events = checked_stream(
        agent.provider,
        request_messages(request, prompt),
        None,
        model=model,
        reply_timeout=agent.reply_timeout,
        params=sent,
    )
    async with contextlib.aclosing(events) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, UsageEvent):
                truncated = event.truncated
    return CreateMessageResult(
        role="assistant",
        content=TextContent(text="".join(parts)),
        model=model,
        stop_reason="maxTokens" if truncated else "endTurn",
    )


def sampling_handler(target: Callable[[], SamplingTarget | None], ask: Ask) -> SamplingHandler:
    """The hub's sampling handler: ask the person, then answer with ``target()``'s model."""

    async def handle(
        server: str, params: CreateMessageRequestParams
    ) -> CreateMessageResult | ErrorData:
        chosen = target()
        if chosen is None:
            return refusal("No model is connected to answer the sampling request.")
        request = describe(server, params, chosen)
        prompt = await ask(request)
        if prompt is None:
            return refusal(f"The user declined the sampling request from '{server}'.")
        try:
            return await complete(chosen, request, params, prompt)
        except AgentryError as exc:
            return refusal(f"The model could not answer: {exc}")

    return handle
