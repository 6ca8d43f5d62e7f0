"""The checklist job ("howto"): what to check, as the documents list it.

The corpus's own checklists come first among their language's documents: a
checklist section (a table of items, or check-box lines) found by the search
is read whole, and each of its items that bears on the question is one entry,
quoted as a row, in the document's order. Then the articles that say what
must be checked or kept, one entry per article (an article split over
several chunks is one entry: its sentences that bear on the question, its
lead first when it introduces a list). Entries are grouped under their
document and headings (the equipment or area the document files them under;
a checklist table's items under the equipment or area each names, areas.py),
the group that bears on the question most first, and listed in the
document's order within a group.

Left out: a document's scope and purpose, definitions, entry into force, the
authority's general duties and penalty clauses (kinds.py): they say nothing
about what to check.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping

from core.text import sentence_spans
from index.search import Hit, Index
from index.tokenize import TokenFinder
from ingest.models import Chunk

from . import areas, kinds
from .layout import Entry, Quote, Section

MAX_ITEMS = 12  # a checklist's items (the sample's has twelve)
MAX_ARTICLES = 6
TOP_HITS = 5  # the articles retrieval ranked first are listed when they bear on the question at all
KEEP_SHARE = 0.35  # below this share of the best entry's score an entry is left out
CONTEXT_WEIGHT = 0.5  # an item counts its checklist's title and headings at half weight
MORE_SHARE = 0.5  # an article's further sentences: at least this share of its best one
MAX_QUOTES = 3  # sentences quoted from one article
CHECKLISTS_SEARCHED = 6  # passages of titled checklists searched besides the hits
CHECKLIST_DOCS = 2  # titled checklists read
MAX_PARTS = 4  # an article is read whole up to this many chunks (a checklist section always)
_SPACES = re.compile(r"\s+")
OTHER_LANGUAGE = {"zh": "原文（英文）", "en": "original in Chinese"}


def items(chunk: Chunk) -> list[tuple[int, int]]:
    """(start, end) of the checklist items of a chunk: table rows (not the
    header) and check-box lines, the box left out."""
    out, offset = [], 0
    for line in chunk.text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        box = kinds.box(line)
        if box:
            out.append((start + box.end(), end))
        elif kinds.is_table_row(stripped) and not kinds.is_header_row(stripped):
            lead = len(line) - len(line.lstrip())
            out.append((start + lead, start + lead + len(stripped)))
    return out


def is_checklist(hit: Hit) -> bool:
    return sum(len(items(c)) for c in hit.chunks) >= 2


def whole_sections(index: Index, hits: list[Hit]) -> list[Hit]:
    """Each article or checklist section among the hits with all its chunks, in
    order (the search returns the parts it found): one entry is made of a
    whole article, a checklist is read whole."""
    out = []
    for hit in hits:
        if hit.chunk.doc_type != "record":
            rows = index.catalog.rows_where("doc_id = ? AND locator = ?", [hit.chunk.doc_id, hit.chunk.locator])
            section = sorted(index.catalog.chunks(sorted(int(r) for r in rows)), key=lambda c: c.start)
            if len(section) > MAX_PARTS and not is_checklist(hit):
                section = []  # a long section under one heading, not an article: the parts found stand for it
            have = {c.chunk_id for c in hit.chunks}
            hit = replace(hit, parts=hit.parts + tuple(c for c in section if c.chunk_id not in have))
        out.append(hit)
    return out


def titled_checklists(index: Index, question: str, filters: Mapping | None, hits: list[Hit]) -> list[Hit]:
    """The checklist sections, read whole, of the documents titled as
    checklists that the question finds (the best CHECKLIST_DOCS of them),
    besides those among the hits: a supervisor asking what to check expects
    the corpus's own checklists, all of their items."""
    docs = [doc for doc, title in index.titles.items() if kinds.CHECKLIST_TITLE.search(title)]
    if not docs:
        return []
    found = index.search(question, CHECKLISTS_SEARCHED, {**dict(filters or {}), "doc_id": docs})
    have = {(h.chunk.doc_id, h.chunk.locator) for h in hits}
    out = []
    for doc in list(dict.fromkeys(h.chunk.doc_id for h in found))[:CHECKLIST_DOCS]:
        rows = index.catalog.rows_where("doc_id = ?", [doc])
        by_locator: dict[str, list[Chunk]] = {}
        for chunk in index.catalog.chunks(sorted(int(r) for r in rows)):
            by_locator.setdefault(chunk.locator, []).append(chunk)
        for locator, chunks in by_locator.items():
            chunks.sort(key=lambda c: c.start)
            if (doc, locator) not in have and sum(len(items(c)) for c in chunks) >= 2:
                out.append(Hit(chunks[0], 0.0, parts=tuple(chunks[1:])))
    return out


