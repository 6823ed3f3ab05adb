"""What each provider's server receives for an image and a text file, read the way the service
documents it (tests/servers/images.py: a server answers 400 to an image in any other form); and
that a file that cannot be attached sends nothing."""

from __future__ import annotations

import base64
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from agentry import Agent
from agentry.attachments import AttachmentError
from agentry.events import ErrorEvent, NoticeEvent
from tests.attachments.files import JPEG, png

PICTURE = png(4, 3, seed=7)
LOG = "ERROR disk full\nWARN retrying\n"
FILE_BLOCK = '<file name="logs/app.log">\nERROR disk full\nWARN retrying\n</file>'
ASKED = "What went wrong?"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text(LOG)
    (tmp_path / "shot.png").write_bytes(PICTURE)
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    return tmp_path


async def send(agent: Agent) -> list[Any]:
    events = [
        e
        async for e in agent.stream(
            ASKED, "w", attachments=["shot.png", "photo.jpg", "logs/app.log"]
        )
    ]
    await agent.aclose()
    return events


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_ollama_gets_images_as_base64_strings_on_the_message(
    ollama_server, workspace: Path
) -> None:
    ollama_server.capabilities = ["completion", "vision"]
    events = await send(Agent("ollama", workspace=workspace))
    assert not [e for e in events if isinstance(e, NoticeEvent)]
    user = ollama_server.requests[-1].body["messages"][-1]
    assert user == {
        "role": "user",
        "content": f"{FILE_BLOCK}\n\n{ASKED}",
        "images": [b64(PICTURE), b64(JPEG)],
    }
    assert ollama_server.images == [("image/png", PICTURE), ("image/jpeg", JPEG)]


async def test_openai_gets_image_url_parts_with_data_urls(openai_server, workspace: Path) -> None:
    await send(Agent("openai", workspace=workspace))
    user = openai_server.requests[-1].body["messages"][-1]
    assert user == {
        "role": "user",
        "content": [
            {"type": "text", "text": f"{FILE_BLOCK}\n\n{ASKED}"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(PICTURE)}"}},
            {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b64(JPEG)}"}},
        ],
    }
    assert openai_server.images == [("image/png", PICTURE), ("image/jpeg", JPEG)]


async def test_anthropic_gets_base64_image_blocks_before_the_text(
    anthropic_server, workspace: Path
) -> None:
    await send(Agent("anthropic", endpoint=anthropic_server.url, workspace=workspace))
    user = anthropic_server.requests[-1].body["messages"][-1]
    assert user == {
        "role": "user",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": b64(PICTURE)},
            },
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/jpeg", "data": b64(JPEG)},
            },
            {"type": "text", "text": f"{FILE_BLOCK}\n\n{ASKED}"},
        ],
    }
    assert anthropic_server.images == [("image/png", PICTURE), ("image/jpeg", JPEG)]


async def test_gemini_gets_inline_data_parts_before_the_text(
    gemini_server, workspace: Path
) -> None:
    await send(Agent("gemini", endpoint=gemini_server.url, workspace=workspace))
    user = gemini_server.requests[-1].body["contents"][-1]
    assert user == {
        "role": "user",
        "parts": [
            {"inline_data": {"mime_type": "image/png", "data": b64(PICTURE)}},
            {"inline_data": {"mime_type": "image/jpeg", "data": b64(JPEG)}},
            {"text": f"{FILE_BLOCK}\n\n{ASKED}"},
        ],
    }
    assert gemini_server.images == [("image/png", PICTURE), ("image/jpeg", JPEG)]


async def test_a_text_file_alone_keeps_the_content_a_plain_string(
    openai_server, workspace: Path
) -> None:
    agent = Agent("openai", workspace=workspace)
    reply = await agent.chat(ASKED, "t", attachments=["logs/app.log"])
    await agent.aclose()
    user = openai_server.requests[-1].body["messages"][-1]
    assert user == {"role": "user", "content": f"{FILE_BLOCK}\n\n{ASKED}"}
    assert reply == f"Echo: {FILE_BLOCK}\n\n{ASKED}"


async def test_the_session_keeps_references_not_bytes(ollama_server, workspace: Path) -> None:
    agent = Agent("ollama", workspace=workspace)
    await send(agent)
    user = agent.get_session("w").messages[1]
    assert user["content"] == ASKED  # what the person typed, as typed
    assert [(r["name"], r["kind"], r["size"]) for r in user["attachments"]] == [
        ("shot.png", "image", len(PICTURE)),
        ("photo.jpg", "image", len(JPEG)),
        ("logs/app.log", "text", len(LOG)),
    ]


def _vanished(root: Path) -> str:
    (root / "gone.txt").write_text("here a moment ago")
    (root / "gone.txt").unlink()
    return "gone.txt"


def _huge(root: Path) -> str:
    with open(root / "huge.log", "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: nothing written
    return "huge.log"


def _binary(root: Path) -> str:
    (root / "a.out").write_bytes(b"\x7fELF" + bytes(64))
    return "a.out"


def _outside(root: Path) -> str:
    (root.parent / "secret.txt").write_text("key")
    return "../secret.txt"


def _symlink_out(root: Path) -> str:
    (root.parent / "secret.txt").write_text("key")
    os.symlink(root.parent / "secret.txt", root / "link.txt")
    return "link.txt"


CASES = {
    "vanished": (_vanished, "there is no such file"),
    "200 MB": (_huge, "it is 200 MB, and a text file may be at most 256 KB"),
    "binary": (_binary, "it is a binary file"),
    "outside": (_outside, "it is outside the working folder"),
    "symlink out": (_symlink_out, "it is outside the working folder"),
}


@pytest.mark.parametrize("case", CASES)
async def test_a_file_that_cannot_be_attached_sends_and_adds_nothing(
    ollama_server, tmp_path: Path, case: str
) -> None:
    if case == "symlink out" and sys.platform == "win32":
        pytest.skip("symlinks need privileges on Windows")
    make, reason = CASES[case]
    root = tmp_path / "work"
    root.mkdir()
    (root / "notes.txt").write_text("fine\n")
    path = make(root)
    agent = Agent("ollama", workspace=root)
    events = [e async for e in agent.stream(ASKED, "n", attachments=["notes.txt", path])]
    with pytest.raises(AttachmentError, match=f"Cannot attach {re.escape(path)}: {reason}"):
        await agent.chat(ASKED, "n", attachments=[path])
    await agent.aclose()
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert isinstance(events[0].error, AttachmentError)
    assert f"Cannot attach {path}: {reason}" in str(events[0].error)
    assert [m["role"] for m in agent.get_session("n").messages] == ["system"]  # nothing added
    assert ollama_server.requests == []  # nothing sent
