"""Attachment bytes beside the session file: by content hash, written before the file that
refers to them, and following the session through restart, branches, export, rename, fork and
deletion. Against the Ollama-protocol server (a vision model) and real files."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.request import url2pathname

import pytest

from agentry import Agent, AgentSession
from agentry.errors import SessionCorruptError
from agentry.events import NoticeEvent
from agentry.export import to_json, to_markdown
from agentry.sessions import SessionManager
from agentry.sessions.background_sync import sync_in_background
from tests.attachments.files import png

PICTURE = png(120, 100, seed=3)  # ~36 KB of noise: a session file holding it would show


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    (root / "shot.png").write_bytes(PICTURE)
    (root / "copy.png").write_bytes(PICTURE)
    (root / "other.png").write_bytes(png(2, 2, seed=9))
    (root / "notes.txt").write_text("first line\nsecond line\n")
    return root


@pytest.fixture
def vision(ollama_server):
    ollama_server.capabilities = ["completion", "vision"]
    return ollama_server


@pytest.fixture
def manager(tmp_path: Path) -> SessionManager:
    return SessionManager(tmp_path / "history")


def files_of(manager: SessionManager, session_id: str) -> list[str]:
    folder = manager.attachments_dir(session_id)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def turn(agent: Agent, session: AgentSession, text: str, *attached: str) -> list:
    return [e async for e in agent.stream(text, session, attachments=list(attached))]


async def test_bytes_are_stored_by_hash_once_and_the_file_stays_small(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("s")
    await turn(agent, session, "look", "shot.png", "notes.txt")
    await turn(agent, session, "and this one, again", "copy.png", "shot.png")
    manager.sync(session)
    await agent.aclose()
    image, text = session.messages[1]["attachments"]
    assert {r["sha256"] for r in session.messages[3]["attachments"]} == {image["sha256"]}
    assert files_of(manager, "s") == sorted([f"{image['sha256']}.png", f"{text['sha256']}.txt"])
    assert (manager.attachments_dir("s") / f"{image['sha256']}.png").read_bytes() == PICTURE
    size = manager.path_for("s").stat().st_size
    assert size < 4000 < len(PICTURE)  # references only: three mentions of the picture


async def test_an_attachment_survives_a_restart(
    vision, workspace: Path, manager: SessionManager, tmp_path: Path
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("r")
    await turn(agent, session, "look", "shot.png")
    manager.sync(session)
    await agent.aclose()

    later = SessionManager(tmp_path / "history")  # a new process: nothing in memory
    loaded = later.load("r")
    assert loaded is not None and not loaded.pending_attachments
    assert loaded.messages[1]["attachments"] == session.messages[1]["attachments"]
    vision.images.clear()
    agent = Agent("ollama", workspace=tmp_path)  # elsewhere: the stored copy is what is sent
    events = await turn(agent, loaded, "and again?")
    await agent.aclose()
    assert not [e for e in events if isinstance(e, NoticeEvent)]
    assert vision.images == [("image/png", PICTURE)]


async def test_an_attachment_survives_branch_switching(
    vision, workspace: Path, manager: SessionManager, tmp_path: Path
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("b")
    await turn(agent, session, "look", "shot.png")
    await turn(agent, session, "what colour?")
    refs = session.messages[1]["attachments"]
    session.edit_message(3, "what size?")  # an earlier message edited: a branch
    await turn(agent, session, None)  # type: ignore[arg-type]
    manager.sync(session)
    loaded = SessionManager(tmp_path / "history").load("b")
    assert loaded is not None
    assert loaded.messages[3]["content"] == "what size?"
    loaded.switch_alternative(3, -1)  # back to the first conversation
    assert loaded.messages[3]["content"] == "what colour?"
    assert loaded.messages[1]["attachments"] == refs
    loaded.edit_message(1, "look closely")  # the edited message keeps its files
    assert loaded.messages[1]["attachments"] == refs
    vision.images.clear()
    await turn(agent, loaded, None)  # type: ignore[arg-type]
    await agent.aclose()
    assert vision.images == [("image/png", PICTURE)]


async def test_exports_link_the_files_and_keep_the_references(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("e")
    await turn(agent, session, "look", "shot.png", "notes.txt")
    await agent.aclose()
    assert "- Attached: shot.png (" in to_markdown(session)  # not saved yet: names only
    manager.sync(session)
    markdown = to_markdown(session)
    image, text = session.messages[1]["attachments"]
    image_line = next(line for line in markdown.splitlines() if "shot.png" in line)
    text_line = next(line for line in markdown.splitlines() if "notes.txt" in line)
    assert image_line.startswith(f"- Attached: ![shot.png ({PICTURE_SIZE})](<file:")
    assert text_line.startswith("- Attached: [notes.txt (23 B)](<file:")
    linked = Path(url2pathname(image_line.split("(<file://", 1)[1].rstrip(">)")))
    assert linked.read_bytes() == PICTURE
    exported = json.loads(to_json(session))
    assert exported["messages"][1]["attachments"] == [image, text]
    folder = Path(exported["attachments_folder"])
    assert (folder / f"{text['sha256']}.txt").read_text() == "first line\nsecond line\n"


PICTURE_SIZE = f"{len(PICTURE) / 1024:.3g} KB"


async def test_deleting_a_session_leaves_no_orphan_file(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("d")
    await turn(agent, session, "look", "shot.png")
    await agent.aclose()
    manager.sync(session)
    keep = agent.new_session("k")  # another session's attachments stay
    keep.pending_attachments.update(session.pending_attachments)
    keep.messages.append(session.messages[1])
    manager.sync(keep)

    def everything() -> set[str]:
        return {
            p.relative_to(manager.history_dir).as_posix() for p in manager.history_dir.rglob("*")
        }

    before, kept = everything(), files_of(manager, "k")
    assert kept  # the same picture, stored for "k" too
    assert manager.delete_session("d")
    assert before - everything() == {
        "d_chat.toon",
        "attachments/d",
        f"attachments/d/{session.messages[1]['attachments'][0]['sha256']}.png",
    }
    assert files_of(manager, "k") == kept


async def test_rename_moves_the_files_and_fork_keeps_its_own(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("old")
    await turn(agent, session, "look", "shot.png")
    await turn(agent, session, "now this", "other.png")
    await agent.aclose()
    manager.sync(session)
    kept = files_of(manager, "old")
    manager.rename_session("old", "new")
    assert files_of(manager, "new") == kept and not manager.attachments_dir("old").exists()
    fork = manager.fork("new", "fork", 2)  # keeps the first picture only
    assert files_of(manager, "fork") == [f"{fork.messages[1]['attachments'][0]['sha256']}.png"]
    manager.delete_session("new")  # the fork's copy does not go with the source
    vision.images.clear()
    loaded = manager.load("fork")
    assert loaded is not None
    agent = Agent("ollama", workspace=workspace)
    await turn(agent, loaded, "still there?")
    await agent.aclose()
    assert vision.images == [("image/png", PICTURE)]


async def test_listing_and_search_see_sessions_not_the_folder(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("l")
    await turn(agent, session, "a unique word: zanzibar", "notes.txt")
    await agent.aclose()
    manager.sync(session)
    assert files_of(manager, "l")  # the folder is there, beside the file
    assert [row["id"] for row in manager.list_sessions(include_corrupt=True)] == ["l"]
    assert {hit.session_id for hit in manager.search("zanzibar")} == {"l"}


async def test_a_background_save_stores_the_bytes(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("bg")
    await turn(agent, session, "look", "shot.png")
    await agent.aclose()
    await sync_in_background(manager, session)
    assert files_of(manager, "bg") == [f"{session.messages[1]['attachments'][0]['sha256']}.png"]


async def test_a_stored_file_gone_by_hand_is_said_and_the_text_still_sent(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    session = agent.new_session("g")
    await turn(agent, session, "look", "shot.png")
    manager.sync(session)
    for stored in manager.attachments_dir("g").iterdir():
        stored.unlink()
    loaded = manager.load("g")
    assert loaded is not None
    events = await turn(agent, loaded, "still there?")
    await agent.aclose()
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert notices == [
        "shot.png was not sent: the stored copy is missing from the session's attachments folder."
    ]
    assert vision.requests[-1].body["messages"][-1]["content"] == "still there?"


def test_a_reference_that_names_a_path_is_refused_on_load(manager: SessionManager) -> None:
    manager.path_for("h").write_text(
        json.dumps(
            {
                "session_id": "h",
                "created_at": "2026-01-01T00:00:00",
                "messages": [
                    {
                        "role": "user",
                        "content": "x",
                        "attachments": [
                            {
                                "kind": "text",
                                "name": "x",
                                "media_type": "text/plain",
                                "size": 1,
                                "sha256": "../../../etc/passwd",
                            }
                        ],
                    }
                ],
            }
        )
    )
    with pytest.raises(SessionCorruptError, match="attachments.0.sha256"):
        manager.load("h")


async def test_a_bare_message_list_cannot_leave_a_reference_without_bytes(
    vision, workspace: Path, manager: SessionManager
) -> None:
    agent = Agent("ollama", workspace=workspace)
    await agent.chat("look", "spec", attachments=["shot.png"])
    await agent.aclose()
    session = agent.get_session("spec")
    with pytest.raises(ValueError, match="message 1's attachment 'shot.png' has no stored copy"):
        manager.save_session("spec", session.messages)
    assert not manager.session_exists("spec")
    manager.save(session)  # the session holds the bytes
    manager.save_session("spec", session.messages)  # stored now: the list may be saved
    assert len(files_of(manager, "spec")) == 1
