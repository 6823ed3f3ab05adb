from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentry.errors import ToolError
from agentry.tools import ToolRegistry
from agentry.tools.files import LIST_CAP, SEARCH_CAP

FILE_TOOLS = ["read_file", "list_files", "search_files", "create_file", "edit_file", "delete_file"]


def test_only_reading_tools_are_free(tools: ToolRegistry) -> None:
    free = {"read_file", "list_files", "search_files"}
    assert tools.names() == [*FILE_TOOLS, "execute_command", "url_fetch"]
    for name in tools.names():
        assert tools.needs_approval(name) is (name not in free), name
    permissions = {name: tools.get(name).permission for name in tools.names()}
    assert permissions["execute_command"] == "execute" and permissions["url_fetch"] == "network"
    assert permissions["create_file"] == permissions["delete_file"] == "write"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("read_file", {}),
        ("list_files", {}),
        ("search_files", {"pattern": "secret"}),
        ("create_file", {"content": "x", "overwrite": True}),
        ("edit_file", {"old": "secret", "new": "public"}),
        ("delete_file", {}),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "..",
        "../outside/secret.txt",
        "{outside}/secret.txt",
        "file_link",
        "dir_link",
        "dir_link/secret.txt",
    ],
)
async def test_every_file_tool_refuses_escapes(
    tools: ToolRegistry, root: Path, tool: str, arguments: dict, path: str
) -> None:
    outside = root.parent / "outside"
    (root / "file_link").symlink_to(outside / "secret.txt")
    (root / "dir_link").symlink_to(outside)
    with pytest.raises(ToolError, match="outside the workspace"):
        await tools.execute(tool, {"path": path.format(outside=outside), **arguments})
    assert (outside / "secret.txt").read_text() == "secret\n"
    assert os.listdir(outside) == ["secret.txt"]


async def test_read_file_whole_and_by_lines(tools: ToolRegistry, root: Path) -> None:
    (root / "a.txt").write_text("one\ntwo\nthree\nfour\n")
    (root / "empty.txt").write_text("")
    assert await tools.execute("read_file", {"path": "a.txt"}) == "one\ntwo\nthree\nfour\n"
    read = {"path": "a.txt"}
    assert await tools.execute("read_file", {**read, "offset": 2, "limit": 2}) == "two\nthree\n"
    assert await tools.execute("read_file", {**read, "offset": 4}) == "four\n"
    assert "offset 9 is past the end" in await tools.execute("read_file", {**read, "offset": 9})
    assert await tools.execute("read_file", {"path": "empty.txt"}) == "[empty file]"


async def test_read_file_caps_size_and_says_where_to_go_on(tools: ToolRegistry, root: Path) -> None:
    line = "x" * 1023 + "\n"
    (root / "big.txt").write_text(line * 300)  # 300 KB
    text = await tools.execute("read_file", {"path": "big.txt"})
    assert text.startswith(line * 256)
    assert text.endswith("[Truncated at 256 KB. Call again with offset=257 to read on.]")
    rest = await tools.execute("read_file", {"path": "big.txt", "offset": 257})
    assert rest == line * 44


