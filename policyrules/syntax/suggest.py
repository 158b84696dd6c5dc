"""Did-you-mean for syntax errors: which keywords the grammar expected, spelled in the file's
keyword language, and the one a misspelled word was meant to be (`amout` -> `amount`,
`条牛` -> `条件`, `金额是` -> `金额为`, `并且` -> `且`).

Input: the terminal names Lark expected and the word it found; output: keyword spellings.
The keywords come from the grammar's own terminals, so a new keyword is suggested without
a change here.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from policyrules.syntax.grammar import parser

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# words drafters write for a keyword that are not close in spelling (a synonym, not a typo)
SYNONYMS: dict[str, str] = {
    "并且": "且", "而且": "且", "或者": "或", "金额是": "金额为", "金额": "金额为", "当": "条件",
    "若": "如果", "否则的话": "否则", "最多": "最高", "至多": "最高", "至少": "最低", "不少于": "最低",
    "and_": "and", "or_": "or", "elif": "if", "amounts": "amount", "condition": "when",
}


@lru_cache(maxsize=1)
def keyword_terminals() -> dict[str, str]:
    """Terminal name -> its keyword spelling, for every terminal that is a word."""
    out: dict[str, str] = {}
    for term in parser().terminals:
        value = term.pattern.value
        if term.pattern.type == "str" and _WORD.fullmatch(value):
            out[term.name] = value
    return out


def is_chinese(word: str) -> bool:
    return bool(_CJK.search(word))


def keyword_language(text: str) -> str:
    """``zh`` when the file's first declaration (after comments) is written with a Chinese
    keyword (``政策``), else ``en``."""
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            return "zh" if is_chinese(word.split()[0]) else "en"
    return "en"


def expected_keywords(expected: set[str], lang: str | None = None) -> list[str]:
    """The keywords among the expected terminals, sorted; only those of ``lang`` when given
    (and when the grammar has any in it)."""
    words = sorted({kw for name, kw in keyword_terminals().items() if name in expected})
    if lang is None:
        return words
    mine = [w for w in words if is_chinese(w) == (lang == "zh")]
    return mine or words


def did_you_mean(word: str, expected: set[str], text: str | None = None, start: int | None = None) -> str | None:
    """The keyword ``word`` was most likely meant to be, or None.

    The parser's expected set is read after LALR reductions, so it can miss the keyword that
    was meant (after `条件 a.b`, a name reduces the condition and `且` is no longer expected).
    With ``text`` and the word's ``start`` offset, close keywords are tried in its place and
    the first that lets the parse get past it is the answer."""
    if not _WORD.fullmatch(word):
        return None
    chinese = is_chinese(word)
    pool = sorted({kw for kw in keyword_terminals().values() if is_chinese(kw) == chinese})
    key = word if chinese else word.lower()
    # Chinese keywords are two or three characters: one wrong character is already half the word,
    # and a three- or four-letter English word (`adn`) has few letters to agree on
    cutoff = 0.5 if chinese else 0.6 if len(word) <= 4 else 0.75
    close = difflib.get_close_matches(key, pool, n=4, cutoff=cutoff)
    synonym = SYNONYMS.get(word) or SYNONYMS.get(key)
    if synonym:
        close.insert(0, synonym)
    close = [c for c in dict.fromkeys(close) if c != word]
    if text is not None and start is not None:
        a, b = _declaration(text, start)
        eol = text.find("\n", start, b)
        rest = (b if eol < 0 else eol) - start - len(word)
        for kw in close:  # the parse must get past the word's whole line, not only the word
            trial = text[a:start] + kw + text[start + len(word):b]
            if _parses_past(trial, start - a + len(kw) + rest):
                return kw
        return None
    wanted = set(expected_keywords(expected))
    return next((c for c in close if c in wanted), None)


_TOP = re.compile(r"^\w", re.M)


def _declaration(text: str, start: int) -> tuple[int, int]:
    """The lines of the declaration around offset ``start``: from the last line before it that
    starts at column 1 with a word to the next such line after it (trial parses stay small)."""
    line_start = text.rfind("\n", 0, start) + 1
    a = 0
    for m in _TOP.finditer(text, 0, line_start + 1):
        a = m.start()
    nxt = _TOP.search(text, text.find("\n", start) + 1) if "\n" in text[start:] else None
    return a, nxt.start() if nxt else len(text)


def _parses_past(text: str, offset: int) -> bool:
    """Whether ``text`` parses, or fails only at or after ``offset``."""
    import lark

    try:
        parser().parse(text)
    except lark.UnexpectedInput as err:
        return (err.pos_in_stream or 0) >= offset
    return True
