"""Cut a Document into citable Chunks along its own structure.

Regulations and standards: chapter -> section -> article (or numbered clause).
The article is the unit of citation: one that fits the embedding window is one
chunk; a longer one is split at paragraph or item boundaries (then sentences),
and every part keeps the article's locator and heading path. Plans and notes
split by heading; record rows are one chunk each.

Every chunk's text is an exact slice of `document.text`, so its offsets, page
and quotes taken from it can always be checked against the source.

Does not embed or index anything; see index/.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.text import CJK, CJK_RANGE, cut_points

from .models import Block, Chunk, Document, short_hash
from .structure import Line, classify, label_level, looks_like_heading, paragraph_labels

# all-MiniLM-L6-v2 reads 256 word-pieces and silently drops the rest. The index
# prefixes title and heading path (about 30-50 pieces), so chunks aim lower.
DEFAULT_MAX_TOKENS = 190

_WORD = re.compile(r"[A-Za-z]+|\d+")
_OTHER = re.compile(rf"[^\sA-Za-z\d{CJK_RANGE}]")

# Ranks order headings: a new heading closes every open heading of equal or
# lower rank. Format headings (Markdown '#', DOCX 'Heading n') keep their level.
_ENDS_UNIT = re.compile(r"[。；;.:：!?！？」”\"）)]$")
# A short line that does not trail off is a title ("总 则", "Dust Rules" in PDF text):
# the next line may open an article. Wrapped sentence lines are long or trail off.
_TITLE_LINE_MAX = 30
_TRAILS_OFF = re.compile(r"[,，、(（\-–—]$|\b(?:and|or|of|the|to|in|by|under|with|see|per)$", re.I)
_RANK = {"part": 7, "chapter": 8, "section": 9}
_DETECTED_HEADING_RANK = 20


def estimate_tokens(text: str) -> int:
    """Word-pieces the BERT tokenizer of the default model will make, slightly
    over-estimated: each CJK character is one piece, an English word about 1.3,
    each punctuation mark one."""
    cjk = len(CJK.findall(text))
    words = _WORD.findall(text)
    pieces = sum(1 if len(w) <= 6 or w.isdigit() else 1 + len(w) // 6 for w in words)
    return cjk + round(pieces * 1.15) + len(_OTHER.findall(text))


@dataclass
class _Span:
    start: int
    end: int
    page: int | None
    para: tuple[str, ...] = ()


@dataclass
class _Unit:
    locator: str
    heading_path: tuple[str, ...]
    kind: str  # article, section, record
    spans: list[_Span] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    para: list[tuple[int, str]] = field(default_factory=list)  # open paragraph labels (level, label)


class _Cutter:
    """Walks a document's blocks once, opening a unit at every article and heading."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.stack: list[tuple[int, str, str]] = []  # (rank, heading text, numbering label)
        self.units: list[_Unit] = []
        self.unit: _Unit | None = None
        self.last_number: dict[str, tuple[int, ...]] = {}
        self.line_may_open = True
        self.after_title = False  # the previous line was a short title ("总 则"); see feed_line

    # -- headings -------------------------------------------------------
    def heading_path(self) -> tuple[str, ...]:
        return tuple(text for _, text, _ in self.stack)

    def section_locator(self) -> str:
        labelled = [label for _, _, label in self.stack if label]
        if labelled and labelled[-1] == self.stack[-1][2]:
            return labelled[-1] if len(self.stack[-1][1]) > 60 else self.stack[-1][1]
        if self.stack:
            return " › ".join(text for _, text, _ in self.stack[-2:])
        return self.doc.title

    def push_heading(self, rank: int, text: str, label: str = "") -> None:
        self.close()
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        self.stack.append((rank, text.strip(), label))

    # -- units ----------------------------------------------------------
    def close(self) -> None:
        if self.unit and any(self.doc.text[s.start:s.end].strip() for s in self.unit.spans):
            self.units.append(self.unit)
        self.unit = None

    def open(self, locator: str, kind: str, fields: dict[str, str] | None = None) -> _Unit:
        self.close()
        self.unit = _Unit(locator, self.heading_path(), kind, fields=dict(fields or {}))
        return self.unit

    def accepts(self, line: Line, family: str) -> bool:
        """Article numbers only go up; a lower or equal one is a reference, not a heading."""
        previous = self.last_number.get(family)
        if previous is not None and line.number <= previous:
            return False
        self.last_number[family] = line.number
        return True

    def note_heading_number(self, line: Line) -> None:
        """Sections (第一节) restart in every chapter; chapters restart in every part."""
        self.last_number[line.kind] = line.number
        below = {"part": ("chapter", "section"), "chapter": ("section",)}.get(line.kind, ())
        for kind in below:
            self.last_number.pop(kind, None)

    def add_span(self, start: int, end: int, page: int | None) -> None:
        if self.unit is None:
            self.open(self.section_locator(), "section")
        assert self.unit is not None
        para = ()
        if self.unit.kind == "article":
            labels = paragraph_labels(self.doc.text[start:end])
            for label in labels:
                level = label_level(label, self.unit.para)
                self.unit.para = [(lv, lb) for lv, lb in self.unit.para if lv < level] + [(level, label)]
            para = tuple(lb for _, lb in self.unit.para)
        self.unit.spans.append(_Span(start, end, page, para))

    # -- blocks ---------------------------------------------------------
    def feed(self, block: Block, offset: int) -> None:
        if block.kind == "record":
            self.open(block.locator or "record", "record", block.fields)
            self.add_span(offset, offset + len(block.text), block.page)
            self.close()
            return
        if block.kind == "heading":
            self.feed_heading(block, offset)
            return
        pos = offset
        self.line_may_open = True
        for raw in block.text.split("\n"):
            start, end = pos, pos + len(raw)
            pos = end + 1
            if not raw.strip():
                self.line_may_open = True
                continue
            if block.kind == "text":
                self.feed_line(raw, start, end, block.page)
            else:
                self.add_span(start, end, block.page)

    def feed_heading(self, block: Block, offset: int) -> None:
        text = block.text.strip()
        if block.level == 1 and text.strip("《》 ") == self.doc.title.strip("《》 "):
            self.close()
            self.stack.clear()
            self.last_number.clear()
            return
        # Headings marked up by the format are trusted; their numbers still
        # set the sequence that numbered lines after them must continue.
        line = classify(text)
        if line.kind == "article":
            self.last_number[_family(line)] = line.number
            unit = self.open(line.label, "article")
            if line.rest.strip():
                # A titled article ("§ 1904.39 Reporting fatalities ...") keeps its
                # title in the heading path of every part it is split into.
                unit.heading_path = unit.heading_path + (text,)
            self.add_span(offset, offset + len(block.text), block.page)
            return
        if line.kind in _RANK:
            self.note_heading_number(line)
        rank = block.level or _RANK.get(line.kind) or (10 + line.depth if line.kind == "clause_heading" else 0)
        label = line.label if line.kind in _RANK or line.kind == "clause_heading" else ""
        self.push_heading(rank or _DETECTED_HEADING_RANK, text, label)

    def feed_line(self, raw: str, start: int, end: int, page: int | None) -> None:
        """A numbered line opens an article or heading only where a new one can
        start: at the start of a block, or after a line that ended a sentence or
        was itself a heading, or (when it has text after its number) after a
        short title line. Inside a sentence wrapped over lines it is text."""
        line = classify(raw) if self.line_may_open or self.after_title else Line("text")
        if not self.line_may_open and not line.rest.strip():
            line = Line("text")  # a bare "Part 1903" after "Violations of 29 CFR" is a reference
        self.line_may_open = bool(_ENDS_UNIT.search(raw.rstrip()))
        self.after_title = looks_like_heading(raw, _TITLE_LINE_MAX) and not _TRAILS_OFF.search(raw.rstrip())
        if line.kind == "article" and self.accepts(line, _family(line)):
            self.open(line.label, "article")
        elif line.kind in _RANK and self.accepts(line, line.kind):
            self.note_heading_number(line)
            self.push_heading(_RANK[line.kind], raw, line.label)
            self.line_may_open = True
            return
        elif line.kind == "clause_heading" and self.accepts(line, "clause"):
            self.push_heading(10 + line.depth, raw, line.label)
            self.line_may_open = True
            return
        self.add_span(start, end, page)


