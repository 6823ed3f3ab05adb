"""The TUI against a hostile server, in every protocol: whatever arrives, the app keeps running,
says what went wrong in words (never a Python error), shows no control character, and every
session saves and loads back as it is in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentry.safe_text import is_safe
from agentry.sessions import SessionManager
from tests.servers.chaos import HOSTILE, PROTOCOLS, PYTHON_ERROR, client_turns
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, notices, painted, ready, send, wait_until


@pytest.mark.parametrize("proto", PROTOCOLS, ids=[p.provider for p in PROTOCOLS])
async def test_the_app_survives_every_fault_and_every_session_saves(
    make_app, chaos, proto, history: Path, monkeypatch
) -> None:
    monkeypatch.setenv("AGENTRY_READ_TIMEOUT", "0.5")
    monkeypatch.setenv("AGENTRY_REPLY_TIMEOUT", "1")
    chaos.reset()
    app = make_app(
        provider=proto.provider, model=proto.model, endpoint=chaos.url + proto.endpoint_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = active(app)
        for n, (what, responses) in enumerate(client_turns(proto)):
            chaos.play(*responses)
            await send(pilot, f"turn {n}")
            await wait_until(pilot, lambda: not entry.streaming and entry.saved, timeout=10)
            assert app.is_running, what
            for notice in notices(app):
                assert not PYTHON_ERROR.search(notice), f"{what}: {notice}"
                assert len(notice) < 2000, f"{what}: a notice of {len(notice)} characters"
            for line in painted(app):
                assert is_safe(line), f"{what}: {line!r}"
        stored = SessionManager(history).load(entry.id)
        assert stored is not None and stored.messages == entry.session.messages
        assert stored.messages[2]["content"] == f"Hi \U0001f600 {HOSTILE} done"
