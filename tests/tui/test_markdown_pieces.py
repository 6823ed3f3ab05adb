"""A reply streamed in chunks and split into pieces looks exactly like the whole text rendered
at once: the same lines, the same blank lines between blocks (lists, fences, headings)."""

from __future__ import annotations

import pytest
from textual.app import App

from agentry_tui.widgets.markdown import MarkdownText
from tests.servers.base import markdown_reply


def rendered(app: App, widget: MarkdownText, width: int = 80) -> list[str]:
    options = app.console.options.update_width(width)
    lines = app.console.render_lines(widget.content, options, pad=False)
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


@pytest.mark.parametrize("chunk", [1, 7, 40, 300])
async def test_streamed_pieces_render_like_the_whole(chunk: int) -> None:
    text = markdown_reply(400)
    app = App()
    async with app.run_test():
        whole = rendered(app, MarkdownText(text))
        body, pieces = MarkdownText(), []
        for start in range(0, len(text), chunk):
            body.append(text[start : start + chunk])
            if body.settled > 500:
                pieces.append(body.split_settled())
        assert len(pieces) >= 3
        assert "".join(p.source for p in pieces) + body.source == text
        streamed = [line for widget in (*pieces, body) for line in rendered(app, widget)]
        assert streamed == whole
