"""Citation checks: every statement carries a marker for a passage that was
retrieved, and what it says can be found in that passage.

Used on the extractive answer (as an invariant) and on a language model's
answer (to drop or flag what the passages do not support).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import split_sentences
from index.tokenize import tokenize

from . import kinds
from .models import Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)、])\s*")
# A statement may quote a passage; key terms are its keyword tokens minus these.
_GENERIC = frozenset(tokenize("shall must should may required requirement according 应当 必须 要求 规定 按照 根据"))


@dataclass(frozen=True)
class Statement:
    text: str  # without markers
    markers: tuple[int, ...]
    raw: str


def statements(markdown: str) -> list[Statement]:
    """Sentences and list items of an answer, each with the markers that close it
    ("... every shift. [1]"). In "A. B. [1]" only B carries [1]: every sentence
    must carry its own marker. A table row quoted whole ("3. Wet collector
    interlock | Water flow ...; low water alarm tested weekly. | Article 18 |
    ... [1]") is one statement: its cells are one item of a checklist."""
    out: list[Statement] = []
    for line in markdown.split("\n"):
        line = _BULLET.sub("", line).strip()
        if not line or line.startswith("#"):
            continue
        row = kinds.is_table_row(_MARKERS.sub("", line))
        pos = 0
        for match in _MARKERS.finditer(line):
            markers = tuple(int(m) for m in _MARKER.findall(match.group(0)))
            _add(out, line[pos:match.start()], markers, row)
            pos = match.end()
        _add(out, line[pos:], (), row)
    return out


def _add(out: list[Statement], segment: str, markers: tuple[int, ...], row: bool = False) -> None:
    sentences = [segment.strip()] if row and segment.strip() else split_sentences(segment)
    sentences = [p for p in sentences if p.strip(" .。;；,，")]
    for i, sentence in enumerate(sentences):
        last = i == len(sentences) - 1
        out.append(Statement(sentence, markers if last else (), sentence + (" " + " ".join(f"[{n}]" for n in markers) if last and markers else "")))


def key_terms(text: str) -> set[str]:
    """Keyword tokens of a statement that must be found in what it cites."""
    return {t for t in tokenize(text, query=True) if t not in _GENERIC and (len(t) > 1 or t.isdigit())}


def supported(statement: Statement, citations: dict[int, Citation], min_share: float = 0.6) -> tuple[bool, str]:
    """Whether a statement is backed by the passages its markers name: every
    marker must name a sent passage, and most of its key terms (`min_share`)
    and all of its numbers must occur in those passages."""
    if not statement.markers:
        return False, "no citation marker"
    unknown = [n for n in statement.markers if n not in citations]
    if unknown:
        return False, f"cites [{unknown[0]}], which is not one of the passages"
    evidence = "\n".join(citations[n].text for n in statement.markers)
    evidence_terms = set(tokenize(evidence))
    terms = key_terms(statement.text)
    numbers = {t for t in terms if t[0].isdigit()}
    missing_numbers = [t for t in numbers if t not in evidence_terms and t not in evidence]
    if missing_numbers:
        return False, f"the number {missing_numbers[0]} is not in the cited passage"
    if terms:
        share = len(terms & evidence_terms) / len(terms)
        if share < min_share:
            return False, f"only {share:.0%} of its terms are in the cited passage"
    return True, ""


def check_answer(markdown: str, citations: list[Citation]) -> list[tuple[Statement, str]]:
    """The statements that fail, with the reason; [] when every one is supported."""
    by_n = {c.n: c for c in citations}
    failures = []
    for statement in statements(markdown):
        ok, reason = supported(statement, by_n)
        if not ok:
            failures.append((statement, reason))
    return failures
