"""The line client's saves: a failing disk is said, and at exit the session is copied elsewhere
rather than lost."""

from __future__ import annotations

from agentry.sessions import SessionManager


def test_a_session_that_cannot_be_saved_is_copied_elsewhere_at_exit(
    cli, ollama_server, tmp_path
) -> None:
    cli.env_overrides["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    term = cli.pty("--session", "x")
    term.expect_exact("[x] You: ")
    path = cli.history / "x_chat.toon"
    path.unlink()
    path.mkdir()  # the file's place is taken: saves fail with an OS error
    term.sendline("do not lose me")
    term.expect_exact("Could not save session 'x'")
    term.expect_exact("[x] You: ")
    term.send_eof()
    term.expect_exact("A copy of session 'x' is in ")
    assert term.wait() == 0
    [copy] = (tmp_path / "tmp" / "agentry-rescue").glob("*/x_chat.toon")
    messages = SessionManager(copy.parent).load_session("x")
    assert [m["content"] for m in messages][1:] == ["do not lose me", "Echo: do not lose me"]
