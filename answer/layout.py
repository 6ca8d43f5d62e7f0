"""Structured extractive answers: sections under a label, entries quoting
passages verbatim, each quote ending in its citation marker.

    #### Riverton Dust Hazard Inspection Checklist › 2 Inspection items
    - 3. Wet collector interlock | Water flow and level interlocked ... [1]
    - Article 18 Aluminium and magnesium dust shall ... [2]
      - (2) the water flow and water level shall be interlocked ... [2]

A label ("####" line) is SafeCite's own words (a document's title and
headings, a section's name) and states nothing; every other line is one entry
or one of its further quotes, a substring of the passage its marker names.
Citations are numbered in the order their markers first appear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Chunk

from .models import Citation, Citations


@dataclass(frozen=True)
class Quote:
    chunk: Chunk
    start: int
    end: int
    score: float = 0.0
    also: tuple["Quote", ...] = ()  # the same words in other documents, cited beside it

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


@dataclass
class Entry:
    """One item of an answer: its first quote on the bullet, the others (more
    of the same article) under it."""

    quotes: list[Quote]
    score: float = 0.0
    rank: int = 0  # the retrieval rank of the hit it comes from

    @property
    def chunk(self) -> Chunk:
        return self.quotes[0].chunk

    @property
    def position(self) -> tuple[int, int]:
        """Where it stands in its document (the order a checklist keeps)."""
        return self.quotes[0].chunk.start, self.quotes[0].start


@dataclass
class Section:
    label: str
    entries: list[Entry] = field(default_factory=list)


def one_line(text: str) -> str:
    """A sentence wrapped over lines (PDF text) shown on one line."""
    return re.sub(r"\s*\n\s*", " ", text.strip())


def render(sections: list[Section]) -> tuple[str, tuple[Citation, ...]]:
    """The Markdown of the sections and their citations. The same words in two
    documents (a clause and a collection quoting it) are said once, citing
    both; the citations are numbered in reading order, the passages quoted
    first, then the other documents holding the same words; the parts of one
    article share a number (`Citations`)."""
    said: set[str] = set()

    def new(quote: Quote) -> bool:
        words = re.sub(r"\s+", "", quote.text)
        if words in said:
            return False
        said.add(words)
        return True

    kept = [(section.label, [quotes for quotes in ([q for q in entry.quotes if new(q)] for entry in section.entries)
                             if quotes]) for section in sections]
    kept = [(label, entries) for label, entries in kept if entries]
    quotes = [q for _, entries in kept for group in entries for q in group]
    citations = Citations()
    numbers = {id(q): citations.cite(q.chunk, q.text, q.score) for q in quotes + [c for q in quotes for c in q.also]}

    def marker(quote: Quote) -> str:
        return "".join(dict.fromkeys(f"[{numbers[id(q)]}]" for q in (quote, *quote.also)))

    lines: list[str] = []
    for label, entries in kept:
        if label:
            lines.append(f"#### {label}")
        for first, *more in entries:
            lines.append(f"- {one_line(first.text)} {marker(first)}")
            lines.extend(f"  - {one_line(q.text)} {marker(q)}" for q in more)
    return "\n".join(lines), citations.all()
