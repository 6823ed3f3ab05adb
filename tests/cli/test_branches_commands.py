"""/retry, /undo, /branches and /fork in the line client, against the Ollama-protocol server."""

from __future__ import annotations

from agentry import commands
from tests.servers.base import Reply


def contents(stored: dict) -> list[str]:
    return [m["content"] for m in stored["messages"]]


def test_retry_keeps_the_earlier_answer(cli, ollama_server) -> None:
    ollama_server.enqueue(Reply(text="first answer"), Reply(text="second answer"))
    result = cli.pipe("question\n/retry\n/branches\n", "--lines", "--session", "r")
    assert result.returncode == 0, result.stderr
    assert "first answer\nsecond answer\n" in result.stdout
    assert commands.retried_text(2, 2) in result.stdout + result.stderr
    assert "The one shown forks at:\n  message 2 (the model, 2/2): second answer\n" in result.stdout
    stored = cli.stored("r")
    assert contents(stored)[1:] == ["question", "second answer"]
    assert [m["content"] for m in stored["branches"][0]["messages"]] == ["first answer"]
    assert [r.body["messages"][-1]["content"] for r in ollama_server.requests[-2:]] == [
        "question",
        "question",
    ]


def test_undo_steps_back_and_the_branch_can_be_taken_again(cli, ollama_server) -> None:
    result = cli.pipe("one\ntwo\n/undo\n", "--lines", "--session", "u")
    assert commands.undone_text(2) + "\n" in result.stdout
    stored = cli.stored("u")
    assert contents(stored)[1:] == ["one", "Echo: one"]
    [branch] = stored["branches"]
    assert contents(branch) == ["two", "Echo: two"]
    result = cli.pipe(f"/branches {branch['id']}\n/branches nope\n", "--lines", "--session", "u")
    assert commands.switched_text(branch["id"], 5) in result.stdout
    assert "There is no branch 'nope' in this session. /branches lists them." in result.stderr
    assert contents(cli.stored("u"))[1:] == ["one", "Echo: one", "two", "Echo: two"]


def test_fork_copies_the_conversation_up_to_a_message(cli, ollama_server) -> None:
    result = cli.pipe(
        "one\ntwo\n/fork copy 2\n/status\n/fork other x\n", "--lines", "--session", "f"
    )
    assert commands.forked_text("f", "copy", 2) + "\n" in result.stdout
    assert "   Session ID: copy\n   Messages: 3\n" in result.stdout
    assert "Invalid message number 'x'" in result.stderr
    copy = cli.stored("copy")
    assert copy["messages"] == cli.stored("f")["messages"][:3]
    assert copy["metadata"]["forked_from"] == {"session": "f", "message": 2}
    assert copy["metadata"]["title"] == "Fork of f at message 2"
    result = cli.pipe("/fork third 9\n", "--lines", "--session", "f")
    assert "There is no message 9: this conversation has 0 to 4." in result.stderr