def _share(weights: Mapping[str, float], total: float, found: set[str]) -> float:
    return sum(w for t, w in weights.items() if t in found) / total if total else 0.0


def leaves_out(sentence: str, heading_path: tuple[str, ...] = ()) -> bool:
    """The clauses a checklist never lists (besides a whole article whose lead
    states a scope, a purpose or definitions)."""
    return kinds.is_scope_or_frame(sentence) or kinds.is_authority_duty(sentence) or kinds.is_penalty(sentence)


def entries(hits: list[Hit], weights: Mapping[str, float], subject: Mapping[str, float],
            dense_found: set[int] = frozenset(), leave_out=leaves_out,
            max_quotes: int = MAX_QUOTES) -> tuple[list[Entry], list[Entry]]:
    """(checklist items, articles) that bear on the question: each scored by
    the share of the question's words it holds (`weights`), kept when it holds
    some of its subject (`subject`). `dense_found`: ranks of hits a dense list
    found near its top, which are listed by their first relevant sentence even
    when they share no word with the question. `leave_out(sentence,
    heading_path)`: the sentences never quoted; `max_quotes`: the sentences
    quoted from one article besides its lead."""
    finder = TokenFinder(set(weights) | set(subject))
    total, subject_total = sum(weights.values()), sum(subject.values())
    checklist, articles = [], []
    seen_sections: set[tuple[str, str]] = set()
    for rank, hit in enumerate(hits):
        if hit.chunk.doc_type == "record":
            continue
        chunks = sorted(hit.chunks, key=lambda c: c.start)
        if is_checklist(hit):
            key = (hit.chunk.doc_id, hit.chunk.locator)
            if key in seen_sections:
                continue
            seen_sections.add(key)
            context = finder(" ".join([hit.chunk.title, *hit.chunk.heading_path]))
            section = []
            for chunk in chunks:
                for start, end in items(chunk):
                    if leave_out(chunk.text[start:end], chunk.heading_path):
                        continue
                    found = finder(chunk.text[start:end])
                    score = max(_share(weights, total, found), CONTEXT_WEIGHT * _share(weights, total, context))
                    held = max(_share(subject, subject_total, found), _share(subject, subject_total, context))
                    if held > 0:
                        section.append(Entry([Quote(chunk, start, end, score)], score, rank))
            # The items that bear on the question most, the checklist's own
            # title and headings counting for all of them.
            best = max((e.score for e in section), default=0.0)
            checklist += [e for e in section if e.score >= KEEP_SHARE * best]
            continue
        # The article as its lead document has it; the same words in another
        # document (a collection quoting it) are cited beside each quote.
        own = [c for c in chunks if c.doc_id == hit.chunk.doc_id]
        copies = [c for c in chunks if c.doc_id != hit.chunk.doc_id]
        entry = _article(own, rank, weights, subject, finder, total, subject_total, rank in dense_found, leave_out,
                         hit.chunk, max_quotes)
        if entry is not None and copies:
            entry.quotes = [replace(q, also=tuple(filter(None, (_same_words(c, q.text) for c in copies))))
                            for q in entry.quotes]
        if entry is not None:
            articles.append(entry)
    return checklist, articles


def _article(chunks: list[Chunk], rank: int, weights, subject, finder, total: float, subject_total: float,
             dense_found: bool, leave_out, found_chunk: Chunk | None = None,
             max_quotes: int = MAX_QUOTES) -> Entry | None:
    """One article as one entry: its sentences that bear on the question (at
    most `max_quotes`, in order), after its lead (and the sentence that
    introduces a list); None for the kinds of clause left out."""
    sentences, seen = [], set()
    for chunk in chunks:
        for start, end in sentence_spans(chunk.text):
            bullet = kinds.bullet(chunk.text[start:end])
            start += bullet.end() if bullet else 0
            line = chunk.text[start:end].strip()
            flat = _SPACES.sub("", line)
            if len(line) >= 6 and not kinds.is_header_row(line) and flat not in seen:
                seen.add(flat)  # chunks of one article may overlap
                sentences.append((chunk, start, end))
    if not sentences:
        return None
    lead_chunk, lead_start, lead_end = sentences[0]
    lead = lead_chunk.text[lead_start:lead_end]
    heading = lead_chunk.heading_path
    if kinds.is_scope_or_frame(lead, heading) or leave_out(lead, heading):
        return None  # a scope, definitions, a penalty clause ...: the whole article is left out
    scored = []
    for i, (chunk, start, end) in enumerate(sentences):
        text = chunk.text[start:end]
        if leave_out(text, chunk.heading_path):
            continue
        found = finder(text)
        held = _share(subject, subject_total, found)
        if held > 0:
            scored.append((_share(weights, total, found), i, held))
    if not scored:
        if not dense_found or leave_out(lead, heading):
            return None
        found_chunk = found_chunk or sentences[0][0]
        # Found by meaning, sharing none of the question's subject: its lead and
        # the opening of the passage the search found stand for it.
        found_at = next((i for i, (c, s, e) in enumerate(sentences) if c.chunk_id == found_chunk.chunk_id), 0)
        scored = [(0.0, i, 0.0) for i in sorted({0, found_at})
                  if not leave_out(sentences[i][0].text[sentences[i][1]:sentences[i][2]], heading)]
    best = max(score for score, _, _ in scored)
    # An article that introduces a list ("... shall meet the following
    # requirements:") is quoted by its lead, then by its items that bear on the
    # question most, each judged against the other items.
    intro = next((i for i, (c, s, e) in enumerate(sentences[:3]) if c.text[s:e].rstrip().endswith((":", "："))), None)
    head = set(range(intro + 1)) if intro is not None else {0}
    # Its further sentences by the share of the question's subject they hold
    # (the words of the job, "处理", "inspect", are in every one of them).
    rest = sorted(((held, score, i) for score, i, held in scored if i not in head), reverse=True)
    if rest:
        rest = [i for held, score, i in rest[:max_quotes] if held >= MORE_SHARE * rest[0][0]]
        chosen = sorted({0, *({intro} if intro is not None else set()), *(i for _, i, _ in scored if i in head), *rest})
    else:
        chosen = sorted(i for _, i, _ in scored)[:max_quotes]
    quotes = [Quote(c, s, e, best) for c, s, e in (sentences[i] for i in chosen)]
    return Entry(quotes, best, rank)


