"""Search across every session (issue 18): the FTS5 index beside the files, the query a person
types, and the index kept up to date and rebuilt from the files (which it never changes)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentry.sessions import SessionManager
from agentry.sessions.fileformat import SessionRecord
from agentry.sessions.search import INDEX_NAME, SearchIndex, SearchUnavailable, marked, rows_of
from agentry.sessions.search_query import fts_query, parse

ROOT = Path(__file__).resolve().parents[2]


def user(text: str, **extra: object) -> dict:
    return {"role": "user", "content": text, **extra}


def assistant(text: str, **extra: object) -> dict:
    return {"role": "assistant", "content": text, **extra}


def found(manager: SessionManager, query: str, **filters: object) -> list[tuple[str, int]]:
    return [(hit.session_id, hit.index) for hit in manager.search(query, **filters)]


def marked_words(hit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.marks]


@pytest.fixture
def manager(tmp_path: Path) -> SessionManager:
    return SessionManager(tmp_path)


def test_hits_in_user_assistant_tool_and_reasoning_text(manager) -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "read_file", "arguments": '{"path": "quokka.txt"}'},
    }
    manager.save_session(
        "s",
        [
            {"role": "system", "content": "You are terse."},
            user("Where do wombats live?"),
            assistant("", tool_calls=[call], _reasoning="Maybe the platypus file knows."),
            {"role": "tool", "tool_call_id": "c1", "content": "Echidnas dig burrows."},
            assistant("In Australia, like [{'type': 'text'}] kangaroos."),
            {"role": "user", "content": [{"type": "text", "text": "Thanks for the "}, "numbat"]},
        ],
    )
    assert found(manager, "wombats") == [("s", 1)]
    assert found(manager, "platypus") == [("s", 2)]  # reasoning
    assert found(manager, "quokka") == [("s", 2)]  # a tool call's arguments
    assert found(manager, "echidnas") == [("s", 3)]  # a tool result
    assert found(manager, "kangaroos") == [("s", 4)]
    assert found(manager, "numbat") == [("s", 5)]  # multi-part content
    [hit] = manager.search("echidnas")
    assert (hit.role, hit.title, hit.branch) == ("tool", "Where do wombats live?", None)
    assert hit.snippet == "Echidnas dig burrows."
    assert marked_words(hit) == ["Echidnas"]


def test_unicode_accents_cjk_emoji_and_punctuation(manager) -> None:
    manager.save_session("fr", [user("Un café crème à Montréal, s'il vous plaît.")])
    manager.save_session("ja", [user("東京タワーに行きました。とても高かった！")])
    manager.save_session("zh", [assistant("我们明天去北京大学看看")])
    manager.save_session("emoji", [user("Ship it 🚀🎉 today"), assistant("C++, node.js, e-mail")])
    assert found(manager, "cafe") == found(manager, "CAFÉ") == [("fr", 0)]
    assert found(manager, "montreal plait") == [("fr", 0)]
    assert found(manager, "東京") == found(manager, "タワー") == [("ja", 0)]
    assert found(manager, "行きました") == [("ja", 0)]  # inside a run with no spaces
    assert found(manager, "北京大学") == [("zh", 0)]
    assert found(manager, "京都") == []  # both characters, not next to each other
    assert found(manager, "🎉") == found(manager, "🚀") == [("emoji", 0)]
    assert found(manager, "node.js") == found(manager, '"e-mail"') == [("emoji", 1)]
    [hit] = manager.search("北京")
    assert hit.snippet == "我们明天去北京大学看看"  # the separators the index adds are not shown
    assert "".join(marked_words(hit)) == "北京"
    [hit] = manager.search("cafe")
    assert marked_words(hit) == ["café"]


def test_phrases_prefixes_and_excluded_words(manager) -> None:
    manager.save_session("a", [user("the quick brown fox"), assistant("a brown quick dog")])
    manager.save_session("b", [user("quickly foxtrot")])
    assert sorted(found(manager, "quick brown")) == [("a", 0), ("a", 1)]
    assert found(manager, '"quick brown"') == [("a", 0)]
    assert found(manager, '"brown quick') == [("a", 1)]  # a quote left open runs to the end
    assert sorted(found(manager, "quick*")) == [("a", 0), ("a", 1), ("b", 0)]
    assert sorted(found(manager, "fox*")) == [("a", 0), ("b", 0)]
    assert found(manager, "quick -dog") == [("a", 0)]
    assert found(manager, 'quick -"brown fox"') == [("a", 1)]
    assert found(manager, "-quick") == []  # only exclusions: nothing asked for
    assert found(manager, "") == found(manager, "   ") == []


def test_a_prefix_finds_every_word_it_begins(manager) -> None:
    # More words than a prefix was once cut to (16): every one of them is found, and a
    # one-letter prefix still finds something.
    words = [f"zeta{chr(97 + n)}x" for n in range(20)]
    manager.save_session("many", [user(word) for word in words])
    assert sorted(found(manager, "zet*")) == [("many", n) for n in range(20)]
    assert sorted(found(manager, "zetat*")) == [("many", 19)]
    assert found(manager, "z*")


NASTY = [
    '"',
    '""',
    '"""',
    "*",
    "**",
    "fox**",
    "-",
    "--",
    "- -",
    "AND",
    "OR",
    "NOT",
    "fox AND",
    "OR fox",
    "NOT fox",
    "fox NOT",
    "NEAR(fox dog)",
    "NEAR(",
    "(",
    ")",
    "())(",
    "fox)",
    "^fox",
    "body:fox",
    "col:",
    ":",
    "{a b}",
    "+fox",
    "fox -",
    "'fox'",
    "\\",
    "\x00",
    "fox\x00dog",
    "%_",
    "a' OR '1'='1",
    '"; DROP TABLE texts; --',
    "\ud800",
]


