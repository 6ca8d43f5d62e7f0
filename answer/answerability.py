"""Does the evidence answer the question? A calibrated decision over signals.

Retrieval scores alone cannot tell: the questions the documents do not answer
are in the domain and specific (a torque under a standard the corpus does not
hold, a city's reward amount), and they find passages on their topic as well
as answerable questions do. So the decision weighs whether one passage holds
what the question asks for with how strongly the retrievers agree:

- `holds`: the largest share (idf-weighted) of the keywords of the question's
  subject that one retrieved passage holds, counting only passages that also
  state every specific thing asked (below); the question's glossary
  translation counts for a passage in the other language. The words that ask
  ("how often", "如何整改") are left out: every passage of the kind asked
  shares them, the ones that answer also share the subject;
- `names`: the largest share of the standards, programmes, bodies and
  documents the question names that one passage (with its document's title)
  mentions (1 when it names none);
- `kind`: the share of the specific things asked (a quantity in its unit, a
  period of the act asked, a proportion, the named quantity) that the passages
  state (1 when none is asked);
- `dense`: the best cosine of the dense list of the question's language,
  standardised per embedding model (each model has its own range: e5's
  cosines sit near 0.9, MiniLM's near 0.55), so that it carries to any index
  built with that model, whatever its lists are named. When the first
  passage is in the other language, it is the best cosine of the question's
  search of that language (e5 reading both), standardised by that model's
  range across languages (near 0.83), kept apart (ACROSS).

Two signals are also rules. A question that asks for a specific quantity,
period or proportion (`kind` below 1) is refused when no retrieved passage
states it, whatever the others say; the documents cannot answer "how many
millijoules" without a number in millijoules. (`names` is not: a question may
name a law in English whose Chinese text is the answer.) And a question
whose best passage is much further in meaning than any the model was fitted
on (`DENSE_FLOOR`) is off the corpus's subject and refused.

A logistic model over these, fitted on the dev set's `tune` split by
`python -m answer.calibrate` and stored in `answerability.json` (coefficients,
standardisation, threshold), gives the probability that the passages answer;
below the threshold the answer is a refusal. Between the threshold and
`caution`, the band where the model is least sure, the passages are given
under a caution that they may not answer directly (CAUTION). It
deliberately holds no word lists of its own: what the question asks for is
read by question.py.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from index.search import CROSS_LISTS, Hit
from index.tokenize import tokenize, word_groups

from .grounding import coverage, specifics, subject_weights
from .question import AMOUNTS, PERIOD_ACTS, UNITS, Asked, asked_for

# The signals the model weighs. Chosen on `tune` by leave-one-out (docs/quality.md):
# coverage over all passages, USE's best cosine and the lists' agreement were
# also tried; they did not add to these (AUC 0.86 either way) and took
# negative weights there, which would not carry to unseen questions.
FEATURES = ("holds", "names", "kind", "dense")
MODEL_FILE = Path(__file__).with_name("answerability.json")
EVIDENCE_HITS = 5  # the passages an answer cites first
# The dense list whose best cosine is the `dense` signal, by question language.
REQUIRED = ("kind",)  # signals that must be whole for an answer (see above)
# The signals of a question that asks for no specific thing of that kind.
NOTHING_ASKED = 1.0
# A question whose best passage is further in meaning than this (standard
# deviations below the fitted questions' mean best cosine) is off the corpus's
# subject, whatever its words share with a passage (a question on a tax rate
# shares "rate" with "the maximum explosion pressure rise rate"). Out of the model's
# range, so not weighed by it: the least close answerable `tune` question sits
# at about -2.
DENSE_FLOOR = -3.0
SAME_LANGUAGE_LIST = {"en": ("dense_en", "dense"), "zh": ("dense_zh",)}
ACROSS = ":across"  # the `dense` signal read across languages, standardised apart from the same model's within one


@dataclass(frozen=True)
class Signals:
    values: dict[str, float]
    missing: tuple[str, ...] = ()  # what the question asks for that the passages lack, as sentences
    lists: dict[str, str] = field(default_factory=dict)  # signal -> the list it was read from


def signals(question: str, lang: str, hits: Sequence[Hit], scores: Mapping[str, Sequence[float]],
            own: Mapping[str, float], translated: Mapping[str, float], asked: Asked | None = None,
            models: Mapping[str, str] | None = None, spellings: Mapping[str, Sequence[str]] | None = None) -> Signals:
    """The signals of one question over its hits. `scores`: each ranked list's
    scores, best first (Index.retrieve); `own` and `translated`: idf weights of
    the question's keywords and of their glossary translation; `asked`: what
    the question asks for, when already read; `models`: the embedding model of
    each dense list (the `dense` signal is read per model); `spellings`: the
    glossary translations of the names the question uses (a passage in the
    other language names them so)."""
    top = list(hits[:EVIDENCE_HITS])

    def share(text: str, passage_lang: str) -> float:
        found = coverage(dict(own), text)
        return max(found, coverage(dict(translated), text)) if translated and passage_lang != lang else found

    asked = asked or asked_for(question)
    chunks = [c for hit in top for c in hit.chunks]
    checks = specifics(question, asked, chunks, list(dict.fromkeys(h.chunk.title for h in top)), spellings)
    # One passage that holds both the question's subject and every specific it asks for.
    each = [(c, specifics(question, asked, [c], [c.title], spellings)) for c in chunks]
    holds = max((share(held_text(c, question), c.lang) for c, mine in each if all(ok for _, ok, _ in mine)),
                default=0.0)
    values = {"holds": holds, "kind": _share_held(checks, "kind")}
    # The names too are held by one passage (with its document's title): a
    # question on "NFPA 652" under "OSHA" is not answered by an OSHA passage
    # beside another document's mention of NFPA 652.
    values["names"] = max((_share_held(mine, "names") for _, mine in each), default=0.0) \
        if asked.names else NOTHING_ASKED
    lists: dict[str, str] = {}
    same = next((name for name in SAME_LANGUAGE_LIST.get(lang, ()) if scores.get(name)), None)
    # A question answered first by a passage in the other language: the
    # closeness that counts is its own model's across the languages (e5
    # reading the question against the other language's passages), whose
    # cosines have a range of their own (ACROSS).
    across = next((name for name in CROSS_LISTS.get(lang, ((), ""))[0] if scores.get(name)), None) \
        if top and top[0].chunk.lang != lang else None
    read = across or same
    values["dense"] = float(scores[read][0]) if read else math.nan
    if read:
        lists["dense"] = (models or {}).get(read, read) + (ACROSS if across else "")
    if across and same:
        # Whether the question is on the corpus's subject at all is still read
        # in its own language (Model.off_subject): e5's cosines across
        # languages sit close together, off the subject or on it.
        values["own"] = float(scores[same][0])
        lists["own"] = (models or {}).get(same, same)
    return Signals(values, tuple(why for _, ok, why in checks if not ok), lists)


# Company-name endings left out when asking whether a question names an enterprise.
_COMPANY = re.compile(r"(?:股份)?有限(?:责任)?公司$|集团$|公司$|厂$|,?\s*(?:co\.?,?\s*)?(?:ltd|inc|llc|corp)\.?$", re.I)


def held_text(chunk, question: str) -> str:
    """What of a passage can hold the question's subject: its title and text,
    but a record's enterprise name only when the question names the enterprise.
    A name is a label, not a statement: "镁合金制品有限公司" says nothing
    about magnesium scrap, and "Acme Aluminium Ltd" nothing about aluminium dust."""
    text = f"{chunk.title}\n{chunk.text}"
    name = str(chunk.fields.get("enterprise") or "").strip() if chunk.doc_type == "record" else ""
    if name and (_COMPANY.sub("", name).strip() or name).lower() not in question.lower():
        text = text.replace(name, "")
    return text


def _share_held(checks: list[tuple[str, bool, str]], signal: str) -> float:
    mine = [ok for name, ok, _ in checks if name == signal]
    return sum(mine) / len(mine) if mine else NOTHING_ASKED


@dataclass(frozen=True)
class Model:
    """Logistic regression over standardised signals. A signal that could not
    be read (no such list in this index) sits at its mean, so it counts for
    nothing either way."""

    features: tuple[str, ...]
    mean: dict[str, float]
    scale: dict[str, float]
    coef: dict[str, float]
    intercept: float
    threshold: float
    dense_norm: dict[str, tuple[float, float]] = field(default_factory=dict)  # model -> (mean, sd) of its best cosine
    note: str = ""
    caution: float = 0.0  # answers below this probability carry a caution (none below the threshold)

    def cautious(self, confidence: float) -> bool:
        """An answer the passages may not give directly: above the threshold, below `caution`."""
        return self.threshold <= confidence < self.caution

    def standardised(self, signals: Signals) -> dict[str, float]:
        values = dict(signals.values)
        name = signals.lists.get("dense")
        if name is not None and name in self.dense_norm:
            mu, sd = self.dense_norm[name]
            values["dense"] = (values["dense"] - mu) / sd
        elif "dense" in values:
            values["dense"] = math.nan
        out = {}
        for f in self.features:
            v = values.get(f, math.nan)
            out[f] = 0.0 if v is None or math.isnan(v) else (v - self.mean[f]) / self.scale[f]
        return out

    def answers(self, signals: Signals) -> tuple[bool, float]:
        """(whether the passages answer, the confidence that they do): the
        model's probability, 0 when a required signal is not whole."""
        if any(signals.values.get(f, 1.0) < 1.0 for f in REQUIRED):
            return False, 0.0
        p = self.probability(signals)
        if self.off_subject(signals):
            return False, p  # further in meaning than any question the model was fitted on
        return p >= self.threshold, p

    def off_subject(self, signals: Signals) -> bool:
        """The question's best passage in its own language is further in
        meaning than any the model was fitted on (DENSE_FLOOR)."""
        if "own" not in signals.lists:
            return self.standardised(signals).get("dense", 0.0) < DENSE_FLOOR
        own = Signals({**signals.values, "dense": signals.values["own"]}, lists={"dense": signals.lists["own"]})
        return self.standardised(own).get("dense", 0.0) < DENSE_FLOOR

    def probability(self, signals: Signals) -> float:
        z = self.intercept + sum(self.coef[f] * v for f, v in self.standardised(signals).items())
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean, "scale": self.scale, "coef": self.coef,
                "intercept": self.intercept, "threshold": self.threshold, "caution": self.caution,
                "dense_norm": {k: list(v) for k, v in self.dense_norm.items()}, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        return cls(tuple(data["features"]), data["mean"], data["scale"], data["coef"], float(data["intercept"]),
                   float(data["threshold"]), {k: tuple(v) for k, v in data.get("dense_norm", {}).items()},
                   data.get("note", ""), float(data.get("caution", data["threshold"])))

    def weakest(self, signals: Signals) -> str:
        """The signal that pulled the decision down most (to say why it refused)."""
        z = self.standardised(signals)
        return min(self.features, key=lambda f: self.coef[f] * z[f])


