"""One number per article. An article longer than a chunk is indexed in parts,
and an answer quoting two of its parts would cite "Article 23" under two
numbers. Here such citations become one: the first number, its quote, and the
whole article's text (all its parts, in document order), so every statement
quoting any part still finds its words in what it cites. The markers of the
answer (and of its records) are renumbered 1, 2, … in order.

Parts are told apart by their document and locator; a record is its own.
It deliberately changes nothing else: which statements an answer makes and
what they quote are the answerer's choice.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from index.search import Index

from .models import Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")
_RUN = re.compile(r"(?:\[\d{1,3}\])+")


def _article(c: Citation) -> tuple[str, str]:
    return (c.source, c.chunk_id if c.doc_type == "record" else c.locator)


def _whole_article(index: Index, c: Citation) -> tuple[str, int | None] | None:
    """(the text of all parts of `c`'s article, its first page) from the catalog."""
    rows = index.catalog.rows_where("chunk_id = ?", [c.chunk_id])
    if not len(rows):
        return None
    chunk = index.catalog.chunk(int(rows[0]))
    parts = sorted(index.catalog.chunks([int(r) for r in index.catalog.rows_where(
        "doc_id = ? AND locator = ?", [chunk.doc_id, chunk.locator])]), key=lambda p: p.start)
    pages = [p.page_start for p in parts if p.page_start is not None]
    return "\n".join(p.text for p in parts), (min(pages) if pages else c.page)


def one_per_article(result: dict[str, Any], index: Index) -> dict[str, Any]:
    """An answer's fields (as the answerer builds them) with the citations of
    one article merged into one and every marker renumbered."""
    citations: tuple[Citation, ...] = tuple(result.get("citations") or ())
    first: dict[tuple[str, str], Citation] = {}
    for c in citations:
        first.setdefault(_article(c), c)
    if len(first) == len(citations):
        return result
    merged: list[Citation] = []
    number: dict[int, int] = {}  # old number -> new
    for c in citations:
        lead = first[_article(c)]
        if lead is c:
            merged.append(c)
        number[c.n] = next(i for i, m in enumerate(merged, start=1) if m is lead)
    out: list[Citation] = []
    for new, c in enumerate(merged, start=1):
        parts = [p for p in citations if first[_article(p)] is c]
        whole = _whole_article(index, c) if len(parts) > 1 else None
        text, page = whole if whole and all(_flat(p.quote) in _flat(whole[0]) for p in parts) else (c.text, c.page)
        out.append(replace(c, n=new, text=text, page=page, score=max(p.score for p in parts)))

    def renumber(run: re.Match) -> str:
        numbers = dict.fromkeys(number.get(int(n), int(n)) for n in _MARKER.findall(run.group(0)))
        return "".join(f"[{n}]" for n in numbers)

    records = tuple(_renumbered_record(r, number) for r in result.get("records") or ())
    return {**result, "answer": _RUN.sub(renumber, result["answer"]), "citations": tuple(out),
            **({"records": records} if "records" in result else {})}


def _renumbered_record(record: dict[str, Any], number: dict[int, int]) -> dict[str, Any]:
    out = dict(record)
    if isinstance(out.get("n"), int):
        out["n"] = number.get(out["n"], out["n"])
    if isinstance(out.get("clause"), dict) and isinstance(out["clause"].get("n"), int):
        out["clause"] = {**out["clause"], "n": number.get(out["clause"]["n"], out["clause"]["n"])}
    return out


def _flat(text: str) -> str:
    return "".join(text.split())
