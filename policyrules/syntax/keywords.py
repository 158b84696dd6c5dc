"""Keyword spellings, read from the grammar, and ``convert``: policy text with its keywords in
English or in Chinese, everything else (names, numerals, quoted text, comments) as written.

Which keyword a word is depends on the rule it is in (``from`` is 自 in ``valid``, 满 in a
range row, 满分 in a deduction), so each token is looked up in the keyword rules
(``_when: "when" | "条件"``) and literal groups (``("bool" | "是否")``) that its rule uses.
A few spellings are not one word for one word, and are rewritten as a whole:
``rate of base`` / ``base 的 rate`` (operands swap, in parentheses where needed),
``list of`` / ``列表``, ``per month`` / ``每月``, ``3 years`` / ``3年``, ``days`` / ``天数``
(a type), ``5 yuan`` / ``5 元``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policyrules.syntax.concrete import Concrete, Node, concrete
from policyrules.syntax.grammar import grammar_text

Alt = tuple[str, ...]
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_GROUP = re.compile(r'\(\s*"[^"]*"(?:\s*"[^"]*")*(?:\s*\|\s*"[^"]*"(?:\s*"[^"]*")*)+\s*\)')
_ALIAS = re.compile(r"->\s*([a-z_][a-z0-9_]*)\s*$")
_REF = re.compile(r"\b(_[a-z_]+)\b")
# Spellings chosen where the grammar's first one reads worse (a range row starts 满, not 自).
_PREFERRED = {("low_incl", "zh"): "满", ("low_incl", "en"): "from"}
# Operators written either way in both languages: left as written.
_KEEP = {"mul"}
_PRODUCTS = {"mul", "div", "of_en", "of_zh"}
_UNIT_TYPES = {"days": "天数", "months": "月数", "years": "年数"}
_ZH_DURATION = {"days": "天", "months": "个月", "years": "年"}
_EN_DURATION = {"天": "day", "个月": "month", "年": "year"}
# the plain types a list may hold, written as a name after `list of` / `列表`
_LIST_ZH = {"text": "文本", "integer": "整数", "number": "数值", "money": "金额", "percent": "百分比",
            "date": "日期", "year_month": "年月"}
_LIST_EN = {zh: en for en, zh in _LIST_ZH.items()}


def _rules() -> dict[str, list[str]]:
    """Each rule of the grammar: its alternatives (bodies, alias included)."""
    text = re.sub(r"//[^\n]*", "", grammar_text())
    rules: dict[str, list[str]] = {}
    name = None
    for line in text.splitlines():
        m = re.match(r"^[?!]?([a-z_][a-z0-9_]*)\s*:(.*)$", line)
        if m:
            name = m.group(1)
            rules[name] = [m.group(2)]
        elif name is not None and line.strip():
            rules[name].append(line)
        elif not line.strip():
            name = None
    return {k: _alternatives(" ".join(v)) for k, v in rules.items()}


def _alternatives(body: str) -> list[str]:
    out, depth, cur, quoted = [], 0, "", False
    for ch in body:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        elif not quoted and depth == 0 and ch == "|":
            out.append(cur)
            cur = ""
            continue
        cur += ch
    return [*out, cur]


def _literals(alt: str) -> Alt:
    return tuple(_LITERAL.findall(alt))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, list[list[Alt]]], dict[str, list[Alt]]]:
    """(keyword groups each tree node can hold, the spellings of each keyword rule)."""
    rules = _rules()
    keyword = {name: [_literals(a) for a in alts] for name, alts in rules.items()
               if name.startswith("_") and all(_LITERAL.sub("", a).strip() == "" for a in alts)}

    def groups_of(body: str, seen: frozenset[str]) -> list[list[Alt]]:
        found = [[_literals(a) for a in _alternatives(g.group(0)[1:-1])] for g in _GROUP.finditer(body)]
        for ref in _REF.findall(_LITERAL.sub("", body)):
            if ref in keyword:
                found.append(keyword[ref])
            elif ref in rules and ref not in seen:
                found += [g for a in rules[ref] for g in groups_of(_ALIAS.sub("", a), seen | {ref})]
        return found

    nodes: dict[str, list[list[Alt]]] = {}
    for name, alts in rules.items():
        for alt in alts:
            m = _ALIAS.search(alt)
            body, node = (alt[:m.start()], m.group(1)) if m else (alt, name)
            nodes.setdefault(node, []).extend(groups_of(body, frozenset({name})))
    return nodes, keyword


def spellings(rule: str) -> frozenset[str]:
    """Every spelling of keyword rule ``rule`` (``"_and"`` -> {"and", "且"}), words joined by a space."""
    return frozenset(" ".join(a) for a in _tables()[1][rule])


def _is_zh(alt: Alt) -> bool:
    return any(ord(ch) > 127 for word in alt for ch in word)


def convert(text: str | Concrete, lang: str, path: str = "<policy>") -> str:
    """``text`` with every keyword spelled in ``lang`` ("en" or "zh")."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    c = text if isinstance(text, Concrete) else concrete(text, path)
    text = c.text
    if not c.tokens:
        return text
    body = _Converter(c, lang).render(0, len(c.tokens) - 1)
    return text[:c.tokens[0].start] + body + text[c.tokens[-1].end:]


