"""The major-hazard job: is an inspection finding a major accident hazard under
the indexed criteria (criteria.py), and under which item?

1. Rank the criteria's items for the finding: keyword overlap weighted by
   each word's rarity among the items (the project's tokenizer; English
   findings add the glossary's Chinese terms), fused with the index's dense
   models that embedded the criteria's language.
2. Read the best items' conditions (an item's "，或者" alternatives) against
   the finding: which of the condition's words the finding uses, whether it
   says they are missing where the condition is an absence ("未设置", "非钢芯"),
   whether a limit in the condition ("超过9人", "小于30kPa") is passed by the
   finding's own figure, and whether the finding names an exception the item
   makes ("（倾动式熔炼炉……除外）").
3. Verdict: major (True) when a condition is met, not major (False) when
   the finding shows it is not (the thing is there, the figure is within the
   limit, an exception applies, or nothing of the item is mentioned), and
   cannot tell (None) when the finding names the item's subject but not
   whether the condition holds.

Extractive only: every word of the explanation is the finding's or the item's.
It does not decide the sector from a list; an item's own words (金属冶炼企业,
白酒, 非水性漆) must be met by the finding like its other words.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.text import CJK, lang_of
from index.embedders import embed_query
from index.search import Index
from index.tokenize import tokenize

from .criteria import Item, criteria_items

RRF_K = 5  # a short list (some 60 items): a small k lets the first places count
TOP = 3
MET_SHARE = 0.34  # share of a condition's word weight the finding must use
MENTION_SHARE = 0.15  # below this the finding does not speak of the item at all

_CONDITIONS = re.compile(r"[，,；;]?\s*或者|[；;]|, or\b|; or\b")
_ABSENCE = re.compile(r"未|非|不符合|失效|无效|without|\bnot\b|\bno\b|\bnon-|fail", re.I)
# A finding saying a thing is missing, broken or not done.
_MISSING = re.compile(r"没有|没|未|无|不|缺|拿不出|找不到|失效|失灵|焊死|坏了|\bno\b|\bnot\b|n't\b|\bnone\b|\bwithout\b|"
                      r"\bnever\b|\bmissing\b|\blacks?\b|\babsent\b|\bneither\b|\bnor\b|\bdisabled\b|\bbypass", re.I)
_CLAUSE = re.compile(r"[，,；;。.!?！？\n：:]")
_EXCEPTION = re.compile(r"[（(]([^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*)除外[）)]|\(except ([^()]*)\)", re.I)
_LIMIT = re.compile(r"(超过|大于|多于|高于|小于|低于|少于|不足|more than|exceeds?|less than|below)\s*(\d+(?:\.\d+)?)\s*"
                    r"(kpa|mpa|pa|m|人|名|台|个|℃|%|people|persons|workers)?", re.I)
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(kpa|mpa|pa|m|人|名|台|个|℃|%|people|persons|workers)", re.I)
_UNITS = {"名": "人", "people": "人", "persons": "人", "workers": "人"}
_GREATER = re.compile(r"超过|大于|多于|高于|more|exceed", re.I)


@dataclass(frozen=True)
class Condition:
    text: str
    matched: tuple[str, ...]  # the finding's words the condition uses
    share: float  # their share of the condition's word weight
    absence: bool  # the condition is a thing missing ("未设置")
    met: bool | None  # None: the finding does not say
    why: str = ""  # what is not met, or what the finding does not say


@dataclass(frozen=True)
class Judgement:
    finding: str
    lang: str
    major: bool | None
    item: Item | None
    conditions: tuple[Condition, ...] = ()
    ranked: tuple[Item, ...] = ()
    scores: tuple[float, ...] = ()
    reason: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def citations(self) -> list[dict[str, Any]]:
        return [{"source": it.source, "title": it.title, "locator": it.locator, "text": it.text,
                 "chunk_id": it.chunk.chunk_id, "score": round(s, 4)} for it, s in zip(self.ranked, self.scores)]

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "lang": self.lang, "major": self.major,
                "item": self.item.locator if self.item else None, "reason": self.reason,
                "conditions": [c.__dict__ | {"matched": list(c.matched)} for c in self.conditions],
                "citations": self.citations()}


class _Cache:
    """The criteria items and their vectors of one index generation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple | None = None
        self.items: list[Item] = []
        self.vectors: dict[str, np.ndarray] = {}
        self.tokens: list[dict[str, float]] = []


_cache = _Cache()


def _item_words(items: list[Item]) -> list[dict[str, float]]:
    """Each item's tokens with their weight: rarer among the items weighs more."""
    sets = [set(tokenize(it.text)) for it in items]
    df: dict[str, int] = {}
    for tokens in sets:
        for t in tokens:
            df[t] = df.get(t, 0) + 1
    n = len(items)
    return [{t: math.log((n + 1) / (df[t] + 0.5)) for t in tokens} for tokens in sets]


def _prepared(index: Index) -> _Cache:
    key = (id(index), index.generation.name)
    with _cache.lock:
        if _cache.key != key:
            items = criteria_items(index)
            _cache.items, _cache.tokens, _cache.vectors = items, _item_words(items), {}
            if items:
                lang = items[0].chunk.lang
                for route in index.plan:
                    if route.holds(lang):
                        embedder = index.embedder_for(route.model)
                        _cache.vectors[route.model] = embedder.embed([f"{it.sector} {it.text}" for it in items])
            _cache.key = key
        return _cache


