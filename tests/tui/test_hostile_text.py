"""Escape sequences and markup in text from outside (replies, reasoning, tool output, session
titles, model names, server errors, notices, toasts, the approval screen) are painted only
visibly: no segment the screen hands to the terminal holds a control character."""

from __future__ import annotations

import re
from pathlib import Path

from textual.events import Paste
from textual.widget import Widget
from textual.widgets import Collapsible, Input, Static

from agentry.safe_text import visible
from agentry_tui.app import AgentryApp
from agentry_tui.screens.approval import ApprovalScreen
from agentry_tui.widgets.markdown import MarkdownText
from agentry_tui.widgets.messages import NoticeView, ToolCallView, UserMessage
from agentry_tui.widgets.metadata import MetadataPanel
from agentry_tui.widgets.prompt import Prompt
from agentry_tui.widgets.session_list import SessionList
from tests.servers.base import Reply
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, painted, ready, send, wait_until
from tests.tui.scenes import SYSTEM, assistant, seed, user

HOSTILE = (
    "A\x1b]52;c;aGk=\x07"  # OSC 52: set the clipboard
    "B\x1b]8;;http://e/\x1b\\L\x1b]8;;\x1b\\"  # OSC 8: a hyperlink
    "C\x1b]0;t\x07"  # OSC 0: the window title
    "D\x1b[2J"  # clear the screen
    "E\x1b[6n"  # a cursor position query
    "F\x9b6n"  # the same with the 8-bit CSI
    "G\x08\x7f\u202eH"  # BS, DEL, a bidi override
)
SHOWN = visible(HOSTILE)
HEAD = SHOWN[:14]  # "A␛]52;c;aGk=␇B": what a narrow place shows of it
MARKUP = "[red]x[/red][link=https:e]y"
CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown_in(app: AgentryApp, widget: Widget | None = None) -> str:
    """What ``widget`` (or the whole screen) paints, its lines joined without their padding.
    Fails if anything on the screen holds a control character."""
    screen = painted(app)
    assert [line for line in screen if CONTROLS.search(line)] == []
    lines = screen if widget is None else painted(app, widget)
    return "".join(line.strip() for line in lines)


async def expand(pilot, app: AgentryApp) -> None:
    for view in app.query(Collapsible):
        view.collapsed = False
    await pilot.pause()


async def test_reply_and_reasoning(app: AgentryApp, ollama_server) -> None:
    ollama_server.enqueue(Reply(text=f"{HOSTILE} {MARKUP}", reasoning=HOSTILE))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, f"hi {HOSTILE}")
        await idle(pilot, active(app))
        await expand(pilot, app)
        assert SHOWN in shown_in(app, app.query_one("#reasoning-text"))
        body = shown_in(app, app.query_one(MarkdownText))
        assert SHOWN in body and MARKUP in body
        assert f"hi {SHOWN}" in shown_in(app, app.query_one(UserMessage))
        assert active(app).session.messages[-1]["content"] == f"{HOSTILE} {MARKUP}"  # as sent


async def test_tool_call_and_its_result(app: AgentryApp, ollama_server, workspace: Path) -> None:
    (workspace / "[red]e.txt").write_text(HOSTILE)
    ollama_server.enqueue(
        Reply(tool_calls=[("read_file", {"path": "[red]e.txt"})]), Reply(text="done")
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "read it")
        await idle(pilot, active(app))

        # The result is shown under its call, or (if the call's view was rebuilt meanwhile)
        # on its own: wherever it is, it is the result that is not pending.
        def results() -> list[Widget]:
            return [r for r in app.query(".tool-result") if not r.has_class("-pending")]

        await wait_until(pilot, lambda: bool(results()))
        await expand(pilot, app)
        title = shown_in(app, app.query(ToolCallView).first())
        assert 'read_file(path="[red]e.txt")' in title  # literally, not as markup
        assert SHOWN in shown_in(app, results()[0])


async def test_session_file_title_model_and_error(make_app, ollama_server, history) -> None:
    seed(history, "markup", [SYSTEM, user(MARKUP, 3)], 3, 3)
    seed(
        history,
        "evil",
        [SYSTEM, user(HOSTILE, 2), assistant("partial", 1, _model=HOSTILE[:20], _error=HOSTILE)],
        2,
        1,
        metadata={HOSTILE: HOSTILE},
    )
    app = make_app(session_id="evil")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.show_metadata = True
        await pilot.pause()
        rows = shown_in(app, app.query_one(SessionList))
        assert HEAD in rows and MARKUP in rows
        assert HEAD in shown_in(app, app.query_one(MetadataPanel))
        assert SHOWN in shown_in(app, app.query_one("#footer"))
        assert visible(HOSTILE[:20]) in shown_in(app, app.query_one("#header"))  # the model


async def test_server_error_text(app: AgentryApp, ollama_server) -> None:
    ollama_server.enqueue(Reply(status=500, error=HOSTILE))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hi")
        entry = active(app)
        await wait_until(pilot, lambda: entry.error is not None)
        await pilot.pause()
        assert SHOWN in shown_in(app, app.query(NoticeView).last())
        assert SHOWN in shown_in(app, app.query_one("#status-problem", Static))


async def test_toast(app: AgentryApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        app.notify(f"{MARKUP}{HOSTILE}")
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")))
        await pilot.pause()
        assert f"{MARKUP}{HEAD}" in shown_in(app, app.screen.query_one("Toast"))


async def test_approval_screen(app: AgentryApp, ollama_server, workspace: Path) -> None:
    arguments = {"path": "x.txt", "content": HOSTILE}
    ollama_server.enqueue(Reply(tool_calls=[(f"create_file{MARKUP}", arguments)]))
    ollama_server.enqueue(Reply(tool_calls=[("create_file", arguments)]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "write it")  # an unknown tool first: its name is shown, then refused
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.pause()
        screen = shown_in(app)
        assert "\\u001b]52;c;aGk=\\u0007" in screen and "\\u009b6n" in screen
        await pilot.press("y")  # approved as shown: the arguments the model sent
        await idle(pilot, active(app))
        await expand(pilot, app)
        assert f"create_file{MARKUP}" in shown_in(app)
    assert (workspace / "x.txt").read_text() == HOSTILE


async def test_prompt_recalled_from_the_session_file(make_app, ollama_server, history) -> None:
    seed(history, "evil", [SYSTEM, user(HOSTILE, 2)], 2, 2)
    app = make_app(session_id="evil")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("up")  # the prompt sent before, to send again
        await pilot.pause()
        prompt = app.query_one(Prompt)
        assert prompt.text == HOSTILE  # what would be sent is what was sent
        shown = shown_in(app, prompt)  # TextArea itself drops BEL and BS (Rich's Text does)
        assert "A␛]52;c;aGk=" in shown and "␛[6nF\\u009b6n" in shown


async def test_text_pasted_into_the_session_filter(app: AgentryApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        box = app.query_one("#session-filter", Input)
        box.focus()
        await pilot.pause()
        box.post_message(Paste("x\x1b]0;t\x07\x9b6n"))
        await wait_until(pilot, lambda: bool(box.value))
        await pilot.pause()
        assert box.value == "x\x1b]0;t\x07\x9b6n"  # filtered by what was pasted
        assert "x␛]0;t" in shown_in(app, box)