def _same_words(chunk: Chunk, text: str) -> Quote | None:
    """The sentence of `chunk` that says `text` (spacing aside), if one does."""
    flat = _SPACES.sub("", text)
    for start, end in sentence_spans(chunk.text):
        if flat in _SPACES.sub("", chunk.text[start:end]):
            return Quote(chunk, start, end)
    return None


def select(checklist: list[Entry], articles: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """The entries to list: a checklist's items that bear on the question most,
    the top hits' articles whatever their score, the others within a share of
    the best; at most MAX_ITEMS items and MAX_ARTICLES articles."""
    floor = KEEP_SHARE * max((e.score for e in articles), default=0.0)
    items_kept = sorted(checklist, key=lambda e: -e.score)[:MAX_ITEMS]
    top = [e for e in articles if e.rank < TOP_HITS]
    rest = sorted((e for e in articles if e.rank >= TOP_HITS and e.score >= floor), key=lambda e: -e.score)
    return items_kept, (top + rest)[:MAX_ARTICLES]


def _area(entry: Entry, lang: str) -> tuple[str, ...]:
    """The equipment or area (areas.py) a checklist table's item names, as a
    heading under the table's own: () for a check-box line (its list's
    headings say where it belongs) or an item that names no area."""
    text = entry.quotes[0].text
    if not kinds.is_table_row(text.strip()):
        return ()
    area = areas.area_of(text)
    return (area.label(lang),) if area else ()


def sections(checklist: list[Entry], articles: list[Entry], lang: str) -> list[Section]:
    """Entries grouped under their document and headings, in the document's
    order; a checklist table's items also under the equipment or area they
    name (areas.py), the areas in the order of their first item. The
    checklists first, then the other documents in retrieval's order (for a
    Chinese question, the Chinese documents first)."""
    by_group: dict[tuple[str, tuple[str, ...]], list[Entry]] = {}
    first_rank: dict[str, tuple[int, int]] = {}
    for order, group in ((0, checklist), (1, articles)):  # a checklist before the articles
        for entry in group:
            chunk = entry.chunk
            area = _area(entry, lang) if group is checklist else ()  # an article stays under its headings
            by_group.setdefault((chunk.doc_id, chunk.heading_path + area), []).append(entry)
            rank = (order, entry.rank)
            first_rank[chunk.doc_id] = min(first_rank.get(chunk.doc_id, rank), rank)
    langs = {e.chunk.doc_id: e.chunk.lang for e in checklist + articles}
    # A question is answered from its own language's documents first (as it is searched).
    docs = sorted(first_rank, key=lambda d: (langs[d] != lang, first_rank[d]))
    out = []
    for doc in docs:
        # The areas (headings) most relevant first; within each, the document's order.
        groups = [(key, found) for key, found in by_group.items() if key[0] == doc]
        groups.sort(key=lambda item: (min(e.rank for e in item[1]), min(e.position for e in item[1])))
        for (_, heading), found in groups:
            chunk = found[0].chunk
            label = " › ".join([chunk.title, *heading])
            if chunk.lang != lang:
                label += f" · {OTHER_LANGUAGE[lang]}"
            out.append(Section(label, sorted(found, key=lambda e: e.position)))
    return out