def finding_words(index: Index, finding: str) -> set[str]:
    """The finding's tokens, with its synonyms' and (in English) the glossary's
    Chinese terms, so that they meet the criteria's own words."""
    words = set(tokenize(finding))
    extra = index.lexicon.expand_synonyms(finding) + index.lexicon.translate(finding)
    words |= set(tokenize(" ".join(extra)))
    return words


def rank(index: Index, finding: str, cache: _Cache) -> list[tuple[int, float]]:
    """(item position, fused score) of every item, best first: the keyword
    list and each dense list fused by reciprocal rank."""
    words = finding_words(index, finding)
    lexical = [sum(w for t, w in tokens.items() if t in words) / math.sqrt(sum(tokens.values()) or 1.0)
               for tokens in cache.tokens]
    lists = [np.argsort(-np.asarray(lexical), kind="stable")]
    for model, vectors in cache.vectors.items():
        query = embed_query(index.embedder_for(model), finding)
        lists.append(np.argsort(-(vectors @ query), kind="stable"))
    fused: dict[int, float] = {}
    for order in lists:
        for place, position in enumerate(order):
            fused[int(position)] = fused.get(int(position), 0.0) + 1.0 / (RRF_K + place + 1)
    return sorted(fused.items(), key=lambda pair: -pair[1])


def conditions(item: Item) -> list[str]:
    """The alternatives of an item ("A未设置X，或者X未与Y联锁" -> two), each
    read with the item's subject when it starts without one."""
    text = _EXCEPTION.sub("", item.text)
    parts = [p.strip(" ，,；;的") for p in _CONDITIONS.split(text) if p.strip(" ，,；;的")]
    return parts or [text]


def _clauses(finding: str) -> list[str]:
    return [c for c in _CLAUSE.split(finding) if c.strip()]


def _says_missing(finding: str, matched: set[str]) -> bool:
    """Whether a clause of the finding that uses a matched word says it is missing."""
    for clause in _clauses(finding):
        if _MISSING.search(clause) and matched & set(tokenize(clause)):
            return True
    return False


def _limit(condition: str, finding: str) -> bool | None:
    """A limit of the condition ("超过9人") against the finding's figure in the
    same unit: True passed, False within it, None when either gives none."""
    m = _LIMIT.search(condition)
    if not m or not m.group(3):
        return None
    unit = _UNITS.get(m.group(3).lower(), m.group(3).lower())
    limit = float(m.group(2))
    for value, found in _FIGURE.findall(finding):
        if _UNITS.get(found.lower(), found.lower()) == unit:
            return float(value) > limit if _GREATER.search(m.group(1)) else float(value) < limit
    return None


def read_condition(text: str, finding: str, words: set[str], weights: dict[str, float]) -> Condition:
    """How far the finding meets one condition of an item."""
    tokens = set(tokenize(text))
    total = sum(weights.get(t, 1.0) for t in tokens) or 1.0
    matched = tokens & words
    share = sum(weights.get(t, 1.0) for t in matched) / total
    absence = bool(_ABSENCE.search(text))
    shown = tuple(sorted(matched, key=lambda t: -weights.get(t, 1.0)))
    limit = _limit(text, finding)
    if limit is not None and share >= MENTION_SHARE:
        return Condition(text, shown, share, absence, limit, "" if limit else "within the limit")
    if share < MET_SHARE:
        return Condition(text, shown, share, absence, None, "not described")
    missing = _says_missing(finding, matched)
    met = missing if absence else not missing
    return Condition(text, shown, share, absence, met, "" if met else ("present" if absence else "absent"))


def exception(item: Item, words: set[str], weights: dict[str, float]) -> str:
    """The exception of the item ("倾动式熔炼炉……除外") the finding names, or ""."""
    for m in _EXCEPTION.finditer(item.text):
        for phrase in re.split(r"[、,，]|\bor\b|\band\b", m.group(1) or m.group(2) or ""):
            tokens = set(tokenize(phrase))
            total = sum(weights.get(t, 1.0) for t in tokens)
            if tokens and sum(weights.get(t, 1.0) for t in tokens & words) >= 0.7 * total:
                return phrase.strip()
    return ""


def judge(index: Index, finding: str) -> Judgement:
    """The verdict on one finding (see the module's docstring)."""
    lang = lang_of(finding)
    cache = _prepared(index)
    if not cache.items:
        return Judgement(finding, lang, None, None, reason="no criteria document is indexed")
    ranked = rank(index, finding, cache)[:max(TOP, 5)]
    words = finding_words(index, finding)
    items = tuple(cache.items[p] for p, _ in ranked)
    scores = tuple(s for _, s in ranked)
    first: tuple[Item, list[Condition], str] | None = None
    for position, _ in ranked[:TOP]:
        item, weights = cache.items[position], cache.tokens[position]
        read = [read_condition(c, finding, words, weights) for c in conditions(item)]
        excluded = exception(item, words, weights)
        if first is None:
            first = (item, read, excluded)
        if not excluded and any(c.met for c in read):
            return Judgement(finding, lang, True, item, tuple(read), items, scores, "met")
    item, read, excluded = first
    if excluded:
        return Judgement(finding, lang, False, item, tuple(read), items, scores, f"exception: {excluded}")
    if any(c.met is False for c in read) or max(c.share for c in read) < MET_SHARE:
        return Judgement(finding, lang, False, item, tuple(read), items, scores, "not met")
    return Judgement(finding, lang, None, item, tuple(read), items, scores, "cannot tell")