class _Converter:
    def __init__(self, c: Concrete, lang: str):
        self.c, self.lang, self.zh = c, lang, lang == "zh"
        self.groups = _tables()[0]

    def render(self, i: int, j: int) -> str:
        """Tokens ``i``..``j`` with the white space and comments between them."""
        toks, text = self.c.tokens, self.c.text
        out: list[str] = []
        k = i
        while k <= j:
            swap = self._of_node(k, j)
            if swap is not None:
                out.append(self._swap(*swap))
                k = swap[0].last + 1
            else:
                word, k_next = self._word(k)
                out.append(word)
                k = k_next
            if k <= j:
                out.append(text[toks[k - 1].end:toks[k].start])
        return "".join(out)

    # ------------------------------------------------------------ rate of base / base 的 rate
    def _of_node(self, k: int, j: int) -> tuple[Node, int] | None:
        """The outermost ``of`` expression starting at token ``k`` and ending by ``j`` written in
        the other language, and its ``of``/``的`` token."""
        want = "of_zh" if not self.zh else "of_en"
        toks = self.c.tokens
        for node in toks[k].nodes:
            if node.first == k and node.last <= j and node.rule == want:
                for m in range(k, node.last + 1):
                    if toks[m].nodes[-1] == node and toks[m].text in ("of", "的"):
                        return node, m
        return None

    def _swap(self, node: Node, at: int) -> str:
        toks, text = self.c.tokens, self.c.text
        left = self._operand(node.first, at - 1)
        right = self._operand(at + 1, node.last)
        before = text[toks[at - 1].end:toks[at].start]
        after = text[toks[at].end:toks[at + 1].start]
        return right + before + ("的" if self.zh else "of") + after + left

    def _operand(self, i: int, j: int) -> str:
        """An operand moved across ``of``/``的``: in parentheses if it is a product."""
        body = self.render(i, j)
        toks = self.c.tokens
        exact = next((n for n in toks[i].nodes if n.first == i and n.last == j), None)
        return f"({body})" if exact is not None and exact.rule in _PRODUCTS else body

    # ------------------------------------------------------------ one keyword
    def _word(self, k: int) -> tuple[str, int]:
        """The spelling of token ``k`` in the target language, and the next token to look at."""
        toks = self.c.tokens
        tok = toks[k]
        if not tok.nodes:
            return tok.text, k + 1
        rule = tok.nodes[-1].rule
        special = self._special(k, rule)
        if special is not None:
            return special
        if tok.kind in ("NAME", "STRING", "NUMBER"):
            return tok.text, k + 1
        if rule in _KEEP:
            return tok.text, k + 1
        for group in self.groups.get(rule, []):
            for alt in group:
                if toks[k].text != alt[0] or tuple(t.text for t in toks[k:k + len(alt)]) != alt:
                    continue
                if _is_zh(alt) == self.zh:
                    return tok.text, k + 1  # already in the target language: kept as written
                preferred = _PREFERRED.get((rule, self.lang))
                target = next((a for a in group if _is_zh(a) == self.zh), None)
                if preferred is not None:
                    target = (preferred,)
                if target is None:
                    continue
                return " ".join(target), k + len(alt)
        preferred = _PREFERRED.get((rule, self.lang))
        if preferred is not None and _is_zh((tok.text,)) != self.zh:
            return preferred, k + 1
        return tok.text, k + 1

    def _special(self, k: int, rule: str) -> tuple[str, int] | None:
        toks = self.c.tokens
        tok = toks[k]
        parent = tok.nodes[-2].rule if len(tok.nodes) > 1 else ""
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if rule == "rate_period":
            if self.zh and tok.text == "per" and nxt is not None:
                return ("每月" if nxt.text in ("month", "月") else "每年"), k + 2
            if not self.zh and tok.text in ("每月", "每年"):
                return ("per month" if tok.text == "每月" else "per year"), k + 1
        if rule == "list_type" and tok.kind == "NAME" and tok.text in (_LIST_ZH if self.zh else _LIST_EN):
            return (_LIST_ZH if self.zh else _LIST_EN)[tok.text], k + 1  # list of text / 列表 文本
        if rule in _UNIT_TYPES and parent == "duration_type":
            return (_UNIT_TYPES[rule] if self.zh else tok.text), k + 1
        if rule in ("days_type", "months_type", "years_type") and not self.zh:
            return rule.removesuffix("_type"), k + 1
        if rule == "duration" and tok.kind == "NUMBER" and nxt is not None and self.zh and tok.text.isdigit():
            unit = nxt.nodes[-1].rule
            return tok.text + _ZH_DURATION[unit], k + 2
        if rule == "duration_zh" and not self.zh:
            number = tok.text.rstrip("天个月年").strip()
            unit = _EN_DURATION[tok.text[len(number):].strip()]
            return f"{number} {unit}" + ("" if number == "1" else "s"), k + 1
        if rule in ("money", "money_wan") and self.zh and tok.text in ("yuan", "wan_yuan"):
            return ("元" if tok.text == "yuan" else "万元"), k + 1
        return None
