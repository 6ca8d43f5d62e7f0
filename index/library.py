"""What an index holds, for the page: documents and their metadata, the values
record filters can take, and a cited passage in its whole document.

The document text is read again from the file it was ingested from, in a
parser process under ingest's limits (ingest/isolation.py), so a file that
could hang or exhaust a parser does so there, not in the page; the loaders give
exactly the text the chunk offsets point into. When the file has gone, changed
or cannot be read now, the document is rebuilt from its indexed chunks instead, and
the view says so. Nothing here writes.

For display, a view starts at its article's start (an article split into
several chunks is shown whole, the cited part highlighted), and a PDF's hard
line wraps can be joined into paragraphs (`SourceView.for_display`): offsets
move with the text, so the highlighted passage stays exact.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from core.text import CJK, CJK_RANGE

from core.errors import LoadError
from ingest.limits import Limits
from ingest.limits import from_env as limits_from_env
from ingest.models import Chunk, Document
from ingest.pipeline import SourceFile, file_hash, load_isolated
from ingest.structure import classify

from .catalog import DocumentRow
from .search import Index, article_key

METADATA_KEYS = ("issuer", "number", "effective", "repealed")


@dataclass(frozen=True)
class SourceView:
    """A passage in its document: `text[start:end]` is the passage."""

    document: DocumentRow
    chunk: Chunk
    text: str
    start: int
    end: int
    path: Path | None  # the original file, when it is still there unchanged
    from_file: bool  # False: rebuilt from the indexed chunks
    metadata: dict[str, Any] = field(default_factory=dict)
    pages: dict[int, tuple[int, int]] = field(default_factory=dict)  # page -> (start, end) in text, paged formats
    # Where the passage's article starts in `text`: before `start` when the
    # article was split into several chunks and the passage is a later part.
    article_start: int | None = None

    @property
    def article(self) -> int:
        return self.start if self.article_start is None else min(self.article_start, self.start)

    def page_span(self) -> tuple[int, int] | None:
        """Where the pages of the passage's article start and end in `text` (None: not paged)."""
        first, last = self.chunk.page_start, self.chunk.page_end or self.chunk.page_start
        if first is None or first not in self.pages:
            return None
        spans = [self.pages[p] for p in range(first, (last or first) + 1) if p in self.pages]
        # The pages the article began on, when it began before the passage's page.
        spans += [(a, b) for a, b in self.pages.values() if a <= self.article < b]
        return min(s for s, _ in spans), max(e for _, e in spans)

    @property
    def is_pdf(self) -> bool:
        return self.chunk.source.lower().endswith(".pdf")

    def for_display(self) -> "SourceView":
        """This view with a PDF's hard line wraps joined into paragraphs (other
        formats keep their lines): offsets, pages and article start moved with
        the text, so `text[start:end]` is still exactly the passage, unwrapped."""
        if not self.is_pdf:
            return self
        text, at = join_wrapped_lines(self.text)
        return replace(self, text=text, start=at(self.start), end=at(self.end),
                       article_start=None if self.article_start is None else at(self.article_start),
                       pages={p: (at(a), at(b)) for p, (a, b) in self.pages.items()})


_LINE_END = re.compile(r"[。；;.!?！？:：]\s*$")
_CJK_EDGE = re.compile(f"[{CJK_RANGE}\u3000-\u303f\uff00-\uffef]")
_HEADINGS = ("part", "chapter", "section", "clause_heading")  # lines that are whole in themselves
# A page's running footer ("Ladle Rules - page 2", "第 3 页") is not the end of the paragraph above it.
_FOOTER = re.compile(r"(?:\bpage\s+\d+|第\s*\d+\s*页)\s*$", re.I)
WRAP_SHARE = 0.6  # a line this share as wide as the widest of its page was wrapped, not ended


def _width(line: str) -> int:
    return len(line) + len(CJK.findall(line))  # a Chinese character is about two Latin ones wide


def _page_footer(lines: list[str], i: int) -> bool:
    """Whether lines[i] is the last line of its page and reads as a running footer."""
    last = i + 1 == len(lines) or not lines[i + 1].strip()
    return last and bool(_FOOTER.search(lines[i]))


