"""Every provider reads stream lines and streamed tool arguments through ``json_object``:
only a JSON object passes; anything else is the "malformed" StreamError, never a crash."""

from __future__ import annotations

import pytest

from agentry.errors import StreamError
from agentry.providers.http import json_object

URL = "http://127.0.0.1:9/api/chat"


def test_an_object_passes() -> None:
    assert json_object("ollama", URL, '{"done": true}') == {"done": True}


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '"text"', "3", "null", ""])
def test_anything_else_is_a_malformed_line(line: str) -> None:
    with pytest.raises(StreamError, match="not valid in its stream format") as caught:
        json_object("ollama", URL, line)
    assert caught.value.url == URL and repr(line) in str(caught.value)


def test_the_quoted_text_can_be_named() -> None:
    with pytest.raises(StreamError, match="'read_file arguments: \\[1\\]'"):
        json_object("openai", URL, "[1]", "read_file arguments: [1]")
