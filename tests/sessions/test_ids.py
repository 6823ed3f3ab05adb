"""Session ids: 1-128 of letters, digits, '.', '_', '-', not starting with '.'; nothing escapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentry.errors import InvalidSessionIdError
from agentry.sessions import ID_RULE, SessionManager, is_valid_session_id, validate_session_id


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTRY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sm(tmp_path: Path) -> SessionManager:
    return SessionManager(tmp_path / "root" / "sessions")


MESSAGES = [{"role": "user", "content": "hi"}]

BAD_IDS: list[Any] = [
    "../x",
    "..",
    ".",
    "../../etc/passwd",
    "a/b",
    "a\\b",
    "/abs",
    "",
    "x" * 500,
    "x" * 129,
    "nul\x00byte",
    "\x00",
    ".hidden",
    ".x",
    "with space",
    " lead",
    "trail\n",
    "tab\tid",
    "colon:id",
    "star*",
    "q?",
    "é",
    "日本",
    "a\u200bb",  # zero-width space
    "~user",
    "$HOME",
    None,
    42,
    3.5,
    b"bytes",
    Path("x"),
    ["x"],
]

GOOD_IDS = [
    "a",
    "Z",
    "0",
    "_",
    "-",
    "default",
    "my_project",
    "customer_support_2025_11_22",
    "v1.2.3",
    "a..b",
    "ends.",
    "-dash-first",
    "_underscore",
    "MiXeD-Case_09.x",
    "x" * 128,
    ".".join(["a"] * 64),  # 127 chars
]


def _calls(sm: SessionManager) -> dict[str, Callable[[Any], Any]]:
    return {
        "save_session": lambda i: sm.save_session(i, MESSAGES),
        "save_session_meta": lambda i: sm.save_session(i, MESSAGES, {"k": 1}),
        "load_session": sm.load_session,
        "load": sm.load,
        "delete_session": sm.delete_session,
        "session_exists": sm.session_exists,
        "path_for": sm.path_for,
        "rename_from": lambda i: sm.rename_session(i, "target"),
        "rename_to": lambda i: sm.rename_session("source", i),
    }


CALL_NAMES = [
    "save_session",
    "save_session_meta",
    "load_session",
    "load",
    "delete_session",
    "session_exists",
    "path_for",
    "rename_from",
    "rename_to",
]


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b)[:30] for b in BAD_IDS])
@pytest.mark.parametrize("call", CALL_NAMES)
def test_bad_id_rejected_everywhere(
    sm: SessionManager, tmp_path: Path, call: str, bad: Any
) -> None:
    sm.save_session("source", MESSAGES)  # so rename_to gets as far as the new id
    before = tree(tmp_path)
    with pytest.raises(ValueError) as info:
        _calls(sm)[call](bad)
    err = info.value
    assert isinstance(err, InvalidSessionIdError)
    text = str(err)
    assert ID_RULE in text
    assert "128" in text and "'.'" in text and "letters" in text
    assert tree(tmp_path) == before  # nothing created or removed, inside or outside
    assert sm.load_session("source") == MESSAGES


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b)[:30] for b in BAD_IDS])
def test_bad_id_predicates(bad: Any) -> None:
    assert is_valid_session_id(bad) is False
    with pytest.raises(InvalidSessionIdError):
        validate_session_id(bad)


@pytest.mark.parametrize("good", GOOD_IDS, ids=[g[:20] for g in GOOD_IDS])
def test_good_ids_work(sm: SessionManager, good: str) -> None:
    assert is_valid_session_id(good)
    assert validate_session_id(good) == good
    path = sm.path_for(good)
    # The file is directly inside the folder, named after the id.
    assert path.parent == sm.history_dir
    assert path.resolve().parent == sm.history_dir.resolve()
    assert path.name == f"{good}_chat.toon"

    assert sm.session_exists(good) is False
    sm.save_session(good, MESSAGES)
    assert path.is_file()
    assert sm.session_exists(good) is True
    assert sm.load_session(good) == MESSAGES
    assert [s["id"] for s in sm.list_sessions()] == [good]
    sm.rename_session(good, "renamed")
    sm.rename_session("renamed", good)
    assert sm.delete_session(good) is True
    assert sm.session_exists(good) is False


def test_length_boundary(sm: SessionManager) -> None:
    sm.save_session("y" * 128, MESSAGES)
    assert sm.load_session("y" * 128) == MESSAGES
    with pytest.raises(ValueError):
        sm.save_session("y" * 129, MESSAGES)


def test_all_files_stay_inside_the_folder(sm: SessionManager, tmp_path: Path) -> None:
    for good in GOOD_IDS:
        sm.save_session(good, MESSAGES)
    for bad in BAD_IDS:
        with pytest.raises(ValueError):
            sm.save_session(bad, MESSAGES)
    root = sm.history_dir.resolve()
    for p in tmp_path.rglob("*"):
        if p.is_file():
            assert root in p.resolve().parents, p
    names = {p.name for p in sm.history_dir.iterdir() if p.name.endswith("_chat.toon")}
    assert names == {f"{g}_chat.toon" for g in GOOD_IDS}


def test_every_call_is_checked(sm: SessionManager) -> None:
    assert set(CALL_NAMES) == set(_calls(sm))