async def test_read_file_refusals(tools: ToolRegistry, root: Path) -> None:
    (root / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (root / "folder").mkdir()
    for path, problem in [
        ("image.bin", "binary file"),
        ("folder", "is a directory"),
        ("missing.txt", "does not exist"),
    ]:
        with pytest.raises(ToolError, match=problem):
            await tools.execute("read_file", {"path": path})
    with pytest.raises(ToolError, match="offset: Input should be greater than or equal to 1"):
        await tools.execute("read_file", {"path": "image.bin", "offset": 0})


async def test_list_files(tools: ToolRegistry, root: Path) -> None:
    (root / "b.txt").write_text("")
    (root / "a").mkdir()
    (root / "a" / "z.py").write_text("")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("")
    (root / "out").symlink_to(root.parent / "outside")
    assert await tools.execute("list_files", {}) == "a/\nb.txt\nout/"
    listing = await tools.execute("list_files", {"recursive": True})
    assert listing == "a/\na/z.py\nb.txt\nout/"  # the symlinked folder is not entered
    assert await tools.execute("list_files", {"path": "a"}) == "a/z.py"
    (root / "void").mkdir()
    assert await tools.execute("list_files", {"path": "void"}) == "[empty folder]"
    with pytest.raises(ToolError, match="not a folder"):
        await tools.execute("list_files", {"path": "b.txt"})


async def test_list_files_is_capped(tools: ToolRegistry, root: Path) -> None:
    for i in range(LIST_CAP + 5):
        (root / f"f{i:05}").write_text("")
    lines = (await tools.execute("list_files", {})).splitlines()
    assert len(lines) == LIST_CAP + 1
    assert lines[0] == "f00000" and lines[-1].startswith("[Truncated at")


async def test_search_files(tools: ToolRegistry, root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "m.py").write_text("import os\ndef main():\n    return os.getcwd()\n")
    (root / "notes.md").write_text("os is the operating system\n")
    (root / "blob.bin").write_bytes(b"os\0os")
    (root / "leak").symlink_to(root.parent / "outside" / "secret.txt")
    result = await tools.execute("search_files", {"pattern": r"\bos\b"})
    assert result.splitlines() == [
        "notes.md:1: os is the operating system",
        "src/m.py:1: import os",
        "src/m.py:3:     return os.getcwd()",
    ]
    only_py = await tools.execute("search_files", {"pattern": "os", "glob": "*.py"})
    assert all(line.startswith("src/m.py") for line in only_py.splitlines())
    assert await tools.execute("search_files", {"pattern": "main", "path": "src/m.py"}) == (
        "src/m.py:2: def main():"
    )
    assert await tools.execute("search_files", {"pattern": "secret"}) == "No matches."
    with pytest.raises(ToolError, match="Invalid regular expression"):
        await tools.execute("search_files", {"pattern": "("})
    with pytest.raises(ToolError, match="does not exist"):
        await tools.execute("search_files", {"pattern": "x", "path": "nowhere"})


async def test_search_files_is_capped(tools: ToolRegistry, root: Path) -> None:
    (root / "many.txt").write_text("hit\n" * (SEARCH_CAP + 10))
    lines = (await tools.execute("search_files", {"pattern": "hit"})).splitlines()
    assert len(lines) == SEARCH_CAP + 1 and lines[-1].startswith("[Truncated at")


async def test_create_file(tools: ToolRegistry, root: Path) -> None:
    result = await tools.execute("create_file", {"path": "new/deep/f.txt", "content": "héllo"})
    assert result == "Created new/deep/f.txt (6 bytes)."
    assert (root / "new" / "deep" / "f.txt").read_text() == "héllo"
    with pytest.raises(ToolError, match="already exists. Pass overwrite=true"):
        await tools.execute("create_file", {"path": "new/deep/f.txt", "content": "x"})
    replace = {"path": "new/deep/f.txt", "content": "x", "overwrite": True}
    assert await tools.execute("create_file", replace) == "Replaced new/deep/f.txt (1 bytes)."
    assert (root / "new" / "deep" / "f.txt").read_text() == "x"
    with pytest.raises(ToolError, match="is a folder"):
        await tools.execute("create_file", {"path": "new", "content": "x", "overwrite": True})
    assert sorted(os.listdir(root / "new" / "deep")) == ["f.txt"]  # no temp files left


async def test_edit_file(tools: ToolRegistry, root: Path) -> None:
    script = root / "run.sh"
    script.write_text("echo one\necho two\necho two\n")
    script.chmod(0o755)
    assert await tools.execute("edit_file", {"path": "run.sh", "old": "one", "new": "1"}) == (
        "Edited run.sh."
    )
    assert script.read_text() == "echo 1\necho two\necho two\n"
    assert script.stat().st_mode & 0o777 == 0o755  # the atomic replace keeps the mode
    with pytest.raises(ToolError, match="old occurs 2 times in run.sh; it must occur exactly once"):
        await tools.execute("edit_file", {"path": "run.sh", "old": "two", "new": "2"})
    with pytest.raises(ToolError, match="old was not found in run.sh"):
        await tools.execute("edit_file", {"path": "run.sh", "old": "three", "new": "3"})
    with pytest.raises(ToolError, match="must not be empty"):
        await tools.execute("edit_file", {"path": "run.sh", "old": "", "new": "3"})
    assert script.read_text() == "echo 1\necho two\necho two\n"
    (root / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ToolError, match="not UTF-8"):
        await tools.execute("edit_file", {"path": "latin1.txt", "old": "caf", "new": "tea"})


async def test_delete_file(tools: ToolRegistry, root: Path) -> None:
    (root / "gone.txt").write_text("x")
    (root / "folder").mkdir()
    assert await tools.execute("delete_file", {"path": "gone.txt"}) == "Deleted gone.txt."
    assert not (root / "gone.txt").exists()
    with pytest.raises(ToolError, match="is a directory"):
        await tools.execute("delete_file", {"path": "folder"})
    with pytest.raises(ToolError, match="does not exist"):
        await tools.execute("delete_file", {"path": "gone.txt"})
    assert (root / "folder").is_dir()
