"""Recognise the numbering that structures regulations, standards and plans.

`classify(line)` says what a single line is: a chapter or section heading, an
article (the unit of citation), an item inside an article, or plain text. It
only looks at the start of a line, so a reference inside a sentence
("according to Article 11", "依照本规定第十一条") is never a heading. A
reference that happens to open a line ("第十一条规定的情形……") is caught by the
chunker, which only accepts article numbers that go up.

Does not split anything; see chunking.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import CJK_RANGE


ZH_NUM = "零〇一二三四五六七八九十百千两"
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def zh_to_int(text: str) -> int | None:
    """'十二' -> 12, '一百零三' -> 103, '12' -> 12; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def roman_to_int(text: str) -> int | None:
    values = [_ROMAN.get(ch) for ch in text.lower()]
    if not values or None in values:
        return None
    total = 0
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and value < values[i + 1] else value
    return total


def int_to_zh(number: int) -> str:
    """12 -> '十二', 103 -> '一百零三' (for building locators and queries)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    if number < 100:
        return digits[number // 10] + "十" + (digits[number % 10] if number % 10 else "")
    if number < 1000:
        rest = number % 100
        head = digits[number // 100] + "百"
        if rest == 0:
            return head
        return head + ("零" + digits[rest] if rest < 10 else ("一" + int_to_zh(rest) if rest < 20 else int_to_zh(rest)))
    return str(number)


@dataclass(frozen=True)
class Line:
    """What one line is. `kind` is one of: chapter, section, article, clause_heading,
    item, text. `number` orders articles and clauses; `label` is the human form of
    the number ("第十二条", "Article 12", "§ 1910.272(e)(1)", "5.2.3"); `rest` is
    the text after the number."""

    kind: str
    label: str = ""
    number: tuple[int, ...] = ()
    rest: str = ""
    depth: int = 0


_EMPHASIS = re.compile(r"^[*_]{1,3}(.+?)[*_]{1,3}(?=\s|$|[^\w*_])")
_ZH_CHAPTER = re.compile(rf"^第([{ZH_NUM}\d]+)([编章])[\s　]*(.*)$")
_ZH_SECTION = re.compile(rf"^第([{ZH_NUM}\d]+)节[\s　]*(.*)$")
_ZH_ARTICLE = re.compile(rf"^第([{ZH_NUM}\d]+)条(之[{ZH_NUM}]+)?[\s　]*(.*)$", re.S)
_EN_CHAPTER = re.compile(r"^(Chapter|CHAPTER|Part|PART)\s+([IVXLC]+|\d+)(?:[.:：—–-]\s*|\s+|$)([^,;].*|)$")
_EN_ARTICLE = re.compile(r"^(?:Article|ARTICLE|Art\.)\s+(\d+)\b[.:]?\s*(.*)$", re.S)
_EN_SECTION = re.compile(r"^(?:Section|SECTION|Sec\.|SEC\.)\s+(\d+(?:\.\d+)*)((?:\([a-zA-Z0-9]+\))*)\.?(?:\s+(.*))?$", re.S)
_CFR = re.compile(r"^§\s*(\d{1,4}\.\d+[a-z]?)((?:\([a-zA-Z0-9]+\))*)\s*(.*)$", re.S)
_CFR_BARE = re.compile(r"^(\d{3,4}\.\d+[a-z]?)((?:\([a-zA-Z0-9]+\))+)\s+(.*)$", re.S)
_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,4})(?![.\d])[\s　]+(\S.*)$", re.S)
_DECIMAL_TOP = re.compile(r"^(\d{1,2})[\s　]+(\S.{0,40})$")
_ZH_ITEM = re.compile(rf"^(?:[（(]([{ZH_NUM}]+)[）)]|([{ZH_NUM}]+)、)")
_NUM_ITEM = re.compile(r"^(\d{1,3})(?:[.．、](?!\d)|[)）])\s*")
_PAREN_ITEM = re.compile(r"^\(([a-zA-Z]{1,4}|\d{1,3})\)")
_SENTENCE_END = re.compile(r"[。；;.!?！？:：]$")


def _strip_emphasis(line: str) -> str:
    """'**第一条** 内容' -> '第一条 内容' (Markdown bold around the number)."""
    match = _EMPHASIS.match(line)
    if match:
        return match.group(1) + line[match.end():]
    return line


def looks_like_heading(text: str, limit: int = 60) -> bool:
    """A short line without sentence-ending punctuation."""
    text = text.strip()
    return 0 < len(text) <= limit and not _SENTENCE_END.search(text)


def _title_or_empty(text: str, limit: int) -> bool:
    """What may follow a chapter number: nothing, or a short title."""
    return not text.strip() or looks_like_heading(text, limit)


def classify(raw: str) -> Line:
    line = _strip_emphasis(raw.strip())
    if not line:
        return Line("text")
    match = _ZH_CHAPTER.match(line)
    if match and _title_or_empty(match.group(3), 40):
        number = zh_to_int(match.group(1))
        if number is not None:
            kind = "part" if match.group(2) == "编" else "chapter"
            return Line(kind, f"第{match.group(1)}{match.group(2)}", (number,), match.group(3))
    match = _ZH_SECTION.match(line)
    if match and _title_or_empty(match.group(2), 40):
        number = zh_to_int(match.group(1))
        if number is not None:
            return Line("section", f"第{match.group(1)}节", (number,), match.group(2))
    match = _ZH_ARTICLE.match(line)
    if match:
        number = zh_to_int(match.group(1))
        if number is not None:
            sub = zh_to_int(match.group(2)[1:]) if match.group(2) else 0
            label = f"第{match.group(1)}条" + (match.group(2) or "")
            return Line("article", label, (number, sub or 0), match.group(3))
    match = _EN_CHAPTER.match(line)
    if match and _title_or_empty(match.group(3), 80):
        token = match.group(2)
        number = int(token) if token.isdigit() else roman_to_int(token)
        if number is not None:
            kind = "part" if match.group(1).lower() == "part" else "chapter"
            return Line(kind, f"{match.group(1).title()} {token}", (number,), match.group(3))
    match = _EN_ARTICLE.match(line)
    if match:
        return Line("article", f"Article {match.group(1)}", (int(match.group(1)),), match.group(2))
    match = _EN_SECTION.match(line)
    if match:
        parts = tuple(int(p) for p in match.group(1).split("."))
        label = f"Section {match.group(1)}{match.group(2)}"
        return Line("article", label, parts, match.group(3) or "")
    match = _CFR.match(line) or _CFR_BARE.match(line)
    if match and re.match(rf"[A-Z({CJK_RANGE}]", match.group(3)):
        # A bare "§1910.132(d)" on its own line is a reference cut out of a sentence.
        part, _, sec = match.group(1).partition(".")
        number = (int(part), int(re.sub(r"\D", "", sec) or 0))
        return Line("article", f"§ {match.group(1)}{match.group(2)}", number, match.group(3))
    match = _DECIMAL.match(line)
    if match:
        parts = tuple(int(p) for p in match.group(1).split("."))
        rest = match.group(2)
        kind = "clause_heading" if looks_like_heading(rest, 50) and not re.search(r"[，,]", rest) else "article"
        return Line(kind, match.group(1), parts, rest, depth=len(parts))
    match = _DECIMAL_TOP.match(line)
    if (match and looks_like_heading(match.group(2), 40) and int(match.group(1)) <= 30
            and re.match(rf"[A-Z{CJK_RANGE}][^\d;；]*$", match.group(2))):
        return Line("clause_heading", match.group(1), (int(match.group(1)),), match.group(2), depth=1)
    match = _ZH_ITEM.match(line)
    if match:
        return Line("item", match.group(0), rest=line[match.end():])
    match = _PAREN_ITEM.match(line) or _NUM_ITEM.match(line)
    if match:
        return Line("item", match.group(0).strip(), rest=line[match.end():])
    return Line("text")


_PARA_LABEL = re.compile(r"\(([a-zA-Z]{1,4}|\d{1,3})\)")  # no '^': match(text, pos) anchors at pos


def paragraph_labels(text: str) -> list[str]:
    """The run of paragraph labels a line opens with: '(a) Basic. (1) Within' -> ['a'];
    '(b)(2) text' -> ['b', '2']."""
    labels, pos = [], 0
    while True:
        match = _PARA_LABEL.match(text, pos)
        if not match:
            return labels
        labels.append(match.group(1))
        pos = match.end()


def label_level(label: str, open_labels: list[tuple[int, str]]) -> int:
    """The level of a CFR-style paragraph label: (a)=0, (1)=1, (i)=2, (A)=3, italic (1)=4.

    `open_labels` are the (level, label) pairs currently open, outermost first.
    A label that continues an open sibling ('(h)' then '(i)', '(2)' then '(3)')
    takes that sibling's level; otherwise a single 'i', 'v' or 'x' below a
    numbered paragraph is a roman numeral, and a number below a roman numeral
    is the italic fifth level."""
    for level, open_label in reversed(open_labels):
        if _follows(open_label, label):
            return level
    last = open_labels[-1][0] if open_labels else -1
    if label.isdigit():
        return 4 if last in (2, 3, 4) else 1
    if label.isupper():
        return 3
    if re.fullmatch(r"[ivxl]+", label) and (len(label) > 1 or last >= 1):
        return 2
    return 0


def _follows(previous: str, label: str) -> bool:
    if previous.isdigit() and label.isdigit():
        return int(label) == int(previous) + 1
    if re.fullmatch(r"[ivxl]+", previous) and re.fullmatch(r"[ivxl]+", label) and len(previous + label) > 2:
        a, b = roman_to_int(previous), roman_to_int(label)
        return a is not None and b == a + 1
    if len(previous) == 1 and len(label) == 1 and previous.isalpha() and label.isalpha():
        return previous.islower() == label.islower() and ord(label) == ord(previous) + 1
    return False
