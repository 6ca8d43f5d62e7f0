"""The rules for text in two languages, one of each: which characters are
Chinese (`CJK_RANGE`, `CJK`), which language a text is in (`lang_of`), and
where its sentences are (`sentence_spans`).

Chinese sentences end at 。；！？; English ones at . ; ! ? followed by space,
except after abbreviations ("p.m.", "No.", "e.g.") and single capitals ("U.S.").
Lines always end a sentence. The chunker cuts over-long lines there, the
answerer quotes whole sentences, and the citation check expects every sentence
to carry a marker.
"""
from __future__ import annotations

import re

# CJK ideographs: Extension A, the unified block, the compatibility block.
CJK_RANGE = "\u3400-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_RANGE}]")
CJK_RUN = re.compile(f"[{CJK_RANGE}]+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def lang_of(text: str) -> str:
    """'zh' when a text has at least as many Chinese characters as English
    words (and one at least), else 'en'. A document is judged by its start."""
    sample = text[:20000]
    return "zh" if len(CJK.findall(sample)) >= max(1, len(LATIN_WORD.findall(sample))) else "en"

# A boundary: after a Chinese end mark; the spaces after an English one (when
# text follows); a run of line breaks. The end marks are matched, not looked
# behind for: a lookbehind is tried at every character, and this runs over every
# sentence of every retrieved passage.
_BOUNDARY = re.compile(r"[。；！？]|[.;!?]\s+(?=\S)|\n+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:a\.m|p\.m|e\.g|i\.e|etc|vs|approx|No|Nos|Co|Inc|Ltd|Corp|Mr|Mrs|Ms|Dr|St|Sec|Secs|Art|Fig|para|pp|p|cf|al)\.|"
    r"\b[A-Z]\.)$", re.I)
# Enough characters before a full stop for the longest abbreviation and the
# character before it (for \b).
_TAIL = 12


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace-trimmed, as exact offsets."""
    cuts = [0]
    for match in _BOUNDARY.finditer(text):
        mark = match.group(0)[0]
        if mark in "。；！？":
            cuts.append(match.end())
            continue
        if mark == "." and "\n" not in match.group(0):
            # "p.m. on Friday", "the U.S. need": the full stop of an abbreviation
            # ends no sentence. Only the characters just before it decide.
            stop = match.start() + 1
            if _ABBREVIATION.search(text, max(cuts[-1], stop - _TAIL), stop):
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


# Where the chunker may cut a line too long for one chunk: after a Chinese or
# English end mark, or before the capital that follows ". " or ": ". Chunk
# boundaries decide every stored vector, so this stays as indexes were built
# with it; the answer side reads sentences with `sentence_spans`.
_CUT = re.compile(r"(?<=[。；！？!?;])|(?<=[.:])\s+(?=[A-Z(\"“])")


def cut_points(text: str) -> list[int]:
    """Offsets in `text` where a chunk may end, in order."""
    return [match.start() for match in _CUT.finditer(text)]
