"""The records an answer is made of: `Citation` and `Answer`.

A citation always points at a retrieved chunk and carries the exact quoted
span that supports a statement (`quote` is a substring of `text`). A quote
in the other language may carry a `gloss`, the language model's translation:
an aid to reading, never in place of the quote.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

MODES = ("howto", "rectify", "similar", "lookup")
REFUSAL = {
    "en": "The indexed documents do not answer this.",
    "zh": "已索引的文件中没有找到能回答这个问题的内容。",
}


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    source: str
    title: str
    doc_type: str
    locator: str
    page: int | None
    quote: str
    text: str
    score: float = 0.0
    fields: dict[str, str] = field(default_factory=dict)
    # A quote in the other language than the answer's, translated by the
    # language model into the answer's (answer/gloss.py); "" when there is none.
    gloss: str = ""

    def __post_init__(self) -> None:
        if self.quote not in self.text:
            raise ValueError(f"citation [{self.n}] quote is not a substring of chunk {self.chunk_id}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    resolved_question: str
    mode: str
    lang: str
    grounded: bool
    answer: str  # Markdown; every statement ends with [n] markers
    citations: tuple[Citation, ...] = ()
    records: tuple[dict[str, Any], ...] = ()
    nearest: tuple[Citation, ...] = ()  # shown when refusing, labelled "not answering"
    generator: str = "extractive"
    notice: str = ""  # e.g. why the LLM answer was replaced by the extractive one
    # The answerability model's probability that the passages answer (answerability.py);
    # None where it was not asked (similar findings).
    confidence: float | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The filters the question was asked with (field -> value or values), as given.
    filters: dict[str, Any] = field(default_factory=dict)
    # Similar findings: how many records, and how many overdue, open, closed
    # (answer/similar.py `summary`); empty for the other jobs.
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = [c.to_dict() for c in self.citations]
        data["nearest"] = [c.to_dict() for c in self.nearest]
        data["records"] = list(self.records)
        return data


def citation_for(n: int, chunk, quote: str, score: float) -> Citation:
    """Citation number `n` of `chunk` (an ingest.models.Chunk), quoting `quote`."""
    return Citation(n=n, chunk_id=chunk.chunk_id, source=chunk.source, title=chunk.title, doc_type=chunk.doc_type,
                    locator=chunk.locator, page=chunk.page_start, quote=quote, text=chunk.text,
                    score=round(float(score), 6), fields=dict(chunk.fields))


class Citations:
    """An answer's citations, numbered in the order they are first cited, one
    number per article: an article longer than a chunk is indexed in parts
    (the same document and locator), and statements quoting two of its parts
    cite it under one number. That citation holds the parts cited, in the
    document's order (so each statement's words stand in what it cites),
    quotes the first statement made from it, and starts at its first page.
    A record is its own."""

    def __init__(self) -> None:
        self._cited: dict[tuple[str, str], list] = {}  # key -> [n, first chunk, its quote, best score, parts]

    @staticmethod
    def _key(chunk) -> tuple[str, str]:
        return (chunk.doc_id, chunk.chunk_id if chunk.doc_type == "record" else chunk.locator)

    def cite(self, chunk, quote: str, score: float) -> int:
        """The number of `chunk`'s article, given it at its first citation."""
        cited = self._cited.get(self._key(chunk))
        if cited is None:
            cited = self._cited[self._key(chunk)] = [len(self._cited) + 1, chunk, quote, score, {}]
        cited[3] = max(cited[3], score)
        cited[4].setdefault(chunk.chunk_id, chunk)
        return cited[0]

    def all(self) -> tuple[Citation, ...]:
        out = []
        for n, first, quote, score, parts in self._cited.values():
            citation = citation_for(n, first, quote, score)
            if len(parts) > 1:
                ordered = sorted(parts.values(), key=lambda part: part.start)
                pages = [part.page_start for part in ordered if part.page_start is not None]
                citation = replace(citation, text=_joined(ordered), page=min(pages) if pages else citation.page)
            out.append(citation)
        return tuple(out)


GAP = "…"  # between two parts of an article cited without the part between them


def _joined(parts: list) -> str:
    """The texts of parts of one document in its order: where two overlap
    (chunks are slices of the document's text), the overlap once; where the
    document has text between them that is not cited, a line of GAP."""
    text, end = parts[0].text, parts[0].end
    for part in parts[1:]:
        if part.start < end:
            text += part.text[end - part.start:]
        else:
            between = part.start - end  # the separator the chunker dropped, or a part not cited
            text += ("\n" if between <= 2 else f"\n{GAP}\n") + part.text
        end = max(end, part.end)
    return text
