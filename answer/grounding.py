"""Does the evidence answer the question, or is it only on topic?

A retrieval score cannot tell: unanswerable questions are on topic (an NFPA
duct velocity, a certificate's validity period, a fee percentage) and score as
well as answerable ones. So besides how much of the question the evidence
covers, what the question specifically asks for must be in the evidence:
- a named standard, programme, body or document ("NFPA 70E", "NIOSH", "《…》");
- a quantity in the unit asked ("多少毫安" needs a number with 毫安/mA);
- a period ("how long", "几年") needs a number with a time unit;
- a proportion needs a percentage or ratio.
"""
from __future__ import annotations

import re

from index.search import Hit
from index.tokenize import tokenize

from .question import UNITS, asked_for

# The idf-weighted share of the question's keyword tokens that the evidence
# must contain (set on the dev set: see docs/quality.md).
MIN_COVERAGE = 0.12

_NUMBER = (r"(?:\d+(?:[.,]\d+)?|[一二两三四五六七八九十百千半]+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
           r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)\b)(?:\s*\(\d+\))?")
_PERIOD = re.compile(
    _NUMBER + r"\s*(?:个)?(?:年|个月|月|日|天|小时|分钟|周|工作日|calendar days?|working days?|days?|hours?|minutes?|years?|months?|weeks?)"
    r"|annual|annually|each year|every year|monthly|weekly|daily|每年|每月|每季度|每半年|每周|每日|每班|半年", re.I)
_SHARE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|percent)|百分之|分之|倍|\bhalf\b|一半", re.I)


def _has_quantity(evidence: str, unit: str) -> bool:
    for spelling in UNITS[unit]:
        spelling = spelling.strip()
        # A short Latin unit ends its word: "1 May" is not 1 mA, "10 minutes" not 10 m.
        end = r"s?(?![a-z])" if re.fullmatch(r"[a-z]{1,3}", spelling) else ""
        if re.search(_NUMBER + r"\s*" + re.escape(spelling) + end, evidence, re.I):
            return True
    return False


def _contains_run(tokens: list[str], run: list[str]) -> bool:
    """`run` appears as consecutive tokens (so "heat index" is not "heat ... index")."""
    n = len(run)
    return any(tokens[i:i + n] == run for i in range(len(tokens) - n + 1))


def _mentions(evidence: str, name: str) -> bool:
    flat = re.sub(r"\s+", "", evidence).lower()
    return re.sub(r"\s+", "", name).lower() in flat


def states_what_is_asked(text: str, asked) -> bool:
    """Whether a sentence states the kind of thing the question asks for."""
    if asked.units and any(_has_quantity(text, unit) for unit in asked.units):
        return True
    if asked.period and _PERIOD.search(text):
        return True
    return bool(asked.share and _SHARE.search(text))


def check_grounded(question: str, hits: list[Hit], chosen, weights: dict[str, float]) -> tuple[bool, str]:
    """(True, "") when the chosen evidence answers; else (False, why not)."""
    if not hits or not chosen:
        return False, "no passage matches the question"
    chunks = {s.chunk.chunk_id: s.chunk for s in chosen}
    evidence = "\n".join(c.text for c in chunks.values())
    asked = asked_for(question)
    # A name may be the cited document's own ("the Metallurgical Gas Safety Rules",
    # "SC/T 0102"), which its clauses do not repeat: the titles count too.
    named = "\n".join([s.text for s in chosen] + list(dict.fromkeys(s.chunk.title for s in chosen)))
    for name in asked.names:
        if not _mentions(named, name):
            return False, f"the passages found do not mention {name}"
    stream = tokenize(evidence)
    for term in asked.terms:
        names = {t for n in asked.names for t in tokenize(n)}
        wanted = [t for t in tokenize(term) if t not in names and not t.isdigit()]
        if wanted and not _contains_run(stream, wanted):
            return False, f"the passages found do not mention {term}"
    for unit in asked.units:
        if not _has_quantity(evidence, unit):
            return False, f"the passages found give no quantity in {unit}"
    if asked.period and not _PERIOD.search(evidence):
        return False, "the passages found state no period"
    if asked.share and not _SHARE.search(evidence):
        return False, "the passages found state no proportion"
    evidence_tokens = set(tokenize(evidence))
    own = set(tokenize(question, query=True))  # the question's own words, not their translations
    weights = {t: w for t, w in weights.items() if t in own}
    total = sum(weights.values())
    covered = sum(w for t, w in weights.items() if t in evidence_tokens)
    coverage = covered / total if total else 0.0
    if coverage < MIN_COVERAGE:
        return False, f"the passages found cover only {coverage:.0%} of the question"
    return True, ""