@pytest.mark.parametrize("typed", NASTY)
def test_any_typed_text_is_a_valid_query(manager, typed: str) -> None:
    manager.save_session("s", [user("fox and dog, NOT NEAR; body: AND OR")])
    hits = manager.search(typed)
    assert isinstance(hits, list)


def test_operators_typed_by_a_person_are_words(manager) -> None:
    manager.save_session("s", [user("fox AND hound"), user("NEAR the end")])
    assert found(manager, "AND") == [("s", 0)]  # the word, not the operator
    assert found(manager, "NEAR(") == [("s", 1)]
    assert found(manager, "fox)") == [("s", 0)]
    assert found(manager, "and:hound") == [("s", 0)]  # a phrase, not a column filter


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> SessionManager:
    manager = SessionManager(tmp_path_factory.mktemp("shared"))
    manager.save_session("s", [user('some words to find ( ) " * - AND')])
    return manager


@settings(max_examples=100, deadline=None)
@given(typed=st.text(max_size=30))
def test_no_text_makes_an_fts_syntax_error(shared, typed: str) -> None:
    shared.search(typed)  # raises sqlite3.OperationalError on an FTS5 syntax error


def test_query_parsing() -> None:
    assert fts_query(parse('fox "lazy dog" jump* -cat -"big bird"')) == (
        '("fox" "lazy dog" "jump"*) NOT ("cat" OR "big bird")'
    )
    assert fts_query(parse('say "hi')) == '"say" "hi"'
    assert fts_query(parse('a"b')) == '"a""b"'  # a quote inside a word is part of it
    assert fts_query(parse("- * \" ''")) is None


def test_filters_role_session_model_and_dates(manager) -> None:
    old = (datetime.now() - timedelta(days=10)).isoformat()
    new = datetime.now().isoformat()
    manager.save_session(
        "a",
        [
            user("llama talk", _created_at=old),
            assistant("llama reply", _model="qwen3", _created_at=old),
            user("llama again", _created_at=new),
            assistant("llama answer", _model="gemma", _created_at=new),
        ],
    )
    manager.save_session("b", [user("llama elsewhere", _created_at=new)])
    assert sorted(found(manager, "llama", role="assistant")) == [("a", 1), ("a", 3)]
    assert sorted(found(manager, "llama", session="b")) == [("b", 0)]
    assert found(manager, "llama", model="gemma") == [("a", 3)]
    since = datetime.now() - timedelta(days=1)
    assert sorted(found(manager, "llama", since=since)) == [("a", 2), ("a", 3), ("b", 0)]
    assert sorted(found(manager, "llama", until=since)) == [("a", 0), ("a", 1)]
    assert found(manager, "llama", role="tool") == []
    assert len(manager.search("llama", limit=2)) == 2


def test_ranked_by_relevance_then_recency(manager) -> None:
    day = timedelta(days=1)
    now = datetime.now()
    manager.save_session(
        "r",
        [
            user("otter", _created_at=(now - 3 * day).isoformat()),
            user("otter " + "filler words " * 40, _created_at=now.isoformat()),
            user("otter", _created_at=(now - day).isoformat()),
            user("otter otter otter", _created_at=(now - 5 * day).isoformat()),
        ],
    )
    # Most relevant first (bm25: more of it, in less text); equals newest first; the long
    # message, though newest, last.
    assert found(manager, "otter") == [("r", 3), ("r", 2), ("r", 0), ("r", 1)]


def test_saves_deletions_renames_and_titles_update_the_index(manager) -> None:
    manager.save_session("one", [user("first heron")])
    assert found(manager, "heron") == [("one", 0)]
    manager.save_session("one", [user("first heron"), assistant("now a pelican")])
    assert found(manager, "pelican") == [("one", 1)]
    manager.save_session("one", [user("only egrets now")])
    assert found(manager, "heron") == []
    manager.set_title("one", "Bird notes")
    assert manager.search("egrets")[0].title == "Bird notes"
    manager.rename_session("one", "two")
    assert found(manager, "egrets") == [("two", 0)]
    manager.delete_session("two")
    assert found(manager, "egrets") == []


