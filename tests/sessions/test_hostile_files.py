"""Hostile files in the history folder: each is refused with a reason naming the file, listing
never raises and never hangs, the good sessions beside it still list, and nothing that loads
fails to save back.

Covers: bad content (null text parts, deep nesting, huge numbers, lone surrogates, NaN), files
over the size limit, special files (FIFO, /dev/zero link, folder, symlink loop, unreadable file),
impossible mtimes, a poisoned listing index, and (hypothesis) arbitrary bytes and JSON.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import agentry
from agentry import SessionCorruptError, SessionManager
from agentry.sessions import fileformat

REPO_ROOT = Path(agentry.__file__).resolve().parent.parent
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")

GOOD = {
    "alpha": [{"role": "user", "content": "first good"}, {"role": "assistant", "content": "ok"}],
    "beta": [{"role": "user", "content": [{"type": "text", "text": "second good"}]}],
}


@pytest.fixture
def sm(tmp_path: Path) -> SessionManager:
    manager = SessionManager(tmp_path / "sessions")
    for session_id, messages in GOOD.items():
        manager.save_session(session_id, messages)
    return manager


def header(messages: str, metadata: str = "{}") -> bytes:
    """A session file of our format around raw JSON text for the messages and metadata."""
    return (
        '{"format": "agentry-session", "version": 1, "session_id": "bad", '
        '"created_at": "2025-01-01T00:00:00", "last_activity": "2025-01-01T00:00:00", '
        f'"metadata": {metadata}, "messages": {messages}}}'
    ).encode()


def assert_good_ones_list(sm: SessionManager) -> list[dict[str, Any]]:
    """The good sessions list, with their real counts and titles; returns every row."""
    rows = sm.list_sessions(include_corrupt=True)
    by_id = {row["id"]: row for row in rows}
    for session_id, messages in GOOD.items():
        assert by_id[session_id]["message_count"] == len(messages)
        assert "error" not in by_id[session_id]
    assert by_id["alpha"]["title"] == "first good"
    assert by_id["beta"]["title"] == "second good"
    assert {row["id"] for row in sm.list_sessions()} >= GOOD.keys()
    return rows


def refused(sm: SessionManager, session_id: str, *words: str) -> None:
    """Loading fails with SessionCorruptError naming the file and the words; the listing shows
    it as an error row saying the same, next to the good sessions."""
    path = sm.path_for(session_id)
    with pytest.raises(SessionCorruptError) as caught:
        sm.load_session(session_id)
    with pytest.raises(SessionCorruptError):
        sm.load(session_id)
    assert str(path) in str(caught.value)
    for word in words:
        assert word in caught.value.problem
    rows = {row["id"]: row for row in assert_good_ones_list(sm)}
    assert rows[session_id]["message_count"] is None
    assert str(path) in rows[session_id]["error"]
    for word in words:
        assert word in rows[session_id]["error"]
    assert session_id not in {row["id"] for row in sm.list_sessions()}


# -- bad content ------------------------------------------------------------------------------

CONTENT_CASES = {
    "null_text_part": (
        header('[{"role": "user", "content": [{"type": "text", "text": null}]}]'),
        ["message 0", "content part 0", "'text' must be a string, not null"],
    ),
    "number_text_part": (
        header(
            '[{"role": "system", "content": "s"}, {"role": "user", "content": '
            '[{"type": "image"}, {"type": "text", "text": 5}]}]'
        ),
        ["message 1", "content part 1", "not int"],
    ),
    "nested_100000": (header("[" * 100_000 + "]" * 100_000), ["nested deeper", "100 levels"]),
    "nested_150": (  # within what the JSON parser takes, past the limit
        header('[{"role": "user", "content": "x", "deep": ' + "[" * 150 + "]" * 150 + "}]"),
        ["nested deeper", "100 levels"],
    ),
    "nested_metadata_500": (header("[]", "[" * 500 + "]" * 500), ["nested deeper"]),
    "toon_nested_150": (  # TOON nests by indentation, with no brackets to count
        b"session_id: x\nmessages[1]{role,content}:\n  user,hi\nmetadata:\n"
        + b"".join(b"  " * (i + 1) + b"k%d:\n" % i for i in range(150))
        + b"  " * 151
        + b"v: 1\n",
        ["nested deeper", "100 levels"],
    ),
    "number_5000_digits": (
        header('[{"role": "user", "content": "x", "n": ' + "7" * 5000 + "}]"),
        ["4300 digits"],
    ),
    "lone_surrogate": (
        header('[{"role": "user", "content": "a\\ud800b"}]'),
        ["lone UTF-16 surrogate", "\\ud800"],
    ),
    "lone_surrogate_in_key": (
        header("[]", '{"\\udfff": 1}'),
        ["lone UTF-16 surrogate", "\\udfff"],
    ),
    "nan": (header('[{"role": "user", "content": "x", "score": NaN}]'), ["NaN"]),
    "infinity": (header("[]", '{"x": -Infinity}'), ["-Infinity"]),
    "float_out_of_range": (header("[]", '{"x": 1e999}'), ["1e999", "out of range"]),
}


@pytest.mark.parametrize("case", CONTENT_CASES, ids=list(CONTENT_CASES))
def test_bad_content_is_refused_with_its_reason(sm: SessionManager, case: str) -> None:
    data, words = CONTENT_CASES[case]
    path = sm.path_for("bad")
    path.write_bytes(data)
    refused(sm, "bad", *words)
    assert path.read_bytes() == data  # never modified by loading or listing


def test_surrogate_pairs_are_text_and_round_trip(sm: SessionManager) -> None:
    sm.path_for("emoji").write_bytes(header('[{"role": "user", "content": "\\ud83d\\ude00"}]'))
    assert sm.load_session("emoji") == [{"role": "user", "content": "😀"}]
    sm.save_session("emoji", sm.load_session("emoji"))
    assert sm.load_session("emoji") == [{"role": "user", "content": "😀"}]


def test_a_save_with_a_null_text_part_is_refused(sm: SessionManager) -> None:
    with pytest.raises(ValueError, match="content part 0: 'text' must be a string, not null"):
        sm.save_session("alpha", [{"role": "user", "content": [{"type": "text", "text": None}]}])
    assert sm.load_session("alpha") == GOOD["alpha"]


def test_file_over_the_size_limit_is_refused_unread(sm: SessionManager) -> None:
    path = sm.path_for("huge")
    with open(path, "wb") as f:  # sparse: no disk space, and a valid-looking start
        f.write(b'{"messages": [')
        f.truncate(fileformat.MAX_FILE_BYTES + 1)
    refused(sm, "huge", "size limit", f"{fileformat.MAX_FILE_BYTES:,} bytes")


# -- special files ----------------------------------------------------------------------------

SPECIAL_FILES_CHILD = r"""
import json, resource, sys
from agentry import SessionManager, SessionCorruptError
# /dev/zero read to the end would take all memory: stop at 2 GB instead of taking the machine.
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
sm = SessionManager(sys.argv[1])
out = {"rows": sm.list_sessions(include_corrupt=True), "ids": [r["id"] for r in sm.list_sessions()]}
for session_id in sys.argv[2:]:
    try:
        sm.load_session(session_id)
        out[session_id] = "loaded"
    except SessionCorruptError as exc:
        out[session_id] = exc.problem