def _family(line: Line) -> str:
    """Numbering sequences that must each go up on their own."""
    if line.label.startswith("第"):
        return "zh-article"
    if line.label.startswith("§"):
        return "cfr"
    if line.label[:1].isdigit():
        return "clause"
    return line.label.split()[0].lower()


def _sentence_spans(doc: Document, span: _Span, max_tokens: int) -> list[_Span]:
    """Split one over-long line at sentence ends; cut a sentence that is still too long."""
    text = doc.text[span.start:span.end]
    cuts = [0, *(c for c in cut_points(text) if c > 0), len(text)]
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    out: list[_Span] = []
    for a, b in pieces:
        while estimate_tokens(text[a:b]) > max_tokens:
            # Hard cut: the longest prefix that fits, at a word boundary when there is one.
            lo, hi = a + 1, b
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if estimate_tokens(text[a:mid]) <= max_tokens:
                    lo = mid
                else:
                    hi = mid - 1
            cut = lo
            space = text.rfind(" ", a + 1, cut)
            if space > a + (cut - a) // 2:
                cut = space
            out.append(_Span(span.start + a, span.start + cut, span.page, span.para))
            a = cut
        if text[a:b].strip():
            out.append(_Span(span.start + a, span.start + b, span.page, span.para))
    return out


