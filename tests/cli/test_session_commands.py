"""/model, /system, /rename, /delete and /export in the line client (issue 16 items 4 and 15),
answering with the same texts as agentry-tui (agentry/commands.py)."""

from __future__ import annotations

from pathlib import Path

from agentry import commands
from tests.servers.base import ScriptedServer

MODELS = list(ScriptedServer.MODELS)


def chats(server) -> list:
    return [r for r in server.requests if r.path == "/api/chat"]


def test_model_lists_the_models_and_switches(cli, ollama_server) -> None:
    result = cli.pipe("/model\n/model qwen3:0.6b\nhi\n/model nope\n", "--lines", "--session", "m")
    assert result.stdout.startswith(commands.models_text("ollama", MODELS[0], MODELS) + "\n")
    assert commands.model_set_text("qwen3:0.6b") + "\nEcho: hi\n" in result.stdout
    assert [r.body["model"] for r in chats(ollama_server)] == ["qwen3:0.6b"]
    assert f"ollama has no model 'nope'. Available: {', '.join(MODELS)}." in result.stderr
    assert result.returncode == 1  # a refused command fails a script


def test_system_shows_and_sets_the_system_message(cli, ollama_server) -> None:
    result = cli.pipe("/system\n/system Be  brief.\nhi\n", "--lines", "--session", "s")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        commands.system_text([{"role": "system", "content": "You are a helpful AI assistant."}])
    )
    assert commands.SYSTEM_SET + "\n" in result.stdout
    [request] = chats(ollama_server)
    assert request.body["messages"][0] == {"role": "system", "content": "Be  brief."}
    assert cli.stored("s")["messages"][0]["content"] == "Be  brief."


def test_rename_moves_the_file_and_refuses_a_taken_id(cli, ollama_server) -> None:
    cli.pipe("", "--session", "taken", "hi")
    result = cli.pipe("hi\n/rename taken\n/rename fresh\n/status\n", "--lines", "--session", "r")
    assert commands.taken_text("taken") in result.stderr
    assert commands.renamed_text("fresh") + "\n" in result.stdout
    assert "   Session ID: fresh\n   Messages: 3\n" in result.stdout
    assert not (cli.history / "r_chat.toon").exists()
    assert [m["content"] for m in cli.stored("fresh")["messages"][1:]] == ["hi", "Echo: hi"]
    assert len(cli.stored("taken")["messages"]) == 3


def test_delete_asks_at_a_terminal_then_goes_on_in_the_most_recent(cli, ollama_server) -> None:
    cli.pipe("", "--session", "keep", "hi")
    term = cli.pty("--session", "doomed")
    term.expect_exact("[doomed] You: ")
    term.sendline("/delete")
    term.expect_exact(commands.delete_question("doomed", "doomed_chat.toon") + "\n")
    term.expect_exact("Delete it? [y]es / [n]o: ")
    term.sendline("n")
    term.expect_exact("Not deleted.\n")
    assert (cli.history / "doomed_chat.toon").exists()
    term.expect_exact("[doomed] You: ")
    term.sendline("/delete")
    term.expect_exact("Delete it? [y]es / [n]o: ")
    term.sendline("y")
    term.expect_exact(commands.deleted_text("doomed") + "\n")
    term.expect_exact(commands.resumed_text("keep", 3) + "\n")
    term.expect_exact("[keep] You: ")
    term.send_eof()
    assert term.wait() == 0
    assert not (cli.history / "doomed_chat.toon").exists()


def test_delete_without_a_terminal_is_refused(cli, ollama_server) -> None:
    result = cli.pipe("/delete\n", "--lines", "--session", "d")
    assert result.stderr.splitlines()[-1] == (
        "Session 'd' was not deleted: /delete asks first, and input is not a terminal."
    )
    assert result.returncode == 1 and (cli.history / "d_chat.toon").exists()


def test_export_writes_where_asked_and_refuses_what_will_not_do(
    cli, ollama_server, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    script = [
        "export me",
        "/export",  # the current folder: e.json and e.md
        "/export md",  # e.md is taken: e-2.md, nothing overwritten
        f"/export json {out}",  # an existing folder: into it
        f"/export {out}/chat.json",  # the suffix says the format
        "/export pdf",  # an unknown format, not a folder named pdf
        f"/export md {tmp_path}/nonexistent/dir/x.md",  # no folder is made
        f"/export md {out}/notes.md",  # an existing file is not overwritten
        f"/export {out}/chat.pdf",
    ]
    result = cli.pipe("\n".join(script) + "\n", "--lines", "--session", "e")
    ws = cli.workspace
    exported = [line for line in result.stdout.splitlines() if line.startswith("Exported to")]
    assert exported == [
        commands.exported_text([ws / "e.md", ws / "e.json"]),
        commands.exported_text([ws / "e-2.md"]),
        commands.exported_text([out / "e.json"]),
        commands.exported_text([out / "chat.json"]),
    ]
    assert "## You\n\nexport me\n" in (ws / "e.md").read_text()
    assert (ws / "e-2.md").read_text() == (ws / "e.md").read_text()
    assert (out / "chat.json").read_text() == (out / "e.json").read_text()
    assert result.stderr.splitlines()[-4:] == [
        "Unknown export format 'pdf'. The formats are md, json; 'pdf' is not a folder either "
        "(folders are not created for an export).",
        f"The folder '{tmp_path}/nonexistent/dir' does not exist; it is not created for an "
        "export. Name a folder that exists.",
        f"'{out}/notes.md' already exists; it is not overwritten. Name another file, or a folder.",
        "Unknown export format 'pdf'. The formats are md, json.",
    ]
    assert not (ws / "pdf").exists() and not (tmp_path / "nonexistent").exists()
    assert (out / "notes.md").read_text() == "mine"
    assert sorted(p.name for p in ws.iterdir()) == ["e-2.md", "e.json", "e.md"]
    assert result.returncode == 1
