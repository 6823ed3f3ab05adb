"""The `@` picker's pure part: which files are listed under the working folder, and how they
are ranked for what was typed (agentry_tui/file_match.py)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from agentry_tui.file_match import list_files, rank, score


def tree(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")


def test_listing_skips_tools_folders_hidden_entries_and_gitignored(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "README.md",
        "src/app.py",
        "src/deep/more/notes.txt",
        ".git/config",
        ".hidden/secret.txt",
        ".env",
        "node_modules/lib/index.js",
        "src/__pycache__/app.cpython-312.pyc",
        ".venv/bin/python",
        "build/out.bin",
        "logs/run.log",
        "data/keep.csv",
        "data/raw/big.csv",
    )
    (tmp_path / ".gitignore").write_text("# output\nbuild/\n*.log\n/data/raw\n!keep.me\n")
    assert list_files(tmp_path) == [
        "README.md",
        "data/keep.csv",
        "src/app.py",
        "src/deep/more/notes.txt",
    ]


def test_listing_is_breadth_first_and_capped(tmp_path: Path) -> None:
    tree(tmp_path, "a/b/c/deep.txt", "a/mid.txt", "z.txt", "y.txt")
    assert list_files(tmp_path) == ["y.txt", "z.txt", "a/mid.txt", "a/b/c/deep.txt"]
    assert list_files(tmp_path, limit=3) == ["y.txt", "z.txt", "a/mid.txt"]


def test_ranking_prefers_starts_and_runs_then_shorter_paths() -> None:
    paths = ["docs/area.txt", "x/r/e/a", "tests/test_read.py", "src/reader.py", "README.md"]
    assert rank(paths, "rea") == [
        "README.md",
        "src/reader.py",
        "tests/test_read.py",
        "x/r/e/a",
        "docs/area.txt",
    ]
    # a segment start beats a letter inside a word; a tie goes to the shorter path
    assert rank(["sxa.py", "src/app.py"], "sa") == ["src/app.py", "sxa.py"]
    assert rank(["a/long/name.py", "a/name.py"], "name") == ["a/name.py", "a/long/name.py"]
    assert rank(["parseArgs.py", "pxxxa.py"], "pa") == ["parseArgs.py", "pxxxa.py"]


def test_an_empty_query_lists_everything_in_order_up_to_the_limit() -> None:
    assert rank(["b", "a", "c"], "") == ["b", "a", "c"]
    assert rank([f"f{i}" for i in range(100)], "", limit=3) == ["f0", "f1", "f2"]


def test_a_later_segment_start_is_not_taken_when_it_leaves_the_rest_unmatched() -> None:
    assert score("xaxb/a", "ab") is not None


PATH = st.text(alphabet="abAB/_.-x", min_size=1, max_size=20)


@given(path=PATH, query=st.text(alphabet="abAB/_x", max_size=6))
def test_matches_exactly_when_the_characters_appear_in_order(path: str, query: str) -> None:
    in_order = re.search(".*?".join(map(re.escape, query.lower())), path.lower()) is not None
    assert (score(path, query) is not None) == in_order
    assert (path in rank([path], query)) == in_order


@given(paths=st.lists(PATH, max_size=30, unique=True), query=st.text(alphabet="ab/", max_size=4))
def test_ranking_is_sorted_by_score_then_length(paths: list[str], query: str) -> None:
    ranked = rank(paths, query, limit=1000)
    if not query:
        assert ranked == paths
        return
    keys = [(-(score(p, query) or 0), len(p), p) for p in ranked]
    assert keys == sorted(keys)
    assert set(ranked) == {p for p in paths if score(p, query) is not None}
