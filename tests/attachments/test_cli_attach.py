"""/attach in the line client, run as people run it (the console script, stdin piped), against
the Ollama-protocol server with a vision model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attachments.files import png
from tests.cli.conftest import Cli

PICTURE = png(3, 3, seed=1)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path)
    (runner.workspace / "notes.txt").write_text("disk full at 03:00\n")
    (runner.workspace / "shot.png").write_bytes(PICTURE)
    (runner.workspace / "my notes.txt").write_text("quoted\n")
    (tmp_path / "outside.txt").write_text("not for the model\n")
    yield runner
    runner.close()


def test_attach_shows_lists_sends_with_the_next_message_and_clears(cli, ollama_server) -> None:
    ollama_server.capabilities = ["completion", "vision"]
    script = "/attach notes.txt\n/attach shot.png\n/attach\nwhat happened?\n/attach\n"
    result = cli.pipe(script, "--lines", "--session", "a")
    assert result.returncode == 0, result.stderr
    assert "Attached notes.txt (text, 19 B) to your next message." in result.stderr
    assert (
        f"Attached shot.png (image, {len(PICTURE)} B) to your next message "
        "(2 attachments in all)." in result.stderr
    )
    assert result.stdout.splitlines() == [
        "Attached to your next message:",
        "  notes.txt (text, 19 B)",
        f"  shot.png (image, {len(PICTURE)} B)",
        "(/attach clear drops them)",
        'Echo: <file name="notes.txt">',
        "disk full at 03:00",
        "</file>",
        "",
        "what happened?",
        "No attachments waiting. /attach PATH attaches a file to your next message.",
    ]
    assert ollama_server.images == [("image/png", PICTURE)]
    user = cli.stored("a")["messages"][1]
    assert user["content"] == "what happened?"
    assert [r["name"] for r in user["attachments"]] == ["notes.txt", "shot.png"]
    assert len(list((cli.history / "attachments" / "a").iterdir())) == 2


def test_attach_refuses_a_file_outside_and_clear_drops_what_waits(cli, ollama_server) -> None:
    script = "/attach ../outside.txt\n/attach 'my notes.txt'\n/attach clear\nhello\n"
    result = cli.pipe(script, "--lines", "--session", "c")
    assert "Cannot attach ../outside.txt: it is outside the working folder" in result.stderr
    assert "Attached my notes.txt (text, 7 B)" in result.stderr  # the quotes a drop adds
    assert "Dropped 1 attachment." in result.stderr
    assert result.stdout.splitlines() == ["Echo: hello"]
    assert "attachments" not in cli.stored("c")["messages"][1]
    assert not (cli.history / "attachments" / "c").exists()
