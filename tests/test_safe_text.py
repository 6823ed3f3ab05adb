"""The sanitiser: every control range shown visibly, everything else left exactly as it is."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from agentry.safe_text import is_safe, visible

C0 = [chr(c) for c in range(0x20) if chr(c) not in "\n\t"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
UNSAFE = frozenset(C0 + C1 + BIDI + ["\x7f"])


def test_c0_controls_and_del_become_their_control_pictures() -> None:
    for char in [*C0, "\x7f"]:
        shown = visible(f"a{char}b")
        assert shown[0] + shown[2] == "ab" and len(shown) == 3
        assert unicodedata.name(shown[1]).startswith("SYMBOL FOR"), repr(char)
    assert visible("\x1b[2J\x07\x00") == "␛[2J␇␀"
    assert visible("\x7f") == "␡"


def test_c1_controls_and_bidi_overrides_are_shown_as_escapes() -> None:
    assert visible("\x9b6n") == "\\u009b6n"
    for char in C1 + BIDI:
        assert visible(char) == f"\\u{ord(char):04x}"


def test_newline_and_tab_stay_and_crlf_becomes_lf_but_a_lone_cr_is_shown() -> None:
    assert visible("a\tb\nc") == "a\tb\nc"
    assert visible("a\r\nb\r\n") == "a\nb\n"
    assert visible("50%\rdone") == "50%␍done"
    assert visible("a\r\r\n") == "a␍\n"


def test_text_without_controls_is_returned_as_it_is() -> None:
    text = "naïve café — 日本語 🙂 ␛ \\u009b [red]x[/red] \u200f"
    assert visible(text) is text
    assert is_safe(text) and not is_safe("\x1b")


@given(st.text())
def test_no_control_survives_and_safe_text_is_unchanged(text: str) -> None:
    shown = visible(text)
    assert not UNSAFE.intersection(shown)
    assert is_safe(shown)
    if not UNSAFE.intersection(text):
        assert shown == text
    assert visible(shown) == shown  # shown text shows as it is


@given(st.text(alphabet=st.sampled_from(sorted(UNSAFE) + ["\n", "\t", "\r", "a", "␛"])))
def test_dense_controls_leave_nothing_behind(text: str) -> None:
    assert not UNSAFE.intersection(visible(text))