@lru_cache(maxsize=4)
def load(path: str | Path = MODEL_FILE) -> Model:
    return Model.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def question_weights(index, question: str, asked: Asked | None = None,
                     by_word: bool = True) -> tuple[dict[str, float], dict[str, float]]:
    """idf weights of the keywords of the question's subject (without the words
    that ask, grounding.subject_weights) and of their glossary translation;
    each word counted once (`per_word`), or with `by_word=False` each token
    (what the similar-findings cut-off was set on, docs/similar-findings.md)."""
    asked = asked or asked_for(question)
    translation = " ".join(index.lexicon.translate(question))
    own = index.lexical.idf(list(dict.fromkeys(tokenize(question, query=True))))
    translated = index.lexical.idf([t for t in dict.fromkeys(tokenize(translation, query=True)) if t not in own])
    if by_word:
        own, translated = per_word(own, word_groups(question)), per_word(translated, word_groups(translation))
    return subject_weights(index.lexicon, own, asked), subject_weights(index.lexicon, translated, asked)


def per_word(weights: Mapping[str, float], groups: Sequence[Sequence[str]]) -> dict[str, float]:
    """`weights` with each word of the question counted once: its rarest
    token's weight shared among its tokens (a longer Chinese word and the
    bigrams inside it, index.tokenize.word_groups). Otherwise a word cut in
    four outweighs two words of two characters: "报警装置" held would stand for
    most of a question on an elevator car's alarm that no passage mentions."""
    out: dict[str, float] = {}
    for group in groups:
        kept = [t for t in group if t in weights]
        for t in kept:
            out[t] = max(out.get(t, 0.0), max(weights[u] for u in kept) / len(kept))
    return {**weights, **out}  # a token of no group (none today) keeps its weight


