"""A session as a Markdown document or a JSON file (pure: the store writes the files)."""

from __future__ import annotations

import json
from typing import Any

from agentry import messages
from agentry.attachments.folder import file_name, folder_for
from agentry.attachments.model import AttachmentRef
from agentry.attachments.wire import refs_of
from agentry.sessions import AgentSession
from agentry.timefmt import stamp
from agentry.wording import byte_size, plural

_HEADINGS = {"system": "System", "user": "You", "assistant": "Assistant", "tool": "Tool"}


def to_markdown(session: AgentSession) -> str:
    lines = [
        f"# Session {session.session_id}",
        "",
        f"Created {stamp(session.created_at)} · last activity {stamp(session.last_activity)} · "
        f"{plural(len(session.messages), 'message')}",
        "",
    ]
    for message in session.messages:
        role = message.get("role", "")
        heading = _HEADINGS.get(role, role.title())
        if role == "tool" and message.get("name"):
            heading += f" ({message['name']})"
        if model := messages.model(message):
            heading += f" · {model}"
        lines += [f"## {heading}", ""]
        if reasoning := messages.reasoning(message):
            lines += ["<details><summary>Reasoning</summary>", "", reasoning, "", "</details>", ""]
        text = messages.content_text(message.get("content"))
        if role == "tool":
            text = f"```\n{text}\n```"
        if text:
            lines += [text, ""]
        if refs := refs_of(message):
            lines += [*_attachment_links(session, refs), ""]
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            args = function.get("arguments")
            args_text = args if isinstance(args, str) else json.dumps(args, indent=2)
            lines += [
                f"Tool call `{function.get('name', '')}`:",
                "",
                "```json",
                args_text,
                "```",
                "",
            ]
        if error := messages.error(message):
            lines += [f"> Error: {error}", ""]
        elif messages.is_interrupted(message):
            lines += ["> (interrupted)", ""]
    return "\n".join(lines).rstrip() + "\n"


def _attachment_links(session: AgentSession, refs: list[AttachmentRef]) -> list[str]:
    """A list item per attachment: a link to its stored file (an image as an image, which
    Markdown viewers show), or its name alone while the session has not been saved."""
    stored = folder_for(session.history_dir, session.session_id) if session.history_dir else None
    lines = []
    for ref in refs:
        label = f"{ref['name']} ({byte_size(ref['size'])})".replace("]", "\\]")
        if stored is None:
            lines.append(f"- Attached: {label}")
            continue
        link = f"[{label}](<{(stored / file_name(ref)).as_uri()}>)"
        lines.append(f"- Attached: {'!' if ref['kind'] == 'image' else ''}{link}")
    return lines


def to_json(session: AgentSession) -> str:
    data: dict[str, Any] = {
        "session_id": session.session_id,
        "created_at": session.created_at.isoformat(),
        "last_activity": session.last_activity.isoformat(),
        "metadata": session.metadata,
        "messages": session.messages,  # attachments as their references ("attachments")
    }
    if session.history_dir is not None and any(refs_of(m) for m in session.messages):
        # Where the referenced files are: <sha256>.<ext> in this folder.
        data["attachments_folder"] = str(folder_for(session.history_dir, session.session_id))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
