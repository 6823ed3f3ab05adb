"""Session titles: given by a person, kept in the file's metadata, shown by listings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentry.sessions import AgentSession, SessionManager
from agentry.sessions.titles import MAX_TITLE, TITLE_RULE, InvalidTitleError

PIRATE = "My Pirate Chat ☠"
MESSAGES = [{"role": "system", "content": "sys"}, {"role": "user", "content": "first words"}]


def test_a_title_is_kept_in_the_metadata_and_listed(tmp_path: Path) -> None:
    manager = SessionManager(tmp_path)
    manager.save_session("s", MESSAGES, {"project": "x"})
    assert manager.list_sessions()[0]["title"] == "first words"  # none given: the first message
    assert manager.set_title("s", f"  {PIRATE} ") == PIRATE
    stored = json.loads((tmp_path / "s_chat.toon").read_text(encoding="utf-8"))
    assert stored["metadata"] == {"project": "x", "title": PIRATE}  # readable in the file
    assert stored["messages"] == MESSAGES
    assert manager.list_sessions()[0]["title"] == PIRATE
    assert SessionManager(tmp_path).list_sessions()[0]["title"] == PIRATE  # a new process too
    loaded = manager.load("s")
    assert loaded is not None and loaded.title == PIRATE
    manager.set_title("s", "")  # taken away: the first message again
    assert manager.list_sessions()[0]["title"] == "first words"
    assert manager.load("s").metadata == {"project": "x"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("two\nlines", "U+000A"),
        ("an \x1b[31m escape", "U+001B"),
        ("x" * (MAX_TITLE + 1), f"({MAX_TITLE + 1} characters)"),
        ("a line\u2028separator", "U+2028"),
    ],
)
def test_a_bad_title_is_refused_naming_the_rule(tmp_path: Path, title: str, problem: str) -> None:
    session = AgentSession("s", list(MESSAGES))
    with pytest.raises(InvalidTitleError) as caught:
        session.title = title
    assert problem in str(caught.value) and TITLE_RULE in str(caught.value)
    manager = SessionManager(tmp_path)
    manager.save(session)
    with pytest.raises(ValueError, match=TITLE_RULE):
        manager.set_title("s", title)
    assert manager.load("s").metadata == {}  # type: ignore[union-attr]  # nothing written


def test_setting_a_title_on_no_session_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No session named 'ghost'"):
        SessionManager(tmp_path).set_title("ghost", PIRATE)


def test_a_title_that_is_not_text_in_a_file_is_ignored(tmp_path: Path) -> None:
    manager = SessionManager(tmp_path)
    manager.save_session("s", MESSAGES, {"title": ["not", "text"]})
    assert manager.list_sessions()[0]["title"] == "first words"
    assert manager.load("s").title == ""  # type: ignore[union-attr]


def test_titles_set_by_two_processes_merge_with_their_messages(tmp_path: Path) -> None:
    ours, theirs = SessionManager(tmp_path), SessionManager(tmp_path)
    ours.save_session("s", MESSAGES)
    mine = ours.load("s")
    other = theirs.load("s")
    assert mine is not None and other is not None
    other.title = PIRATE
    theirs.sync(other)
    mine.add_message({"role": "assistant", "content": "reply"})
    report = ours.sync(mine)
    assert report.metadata == {"title": PIRATE} and len(report.messages) == 3