# Why a refusal, by the signal that pulled the decision down most.
WEAKEST = {
    "en": {
        "names": "the passages found do not mention what the question names",
        "kind": "the passages found do not state what the question asks for",
        "holds": "no passage found holds both the question's subject and what it asks for",
        "dense": "the passages found are not close in meaning to the question",
        "none": "no passage matches the question",
    },
    "zh": {
        "names": "检索到的段落没有提到问题中点名的对象",
        "kind": "检索到的段落没有给出问题所问的内容",
        "holds": "没有一个检索到的段落同时涉及问题的对象和所问的内容",
        "dense": "检索到的段落与问题的意思不接近",
        "none": "没有与问题相符的段落",
    },
}
# Said before an answer the model is least sure of (Model.cautious), with the
# weakest signal's reason.
CAUTION = {
    "en": "These passages may not answer the question directly ({reason}). Check the quoted text before relying on it.",
    "zh": "以下条文可能没有直接回答这个问题（{reason}），请先核对引用的原文再使用。",
}
# The one label an answer under the caution has instead of its job's sections
# ("What must be rectified", a checklist's headings), which would say the
# lines answer: they are the closest passages found (answer/extractive.py).
CLOSEST = {
    "en": "The closest passages found (they may not answer the question)",
    "zh": "检索到的最接近的条文（可能没有回答这个问题）",
}
# grounding.specifics' sentences (what is missing) in Chinese: pattern -> template.
_MISSING_ZH = (
    (re.compile(r"the passages found do not mention (.+)"), "检索到的段落没有提到{0}"),
    (re.compile(r"the passages found give no quantity in (.+)"), "检索到的段落没有给出以{0}计的数值"),
    (re.compile(r"the passages found state no period in (.+) for (.+)"), "检索到的段落没有说明{1}的周期（以{0}计）"),
    (re.compile(r"the passages found state no period in (.+)"), "检索到的段落没有说明以{0}计的周期"),
    (re.compile(r"the passages found state no period for (.+)"), "检索到的段落没有说明{0}的周期"),
    (re.compile(r"the passages found state no period"), "检索到的段落没有说明周期或期限"),
    (re.compile(r"the passages found state no proportion"), "检索到的段落没有给出比例"),
    (re.compile(r"the passages found state no amount of (.+)"), "检索到的段落没有给出{0}的金额"),
    (re.compile(r"the passages found state no number"), "检索到的段落没有给出数字"),
)


