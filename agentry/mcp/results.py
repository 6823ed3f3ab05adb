"""What an MCP server answers, as text for the model: a tool call's result, a prompt's messages.

Pure functions over the SDK's result types. Text is joined; images and audio become a note
(``[image: image/png, 12.3 KB]``: the model is told one was there, not sent the bytes);
embedded resources give their text, or a note for binary ones; ``structuredContent`` is sent as
JSON when there is no text. The whole is capped (``OUTPUT_CAP``) and says so when cut.
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from agentry.errors import ToolError
from agentry.wording import byte_size

OUTPUT_CAP = 64 * 1024  # characters of a tool's result kept for the model


def result_text(server: str, tool: str, result: types.CallToolResult) -> str:
    """The result as text; ToolError with the server's text when it reports an error."""
    parts = [block_text(block) for block in result.content]
    text = "\n".join(part for part in parts if part)
    if not text.strip() and result.structured_content is not None:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    if result.is_error:
        raise ToolError(f"{server} tool {tool} failed: {capped(text) or 'no reason given'}")
    return capped(text)


def block_text(block: types.ContentBlock) -> str:
    """One content block as text (a note for what is not text)."""
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent | types.AudioContent):
        return f"[{block.type}: {block.mime_type}, {byte_size(_decoded_size(block.data))}]"
    if isinstance(block, types.EmbeddedResource):
        return resource_text(block.resource)
    if isinstance(block, types.ResourceLink):
        return f"[resource link: {block.uri}]"
    return f"[{getattr(block, 'type', 'unknown')} content]"


def resource_text(contents: types.TextResourceContents | types.BlobResourceContents) -> str:
    if isinstance(contents, types.TextResourceContents):
        return contents.text
    kind = contents.mime_type or "binary"
    return f"[resource {contents.uri}: {kind}, {byte_size(_decoded_size(contents.blob))}]"


def prompt_messages(result: types.GetPromptResult) -> list[dict[str, Any]]:
    """A prompt's messages as Agentry messages (``{"role", "content": str}``)."""
    return [
        {"role": message.role, "content": block_text(message.content)}
        for message in result.messages
    ]


def capped(text: str) -> str:
    if len(text) <= OUTPUT_CAP:
        return text
    return (
        f"{text[:OUTPUT_CAP]}\n[Output cut at {OUTPUT_CAP // 1024}K characters: the server "
        f"sent {len(text):,}.]"
    )


def _decoded_size(base64_text: str) -> int:
    """Bytes the base64 text stands for (without decoding it)."""
    stripped = base64_text.rstrip("=")
    return len(stripped) * 3 // 4
