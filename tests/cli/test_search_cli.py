"""``agentry search`` for scripts and ``/search`` in the line client (issue 18)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from agentry.sessions import SessionManager
from tests.cli.conftest import AGENTRY


def seed(history: Path) -> None:
    old = (datetime.now() - timedelta(days=30)).isoformat()
    manager = SessionManager(history)
    manager.save_session(
        "trip",
        [
            {"role": "user", "content": "Plan a trip to Kyoto", "_created_at": old},
            {"role": "assistant", "content": "Kyoto in spring\x1b]0;pwned\x07 is lovely."},
        ],
    )
    manager.save_session("misc", [{"role": "user", "content": "nothing to see"}])
    manager.close()


def search(history: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENTRY, "search", *args, "--history-dir", str(history)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_one_hit_per_line_tab_separated(tmp_path: Path) -> None:
    seed(tmp_path)
    run = search(tmp_path, "kyoto")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert sorted(line.split("\t")[:3] for line in lines) == [
        ["trip", "#0", "user"],
        ["trip", "#1", "assistant"],
    ]
    assistant_line = next(line for line in lines if "\tassistant\t" in line)
    # The escape sequence a reply held is shown, never sent to the terminal.
    assert "\x1b" not in run.stdout and "␛]0;pwned␇" in assistant_line
    assert assistant_line.endswith("Kyoto in spring␛]0;pwned␇ is lovely.")


def test_filters_json_and_exit_codes(tmp_path: Path) -> None:
    seed(tmp_path)
    run = search(tmp_path, "kyoto", "--role", "assistant", "--json")
    assert run.returncode == 0, run.stderr
    [hit] = [json.loads(line) for line in run.stdout.splitlines()]
    assert (hit["session_id"], hit["index"], hit["role"], hit["branch"]) == (
        "trip",
        1,
        "assistant",
        None,
    )
    assert hit["snippet"][slice(*hit["marks"][0])] == "Kyoto"
    since = (datetime.now() - timedelta(days=1)).date().isoformat()
    run = search(tmp_path, "plan", "--since", since)
    assert (run.returncode, run.stdout) == (1, "")  # the only match is older: none
    run = search(tmp_path, '"trip to"', "(", "*", '"')  # stray operators: no syntax error
    assert run.returncode == 0 and run.stdout.startswith("trip\t#0\tuser\t")
    run = search(tmp_path, "kyoto", "--since", "last week")
    assert run.returncode == 2 and "'last week' is not a date" in run.stderr


def test_slash_search_in_the_line_client(cli, ollama_server) -> None:
    seed(cli.history)
    result = cli.pipe("/search kyoto spring\n/search\n/search zebra\n", "--lines")
    assert result.returncode == 0, result.stderr
    assert "1 match; /resume <id> opens one:\ntrip\t#1\tassistant\t" in result.stdout
    assert "Usage: /search <words>" in result.stdout
    assert "Nothing matches 'zebra'." in result.stdout
