"""The line client on a terminal against a hostile server, in every protocol: each turn ends in
a reply or one readable error line (never a Python error), nothing the server sent acts on the
terminal, and the session file holds every turn, valid and loadable."""

from __future__ import annotations

import re

import pytest

from agentry.sessions import SessionManager
from tests.cli.test_hostile_output import CONTROLS, OURS
from tests.servers.chaos import HOSTILE, PROTOCOLS, PYTHON_ERROR, client_turns


@pytest.mark.parametrize("proto", PROTOCOLS, ids=[p.provider for p in PROTOCOLS])
def test_every_fault_is_a_readable_line_and_the_session_saves(cli, chaos, proto) -> None:
    chaos.reset()
    cli.env_overrides.update(AGENTRY_READ_TIMEOUT="0.5", AGENTRY_REPLY_TIMEOUT="1")
    term = cli.pty(
        "--session",
        "c",
        "--model",
        proto.model,
        "--endpoint",
        chaos.url + proto.endpoint_path,
        provider=proto.provider,
    )
    term.answers_queries = True
    turns = client_turns(proto)
    for n, (_what, responses) in enumerate(turns):
        term.expect_exact("[c] You: ", timeout=10)
        chaos.play(*responses)
        term.sendline(f"turn {n}")
    term.expect_exact("[c] You: ", timeout=10)
    term.send_eof()
    assert term.wait() == 0
    output = term.text
    assert not PYTHON_ERROR.search(output), output
    # One error line a failed turn: all but the reply and the refused tool call's turn.
    assert len(re.findall(r"^Error: ", output, re.MULTILINE)) == len(turns) - 2
    assert CONTROLS.findall(OURS.sub("", term.raw.decode())) == []
    messages = SessionManager(cli.history).load_session("c")
    assert [m["content"] for m in messages if m["role"] == "user"] == [
        f"turn {n}" for n in range(len(turns))
    ]
    assert messages[2]["content"] == f"Hi \U0001f600 {HOSTILE} done"
