"""The clause an inspection record cites ("《粉尘防爆安全规定》第十五条",
"Metallurgical Gas Safety Rules, Article 21", "§ 1910.272(c)"), found among the
indexed documents so that a supervisor can open it next to the finding.

A reference resolves only when its clause exists in exactly one indexed
document whose title matches the name it gives: a wrong clause is worse than none.
"""
from __future__ import annotations

import re

from index.search import Index
from ingest.models import Chunk
from ingest.structure import int_to_zh

_ZH = re.compile(r"《([^》]+)》\s*第\s*([零〇一二三四五六七八九十百千两\d]+)\s*条")
_EN_AFTER = re.compile(r"(?P<name>[^,;《》]+?)\s*[,，]?\s*(?:Art\.|Article)\s*(?P<n>\d+)\b", re.I)
_EN_BEFORE = re.compile(r"(?:Art\.|Article)\s*(?P<n>\d+)\s+of\s+(?:the\s+)?(?P<name>[^,;()]+)", re.I)
_CFR = re.compile(r"§\s*(\d+\.\d+(?:\([a-zA-Z0-9]+\))*)")
_CLAUSE = re.compile(r"(?P<name>[A-Z][A-Z/]*\s*\d+(?:\.\d+)?-\d{4})[^,;]*?[,，]?\s*(?:clause\s*)?(?P<n>\d+(?:\.\d+)+)\b", re.I)
_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def references(text: str) -> list[tuple[str, str]]:
    """(document name, locator) pairs a citation text names, in the locator
    spelling the index uses ("第十五条", "Article 21", "§ 1910.272(c)"); name ""
    for CFR sections, which are unique by themselves."""
    found: list[tuple[str, str]] = []
    for name, number in _ZH.findall(text):
        article = int_to_zh(int(number)) if number.isdigit() else number
        found.append((name.strip(), f"第{article}条"))
    for pattern in (_EN_BEFORE, _EN_AFTER):
        for m in pattern.finditer(text):
            found.append((m.group("name").strip(" .:"), f"Article {int(m.group('n'))}"))
    for section in _CFR.findall(text):
        found.append(("", f"§ {section}"))
    for m in _CLAUSE.finditer(text):
        found.append((m.group("name").strip(), m.group("n")))
    return list(dict.fromkeys(found))


def resolve(index: Index, text: str) -> Chunk | None:
    """The first chunk of the clause `text` cites, or None when it names no
    indexed clause or could mean several documents."""
    for name, locator in references(text):
        rows = index.catalog.rows_where("locator = ? AND doc_type != 'record'", [locator])
        if not len(rows):
            continue
        chunks = index.catalog.chunks(sorted(int(r) for r in rows))
        if name:
            chunks = _titled(chunks, name)
        chunks = _one_version(chunks, name)
        if chunks:
            return chunks[0]
    return None


def _one_version(chunks: list[Chunk], name: str) -> list[Chunk]:
    """The chunks of one document, or [] when the clause is in several documents
    that say different things (two versions of a law number their articles
    differently): the year the reference gives ("消防法（2021修正）") picks one."""
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    if len(by_doc) > 1:
        years = _YEAR.findall(name)
        dated = {d: c for d, c in by_doc.items() if years and all(y in c[0].source + c[0].title for y in years)}
        by_doc = dated or by_doc
    texts = {_norm(c[0].text) for c in by_doc.values()}
    return next(iter(by_doc.values())) if len(texts) == 1 else []


def _titled(chunks: list[Chunk], name: str) -> list[Chunk]:
    wanted = _norm(name)
    exact = [c for c in chunks if _norm(c.title) == wanted]
    if exact:
        return exact
    # "GB 15577-2018" names the standard whose title starts with it; a short law
    # name may be the tail of the full title ("安全生产法", "中华人民共和国安全生产法").
    if len(wanted) < 4:
        return []
    return [c for c in chunks if wanted in _norm(c.title) or (len(_norm(c.title)) >= 4 and _norm(c.title) in wanted)]


def _norm(text: str) -> str:
    return _SPACE.sub("", text).casefold()