def no_match(lang: str) -> str:
    """Why a refusal when no passage matched at all, in `lang`."""
    return WEAKEST.get(lang, WEAKEST["en"])["none"]


def missing_in(reason: str, lang: str) -> str:
    """One of grounding's why-not sentences in `lang` (they are written in
    English); one not known here becomes the general "not stated" reason,
    never English on a Chinese page."""
    if lang != "zh":
        return reason
    for pattern, template in _MISSING_ZH:
        match = pattern.fullmatch(reason)
        if match:
            return template.format(*(in_chinese(group) for group in match.groups()))
    return WEAKEST["zh"]["kind"]


# Units as a Chinese page names them: a period's (question.PERIOD_UNITS keys)
# and the quantities' whose first Chinese spelling in question.UNITS is not
# the unit's name (百分之, 毫克, 度).
_UNITS_ZH = {"years": "年", "months": "月", "weeks": "周", "days": "天", "hours": "小时", "minutes": "分钟",
             "shifts": "班", "heats": "炉", "percent": "百分比", "mg/m3": "mg/m³", "°c": "℃"}


def in_chinese(term: str) -> str:
    """A unit, an act or a payment named in a why-not sentence, as a Chinese
    page says it: a unit by _UNITS_ZH ("hours" -> 小时) or its first Chinese
    spelling in question.UNITS (n·m -> 牛·米; ppm stays ppm), an act or a
    payment by its group's Chinese word in question.PERIOD_ACTS or AMOUNTS
    (replace -> 更换, fine -> 罚款). Anything else as it is."""
    if term in _UNITS_ZH:
        return _UNITS_ZH[term]
    if term in UNITS:
        return next((s for s in UNITS[term] if not s.isascii()), term)
    group = next((g for g in (*PERIOD_ACTS, *AMOUNTS) if term.lower() in g), ())
    return next((w for w in group if not w.isascii()), term)


def explain(model: Model, signals: Signals, lang: str) -> str:
    """Why a refusal, in `lang`: the specific thing missing, else the weakest signal."""
    reasons = WEAKEST.get(lang, WEAKEST["en"])
    if signals.missing:
        return missing_in(signals.missing[0], lang)
    if model.off_subject(signals):
        return reasons["dense"]
    return reasons[model.weakest(signals)]


def caution(model: Model, signals: Signals, lang: str) -> str:
    """The caution for an answer in the model's least sure band, in `lang`."""
    return CAUTION.get(lang, CAUTION["en"]).format(reason=explain(model, signals, lang))