def join_wrapped_lines(text: str) -> tuple[str, Callable[[int], int]]:
    """`text` (PDF text: lines as the page laid them out) with the line breaks
    that only wrap a paragraph joined: a line nearly as wide as the widest of
    its page, neither a heading nor ending a sentence, followed by a line that
    opens no article, item or heading. English lines join with a space, Chinese ones with nothing.
    Returns the joined text and a function from an offset of `text` to the
    same place in it (display only: the index keeps the text as it was)."""
    lines = text.split("\n")
    widest: list[int] = []  # per line: the widest line of its page (pages are separated by a blank line)
    page: list[int] = []
    for line in lines + [""]:
        if not line.strip():
            widest += [max((_width(x) for x in (lines[i] for i in page)), default=0)] * len(page) + [0]
            page = []
        else:
            page.append(len(widest) + len(page))
    out, removed, at = [], [], 0
    for i, line in enumerate(lines):
        out.append(line)
        at += len(line)
        if i + 1 == len(lines):
            break
        after = lines[i + 1]
        wrapped = (line.strip() and after.strip() and _width(line.rstrip()) >= WRAP_SHARE * widest[i]
                   and not _LINE_END.search(line) and classify(line).kind not in _HEADINGS
                   and classify(after).kind == "text" and not _page_footer(lines, i + 1))
        if not wrapped:
            out.append("\n")
        elif _CJK_EDGE.match(line.rstrip()[-1:]) and _CJK_EDGE.match(after.lstrip()[:1]):
            out.append("")
            removed.append(at)
        else:
            out.append(" ")
        at += 1

    def moved(offset: int) -> int:
        return offset - bisect_left(removed, offset)

    return "".join(out), moved


@lru_cache(maxsize=16)
def _by_stat(path: str, size: int, mtime_ns: int, source: str, part: str, content_hash: str,
             limits: Limits) -> Document | None:
    if file_hash(Path(path)) != content_hash:
        return None
    # Read as ingest read it: in a parser process, under the same limits.
    documents = load_isolated(SourceFile(Path(path), source, str(Path(path).parent)), limits)
    return next((d for d in documents if d.part == part), None)


def _loaded(path: Path, source: str, part: str, content_hash: str) -> Document | None:
    """The document as indexed, read again from its file when the file is
    unchanged (None when it changed). Kept for the files recently shown, so a
    page that reruns on every click neither hashes nor parses them again;
    a file rewritten since changes its size or time and is read afresh."""
    stat = path.stat()
    return _by_stat(str(path), stat.st_size, stat.st_mtime_ns, source, part, content_hash, limits_from_env())


def documents(index: Index) -> list[DocumentRow]:
    return index.catalog.documents()


def field_values(index: Index, name: str, lang: str | None = None) -> list[str]:
    """The values a filter on record field `name` (city, status, ...) can take:
    one per group of equivalent values ("Overdue" and "逾期未整改"), offered
    under its spelling in `lang` when it has one (values.py). Any of them
    filters to the whole group."""
    groups = index.vocabulary.grouped(name, index.stored_values(name))
    return sorted(index.vocabulary.label(name, group, lang) for group in groups)


def field_groups(index: Index, name: str) -> list[list[str]]:
    """The stored values of record field `name` in groups of equivalent values."""
    return index.vocabulary.grouped(name, index.stored_values(name))


def chunk_by_id(index: Index, chunk_id: str) -> Chunk | None:
    rows = index.catalog.rows_where("chunk_id = ?", [chunk_id])
    return index.catalog.chunk(int(rows[0])) if len(rows) else None


def source_view(index: Index, chunk_id: str) -> SourceView | None:
    """The passage `chunk_id` in its whole document; None when the chunk is not
    in this index (a newer ingest replaced it)."""
    chunk = chunk_by_id(index, chunk_id)
    if chunk is None:
        return None
    document = index.catalog.document(chunk.doc_id)
    if document is None:
        return None
    metadata = {k: document.metadata.get(k) for k in METADATA_KEYS if document.metadata.get(k)}
    path = Path(document.root, document.source)
    parts = sorted((c for c, _, _, _ in index.catalog.chunks_of([chunk.doc_id])), key=lambda c: c.start)
    first = _article_first(parts, chunk)
    try:
        loaded = _loaded(path, document.source, document.part, document.content_hash) if path.is_file() else None
        if loaded is not None and loaded.text[chunk.start:chunk.end] == chunk.text:
            pages: dict[int, tuple[int, int]] = {}
            for block, offset in zip(loaded.blocks, loaded.offsets):
                if block.page is not None:
                    start, end = pages.get(block.page, (offset, offset))
                    pages[block.page] = (min(start, offset), max(end, offset + len(block.text)))
            return SourceView(document, chunk, loaded.text, chunk.start, chunk.end, path, True, metadata, pages,
                              first.start)
    except (LoadError, OSError):
        pass
    # Rebuilt from the chunks: the same text wherever the chunks cover it.
    text, start, article = "", 0, 0
    for part in parts:
        if part.chunk_id == chunk.chunk_id:
            start = len(text)
        if part.chunk_id == first.chunk_id:
            article = len(text)
        text += part.text + "\n\n"
    return SourceView(document, chunk, text, start, start + len(chunk.text), None, False, metadata,
                      article_start=article)


def _article_first(parts: list[Chunk], chunk: Chunk) -> Chunk:
    """The first chunk of `chunk`'s article among its document's chunks (in
    document order): itself unless the article was split before it."""
    at = next((i for i, c in enumerate(parts) if c.chunk_id == chunk.chunk_id), None)
    if at is None:
        return chunk
    key = article_key(chunk)
    while at > 0 and article_key(parts[at - 1]) == key:
        at -= 1
    return parts[at]
