"""A planted API key, echoed back by a hostile server in every way it can, is found nowhere a
person or another program could read it: not on screen, not in a screenshot, not in any file the
clients write, not in the line client's output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentry.safe_text import visible
from tests.servers.chaos import OPENAI, Fault
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, notices, painted, ready, send, wait_until

KEY = "sk-planted-4f9a2c7e1b3d5f6a8c0e"
REPO_ROOT = Path(__file__).resolve().parents[2]


def echoes() -> list[Fault]:
    """Responses that quote the key: an error status, a mid-stream error event, reply text."""
    quoted = KEY.encode()
    return [
        Fault(
            status=401,
            content_type="application/json",
            chunks=[b'{"error": {"message": "bad key ' + quoted + b'"}}'],
        ),
        Fault(
            status=500,
            content_type="application/json",
            chunks=[b'{"error": {"message": "failed for ' + quoted + b'"}}'],
        ),
        Fault(
            chunks=OPENAI.body(
                OPENAI.text("partial "), '{"error": {"message": "stream broke, key ' + KEY + '"}}'
            )
        ),
        Fault(status=400, content_type="text/plain", chunks=[b"Authorization: Bearer " + quoted]),
    ]


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


# As set: plainly, and with the newline `export KEY=$(cat keyfile)` and pasted keys bring.
@pytest.mark.parametrize("as_set", [KEY, KEY + "\n"], ids=["plain", "trailing newline"])
async def test_a_key_the_server_echoes_is_shown_and_stored_nowhere(
    make_app, chaos, tmp_path: Path, history: Path, monkeypatch, as_set: str
) -> None:
    chaos.reset()
    monkeypatch.setenv("OPENAI_API_KEY", as_set)
    app = make_app(provider="openai", model=OPENAI.model, endpoint=chaos.url + "/v1")
    places = 0
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = active(app)
        for n, fault in enumerate(echoes()):
            chaos.play(fault)
            await send(pilot, f"turn {n}")
            await wait_until(pilot, lambda: not entry.streaming and entry.saved, timeout=10)
            screen = "\n".join(painted(app)) + "\n".join(notices(app))
            assert KEY not in screen and "[API key]" in screen
            places += 2
        svg = app.export_screenshot()
        assert KEY not in svg and KEY not in visible(svg)
        places += 1
    # Each turn did send the key (and the one GET /props asking the context length, too)...
    assert len([r for r in chaos.requests if r.method == "POST"]) == len(echoes())
    assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in chaos.requests)
    # ...and the line client, against the same echoes:
    chaos.reset()
    chaos.play(*echoes())
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentry",
            "--history-dir",
            str(history),
            "--provider",
            "openai",
            "--model",
            OPENAI.model,
            "--endpoint",
            chaos.url + "/v1",
            "--session",
            "cli",
        ],
        input="".join(f"turn {n}\n" for n in range(len(echoes()))),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert run.returncode == 1  # the turns failed, as a script should hear
    assert "[API key]" in run.stderr
    assert KEY not in run.stdout and KEY not in run.stderr
    places += 2
    written = files_under(tmp_path)
    assert len(written) >= 3  # two sessions, the listing index (and the settings' folder)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    places += len(written)
    print(f"planted key: {places} places searched, found in none")
