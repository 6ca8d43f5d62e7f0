"""The rules for text in two languages, one of each: which characters are
Chinese (`CJK_RANGE`, `CJK`), which language a text is in (`lang_of`), and
where its sentences are (`sentence_spans`).

Chinese sentences end at 。；！？; English ones at . ; ! ? followed by space,
except after abbreviations ("p.m.", "No.", "e.g.") and single capitals ("U.S.").
A line ends a sentence unless it is a line of a paragraph wrapped at the
page's width (PDF text): an English line whose next line starts with a
lower-case word ("...by laser scanning or\nmanual measurement"), or a long
Chinese line cut inside a sentence whose next line is not an article, a
chapter or an item (`_wrapped`). The chunker cuts over-long lines at line
ends, the answerer quotes whole sentences, and the citation check expects
every sentence to carry a marker.
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
_ITEM_NUMBER = re.compile(r"\s*\d{1,3}(?:\.\d{1,3})*\.")
# Enough characters before a full stop for the longest abbreviation and the
# character before it (for \b).
_TAIL = 12


# A wrapped Chinese line: long (a page's width, not a heading) and cut between
# two characters of one sentence; the next line opens no article, chapter,
# section or item.
_WRAP_MIN_CHARS = 20
_CJK_END = re.compile(f"[{CJK_RANGE}，、“”‘’（）《》]$")
_CJK_GOES_ON = re.compile(f"[{CJK_RANGE}“‘《]")
_OPENS_UNIT = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条章节款项]|[（(][一二三四五六七八九十\d]+[）)]|"
                         r"[一二三四五六七八九十]+、|\d+(?:\.\d+)*\s|附[件录]")
_EN_GOES_ON = re.compile(r"[a-z]|\d(?!\d*[.)]\s)")
# "table_name: osha_accident" / "column_name: ...": lines of fields, not prose.
_FIELD = re.compile(r"[\w .-]{1,40}:\s")


def _wrapped(text: str, match: re.Match) -> bool:
    """Whether this single line break wraps a paragraph (no sentence ends there)."""
    if match.group(0) != "\n":
        return False
    line_start = text.rfind("\n", 0, match.start()) + 1
    line = text[line_start:match.start()].rstrip()
    after = text[match.end():match.end() + 12]
    if not line or not after or _FIELD.match(after) or _FIELD.match(line):
        return False
    if re.search(r"[a-z0-9,]$", line) and _EN_GOES_ON.match(after):
        return not re.match(r"\d", after) or line[-1].isalpha()
    return (len(line) >= _WRAP_MIN_CHARS and bool(_CJK_END.search(line)) and bool(_CJK_GOES_ON.match(after))
            and not _OPENS_UNIT.match(after))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace-trimmed, as exact offsets."""
    cuts = [0]
    for match in _BOUNDARY.finditer(text):
        mark = match.group(0)[0]
        if mark in "。；！？":
            cuts.append(match.end())
            continue
        if mark == "\n" and _wrapped(text, match):
            continue
        if mark == "." and "\n" not in match.group(0):
            # "p.m. on Friday", "the U.S. need": the full stop of an abbreviation
            # ends no sentence. Only the characters just before it decide.
            stop = match.start() + 1
            if _ABBREVIATION.search(text, max(cuts[-1], stop - _TAIL), stop):
                continue
            # "1. Fans", "2.3. Filters" at the start of a line: an item's number.
            if _ITEM_NUMBER.fullmatch(text, text.rfind("\n", 0, stop) + 1, stop):
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