def _pack(doc: Document, unit: _Unit, max_tokens: int) -> list[list[_Span]]:
    """Group a unit's spans into parts that each fit `max_tokens`, in order."""
    spans: list[_Span] = []
    for span in unit.spans:
        if estimate_tokens(doc.text[span.start:span.end]) > max_tokens:
            spans.extend(_sentence_spans(doc, span, max_tokens))
        else:
            spans.append(span)
    parts: list[list[_Span]] = [[]]
    for span in spans:
        current = parts[-1]
        if current and estimate_tokens(doc.text[current[0].start:span.end]) > max_tokens:
            parts.append([span])
        else:
            current.append(span)
    return [p for p in parts if p]


def _part_locator(unit: _Unit, part: list[_Span], whole: bool) -> str:
    """A part of a CFR-style section is cited to its paragraph: '§ 1904.39(b)'."""
    if whole or unit.kind != "article" or not part[0].para:
        return unit.locator
    if not unit.locator.startswith(("§", "Sec", "SEC")):
        return unit.locator
    base = re.sub(r"(\([a-zA-Z0-9]+\))+$", "", unit.locator)
    return base + "".join(f"({p})" for p in part[0].para)


def chunk_document(doc: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    """The chunks of one document, in document order, with stable ids."""
    cutter = _Cutter(doc)
    for block, offset in zip(doc.blocks, doc.offsets):
        cutter.feed(block, offset)
    cutter.close()

    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for unit in cutter.units:
        # A record is one finding: never split, even past the embedding window
        # (its leading fields are what gets embedded).
        parts = [unit.spans] if unit.kind == "record" else _pack(doc, unit, max_tokens)
        for part in parts:
            start, end = part[0].start, part[-1].end
            text = doc.text[start:end]
            locator = _part_locator(unit, part, len(parts) == 1)
            key = short_hash(doc.source, locator, text)
            seen[key] = seen.get(key, 0) + 1
            pages = [s.page for s in part if s.page is not None]
            chunks.append(
                Chunk(
                    chunk_id=short_hash(key, str(seen[key])),
                    doc_id=doc.doc_id,
                    source=doc.source,
                    title=doc.title,
                    doc_type=doc.doc_type,
                    lang=doc.lang,
                    heading_path=unit.heading_path,
                    locator=locator,
                    page_start=min(pages) if pages else None,
                    page_end=max(pages) if pages else None,
                    start=start,
                    end=end,
                    text=text,
                    fields=unit.fields,
                )
            )
    return chunks


__all__ = ["DEFAULT_MAX_TOKENS", "chunk_document", "estimate_tokens", "looks_like_heading"]
