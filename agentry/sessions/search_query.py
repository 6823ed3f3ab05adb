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
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Han, kana, Hangul, CJK punctuation and compatibility forms, and emoji / pictographs.
_UNSPACED = re.compile(
    "([\u2600-\u27bf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U0001f000-\U0001faff\U00020000-\U0002fa1f])"
)
SEPARATOR = "\u200b"  # ZERO WIDTH SPACE: a format character, so a separator for unicode61
# Emoji (So) are token characters besides letters, numbers and private use (the default).
TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co So'"
# Prefix lengths FTS5 keeps an index of (the ``prefix`` option of the table): a prefix of such a
# length is looked up in it; a longer one begins few enough words for FTS5 to merge them.
PREFIX_INDEXES = (2, 3)
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

    def fts(self, expand: Expand | None = None) -> str:
        """The term in FTS5's syntax. A prefix shorter than the shortest prefix index is given
        to ``expand`` (if any), which names indexed words it begins; they are asked for instead
        (without an index SQLite merges the matches of every word a prefix begins up front:
        thousands for one letter; an OR of words streams)."""
        text = spaced(self.text)
        if not self.prefix:
            return _quoted(text)
        *head, last = _TOKENS.findall(text) or [""]
        if len(folded(last)) >= PREFIX_INDEXES[0]:
            return _quoted(text) + "*"
        words = expand(folded(last)) if expand is not None and last else None
        if not words:  # it finds nothing either way
            return _quoted(text) + "*"
        return "(" + " OR ".join(_quoted(" ".join([*head, word])) for word in words) + ")"


# Indexed words that begin with a (folded) prefix.
Expand = Callable[[str], list[str]]
_TOKENS = re.compile(r"(?:[^\W_]|[\u2600-\U0002fa1f])+")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def folded(word: str) -> str:
    """A word as the tokenizer indexes it: lower case, without diacritics."""
    if word.isascii():  # most words: no diacritics to remove (snippets fold every word)
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


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


def fts_query(terms: list[Term], expand: Expand | None = None) -> str | None:
    """The FTS5 MATCH expression for ``terms``; None if nothing is asked for (no term, or only
    excluded ones: everything but a word is no search)."""
    wanted = [term.fts(expand) for term in terms if not term.excluded]
    if not wanted:
        return None
    unwanted = [term.fts(expand) for term in terms if term.excluded]
    expression = " ".join(wanted)
    return f"({expression}) NOT ({' OR '.join(unwanted)})" if unwanted else expression


MARK_OPEN, MARK_CLOSE = "\x02", "\x03"  # around a matched word in a snippet (see snippet)


def snippet_maker(terms: list[Term], width: int = 20) -> Callable[[str], str]:
    """What makes the snippet of an indexed body for ``terms``: about ``width`` words around
    its first match, each matching word between MARK_OPEN and MARK_CLOSE, "…" where it was cut.
    Made here rather than by FTS5's snippet(), which looks a prefix query up again for every
    row; the terms are read once for all the hits of a search."""
    words: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        if term.excluded:
            continue
        tokens = [folded(token) for token in _TOKENS.findall(spaced(term.text))]
        if term.prefix and tokens:
            prefixes.append(tokens.pop())
        words.update(tokens)
    ends = tuple(prefixes) or ("\0",)

    def snippet(body: str) -> str:
        found = list(_TOKENS.finditer(body))
        if not found:
            return body[:200]
        # The words as indexed; an ASCII body's are its lower-cased words, found in one call.
        tokens = (
            _TOKENS.findall(body.lower())
            if body.isascii()
            else [folded(token.group()) for token in found]
        )
        marked = [n for n, word in enumerate(tokens) if word in words or word.startswith(ends)]
        lo = max(0, (marked[0] if marked else 0) - width // 3)
        hi = min(len(found), lo + width)
        at = found[lo].start() if lo > 0 else 0
        parts = ["…" if lo > 0 else ""]
        for n in marked:
            if lo <= n < hi:
                token = found[n]
                parts += [body[at : token.start()], MARK_OPEN, token.group(), MARK_CLOSE]
                at = token.end()
        parts += [body[at:], ""] if hi == len(found) else [body[at : found[hi - 1].end()], "…"]
        return "".join(parts)

    return snippet
