"""Escape sequences in what the model, a tool or a file sends reach the terminal only visibly.

The pty plays the terminal, answering a cursor position query as a real one does (by typing the
answer), so a query that got through would show up in the person's next message."""

from __future__ import annotations

import re

from agentry.messages import title_of
from agentry.safe_text import visible
from agentry.sessions import AgentSession, SessionManager
from tests.servers.base import Reply

HOSTILE = (
    "A\x1b]52;c;aGFjaw==\x07"  # OSC 52: set the clipboard
    "B\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\"  # OSC 8: a hyperlink
    "C\x1b]0;pwned\x07"  # OSC 0: the window title
    "D\x1b[2J"  # clear the screen
    "E\x1b[6n"  # where is the cursor? (answered as typed input)
    "F\x07\x08\x7f"  # BEL, BS, DEL
    "G\x9b6n"  # the same query with the 8-bit CSI
    "H"
)
SHOWN = visible(HOSTILE)
# What a session's terminal output may hold besides text: our DIM/RESET around reasoning, and
# readline's own switches (bracketed paste, meta key).
OURS = re.compile(r"\x1b\[[02]m|\x1b\[\?2004[hl]|\x1b\[\?1034h")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")  # \t \n \r are fine


def test_hostile_reply_reasoning_and_tool_result_are_shown_not_obeyed(cli, ollama_server) -> None:
    (cli.workspace / "evil.txt").write_text(HOSTILE)
    ollama_server.enqueue(
        Reply(text=HOSTILE, reasoning=HOSTILE),
        Reply(tool_calls=[("read_file", {"path": "evil.txt"})]),  # then "Tool said: <result>"
    )
    term = cli.pty("--session", "h")
    term.answers_queries = True
    term.expect_exact("[h] You: ")
    term.sendline("hi")
    term.expect_exact(f"  thinking: {SHOWN}\n[h] Assistant: {SHOWN}\n")
    term.expect_exact("[h] You: ")
    term.sendline("read it")
    term.expect(r"  ↳ .*" + re.escape(SHOWN))
    term.expect(r"\[h\] Assistant: Tool said: .*" + re.escape(SHOWN))
    term.expect_exact("[h] You: ")
    term.sendline("typed")
    term.expect_exact("[h] Assistant: Echo: typed\n")
    term.expect_exact("[h] You: ")
    term.send_eof()
    assert term.wait() == 0

    messages = cli.stored("h")["messages"]
    assert [m["content"] for m in messages if m["role"] == "user"] == ["hi", "read it", "typed"]
    assert messages[2]["content"] == HOSTILE  # the file keeps what the model sent
    assert messages[2]["_reasoning"] == HOSTILE
    shown = OURS.sub("", term.raw.decode())
    assert CONTROLS.findall(shown) == []


def test_hostile_session_title_in_the_session_list(cli, ollama_server) -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": HOSTILE}]
    SessionManager(cli.history).save(AgentSession("evil", messages))
    term = cli.pty("--session", "h")
    term.answers_queries = True
    term.expect_exact("[h] You: ")
    term.sendline("/sessions")
    term.expect(r"   evil +2 messages +\S+ \S+  " + re.escape(visible(title_of(messages))))
    term.expect_exact("[h] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert CONTROLS.findall(OURS.sub("", term.raw.decode())) == []
