"""Session rows tell sessions apart (issue 16, item 14): titles that share a long beginning keep
their end, and automatic ids read as the time they name."""

from __future__ import annotations

from pathlib import Path

from agentry_tui.formatting import cut_middle
from agentry_tui.store.naming import readable_id
from agentry_tui.widgets.session_list import SessionList
from tests.tui.conftest import SIZE
from tests.tui.helpers import painted, ready
from tests.tui.scenes import SYSTEM, seed, user

PREFIX = "Explain this function of our billing service"  # + ": invoice_N": 60 at most


async def test_rows_of_titles_sharing_a_long_prefix_all_differ(make_app, history: Path) -> None:
    for n in range(200):
        seed(history, f"s{n:03}", [SYSTEM, user(f"{PREFIX}: invoice_{n}", 10)], 20, 200 - n)
    async with make_app(session_id="s199").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        rows = app.query_one(SessionList)
        lines = painted(app, rows)
        titles = [line.strip() for line in lines[0::2] if line.strip()]
        assert len(titles) >= 10
        assert len(set(titles)) == len(titles), titles
        assert all(title.startswith("Explain this") for title in titles)
        assert [title.rsplit("_", 1)[-1] for title in titles[:3]] == ["199", "198", "197"]


async def test_an_automatic_id_is_shown_as_its_time(make_app, history: Path) -> None:
    seed(history, "chat-20261207-0314-2", [SYSTEM], 20, 10)
    async with make_app(session_id="chat-20261207-0314-2").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        rows = app.query_one(SessionList)
        assert painted(app, rows)[0].strip() == "chat 12-07 03:14 #2"
        assert rows.row_text("chat-20261207-0314-2").endswith("· chat-20261207-0314-2")


def test_cut_middle_keeps_both_ends_within_the_width() -> None:
    assert cut_middle("short", 10) == "short"
    assert cut_middle("abcdefghijklmnop", 9) == "abcd…mnop"
    assert cut_middle("世界世界世界世界", 7) == "世…世界"  # wide characters: cells, not characters
    assert cut_middle("abc", 1) == "…"
    assert readable_id("chat-20261207-0314") == "chat 12-07 03:14"
    assert readable_id("my-chat") == "my-chat"
