"""Record field values that mean the same thing: "Overdue" in an English
register and "逾期未整改" in a Chinese one, "Jiangchuan" and "江川市".

The equivalences are data, in values.tsv beside this module (the field, for a
status the state it counts as, then English TAB Chinese spellings, variants
separated by '|'). Two values are equivalent when they are spellings of one
group, or, for a place, when they are the same name with or without its
administrative suffix ("江川" and "江川市", "Riverton City" and "Riverton").
Matching ignores case, spaces and punctuation.

Used by the search filters (a filter value matches every stored value
equivalent to it), by the filter values offered on the page (one per group)
and by the similar-findings summary (a status's state). Nothing here reads
documents or writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from core.text import CJK, lang_of

HERE = Path(__file__).parent
STATES = ("overdue", "open", "closed")  # a rectification status's state, in the order a summary gives them
PLACE_FIELDS = ("city",)
# Administrative suffixes a place name is written with or without. The longer
# ones first, so "自治州" is not cut as "州".
_ZH_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "新区", "市", "县", "区", "省", "州", "盟", "旗")
_EN_SUFFIX_WORDS = r"\s+(?:city|county|district|province|prefecture|municipality)"
_EN_SUFFIX = re.compile(_EN_SUFFIX_WORDS + "$", re.I)
_NOISE = re.compile(r"[\s\W_]+")


def normalise(name: str, value: str) -> str:
    """The form two spellings of one value share: case-folded, without spaces
    and punctuation, a place without its administrative suffix."""
    text = str(value).strip()
    if name in PLACE_FIELDS:
        if CJK.search(text):
            for suffix in _ZH_SUFFIXES:
                if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                    text = text[: -len(suffix)]
                    break
        else:
            stripped = _EN_SUFFIX.sub("", text)
            text = stripped if len(stripped) >= 3 else text
    return _NOISE.sub("", text.casefold())


@dataclass(frozen=True)
class Group:
    field: str
    state: str  # for a status: one of STATES; else ""
    terms: tuple[str, ...]  # every spelling, English first


@dataclass
class Vocabulary:
    groups: list[Group] = field(default_factory=list)
    _by_term: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, normalised spelling) -> group

    @classmethod
    def load(cls, path: Path = HERE / "values.tsv") -> "Vocabulary":
        vocabulary = cls()
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != 4:
                raise ValueError(f"{path.name} line {number}: expected field, state, en, zh separated by tabs")
            name, state, en, zh = (c.strip() for c in cells)
            if state and state not in STATES:
                raise ValueError(f"{path.name} line {number}: state must be one of {', '.join(STATES)}, got {state!r}")
            terms = tuple(t.strip() for t in f"{en}|{zh}".split("|") if t.strip())
            vocabulary.add(Group(name, state, terms))
        return vocabulary

    def add(self, group: Group) -> None:
        number = len(self.groups)
        self.groups.append(group)
        for term in group.terms:
            self._by_term.setdefault((group.field, normalise(group.field, term)), number)

    def group_of(self, name: str, value: str) -> Group | None:
        number = self._by_term.get((name, normalise(name, value)))
        return self.groups[number] if number is not None else None

    def key(self, name: str, value: str) -> str:
        """What equivalent values of field `name` have in common."""
        number = self._by_term.get((name, normalise(name, value)))
        return f"#{number}" if number is not None else normalise(name, value)

    def state(self, status: str) -> str:
        """'overdue', 'open' or 'closed' for a rectification status the
        vocabulary knows, in either language; '' otherwise."""
        group = self.group_of("status", status)
        return group.state if group else ""

    def equivalents(self, name: str, wanted: Iterable[str], stored: Iterable[str]) -> list[str]:
        """The wanted values and every stored value equivalent to one of them."""
        wanted = [str(v) for v in wanted]
        keys = {self.key(name, v) for v in wanted}
        return list(dict.fromkeys([*wanted, *(v for v in stored if self.key(name, v) in keys)]))

    def grouped(self, name: str, stored: Iterable[str]) -> list[list[str]]:
        """The stored values of field `name` in groups of equivalent values,
        in the order of each group's first value."""
        groups: dict[str, list[str]] = {}
        for value in stored:
            groups.setdefault(self.key(name, value), []).append(value)
        return list(groups.values())

    def named(self, name: str, stored: Iterable[str], text: str) -> tuple[list[list[str]], str]:
        """The groups of stored values of field `name` that a text (a question)
        names by one of their spellings, the vocabulary's or the stored ones
        ("overdue findings in Jiangchuan": the groups of Overdue and of
        Jiangchuan). The longest spellings are read first, so "逾期未整改" is
        not also read as "未整改". A one-word English status other than an
        overdue one is an ordinary word in a question ("how they were
        rectified", "an open flame"), so it is not read as a value; nor is a
        status the vocabulary gives no state (a regulation's "现行有效").
        Also returns the text without the spellings read (case-folded)."""
        spellings: list[tuple[str, int]] = []
        groups = self.grouped(name, stored)
        for number, group in enumerate(groups):
            vocabulary = self.group_of(name, group[0])
            if name == "status" and (vocabulary is None or not vocabulary.state):
                continue  # a status the vocabulary does not know is no rectification status ("现行有效")
            for spelling in {*group, *(vocabulary.terms if vocabulary else ())}:
                one_word = not CJK.search(spelling) and " " not in spelling.strip()
                if name == "status" and one_word and vocabulary.state != "overdue":
                    continue
                spellings.append((spelling, number))
        left, found = text.casefold(), []
        # A Chinese place is read as written ("江川市") and without its suffix ("江川").
        forms = [(form, number) for spelling, number in spellings
                 for form in dict.fromkeys([spelling.casefold().strip(),
                                            *([normalise(name, spelling)] if CJK.search(spelling) else [])])]
        suffix = f"(?:{_EN_SUFFIX_WORDS})?" if name in PLACE_FIELDS else ""  # "Riverton City"
        for form, number in sorted(forms, key=lambda pair: -len(pair[0])):
            if len(form) < 2:
                continue
            pattern = re.escape(form) if CJK.search(form) else rf"\b{re.escape(form)}{suffix}\b"
            if re.search(pattern, left):
                left = re.sub(pattern, " ", left)
                if number not in found:
                    found.append(number)
        return [groups[number] for number in found], left

    def spelled(self, name: str, value: str, lang: str) -> str:
        """`value` of field `name` as the vocabulary spells it in `lang`
        ("Overdue" -> "逾期未整改" in Chinese); as given when it knows no such spelling."""
        group = self.group_of(name, value)
        if group is None or lang_of(value) == lang:
            return value
        return next((t for t in group.terms if lang_of(t) == lang), value)

    def label(self, name: str, group: list[str], lang: str | None) -> str:
        """The value a group of stored values is offered under: one in `lang`
        when the group has one, spelled as the vocabulary spells it if it is
        there, else the fullest spelling ("江川市" rather than "江川")."""
        candidates = [v for v in group if lang and lang_of(v) == lang] or group
        spelled = {t.casefold() for g in self.groups if g.field == name for t in g.terms}
        return min(candidates, key=lambda v: (v.casefold() not in spelled, -len(v), v))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


def spelled(name: str, value: str, lang: str) -> str:
    """`value` of record field `name` in `lang` by the default vocabulary (Vocabulary.spelled)."""
    return default_vocabulary().spelled(name, value, lang)
