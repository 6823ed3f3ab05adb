"""The search screen (issue 18): hits as you type, from the index, grouped by session with the
match highlighted; Enter opens the session scrolled to the message, built even when it is
among the older messages a session opens without."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from textual.widgets import Input, OptionList

from agentry.sessions import SessionManager
from agentry.sessions.search import Hit
from agentry_tui.screens.search import PAGE, SearchScreen
from agentry_tui.widgets.chat import MessageList
from agentry_tui.widgets.messages import LoadLater, UserMessage
from agentry_tui.widgets.sidebar import Sidebar
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, ready
from tests.tui.scenes import SYSTEM, assistant, seed, seed_demo, settle, steady, user, wait_until

LONG = 300  # messages of the long session: far more than it opens with


def seed_long(history: Path) -> None:
    """A long session whose one mention of "aardvark" is its 11th message (of 300)."""
    messages = [SYSTEM]
    for n in range(LONG // 2):
        question = "Tell me about the aardvark" if n == 5 else f"question {n}"
        messages += [user(question, 1000 - n), assistant(f"answer {n}", 999 - n)]
    seed(history, "long-chat", messages, 1000, 800)


def rows(app) -> list[str]:
    """The search screen's options as text: session headings and hits."""
    options = app.screen.query_one("#search-hits", OptionList)
    return [options.get_option_at_index(n).prompt.plain for n in range(options.option_count)]


async def searched(pilot, text: str) -> SearchScreen:
    """The search screen open (F6) with ``text`` typed and its hits shown."""
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    await pilot.press(*text)
    box = screen.query_one("#search-box", Input)
    await wait_until(pilot, lambda: screen._asked == box.value == text)
    return screen


async def test_hits_come_as_you_type_grouped_by_session_with_the_match_marked(
    make_app, history: Path, ollama_server
) -> None:
    seed_demo(history)
    seed(
        history, "zoo", [SYSTEM, user("the aardvark digs", 50), assistant("aardvarks!", 49)], 60, 49
    )
    seed_long(history)
    async with make_app(session_id="python-lists").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        screen = await searched(pilot, "aardvark")
        assert len(screen.hits) == 2
        shown = rows(app)
        # Each session's heading (title, id), then its hits: role, #index, time, snippet.
        assert shown[0] == "the aardvark digs  zoo"
        assert shown[1].startswith("  user #1 · ") and shown[1].endswith("the aardvark digs")
        assert shown[2] == "question 0  long-chat"
        assert shown[3].startswith("  user #11 · ")
        # The matched word is highlighted in the snippet.
        snippet = app.screen.query_one("#search-hits", OptionList).get_option_at_index(1).prompt
        marked = [snippet.plain[span.start : span.end] for span in snippet.spans if span.style]
        assert "aardvark" in marked
        # Typing on narrows the hits; a prefix finds "aardvarks" too.
        await pilot.press("s")
        await wait_until(pilot, lambda: screen._asked == "aardvarks")
        assert [(h.session_id, h.index) for h in screen.hits] == [("zoo", 2)]
        await pilot.press("backspace", "*")
        await wait_until(pilot, lambda: screen._asked == "aardvark*")
        assert len(screen.hits) == 3
        # Stray operators and quotes are words, never an error.
        await pilot.press(*' AND "(')
        await wait_until(pilot, lambda: screen._asked.endswith('"('))
        assert "nothing matches" in str(screen.query_one("#search-hint").render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))


async def test_keys_typed_while_a_question_is_out_are_answered_once_for_the_newest_text(
    make_app, history: Path, ollama_server
) -> None:
    seed_long(history)
    async with make_app().run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        asked: list[str] = []
        gate = threading.Event()

        def slow(text: str) -> list[Hit]:  # the store's search, held while the keys come
            asked.append(text)
            gate.wait(10)
            return app.store.search(text)

        screen = SearchScreen(slow)
        await app.push_screen(screen)
        await pilot.press("a")
        await wait_until(pilot, lambda: asked == ["a"])
        await pilot.press(*"ardvark")
        box = screen.query_one("#search-box", Input)
        await wait_until(pilot, lambda: box.value == "aardvark")
        await pilot.pause(0.2)
        assert asked == ["a"]  # one question out at a time
        gate.set()
        await wait_until(pilot, lambda: screen._asked == "aardvark")
        assert asked == ["a", "aardvark"]  # the answer to "a", already stale, was not painted
        assert [(h.session_id, h.index) for h in screen.hits] == [("long-chat", 11)]


async def test_an_answer_paints_its_first_page_at_once_and_the_rest_after(
    make_app, history: Path, ollama_server
) -> None:
    for n in range(40):
        seed(history, f"zoo-{n:02d}", [SYSTEM, user(f"aardvark number {n}", 50 + n)], 60, 50)
    async with make_app().run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        screen = await searched(pilot, "aardvark")
        hits = app.store.search("aardvark")
        assert len(hits) == 40
        options = screen.query_one("#search-hits", OptionList)
        screen._show("aardvark", hits)
        assert options.option_count == PAGE  # a screenful (and more) for the next frame
        await wait_until(pilot, lambda: options.option_count == 2 * len(hits))
        assert rows(app)[-1].endswith(hits[-1].snippet)  # the last hit, in its place


