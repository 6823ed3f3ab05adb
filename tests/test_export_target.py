"""Where an export goes (agentry/export_target.py), the one rule both clients use; the clients'
use of it: tests/cli/test_session_commands.py and tests/tui/test_commands.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentry.export import to_json, to_markdown
from agentry.export_target import ExportRefused, export_session
from agentry.sessions import AgentSession

SESSION = AgentSession("s", [{"role": "user", "content": "hi"}])


def test_no_target_writes_every_format_into_the_current_folder(tmp_path: Path) -> None:
    assert export_session(SESSION, None, None, cwd=tmp_path) == [
        tmp_path / "s.md",
        tmp_path / "s.json",
    ]
    assert (tmp_path / "s.md").read_text(encoding="utf-8") == to_markdown(SESSION)
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["session_id"] == "s"


def test_taken_names_in_a_folder_move_on_together_to_the_next_free_number(
    tmp_path: Path,
) -> None:
    (tmp_path / "s.json").write_text("older")
    (tmp_path / "s-2.md").write_text("older")
    assert export_session(SESSION, None, ".", cwd=tmp_path) == [
        tmp_path / "s-3.md",
        tmp_path / "s-3.json",
    ]
    assert (tmp_path / "s.json").read_text() == (tmp_path / "s-2.md").read_text() == "older"


def test_a_file_path_takes_its_format_from_the_suffix_unless_one_is_given(tmp_path: Path) -> None:
    assert export_session(SESSION, None, "a.JSON", cwd=tmp_path) == [tmp_path / "a.JSON"]
    assert (tmp_path / "a.JSON").read_text(encoding="utf-8") == to_json(SESSION)
    assert export_session(SESSION, "md", "notes", cwd=tmp_path) == [tmp_path / "notes"]
    assert (tmp_path / "notes").read_text(encoding="utf-8") == to_markdown(SESSION)


@pytest.mark.parametrize(
    ("fmt", "target", "message"),
    [
        ("pdf", None, "Unknown export format 'pdf'. The formats are md, json."),
        (None, "pdf", "Unknown export format 'pdf'. The formats are md, json; 'pdf' is not a"),
        (None, "x.pdf", "Unknown export format 'pdf'. The formats are md, json."),
        ("md", "missing/x.md", "The folder '{tmp}/missing' does not exist; it is not created"),
        (None, "missing/", "There is no folder 'missing/'; it is not created for an export."),
        ("md", "taken.md", "'{tmp}/taken.md' already exists; it is not overwritten."),
    ],
)
def test_refusals_name_what_is_wrong_and_write_nothing(
    tmp_path: Path, fmt: str | None, target: str | None, message: str
) -> None:
    (tmp_path / "taken.md").write_text("mine")
    with pytest.raises(ExportRefused) as refused:
        export_session(SESSION, fmt, target, cwd=tmp_path)
    assert str(refused.value).startswith(message.format(tmp=tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["taken.md"]
    assert (tmp_path / "taken.md").read_text() == "mine"
