"""What the evidence states, against what the question specifically asks for.

A retrieval score cannot tell an answer from a passage on the topic:
unanswerable questions are on topic (an NFPA duct velocity, a certificate's
validity period, a fee percentage) and score as well as answerable ones. These
checks read whether the evidence holds the specifics asked, and how much of
the question's keywords it covers; answerability.py weighs them:
- a named standard, programme, body or document ("NFPA 70E", "NIOSH", "《…》");
- a quantity in the unit asked ("多少毫安" needs a number with 毫安/mA);
- a period ("how long", "几年") needs a number with a time unit, in a sentence
  about the act whose period is asked ("be kept", "有效期") when the question names one;
- a proportion needs a percentage or ratio;
- an amount of a payment ("how much is the reward", "罚款多少") needs a sum,
  or a share or multiple of a base, in a sentence naming that payment.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Sequence

from core.text import CJK, sentence_spans
from index.tokenize import TokenFinder, tokenize

from .question import PERIOD_CYCLES, PERIOD_UNITS, UNITS


_NUMBER = (r"(?:\d+(?:[.,]\d+)?|[一二两三四五六七八九十百千半]+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
           r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)\b)(?:\s*\(\d+\))?")
_UNIT = "|".join(PERIOD_UNITS.values())
_PERIOD = re.compile(
    _NUMBER + r"\s*(?:个)?(?:" + _UNIT + ")"
    # "every shift", "each heat", "once per shift", "every 10 heats", "every other day", "before each use"
    r"|\b(?:every|each|per)\s+(?:other\s+|\d+\s+|" + _NUMBER + r"\s+)?(?:" + _UNIT + "|" + PERIOD_CYCLES + r")\b"
    # "每班", "每10炉", "每隔3个月", "每次使用前"
    r"|每隔?\s*(?:\d+|[一二两三四五六七八九十百]+)?\s*(?:个)?(?:" + _UNIT + "|" + PERIOD_CYCLES + r"|季度|半年)"
    # "once a year", "twice per month", "3 times each shift", "every quarter"
    r"|\b(?:once|twice|(?:\d+|" + _NUMBER + r")\s+times)\s+(?:a|an|per|each|every)\s+(?:" + _UNIT + r"|quarter)\b"
    r"|\b(?:every|each|per)\s+(?:other\s+)?quarter\b|按(?:季度|月|年|周|班)"
    r"|annual|annually|monthly|weekly|daily|quarterly|yearly|hourly|biennial|fortnightly|半年", re.I)
# Every match of _PERIOD holds one of these words. The answerer asks about every
# sentence of the retrieved passages, and _PERIOD's number alternatives, tried
# at each character, cost more than this search for words (13 against 30 us a
# sentence).
_PERIOD_WORD = re.compile(r"年|月|日|天|小时|分钟|周|星期|班|炉|每|季|day|hour|minute|year|month|week|annual|daily|shift|heat|"
                          r"quarter|biennial|fortnight|"
                          r"every|each|\bper\b", re.I)
# A number as a document states one: digits, or Chinese numerals with a measure
# word ("三人", "十五日"), not the numbering of articles and items ("第三条").
_STATED_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|fifty|"
                            r"hundred)\b|(?<!第)[一二两三四五六七八九十百千万半]+(?:个|次|人|名|台|米|天|日|年|月|周|小时|"
                            r"分钟|倍|吨|公斤|千克|立方米|平方米|元|万元|层|级|项|种|家|岁)", re.I)
_SHARE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|percent)|百分之|分之|倍|\bhalf\b|一半", re.I)
# How documents state an amount of money: a sum ("5万元", "$16,131"), or a
# share or multiple of a base ("罚款额的百分之十", "一倍以上五倍以下",
# "27个月的本人工资", "66 2/3 percent of wages").
_AMOUNT = re.compile(_NUMBER + r"\s*(?:万|千|百)?\s*(?:元|yuan|dollars?)|\$\s?\d|个月的(?:本人|职工)?(?:工资|平均工资)|"
                     r"months?'? (?:of )?(?:wages|pay|salary)|" + _SHARE.pattern, re.I)


def states_a_period(text: str) -> bool:
    return _PERIOD_WORD.search(text) is not None and _PERIOD.search(text) is not None


@lru_cache(maxsize=None)
def _quantity_patterns(unit: str) -> tuple[tuple[re.Pattern, re.Pattern], ...]:
    """For each spelling of a unit: the spelling alone (looked for first, 5 us a
    sentence) and a number followed by it (68 us)."""
    patterns = []
    for spelling in UNITS[unit]:
        spelling = spelling.strip()
        # A short Latin unit ends its word: "1 May" is not 1 mA, "10 minutes" not 10 m.
        end = r"s?(?![a-z])" if re.fullmatch(r"[a-z]{1,3}", spelling) else ""
        patterns.append((re.compile(re.escape(spelling), re.I),
                         re.compile(_NUMBER + r"\s*" + re.escape(spelling) + end, re.I)))
    return tuple(patterns)


def _has_quantity(evidence: str, unit: str) -> bool:
    return any(word.search(evidence) and quantity.search(evidence) for word, quantity in _quantity_patterns(unit))


def _states_of(text: str, stated: re.Pattern, words: list[str]) -> bool:
    """A sentence of `text` matches `stated` and names one of `words` (any
    sentence that matches, when there are none): an English word by its
    stems, a Chinese one as written."""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if not stated.search(sentence):
            continue
        if not words:
            return True
        stems = set(tokenize(sentence))
        if any((w.isascii() and set(tokenize(w)) <= stems) or (not w.isascii() and w in sentence) for w in words):
            return True
    return False


def _states_period_of(text: str, asked) -> bool:
    """A sentence of `text` states a period (in the unit asked, if one is) and
    names the act whose period is asked (if the question names one)."""
    unit = re.compile(_NUMBER + r"\s*(?:" + PERIOD_UNITS[asked.period_unit] + ")", re.I) if asked.period_unit else _PERIOD
    return _states_of(text, unit, asked.period_acts)


def _states_amount_of(text: str, asked) -> bool:
    """A sentence of `text` states an amount (a sum, or a share or multiple of
    a base) and names the payment it is of (asked.amount_of)."""
    return _states_of(text, _AMOUNT, asked.amount_of)


def _near(tokens: list[str], words: list[str]) -> bool:
    """All `words` occur close together, as a phrase or spread over a few
    tokens ("dust layer thickness" ~ "dust layers ... shall not exceed 1 mm in
    thickness"), not merely somewhere in the passage ("heat ... index")."""
    window = 4 * len(words)
    first = words[0]
    for i, token in enumerate(tokens):
        if token == first and set(words) <= set(tokens[i:i + window]):
            return True
    return False


def _mentions(evidence: str, name: str) -> bool:
    flat = re.sub(r"\s+", "", evidence).lower()
    return re.sub(r"\s+", "", name).lower() in flat


def states_what_is_asked(text: str, asked) -> bool:
    """Whether a sentence states the kind of thing the question asks for."""
    if asked.units and any(_has_quantity(text, unit) for unit in asked.units):
        return True
    if asked.period and states_a_period(text):
        return True
    if asked.amount_of and _states_amount_of(text, asked):
        return True
    return bool(asked.share and _SHARE.search(text))


def specifics(question: str, asked, chunks, titles,
              spellings: Mapping[str, Sequence[str]] | None = None) -> list[tuple[str, bool, str]]:
    """Each thing the question specifically asks for and whether the evidence
    (`chunks`, with their documents' `titles` for names) has it:
    (signal, present, why not). Signals: "names" (a named standard, programme,
    body, document), "kind" (the named quantity, unit, period or proportion asked).
    `spellings`: other spellings of a name (its glossary translation), any of
    which the evidence may use: "Work Safety Law" is named 安全生产法 in the law's own text."""
    evidence = "\n".join(c.text for c in chunks)
    named = "\n".join([evidence, *titles])
    out: list[tuple[str, bool, str]] = []
    for name in asked.names:
        found = any(_mentions(named, spelling) for spelling in (name, *(spellings or {}).get(name, ())))
        out.append(("names", found, f"the passages found do not mention {name}"))
    stream = tokenize(evidence) if asked.terms else []
    for term in asked.terms:
        names = {t for n in asked.names for t in tokenize(n)}
        wanted = [t for t in tokenize(term, query=True) if t not in names and not t.isdigit()]
        if wanted:
            found = (CJK.search(term) and _mentions(evidence, term)) or _near(stream, wanted)
            out.append(("kind", bool(found), f"the passages found do not mention {term}"))
    for unit in asked.units:
        out.append(("kind", _has_quantity(evidence, unit), f"the passages found give no quantity in {unit}"))
    if asked.period:
        if asked.period_acts or asked.period_unit:
            what = " ".join(filter(None, (asked.period_unit and f"in {asked.period_unit}",
                                          asked.period_acts and f"for {asked.period_acts[0]}")))
            out.append(("kind", any(_states_period_of(c.text, asked) for c in chunks),
                        f"the passages found state no period {what}".rstrip()))
        else:
            out.append(("kind", states_a_period(evidence), "the passages found state no period"))
    if asked.share:
        out.append(("kind", bool(_SHARE.search(evidence)), "the passages found state no proportion"))
    if asked.amount_of:
        out.append(("kind", any(_states_amount_of(c.text, asked) for c in chunks),
                    f"the passages found state no amount of {asked.amount_of[0]}"))
    if asked.number and not (asked.units or asked.period or asked.share or asked.amount_of):
        out.append(("kind", _STATED_NUMBER.search(evidence) is not None, "the passages found state no number"))
    return out


def coverage(weights: dict[str, float], text: str) -> float:
    """The idf-weighted share of the question's tokens (`weights`) that `text` holds."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = TokenFinder(weights)(text)
    return sum(w for t, w in weights.items() if t in found) / total


def subject_weights(lexicon, weights: dict[str, float], asked) -> dict[str, float]:
    """`weights` without the question's words that ask ("how often", "多久……一次",
    the act whose period is asked, "如何整改"), in both languages (the
    lexicon's synonyms and translations of them): what is left names its
    subject, which a passage must hold to answer it, since every passage of the
    kind asked shares the rest."""
    if not asked or not asked.asking:
        return dict(weights)
    words = " ".join(asked.asking)
    asking = set(tokenize(words, query=True))
    asking.update(tokenize(" ".join(lexicon.translate(words)), query=True))
    asking.update(tokenize(" ".join(lexicon.expand_synonyms(words)), query=True))
    subject = {t: w for t, w in weights.items() if t not in asking}
    # The weights of a question with its glossary translation hold words of
    # both languages. When the words left in one language are all asking
    # words ("What fines apply when a hazard is not rectified on time?" reaches
    # the Chinese passages through 罚款 alone), they stand for the subject in
    # that language's passages, as the whole question does when nothing is left.
    for script in (CJK.search, lambda token: not CJK.search(token)):
        if not any(script(t) for t in subject):
            subject.update({t: w for t, w in weights.items() if script(t)})
    return subject