async def test_each_keystroke_is_answered_from_the_index_not_the_files(
    make_app, history: Path, ollama_server
) -> None:
    seed(history, "notes", [SYSTEM, user("remember the pangolin", 50)], 60, 50)
    async with make_app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await searched(pilot, "pangolin")
        assert len(screen.hits) == 1
        await pilot.press("escape")
        # The file's bytes change, its size and mtime do not: the index answers as before.
        path = history / "notes_chat.toon"
        st = path.stat()
        path.write_bytes(path.read_bytes().replace(b"pangolin", b"platypus"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        screen = await searched(pilot, "pangolin")
        assert [hit.snippet for hit in screen.hits] == ["remember the pangolin"]


async def test_enter_opens_an_older_message_scrolled_to_it_and_marked(
    make_app, history: Path, ollama_server
) -> None:
    seed_demo(history)
    seed_long(history)
    async with make_app(session_id="python-lists").run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        await pilot.click(Sidebar)  # (focus elsewhere than the message box: the key works)
        await searched(pilot, "aardvark")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert active(app).id == "long-chat"
        chat = app.query_one(MessageList)
        await wait_until(pilot, lambda: bool(chat.query(".-found")))
        [found] = chat.query(".-found")
        assert isinstance(found, UserMessage)
        assert found.message["content"] == "Tell me about the aardvark"
        await wait_until(
            pilot,
            lambda: chat.region.y <= found.region.y and found.region.bottom <= chat.region.bottom,
        )
        # The session opened at message 11 of 300: the newest are not built, but a button away.
        built = [view.message["content"] for view in chat.query(UserMessage)]
        assert "question 149" not in built and len(built) < 60
        assert chat.query(LoadLater)  # (it stays when the older ones are built above)


async def test_a_hit_in_another_branch_opens_that_branch_at_the_message(
    make_app, history: Path, ollama_server
) -> None:
    """The question was edited: the old one (and its answer) lives on in a branch. Its hit
    shows that branch, scrolled to it, and the switch is saved."""
    seed_demo(history)
    seed(
        history, "zoo", [SYSTEM, user("the aardvark digs", 50), assistant("aardvarks!", 49)], 60, 49
    )
    manager = SessionManager(history)
    session = manager.load("zoo")
    assert session is not None
    session.edit_message(1, "tell me about owls")
    manager.save(session)
    manager.close()
    for session_id in ("python-lists", "zoo"):  # opened elsewhere, then in the session itself
        await open_the_branch_hit(make_app(session_id=session_id))
        saved = SessionManager(history).load("zoo")
        assert saved is not None and saved.messages[1]["content"] == "the aardvark digs"
        # Back to the edited question for the second round.
        saved.switch_alternative(1, 1)
        SessionManager(history).save(saved)


async def open_the_branch_hit(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click(Sidebar)
        screen = await searched(pilot, "digs")
        [hit] = screen.hits
        assert hit.branch is not None
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        chat = app.query_one(MessageList)
        await wait_until(pilot, lambda: bool(chat.query(".-found")))
        [found] = chat.query(".-found")
        assert found.message["content"] == "the aardvark digs"
        assert active(app).session.alternatives(1) == (1, 2)


async def test_slash_search_opens_the_screen_with_the_words(
    make_app, history: Path, ollama_server
) -> None:
    seed_long(history)
    async with make_app().run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        prompt = app.query_one("#prompt")
        prompt.load_text("/search aardvark")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_until(pilot, lambda: screen._asked == "aardvark")
        assert [(h.session_id, h.index) for h in screen.hits] == [("long-chat", 11)]


async def _found_in_long_session(pilot) -> None:
    await settle(pilot)
    await searched(pilot, "aardvark")
    await pilot.press("enter")
    await wait_until(pilot, lambda: bool(pilot.app.query(".-found")))
    await steady(pilot)


def test_snapshot_of_a_hit_opened_among_older_messages(
    tmp_path: Path, ollama_server, monkeypatch, snap_compare
) -> None:
    from tests.tui import scenes

    monkeypatch.setenv("HOME", str(tmp_path))
    scenes.pin_agent_clock(monkeypatch.setattr)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    seed_demo(tmp_path / "history")
    seed_long(tmp_path / "history")
    app = scenes.demo_app(tmp_path / "history", workspace, session_id="python-lists")
    assert snap_compare(app, terminal_size=SIZE, run_before=_found_in_long_session)


async def test_a_second_ctrl_f_has_the_session_filter_match_contents_too(
    make_app, history: Path, ollama_server
) -> None:
    seed(history, "zoo", [SYSTEM, user("animals", 50), assistant("an aardvark digs", 49)], 60, 49)
    seed(history, "aardvark-notes", [SYSTEM, user("notes", 40)], 50, 40)
    seed(history, "other", [SYSTEM, user("nothing", 30)], 40, 30)
    async with make_app().run_test(size=SIZE) as pilot:
        app = await ready(pilot)
        sidebar = app.query_one(Sidebar)
        heading = app.query_one("#sessions-heading")
        await pilot.press("ctrl+f", *"aardv")
        await pilot.pause()
        assert sidebar.visible_ids() == ["aardvark-notes"]  # its name; "zoo" only says it
        assert "1 of 3  (titles · ctrl+f: contents too)" in str(heading.render())
        await pilot.press("ctrl+f")  # the word typed so far is a prefix of "aardvark"
        await wait_until(pilot, lambda: sidebar.visible_ids() == ["aardvark-notes", "zoo"])
        assert "2 of 3  (titles and contents)" in str(heading.render())
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: sidebar.visible_ids() == ["aardvark-notes"])
