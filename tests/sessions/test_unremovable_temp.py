"""A leftover temp file that cannot be removed (on Windows: one a virus scanner has open; here:
a folder bearing a temp file's name, which unlink refuses) is left for a later listing instead
of failing the listing."""

from __future__ import annotations

from pathlib import Path

from agentry.sessions import SessionManager


def test_a_temp_name_that_cannot_be_removed_does_not_fail_the_listing(tmp_path: Path) -> None:
    sm = SessionManager(tmp_path)
    sm.save_session("a", [{"role": "user", "content": "x"}])
    stuck = tmp_path / ".a_chat.toon.0badc0de.tmp"
    stuck.mkdir()
    orphan = tmp_path / ".a_chat.toon.00c0ffee.tmp"  # a killed writer's: removable
    orphan.write_bytes(b"{")
    assert [row["id"] for row in sm.list_sessions()] == ["a"]
    assert stuck.is_dir()
    assert not orphan.exists()