def test_a_save_puts_in_the_index_only_the_messages_that_changed(manager, tmp_path) -> None:
    def rows() -> dict[int, int]:  # message index -> its row in the index
        with contextlib.closing(sqlite3.connect(tmp_path / INDEX_NAME)) as db:
            return dict(db.execute("SELECT idx, id FROM messages WHERE session = 's'"))

    at = "2026-03-01T10:00:00"
    messages = [user(f"note {n} on otters", _created_at=at) for n in range(4)]
    manager.save_session("s", messages)
    manager.save_session("t", [user("indexed after them", _created_at=at)])
    assert len(manager.search("otters")) == 4
    before = rows()
    messages[2] = user("note 2 on beavers", _created_at=at)
    manager.save_session("s", [*messages, assistant("and voles", _created_at=at)])
    assert found(manager, "voles") == [("s", 4)] and found(manager, "beavers") == [("s", 2)]
    assert sorted(found(manager, "otters")) == [("s", 0), ("s", 1), ("s", 3)]
    after = rows()
    assert [after[n] for n in (0, 1, 3)] == [before[n] for n in (0, 1, 3)]  # left as they were
    assert after[2] not in before.values() and len(after) == 5


def test_a_session_changed_by_another_process_is_found_after_the_refresh(tmp_path) -> None:
    manager = SessionManager(tmp_path)
    manager.save_session("mine", [user("nothing here")])
    assert found(manager, "armadillo") == []
    # Another Agentry process shares the index: its saves are found at once.
    _run(
        f"""
        from agentry.sessions import SessionManager
        m = SessionManager({str(tmp_path)!r})
        m.save_session("theirs", [{{"role": "user", "content": "an armadillo"}}])
        m.close()
        """
    )
    assert found(manager, "armadillo") == [("theirs", 0)]
    # A sync tool (or an older Agentry) writes files the index is not told about.
    _run(
        f"""
        import json, pathlib
        folder = pathlib.Path({str(tmp_path)!r})
        mine = json.loads((folder / "mine_chat.toon").read_text())
        mine["messages"].append({{"role": "assistant", "content": "an armadillo too"}})
        (folder / "mine_chat.toon").write_text(json.dumps(mine))
        (folder / "synced_chat.toon").write_text(json.dumps(
            {{"messages": [{{"role": "user", "content": "armadillo sync"}}]}}
        ))
        """
    )
    assert sorted(found(manager, "armadillo")) == [("theirs", 0)]  # not yet looked at
    assert manager.refresh_search() == 2
    assert sorted(found(manager, "armadillo")) == [("mine", 1), ("synced", 0), ("theirs", 0)]
    (tmp_path / "theirs_chat.toon").unlink()
    assert manager.refresh_search() == 1
    assert sorted(found(manager, "armadillo")) == [("mine", 1), ("synced", 0)]
    assert manager.refresh_search() == 0  # nothing changed: nothing read


def _hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.glob("*_chat.toon")
    }


def _damage_delete(path: Path) -> None:
    path.unlink()


def _damage_truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)


def _damage_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(1000) * 9)


def _damage_other_version(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()


@pytest.mark.parametrize(
    "damage", [_damage_delete, _damage_truncate, _damage_garbage, _damage_other_version]
)
def test_a_damaged_index_is_rebuilt_without_changing_a_session_file(tmp_path, damage) -> None:
    first = SessionManager(tmp_path)
    for n in range(30):
        first.save_session(f"s{n}", [user(f"message {n} about gazelles " + "padding " * 50)])
    assert len(first.search("gazelles")) == 30
    first.close()
    before = _hashes(tmp_path)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (INDEX_NAME + suffix)).unlink(missing_ok=True)
    damage(tmp_path / INDEX_NAME)
    second = SessionManager(tmp_path)
    assert len(second.search("gazelles")) == 30
    assert found(second, "gazelles", session="s7") == [("s7", 0)]
    assert _hashes(tmp_path) == before


def test_an_index_damaged_while_open_is_rebuilt(tmp_path) -> None:
    manager = SessionManager(tmp_path)
    manager.save_session("a", [user("ibex")])
    assert found(manager, "ibex") == [("a", 0)]
    manager.close()
    before = _hashes(tmp_path)
    (tmp_path / INDEX_NAME).write_bytes(b"not a database at all " * 500)
    assert manager.search("ibex") == []  # found damaged: thrown away, refilled by a refresh
    assert manager.refresh_search() == 1
    assert found(manager, "ibex") == [("a", 0)]
    assert _hashes(tmp_path) == before


