"""What a person types into a search box, made into an SQLite FTS5 query. Pure: no I/O.

Every text is a valid query: words (all must match), "exact phrases" (a quote left open runs to
the end), ``prefix*`` and ``-excluded`` words or phrases. Each term is passed to FTS5 as a quoted
string, so operators typed by a person (AND, OR, NEAR, ^, :, parentheses, stray quotes and
stars) are words or punctuation, never syntax.

The index tokenizer (unicode61) splits on punctuation and spaces; scripts written without spaces
(Chinese, Japanese, Korean) and emoji would make a whole run one token, so ``spaced`` puts an
invisible separator after each such character, in the indexed text and in the query alike: a run
of them is then found anywhere inside a longer run, as a phrase of single characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Han, kana, Hangul, CJK punctuation and compatibility forms, and emoji / pictographs.
_UNSPACED = re.compile(
    "([\u2600-\u27bf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U0001f000-\U0001faff\U00020000-\U0002fa1f])"
)
SEPARATOR = "\u200b"  # ZERO WIDTH SPACE: a format character, so a separator for unicode61
# Emoji (So) are token characters besides letters, numbers and private use (the default).
TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co So'"
# A term is worth asking for only if it holds something the tokenizer keeps.
_TOKEN_CHAR = re.compile(r"[^\W_]|" + _UNSPACED.pattern)


def spaced(text: str) -> str:
    """``text`` with a separator after every character of an unspaced script or emoji."""
    if text.isascii():
        return text
    return _UNSPACED.sub(r"\1" + SEPARATOR, text)


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False  # typed in quotes
    prefix: bool = False  # typed with a trailing *
    excluded: bool = False  # typed with a leading -

    def fts(self) -> str:
        quoted = '"' + spaced(self.text).replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


_TERM = re.compile(r'(-?)(?:"([^"]*)(?:"|$)|(\S+))(\*?)')


def parse(typed: str) -> list[Term]:
    """The terms of ``typed`` that can match something (punctuation alone cannot)."""
    terms = []
    for match in _TERM.finditer(typed):
        minus, phrase, word, star = match.groups()
        text = phrase if phrase is not None else word
        if word is not None and word.endswith("*"):
            text, star = word.rstrip("*"), "*"
        if not _TOKEN_CHAR.search(text):
            continue  # punctuation alone ("-", "*", '"'): nothing to look for
        terms.append(Term(text, phrase is not None, bool(star), bool(minus)))
    return terms


def fts_query(terms: list[Term]) -> str | None:
    """The FTS5 MATCH expression for ``terms``; None if nothing is asked for (no term, or only
    excluded ones: everything but a word is no search)."""
    wanted = [term.fts() for term in terms if not term.excluded]
    if not wanted:
        return None
    unwanted = [term.fts() for term in terms if term.excluded]
    expression = " ".join(wanted)
    return f"({expression}) NOT ({' OR '.join(unwanted)})" if unwanted else expression
