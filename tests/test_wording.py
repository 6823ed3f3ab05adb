"""agentry.wording: the one way each count and size is written."""

from __future__ import annotations

import pytest

from agentry.wording import byte_size, plural


def test_plural() -> None:
    assert (plural(1, "message"), plural(3, "message")) == ("1 message", "3 messages")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (12_595, "12.3 KB"),
        (256 * 1024, "256 KB"),
        (1023 * 1024 + 1000, "1024 KB"),  # never "1.02e+03 KB"
        (20 * 1024 * 1024, "20 MB"),
        (1536 * 1024, "1.5 MB"),
        (5 * 1024**4, "5120 GB"),
    ],
)
def test_byte_size(size: int, text: str) -> None:
    assert byte_size(size) == text
