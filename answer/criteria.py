"""The items of a major-accident-hazard criteria document (《工贸企业重大事故隐患
判定标准》 or any document of that kind that is indexed), each a citable unit.

An article reads "第五条有色企业有下列情形之一的，应当判定为重大事故隐患：（一）...；
（二）..."; its lead names the kind of enterprise (the sector) and each numbered
item is one situation that is a major hazard. An article without items
("第十四条 ... 失效或者无效均判定为重大事故隐患") is one item by itself.
English versions ("Article 5 Non-ferrous enterprises ... (1) ...; (2) ...")
are read the same way.

Nothing here knows the items of any edition: they are read from the indexed
chunks, so a new version of the criteria works once it is ingested. This module
does not judge findings (hazard.py does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.search import Index
from ingest.models import Chunk
from ingest.structure import int_to_zh, zh_to_int

# A document is a criteria document when its title says so.
TITLE = re.compile(r"重大事故隐患判定标准|major\s+accident\s+hazards?\b.{0,40}\b(?:criteri|determin|identif)|"
                   r"(?:criteri|determin|identif)\w*\b.{0,40}\bmajor\s+accident\s+hazard", re.I | re.S)
_ZH_ARTICLE = re.compile(r"第([零〇一二三四五六七八九十百两\d]+)条")
_EN_ARTICLE = re.compile(r"\bArticle\s+(\d+)\b", re.I)
_ZH_ITEM = re.compile(r"[（(]([一二三四五六七八九十]+)[）)]")
_EN_ITEM = re.compile(r"(?<![\w(])\((\d{1,2})\)")
# Where the lead stops naming the enterprise: "有色企业有下列情形之一的".
_LEAD_END = re.compile(r"有下列情形|存在下列情形|\b(?:has|have|with|where)\b[^.:]{0,30}\bfollowing\b", re.I)
_JUDGES = re.compile(r"判定为重大事故隐患|(?:deemed|determined|judged|regarded)\s+(?:as\s+)?(?:a\s+)?major\s+accident\s+hazard", re.I)
_END = re.compile(r"[；;。.]\s*$")


@dataclass(frozen=True)
class Item:
    """One situation of the criteria: `article` 5, `number` 8 (0 for an article
    without items), the article's `sector` ("有色企业") and the item's text."""

    article: int
    number: int
    sector: str
    lead: str
    text: str
    chunk: Chunk

    @property
    def locator(self) -> str:
        if self.chunk.lang == "en":
            return f"Article {self.article}" + (f"({self.number})" if self.number else "")
        article = f"第{int_to_zh(self.article)}条"
        return article + (f"第（{int_to_zh(self.number)}）项" if self.number else "")

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def title(self) -> str:
        return self.chunk.title


def _article_number(chunk: Chunk) -> int | None:
    for text in (chunk.locator, chunk.text[:12]):
        m = _ZH_ARTICLE.search(text) or _EN_ARTICLE.search(text)
        if m:
            value = m.group(1)
            return int(value) if value.isdigit() else zh_to_int(value)
    return None


def _numbered(text: str, pattern: re.Pattern) -> list[tuple[int, int, int]]:
    """(number, start, end of the marker) of the items in order 1, 2, 3...;
    other brackets ("（含澡堂）", "(1) of Article 3" out of sequence) are text.
    A chunk that starts with an item (the article cut before it) counts on from it."""
    found, expected = [], 1
    for m in pattern.finditer(text):
        value = m.group(1)
        number = int(value) if value.isdigit() else zh_to_int(value)
        if not found and not text[:m.start()].strip():
            expected = number
        if number == expected:
            found.append((number, m.start(), m.end()))
            expected += 1
    return found


def _lead_and_sector(lead: str) -> tuple[str, str]:
    lead = _ZH_ARTICLE.sub("", lead, count=1)
    lead = _EN_ARTICLE.sub("", lead, count=1).strip(" \n:：0123456789")
    m = _LEAD_END.search(lead)
    return lead, (lead[:m.start()].strip(" ，,") if m else "")


def chunk_items(chunk: Chunk, article: int) -> list[Item]:
    """The items whose text begins in `chunk` of article `article`."""
    text = chunk.text
    pattern = _EN_ITEM if chunk.lang == "en" else _ZH_ITEM
    marks = _numbered(text, pattern)
    if not marks:
        lead, sector = _lead_and_sector(text)
        # An article without items is an item when it says what is a major
        # hazard ("……失效或者无效均判定为重大事故隐患"), not a purpose or scope.
        return [Item(article, 0, sector, lead, lead, chunk)] if _JUDGES.search(text) else []
    lead, sector = _lead_and_sector(text[:marks[0][1]])
    items = []
    for i, (number, _, end) in enumerate(marks):
        stop = marks[i + 1][1] if i + 1 < len(marks) else len(text)
        items.append(Item(article, number, sector, lead, text[end:stop].strip(), chunk))
    return items


def parse(chunks: list[Chunk]) -> list[Item]:
    """The items of one document's chunks. An article cut into several chunks
    gives its lead from the first and its items from each; an item read twice
    (chunks overlap) keeps its longest text."""
    by_key: dict[tuple[int, int], Item] = {}
    leads: dict[int, tuple[str, str]] = {}
    for chunk in sorted(chunks, key=lambda c: c.start):
        article = _article_number(chunk)
        if article is None:
            continue
        for item in chunk_items(chunk, article):
            if item.sector or item.lead:
                leads.setdefault(article, (item.lead, item.sector))
            old = by_key.get((article, item.number))
            if old is None or len(item.text) > len(old.text):
                by_key[(article, item.number)] = item
    out = []
    for (article, number), item in sorted(by_key.items()):
        if number == 0 and (article, 1) in by_key:
            continue  # the lead of an article whose items are in later chunks
        lead, sector = leads.get(article, (item.lead, item.sector))
        out.append(Item(article, number, sector, lead, _END.sub("", item.text), item.chunk))
    return out


def criteria_items(index: Index) -> list[Item]:
    """The items of the indexed criteria document that reads most completely
    (the same text indexed twice, e.g. as a file and among collected clauses,
    is read once)."""
    docs: dict[str, list[Chunk]] = {}
    wanted = [d.doc_id for d in index.catalog.documents() if d.doc_type != "record" and TITLE.search(d.title)]
    for chunk, _, _, _ in index.catalog.chunks_of(wanted):
        if TITLE.search(chunk.title):
            docs.setdefault(chunk.doc_id, []).append(chunk)
    # Most items first; then the document that says each item once (a
    # collection of clauses may hold the same article twice).
    best = max(docs.values(), key=lambda chunks: (len(parse(chunks)), -_reads(chunks)), default=[])
    return parse(best)


def _reads(chunks: list[Chunk]) -> int:
    """How many items the chunks hold, counting an item held twice twice."""
    return sum(len(chunk_items(c, a)) for c in chunks if (a := _article_number(c)) is not None)

