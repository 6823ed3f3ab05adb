"""A model that cannot take images is told nothing of them: the person is, before the request
goes out, and the text goes through. Unknown capability: the images are sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentry import Agent
from agentry.events import DoneEvent, MessageAdded, NoticeEvent
from agentry.providers import local as local_mod
from agentry.providers.local import LocalProvider
from tests.attachments.files import png


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "shot.png").write_bytes(png(2, 2))
    (tmp_path / "notes.txt").write_text("see the screenshot\n")
    return tmp_path


async def test_an_ollama_model_without_vision_gets_the_text_and_a_notice_is_said(
    ollama_server, workspace: Path
) -> None:
    ollama_server.capabilities = ["completion", "tools"]  # llama3.2: no "vision"
    agent = Agent("ollama", workspace=workspace)
    events = [
        e async for e in agent.stream("what is this?", "v", attachments=["shot.png", "notes.txt"])
    ]
    kinds = [type(e) for e in events]
    notice = next(e for e in events if isinstance(e, NoticeEvent))
    assert notice.text == (
        "shot.png was not sent: ollama model llama3.2:latest cannot take images. The text was sent."
    )
    assert kinds.index(MessageAdded) < kinds.index(NoticeEvent) < kinds.index(DoneEvent)
    (request,) = [r for r in ollama_server.requests if r.path == "/api/chat"]
    assert request.body["messages"][-1] == {
        "role": "user",
        "content": '<file name="notes.txt">\nsee the screenshot\n</file>\n\nwhat is this?',
    }
    assert ollama_server.images == []
    # Said once: the next turn sends the history (the image left out again) without a word.
    again = [e async for e in agent.stream("and now?", "v")]
    assert not [e for e in again if isinstance(e, NoticeEvent)]
    assert ollama_server.images == []
    await agent.aclose()


async def test_an_ollama_server_that_lists_no_capabilities_is_sent_the_image(
    ollama_server, workspace: Path
) -> None:
    ollama_server.capabilities = None  # before Ollama 0.6.4 /api/show had no capabilities
    agent = Agent("ollama", workspace=workspace)
    events = [e async for e in agent.stream("what is this?", "v", attachments=["shot.png"])]
    await agent.aclose()
    assert not [e for e in events if isinstance(e, NoticeEvent)]
    assert ollama_server.images == [("image/png", png(2, 2))]


@pytest.mark.skipif(not local_mod.local_available(), reason="the local extra is not installed")
async def test_the_local_model_is_sent_the_text_and_the_person_told(workspace: Path) -> None:
    agent = Agent(llm=LocalProvider(temperature=0, max_tokens=4, seed=1), workspace=workspace)
    events = [e async for e in agent.stream("Say hi.", "l", attachments=["shot.png"])]
    await agent.aclose()
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert notices == [
        f"shot.png was not sent: local model {agent.provider.model} cannot take images. "
        "The text was sent."
    ]
    assert isinstance(events[-1], DoneEvent)
