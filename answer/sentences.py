"""Sentence boundaries shared by the answerer (which quotes whole sentences) and
the citation check (which expects every sentence to carry a marker).

Chinese sentences end at 。；！？; English ones at . ; ! ? followed by space,
except after abbreviations ("p.m.", "No.", "e.g.") and single capitals ("U.S.").
Lines always end a sentence.
"""
from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[。；！？])|(?<=[.;!?])\s+(?=\S)|\n+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:a\.m|p\.m|e\.g|i\.e|etc|vs|approx|No|Nos|Co|Inc|Ltd|Corp|Mr|Mrs|Ms|Dr|St|Sec|Secs|Art|Fig|para|pp|p|cf|al)\.|"
    r"\b[A-Z]\.)$", re.I)
# Enough characters before a boundary for the longest abbreviation, the
# character before it (for \b) and the spaces rstrip() drops.
_TAIL = 40


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace-trimmed, as exact offsets."""
    cuts = [0]
    for match in _BOUNDARY.finditer(text):
        cut = match.end() if match.group(0).strip() == "" else match.start()
        if match.group(0) == "":
            cut = match.start()
        # The abbreviation ends the text before the boundary: its last characters
        # decide (searching the whole sentence so far made long chunks quadratic).
        before = text[max(cuts[-1], match.start() - _TAIL):match.start()].rstrip()
        if "\n" not in match.group(0) and _ABBREVIATION.search(before):
            continue
        cuts.append(match.end())
    cuts.append(len(text))
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        piece = text[a:b]
        s = a + (len(piece) - len(piece.lstrip()))
        e = b - (len(piece) - len(piece.rstrip()))
        if e > s:
            spans.append((s, e))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
