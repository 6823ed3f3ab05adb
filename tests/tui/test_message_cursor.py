"""The message cursor (issue 17): a selection in the chat pane, and what is done to the selected
message: copy it or a code block, edit it, answer it again, switch branches, delete, fork."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from agentry.sessions import AgentSession, SessionManager
from agentry_tui.code_blocks import CodeBlock, code_blocks
from agentry_tui.screens.code_picker import CodePicker
from agentry_tui.screens.confirm import ConfirmScreen
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.editor import MessageEditor
from agentry_tui.widgets.keybar import KeyBar
from agentry_tui.widgets.messages import Indexed, UserMessage
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.prompt import Prompt
from tests.servers.base import Reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, painted, ready, replies, text_of, typed, wait_until
from tests.tui.scenes import NOW, REPLY, SYSTEM, assistant, seed, user

TWO_BLOCKS = "First:\n\n```python\nprint(1)\n```\n\nThen:\n\n~~~sh\necho two\n~~~\n"


def turns(n: int, prefix: str = "") -> list[dict[str, Any]]:
    """The system message and ``n`` questions with their answers: q1 at index 1, a1 at 2..."""
    out = [SYSTEM]
    for i in range(1, n + 1):
        out += [user(f"{prefix}q{i}", 60 - i), assistant(f"{prefix}a{i}", 59 - i)]
    return out


def seed_branched(history: Path, session_id: str = "talk", turns_: int = 3) -> None:
    """A session whose first question was edited: q1 ‹1/2› with its answers, and a branch
    at message 1 holding "old q1" and the conversation that followed it."""
    session = AgentSession(session_id, turns(turns_, "old "), created_at=NOW, last_activity=NOW)
    session.edit_message(1, "q1")
    session.messages += turns(turns_)[2:]
    SessionManager(history).save(session)


def chat(app: Any) -> MessageList:
    return app.query_one(MessageList)


def highlighted(app: Any) -> list[int | None]:
    return [w.message_index for w in chat(app).query(".-selected") if isinstance(w, Indexed)]


def shown_text(app: Any) -> str:
    return "\n".join(painted(app, chat(app)))


async def test_keys_move_the_selection_and_escape_gives_the_prompt_back(app, history) -> None:
    seed(history, "talk", turns(3), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5")
        assert chat(app).has_focus and chat(app).selected == 6 and highlighted(app) == [6]
        assert " c Copy " in text_of(app.query_one(KeyBar))  # the selection's keys, shown
        await pilot.press("up", "k")
        assert chat(app).selected == 4 and highlighted(app) == [4]
        await pilot.press("down")
        assert chat(app).selected == 5 and highlighted(app) == [5]
        await pilot.press("escape")
        assert chat(app).selected is None and highlighted(app) == []
        assert app.query_one(Prompt).has_focus
        await pilot.press("h", "i")  # the message box types as before
        assert app.query_one(Prompt).text == "hi"
        await typed(pilot, "\x1bm")  # alt+m as tmux sends it, from the message box
        assert chat(app).selected == 6 and chat(app).has_focus


async def test_a_click_selects_a_message_and_the_prompt_taking_the_focus_leaves_it(
    app, history
) -> None:
    seed(history, "talk", turns(2), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        target = chat(app).widget_at(1)
        assert isinstance(target, UserMessage)
        await pilot.click(target)
        assert chat(app).selected == 1 and highlighted(app) == [1]
        await pilot.click(Prompt)
        assert chat(app).selected is None and highlighted(app) == []


async def test_copy_the_message_or_one_of_its_code_blocks(app, history) -> None:
    seed(history, "talk", [SYSTEM, user("q", 9), assistant(REPLY, 8)], 10, 8)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "c")
        assert app.clipboard == REPLY
        await pilot.press("b")  # one block: copied at once
        assert app.clipboard == code_blocks(REPLY)[0].code
        assert app.clipboard.startswith("numbers = [1, 2, 3, 4]")
        await pilot.press("up", "b")  # the question has none: said, nothing copied
        assert app.clipboard.startswith("numbers")


async def test_a_message_with_several_code_blocks_asks_which(app, history) -> None:
    seed(history, "talk", [SYSTEM, user("q", 9), assistant(TWO_BLOCKS, 8)], 10, 8)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "b")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press("2")
        await wait_until(pilot, lambda: app.clipboard == "echo two")


def test_code_blocks_are_read_as_commonmark_fences() -> None:
    text = "a\n````md\n```\ninner\n```\n````\n  ```\n  indented\n   more\n  ```\n```x\nopen"
    assert code_blocks(text) == [
        CodeBlock("md", "```\ninner\n```"),
        CodeBlock("", "indented\n more"),
        CodeBlock("x", "open"),  # left open: to the end
    ]
    assert code_blocks("``` not a fence ` here\n") == []


async def test_editing_a_message_sends_it_as_a_new_branch(app, history) -> None:
    seed(history, "talk", turns(2), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "up", "up", "up", "e")
        editor = app.query_one(MessageEditor)
        assert editor.has_focus and editor.text == "q1" and editor.index == 1
        assert "editing message #1" in shown_text(app)
        editor.load_text("q1 again")
        await pilot.press("enter")
        entry = active(app)
        await idle(pilot, entry)
        session = entry.session
        assert session is not None
        assert [m["content"] for m in session.messages[1:]] == ["q1 again", "Echo: q1 again"]
        assert session.alternatives(1) == (2, 2)
        await wait_until(pilot, lambda: "‹2/2›" in shown_text(app))
        assert not app.query(MessageEditor)
    # On disk after a restart: both branches, whole.
    again = SessionManager(history).load("talk")
    assert again is not None and again.alternatives(1) == (2, 2)
    again.switch_alternative(1, -1)
    assert [m["content"] for m in again.messages] == [m["content"] for m in turns(2)]


async def test_escape_in_the_editor_cancels_and_changes_nothing(app, history) -> None:
    seed(history, "talk", turns(2), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = list(active(app).session.messages)  # type: ignore[union-attr]
        await pilot.press("f5", "up", "e")
        await pilot.press("x", "escape")
        assert not app.query(MessageEditor)
        widget = chat(app).widget_at(3)
        assert widget is not None and widget.display and chat(app).selected == 3
        assert active(app).session.messages == before  # type: ignore[union-attr]


async def test_answering_again_keeps_every_answer(app, history, ollama_server) -> None:
    seed(history, "talk", [SYSTEM, user("q", 9), assistant("first answer", 8)], 10, 8)
    ollama_server.enqueue(Reply(text="second answer"), Reply(text="third answer"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        entry = active(app)
        await pilot.press("f5", "r")
        await idle(pilot, entry)
        await pilot.press("r")
        await idle(pilot, entry)
        await wait_until(pilot, lambda: "‹3/3›" in shown_text(app))
        assert replies(app) == ["third answer"]
        await pilot.press("left")  # the one before, with nothing below it to rebuild
        assert "‹2/3›" in shown_text(app) and replies(app) == ["second answer"]
    text = SessionManager(history).path_for("talk").read_text()
    assert all(a in text for a in ("first answer", "second answer", "third answer"))


async def test_switching_branches_repaints_the_conversation_below(app, history) -> None:
    seed_branched(history, turns_=3)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", *["up"] * 5)
        assert chat(app).selected == 1 and "‹2/2›" in shown_text(app)
        await pilot.press("left")
        assert "‹1/2›" in shown_text(app)
        assert replies(app) == ["old a1", "old a2", "old a3"]
        assert chat(app).selected == 1 and highlighted(app) == [1]
        await pilot.press("]")
        assert replies(app) == ["a1", "a2", "a3"]
        await pilot.press("[")
        await wait_until(pilot, lambda: active(app).saved)  # once the switching stops
    saved = SessionManager(history).load("talk")
    assert saved is not None and saved.messages[2]["content"] == "old a1"


async def test_a_switch_is_painted_at_once_while_another_session_streams(
    make_app, history, ollama_server
) -> None:
    """A reply streams in session A (held half way by the server) while the person switches
    branches in B: B's conversation is repainted at once, and A's reply then ends whole."""
    seed_branched(history, "b-session", turns_=2)
    resume = threading.Event()
    ollama_server.enqueue(Reply(text="one two three four five six", stall_after=3, resume=resume))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+n")
        a = active(app)
        app.query_one(Prompt).load_text("tell me")
        await pilot.press("enter")
        await wait_until(pilot, lambda: a.partial is not None and bool(a.partial.text))
        app.store.open("b-session")
        await pilot.pause()
        await pilot.press("f5", "up", "up", "up")
        assert chat(app).selected == 1
        await pilot.press("left")
        assert a.streaming  # still arriving in A
        assert replies(app) == ["old a1", "old a2"] and "‹1/2›" in shown_text(app)
        resume.set()
        await idle(pilot, a)
    saved = SessionManager(history).load(a.id)
    assert saved is not None and saved.messages[-1]["content"] == "one two three four five six"


async def test_delete_asks_first(app, history) -> None:
    seed(history, "talk", turns(2), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "up", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        assert len(active(app).session.messages) == 5  # type: ignore[union-attr]
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(active(app).session.messages) == 3)  # type: ignore[union-attr]
        assert replies(app) == ["a1"]


async def test_fork_opens_a_new_session_up_to_the_message(app, history) -> None:
    seed(history, "talk", turns(3), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "up", "up", "up", "f")
        await wait_until(pilot, lambda: active(app).id != "talk")
        fork = active(app)
        assert fork.session is not None
        assert [m["content"] for m in fork.session.messages] == [m["content"] for m in turns(3)[:4]]
        assert replies(app) == ["a1"]
    saved = SessionManager(history).load(fork.id)
    assert saved is not None and saved.metadata["forked_from"] == {"session": "talk", "message": 3}


async def test_the_metadata_panel_counts_branches_and_says_where_they_fork(app, history) -> None:
    seed_branched(history, turns_=2)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        panel = "\n".join(painted(app, app.query_one(MetadataPanel)))
        assert "Branches      2" in panel and "Forks at      #1 (2/2)" in panel


async def test_the_palette_offers_the_message_actions_and_says_how_to_select(app, history) -> None:
    from agentry_tui.keys import MESSAGE_ACTIONS
    from agentry_tui.palette import AgentryCommands

    seed(history, "talk", turns(1), 60, 1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        titles = [hit.display async for hit in AgentryCommands(app.screen).discover()]
        assert all(action.help in titles for action in MESSAGE_ACTIONS)
        chat(app).focus()  # Tab's way in: nothing selected yet
        await pilot.press("c")  # a toast says how to select one
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")))
        assert "Select a message first" in " ".join(painted(app, app.screen.query_one("Toast")))
        assert app.clipboard == ""


async def test_p_pins_the_selected_message_and_marks_it(app, history) -> None:
    seed(history, "talk", turns(2), 60, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f5", "up", "p")  # the second question, message 3
        await wait_until(pilot, lambda: "_pinned" in active(app).session.messages[3])  # type: ignore[union-attr]
        await wait_until(pilot, lambda: "q2" in pinned_lines(app), state=lambda: shown_text(app))
        await wait_until(pilot, lambda: "_pinned" in stored_message(history, 3))
        await pilot.press("p")  # again: unpinned
        await wait_until(pilot, lambda: not pinned_lines(app), state=lambda: shown_text(app))
        await wait_until(pilot, lambda: "_pinned" not in stored_message(history, 3))


def pinned_lines(app: Any) -> str:
    """The text of the messages whose header says "pinned"."""
    return " ".join(
        w.message["content"]
        for w in chat(app).query(UserMessage)
        if "pinned" in str(w.render()).partition("\n")[0]
    )


def stored_message(history: Path, index: int) -> dict[str, Any]:
    saved = SessionManager(history).load("talk")
    assert saved is not None
    return saved.messages[index]
