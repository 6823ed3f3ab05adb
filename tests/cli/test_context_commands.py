"""/context, /pin and /unpin in the line client (piped), against the Ollama test server."""

from __future__ import annotations

from agentry.sessions import SessionManager


def test_pin_unpin_and_context_in_the_line_client(cli, ollama_server) -> None:
    ollama_server.context_length = 4096
    result = cli.pipe(
        "first question\nsecond question\n/pin 1\n/context\n/unpin 1\n/context summarise\n"
        "/pin 0\n/pin x\n",
        "--lines",
        "--session",
        "c",
    )
    out = result.stdout
    assert "Pinned message 1: every request sends it.\n" in out
    said = "Context: 4,096 tokens (from Ollama default; /set context_length N to change); the"
    assert said + " next request: about " in out
    assert "     1 user [pinned]: first question\n" in out and "Not sent: nothing.\n" in out
    assert "Unpinned message 1: it is sent while it fits.\n" in out
    assert "the model summarises the oldest turns" in out
    assert "Message 0 is the system message: it is always sent." in result.stderr
    assert "Invalid message number 'x': messages are numbered from 0" in result.stderr
    saved = SessionManager(cli.history).load("c")
    assert saved is not None and saved.metadata["context_policy"] == "summarise"
    assert not any("_pinned" in m for m in saved.messages)