def test_two_processes_saving_and_searching_at_once(tmp_path) -> None:
    script = f"""
        import sys
        from agentry.sessions import SessionManager
        me = sys.argv[1]
        m = SessionManager({str(tmp_path)!r})
        for n in range(25):
            m.save_session(f"{{me}}{{n}}", [{{"role": "user", "content": f"yak {{me}} {{n}}"}}])
            m.search("yak")  # searching while the other one writes
        m.close()
        print(len(m.search("yak " + me)))
    """
    runs = [_start(script, name) for name in ("left", "right")]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["25", "25"]
    manager = SessionManager(tmp_path)
    assert len(manager.search("yak", limit=100)) == 50


def test_a_hit_in_another_branch_names_it_and_its_place() -> None:
    record = SessionRecord(
        "b",
        "2026-01-01T10:00:00",
        "2026-01-01T10:00:00",
        messages=[user("pick a colour"), assistant("blue")],
    )
    record.branches = [{"id": "alt1", "at": 1, "messages": [assistant("vermilion"), user("ok")]}]
    rows = rows_of(record)
    assert [(row.branch, row.index, row.body) for row in rows] == [
        (None, 0, "pick a colour"),
        (None, 1, "blue"),
        ("alt1", 1, "vermilion"),
        ("alt1", 2, "ok"),
    ]


def test_branches_are_searchable(tmp_path) -> None:
    index = SearchIndex(tmp_path)
    record = SessionRecord("b", "2026-01-01T10:00:00", "2026-01-01T10:00:00")
    record.messages = [user("pick a colour"), assistant("blue")]
    record.branches = [{"id": "alt1", "at": 1, "messages": [assistant("vermilion")]}]
    index.put_record("b_chat.toon", (1, 1), record)
    [hit] = index.search("vermilion")
    assert (hit.session_id, hit.branch, hit.index) == ("b", "alt1", 1)


def test_without_fts5_search_says_so_and_saving_goes_on(manager) -> None:
    manager._search.problem = "Search needs SQLite's FTS5, which this Python's sqlite3 lacks."
    manager.save_session("s", [user("hello")])
    with pytest.raises(SearchUnavailable, match="FTS5"):
        manager.search("hello")
    assert manager.load_session("s") == [user("hello")]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_the_index_is_private_like_the_sessions(manager) -> None:
    manager.save_session("s", [user("secret")])
    manager.search("secret")
    for name in (INDEX_NAME, INDEX_NAME + "-wal", INDEX_NAME + "-shm"):
        path = manager.history_dir / name
        if path.exists():
            assert path.stat().st_mode & 0o077 == 0, name


def test_snippets_are_one_line_with_the_matches_marked() -> None:
    text, marks = marked("…said \x02hello\x03 to\n\nthe \x02world\x03…")
    assert text == "…said hello to the world…"
    assert [text[a:b] for a, b in marks] == ["hello", "world"]


def test_the_index_is_not_a_session_and_listing_ignores_it(manager) -> None:
    manager.save_session("s", [user("hi")])
    manager.search("hi")
    assert [row["id"] for row in manager.list_sessions(include_corrupt=True)] == ["s"]


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _run(script: str) -> None:
    run = _start(script)
    _out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err


def test_a_snippet_is_cut_around_the_first_match_with_every_match_marked(manager) -> None:
    words = " ".join(f"w{n}" for n in range(60))
    manager.save_session("s", [user(f"{words} Wombats dig. {words} wombat again")])
    [hit] = manager.search("womb*")
    assert hit.snippet.startswith("…w54 w55") and hit.snippet.endswith("…")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["Wombats"]
    [hit] = manager.search('"wombats dig"')
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["Wombats", "dig"]


def test_a_program_that_never_searches_gets_no_index(tmp_path) -> None:
    manager = SessionManager(tmp_path)
    manager.save_session("s", [user("hello")])
    manager.delete_session("s")
    manager.close()
    assert not list(tmp_path.glob(INDEX_NAME + "*"))


def test_a_refresh_stopped_for_quitting_ends_after_its_batch_and_the_next_goes_on(
    tmp_path,
) -> None:
    import json

    for i in range(450):  # files the index was never told of (a first build)
        record = {"messages": [{"role": "user", "content": f"armadillo {i}"}]}
        (tmp_path / f"s{i:03}_chat.toon").write_text(json.dumps(record))
    manager = SessionManager(tmp_path)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        manager.stop_search_refresh()  # the person quits while the first batch is read

    assert manager.refresh_search(progress) == 200  # one batch, not all 450
    assert seen == [(0, 450)]
    manager.close()
    again = SessionManager(tmp_path)  # the next start goes on from there
    assert again.refresh_search() == 250
    assert len(again.search("armadillo", limit=1000)) == 450
    again.close()