print(json.dumps(out))
"""


@POSIX_ONLY
def test_special_files_are_refused_without_blocking(sm: SessionManager) -> None:
    folder = sm.history_dir
    os.mkfifo(folder / "fifo_chat.toon")
    os.symlink("/dev/zero", folder / "zero_chat.toon")
    (folder / "dir_chat.toon").mkdir()
    os.symlink("loop_chat.toon", folder / "loop_chat.toon")
    names = ["fifo", "zero", "dir", "loop"]
    # A child, so that a hang is a timeout here and not a hung test run.
    child = subprocess.run(
        [sys.executable, "-c", SPECIAL_FILES_CHILD, str(folder), *names],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout)
    assert sorted(out["ids"]) == ["alpha", "beta"]
    errors = {row["id"]: row.get("error", "") for row in out["rows"]}
    expected = {
        "fifo": "not a regular file but a FIFO",
        "zero": "not a regular file but a character device",
        "dir": "not a regular file but a folder",
        "loop": "cannot be read (Too many levels of symbolic links)",
    }
    for name, problem in expected.items():
        assert problem in out[name]
        assert problem in errors[name] and f"{name}_chat.toon" in errors[name]
    assert errors["alpha"] == errors["beta"] == ""


def test_a_name_held_by_a_folder_exists_and_is_refused(sm: SessionManager) -> None:
    """So that the TUI and the line client pick another name for a new session, and report
    the folder when asked to open it, instead of failing to save over it."""
    sm.path_for("taken").mkdir()
    assert sm.session_exists("taken")
    refused(sm, "taken", "not a regular file but a folder")
    assert not sm.session_exists("free")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads chmod 000 files")
def test_unreadable_file_is_a_corrupt_entry(sm: SessionManager) -> None:
    path = sm.path_for("locked_out")
    path.write_bytes(header("[]"))
    path.chmod(0)
    try:
        refused(sm, "locked_out", "cannot be read (Permission denied)")
    finally:
        path.chmod(0o600)


def test_a_symlink_to_a_session_elsewhere_is_followed(sm: SessionManager, tmp_path: Path) -> None:
    outside = tmp_path / "kept_elsewhere.toon"
    outside.write_bytes(sm.path_for("alpha").read_bytes())
    try:
        os.symlink(outside, sm.path_for("linked"))
    except OSError:
        pytest.skip("no symlinks here")
    assert sm.load_session("linked") == GOOD["alpha"]
    assert "linked" in {row["id"] for row in sm.list_sessions()}


def test_an_mtime_past_year_9999_does_not_break_the_listing(tmp_path: Path) -> None:
    # Most file systems clamp such times; tmpfs keeps them.
    if not Path("/dev/shm").is_dir():
        pytest.skip("no tmpfs at /dev/shm")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        manager = SessionManager(folder)
        manager.save_session("alpha", GOOD["alpha"])
        path = manager.path_for("odd")
        path.write_bytes(b"{}")
        os.utime(path, (0, 1e12))
        if os.stat(path).st_mtime != 1e12:
            pytest.skip("this tmpfs clamps times too")
        rows = {row["id"]: row for row in manager.list_sessions(include_corrupt=True)}
        assert rows["alpha"]["message_count"] == 2
        assert "no 'messages' list" in rows["odd"]["error"]


# -- a poisoned listing index -----------------------------------------------------------------


def _entry(data: dict[str, Any], name: str = "alpha_chat.toon") -> list[Any]:
    return data["entries"][name]


POISONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "summary_is_a_list": lambda d: _entry(d).__setitem__(1, ["x"]),
    "summary_is_null": lambda d: _entry(d).__setitem__(1, None),
    "key_of_two": lambda d: _entry(d).__setitem__(0, _entry(d)[0][:2]),
    "key_of_strings": lambda d: _entry(d).__setitem__(0, [str(v) for v in _entry(d)[0]]),
    "message_count_a_string": lambda d: _entry(d)[1].__setitem__("message_count", "2"),
    "message_count_a_bool": lambda d: _entry(d)[1].__setitem__("message_count", True),
    "last_activity_a_number": lambda d: _entry(d)[1].__setitem__("last_activity", 5),
    "last_activity_not_a_time": lambda d: _entry(d)[1].__setitem__("last_activity", "later"),
    "title_null": lambda d: _entry(d)[1].__setitem__("title", None),
    "size_missing": lambda d: _entry(d)[1].pop("size") and None,
    "another_id": lambda d: _entry(d)[1].__setitem__("id", "beta"),
    "pending_flag": lambda d: _entry(d)[1].__setitem__("pending", True),
    "error_on_a_good_file": lambda d: _entry(d)[1].__setitem__("error", "lies"),
    "entry_a_string": lambda d: d["entries"].__setitem__("alpha_chat.toon", "x"),
    "entries_a_list": lambda d: d.__setitem__("entries", [1, 2]),
    "top_level_a_list": lambda d: [d],
    "deeply_nested": lambda d: None,  # spliced in as text below: json.dumps cannot write it
}


@pytest.mark.parametrize("poison", POISONS, ids=list(POISONS))
def test_a_poisoned_index_is_ignored_and_rebuilt(tmp_path: Path, poison: str) -> None:
    folder = tmp_path / "sessions"
    writer = SessionManager(folder)
    for session_id, messages in GOOD.items():
        writer.save_session(session_id, messages)
    truth = writer.list_sessions()
    writer.close()
    index = folder / ".index.json"
    data = json.loads(index.read_bytes())
    changed = POISONS[poison](data)
    text = json.dumps(data if changed is None else changed)
    if poison == "deeply_nested":
        text = text[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    index.write_text(text)
    # The poisoned entries keep the files' real stat keys, so they would be trusted as they are.
    fresh = SessionManager(folder)
    assert fresh.list_sessions(include_corrupt=True) == truth
    assert fresh.list_sessions() == truth


def test_an_index_entry_that_could_not_be_written_back_is_dropped(tmp_path: Path) -> None:
    """A lone surrogate in a summary: trusted, it broke the next listing that wrote the index."""
    folder = tmp_path / "sessions"
    writer = SessionManager(folder)
    writer.save_session("alpha", GOOD["alpha"])
    writer.close()
    index = folder / ".index.json"
    index.write_text(index.read_text().replace('"title": "first good"', '"title": "\\ud800"'))
    fresh = SessionManager(folder)
    assert fresh.list_sessions()[0]["title"] == "first good"
    SessionManager(folder).save_session("beta", GOOD["beta"])  # so the next listing parses
    assert {row["id"] for row in fresh.list_sessions()} == {"alpha", "beta"}
    assert "\\ud800" not in index.read_text()


def test_an_index_over_its_size_limit_or_not_a_file_is_ignored(tmp_path: Path) -> None:
    from agentry.sessions import index as index_module

    folder = tmp_path / "sessions"
    writer = SessionManager(folder)
    writer.save_session("alpha", GOOD["alpha"])
    truth = writer.list_sessions()
    writer.close()
    with open(folder / ".index.json", "r+b") as f:
        f.seek(0, os.SEEK_END)
        f.truncate(index_module.MAX_INDEX_BYTES + 1)  # sparse, and no longer JSON either
    assert SessionManager(folder).list_sessions() == truth
    (folder / ".index.json").unlink()
    (folder / ".index.json").mkdir()
    assert SessionManager(folder).list_sessions() == truth


# -- hypothesis: arbitrary bytes and arbitrary JSON -------------------------------------------

# JSON text, built as text so that it can hold what json.dumps will not write: integers past
# Python's digit limit, NaN and Infinity, lone surrogates, nesting past the parser's recursion.
_scalar = st.one_of(
    st.none().map(json.dumps),
    st.booleans().map(json.dumps),
    st.integers().map(str),
    st.integers(4000, 6000).map(lambda n: "9" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(json.dumps),
    st.sampled_from(["1e999", "-1e999", "1E400", "-0.0"]),
    st.text().map(json.dumps),
    st.text().map(lambda s: json.dumps(s, ensure_ascii=True)),
    st.sampled_from(['"\\ud800"', '"x\\udfff"', '"\\ud83d\\ude00"', '"\\udc00\\ud800"']),
)
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
        st.dictionaries(
            st.one_of(st.text().map(json.dumps), st.just('"\\ud801"')), inner, max_size=4
        ).map(lambda d: "{" + ",".join(f"{k}:{v}" for k, v in d.items()) + "}"),
    ),
    max_leaves=20,
)
_deep = st.tuples(st.integers(0, 3000), _json).map(lambda t: "[" * t[0] + t[1] + "]" * t[0])
_value = st.one_of(_json, _deep)
_message = st.one_of(
    _value.map(lambda v: '{"role": "user", "content": "c", "extra": ' + v + "}"),
    _json.map(lambda v: '{"role": "tool", "content": null, "_meta": {"k": ' + v + "}}"),
    st.text().map(
        lambda t: '{"role": "user", "content": [{"type": "text", "text": ' + json.dumps(t) + "}]}"
    ),
    _value,
    _value.map(lambda v: '{"role": "user", "content": ' + v + "}"),
    _value.map(lambda v: '{"role": "assistant", "content": "a", "_usage": ' + v + "}"),
    _value.map(lambda v: '{"role": "user", "content": [{"type": "text", "text": ' + v + "}]}"),
    st.just('{"role": "user", "content": "plain"}'),
)
_session_file = st.one_of(
    st.tuples(st.lists(_message, max_size=4), _value).map(
        lambda t: header("[" + ",".join(t[0]) + "]", t[1])
    ),
    st.tuples(st.lists(_message, max_size=2), st.just("{}")).map(
        lambda t: header("[" + ",".join(t[0]) + "]", t[1])
    ),
    _value.map(str.encode),
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda b: header("[]")[: len(b)] + b),
)

HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@HYPOTHESIS
@given(_session_file)
def test_any_file_loads_or_is_refused_and_what_loads_saves_back(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        manager = SessionManager(folder)
        manager.save_session("good", GOOD["alpha"])
        manager.path_for("h").write_bytes(data)
        rows = manager.list_sessions(include_corrupt=True)  # never raises
        assert {row["id"] for row in rows} == {"good", "h"}
        try:
            loaded = manager.load_session("h")
        except SessionCorruptError as exc:
            assert "error" in {r["id"]: r for r in rows}["h"]
            assert exc.problem
            event("refused")  # --hypothesis-show-statistics: how often each path ran
            return
        event("loaded, saved back")
        assert "error" not in {r["id"]: r for r in rows}["h"]
        assert manager.load("h") is not None
        manager.save_session("h", loaded)
        assert manager.load_session("h") == loaded
        assert {row["id"] for row in manager.list_sessions()} == {"good", "h"}
        manager.close()  # the index is written, and a new manager reads it
        assert {row["id"] for row in SessionManager(folder).list_sessions()} == {"good", "h"}


_clean_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@HYPOTHESIS
@given(
    st.lists(
        st.tuples(st.sampled_from(["user", "assistant", "system"]), st.text(), _clean_json),
        max_size=5,
    ),
    st.dictionaries(st.text(), _clean_json, max_size=3),
)
def test_every_well_formed_session_loads_and_saves_back_equal(
    parts: list[tuple[str, str, Any]], metadata: dict[str, Any]
) -> None:
    """The other side of the limits: any JSON within them is accepted, and round-trips."""
    messages = [{"role": role, "content": text, "_extra": extra} for role, text, extra in parts]
    with tempfile.TemporaryDirectory() as folder:
        manager = SessionManager(folder)
        manager.path_for("h").write_bytes(header(json.dumps(messages), json.dumps(metadata)))
        assert manager.list_sessions()[0]["message_count"] == len(messages)
        session = manager.load("h")
        assert session is not None
        assert session.messages == messages and session.metadata == metadata
        manager.save(session)
        again = manager.load("h")
        assert again is not None
        assert again.messages == messages and again.metadata == metadata


# -- portability ------------------------------------------------------------------------------

POSIX_ONLY_MODULES = {"fcntl", "termios", "pwd", "grp", "resource", "posix", "msvcrt", "winreg"}


def test_no_module_level_platform_only_import_in_sessions() -> None:
    """Windows could not import agentry while storage.py imported fcntl at the top."""
    for source in (REPO_ROOT / "agentry" / "sessions").glob("*.py"):
        for node in ast.parse(source.read_text()).body:  # module level only
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in POSIX_ONLY_MODULES, f"{source.name}: {name}"
