"""The `@` menu in the message box: files of the working folder as you type, Enter attaches the
highlighted one as a chip, Esc leaves the text alone, a path typed or pasted by hand, an e-mail
address left alone, a chip removed, and the attachment sent with the message."""

from __future__ import annotations

from pathlib import Path

from textual import events

from agentry_tui.widgets.attachment_chips import AttachmentChips, Chip
from agentry_tui.widgets.attachment_menu import AttachmentMenu
from agentry_tui.widgets.prompt import Prompt
from tests.mcp.conftest import stdio_entry
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, painted, ready, wait_until

README = "# Demo\n\nThe first lines of the readme.\n"


def files(workspace: Path) -> None:
    (workspace / "README.md").write_text(README)
    (workspace / "src").mkdir()
    (workspace / "src" / "reader.py").write_text("print('read')\n")
    (workspace / "notes.txt").write_text("notes\n")


def menu_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    menu = app.query_one(AttachmentMenu)
    return [line.strip("│ ") for line in painted(app, menu)[1:-1]] if menu.display else []


def chips(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(chip.render()) for chip in app.query(Chip)]


async def test_at_lists_matching_files_and_enter_attaches_one(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press(*"about @rea")
        await wait_until(pilot, lambda: menu_lines(app)[:2] == ["README.md", "src/reader.py"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: chips(app) == [f"≡ README.md {len(README)} B"])
        assert prompt.text == "about "  # the @word became the chip; nothing was sent
        assert not app.query_one(AttachmentMenu).display and not active(app).session.messages[1:]
        assert [p.ref["name"] for p in active(app).attachments] == ["README.md"]


async def test_escape_closes_the_menu_and_leaves_the_text(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press(*"@no")
        await wait_until(pilot, lambda: menu_lines(app)[:1] == ["notes.txt"])
        await pilot.press("down", "escape")
        assert not app.query_one(AttachmentMenu).display
        await pilot.press("t")  # typing on does not open it again at this @
        await pilot.pause()
        assert prompt.text == "@not" and not app.query_one(AttachmentMenu).display
        assert not chips(app) and not active(app).attachments


async def test_an_email_address_opens_nothing(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"mail bob@rea")
        await pilot.pause(0.2)
        assert not app.query_one(AttachmentMenu).display
        await pilot.press("enter")  # and Enter sends as ever
        await wait_until(pilot, lambda: len(active(app).session.messages) >= 2)
        await wait_until(pilot, lambda: not active(app).streaming)
        await pilot.press(*"ping @bob")  # a handle that names no file: the menu has nothing
        await wait_until(pilot, lambda: "No file matches 'bob'" in "".join(menu_lines(app)))
        await pilot.press("enter")
        await wait_until(pilot, lambda: active(app).session.messages[-2]["content"] == "ping @bob")
        assert not app.query_one(AttachmentMenu).display


async def test_a_path_typed_by_hand_and_a_pasted_one(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        prompt = app.query_one(Prompt)
        await pilot.press(*"see @src/reader.py", "space", *"and @nobody", "space")
        await wait_until(pilot, lambda: len(chips(app)) == 1)
        assert prompt.text == "see and @nobody "  # a word that names no file stays text
        app.query_one(Prompt).post_message(events.Paste(f"'{workspace / 'notes.txt'}'"))
        await wait_until(pilot, lambda: len(chips(app)) == 2)
        assert prompt.text == "see and @nobody "
        outside = workspace.parent / "outside.txt"
        outside.write_text("not yours")
        app.query_one(Prompt).post_message(events.Paste(str(outside)))
        await pilot.pause(0.2)
        assert prompt.text.endswith(str(outside))  # outside the folder: pasted as text
        assert [p.ref["name"] for p in active(app).attachments] == ["src/reader.py", "notes.txt"]


async def test_a_problem_is_said_and_nothing_attached(app, workspace: Path) -> None:
    (workspace / "blob.bin").write_bytes(b"\x00\x01\x02binary" * 100)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press(*"@blob.bin", "space")
        await wait_until(pilot, lambda: bool(app._notifications))
        message = next(iter(app._notifications)).message
        assert "blob.bin" in message and "binary" in message.lower()
        assert not chips(app) and not active(app).attachments
        (workspace / "gone.txt").write_text("x")
        await pilot.press(*"@/etc/hostname", "space")  # asked for, outside: said why
        await wait_until(pilot, lambda: len(app._notifications) == 2)
        assert "outside" in list(app._notifications)[-1].message.lower()
        assert not active(app).attachments


async def test_a_chip_is_removed_with_delete(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"@README.md", "space", *"@notes.txt", "space")
        await wait_until(pilot, lambda: len(chips(app)) == 2)
        await pilot.press("shift+tab")  # from the message box to the last chip
        assert isinstance(app.focused, Chip) and "notes.txt" in str(app.focused.render())
        await pilot.press("delete")
        await wait_until(pilot, lambda: len(chips(app)) == 1)
        assert [p.ref["name"] for p in active(app).attachments] == ["README.md"]
        await pilot.press("backspace")
        await wait_until(pilot, lambda: not chips(app))
        assert not app.query_one(AttachmentChips).display and app.focused is app.query_one(Prompt)


async def test_sending_takes_the_chips_and_the_server_gets_the_file(
    app, workspace: Path, ollama_server
) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"@README.md", "space", *"what is this?", "enter")
        entry = active(app)
        await wait_until(pilot, lambda: not entry.streaming and len(entry.session.messages) >= 3)
        sent = ollama_server.requests[-1].body["messages"][-1]
        assert sent["role"] == "user"
        assert (
            sent["content"]
            == f'<file name="README.md">\n{README.rstrip()}\n</file>\n\nwhat is this?'
        )
        assert not chips(app) and not entry.attachments  # cleared once sent
        stored = entry.session.messages[-2]
        assert stored["content"] == "what is this?"
        assert [ref["name"] for ref in stored["attachments"]] == ["README.md"]


async def test_chips_belong_to_their_session(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = active(app)
        await pilot.press(*"@notes.txt", "space")
        await wait_until(pilot, lambda: len(chips(app)) == 1)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: active(app) is not first and not chips(app))
        app.store.open(first.id)
        await wait_until(pilot, lambda: chips(app) == ["≡ notes.txt 6 B"])


async def test_an_mcp_resource_is_offered_and_attached(app, workspace: Path) -> None:
    files(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        agent = app.store.agent
        assert agent is not None
        agent.add_mcp_server("notes", stdio_entry())
        assert agent.mcp is not None
        await wait_until(pilot, lambda: [s.status for s in agent.mcp.states()] == ["ready"], 30)
        await pilot.press(*"@hel")
        await wait_until(pilot, lambda: menu_lines(app)[:1] == ["notes: hello (MCP)"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: chips(app) == ["≡ hello 19 B"])
        (pending,) = active(app).attachments
        assert pending.data == b"hello from the note"
        assert pending.ref["source"] == "mcp:notes"
        await agent.mcp.aclose()
