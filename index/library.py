"""What an index holds, for the page: documents and their metadata, the values
record filters can take, and a cited passage in its whole document.

The document text is read again from the file it was ingested from, in a
parser process under ingest's limits (ingest/isolation.py), so a file that
could hang or exhaust a parser does so there, not in the page; the loaders give
exactly the text the chunk offsets point into. When the file has gone, changed
or cannot be read now, the document is rebuilt from its indexed chunks instead, and
the view says so. Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import LoadError
from ingest.limits import Limits
from ingest.limits import from_env as limits_from_env
from ingest.models import Chunk, Document
from ingest.pipeline import SourceFile, file_hash, load_isolated

from .catalog import DocumentRow
from .search import Index

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

    def page_span(self) -> tuple[int, int] | None:
        """Where the passage's pages start and end in `text` (None: not paged)."""
        first, last = self.chunk.page_start, self.chunk.page_end or self.chunk.page_start
        if first is None or first not in self.pages:
            return None
        spans = [self.pages[p] for p in range(first, (last or first) + 1) if p in self.pages]
        return min(s for s, _ in spans), max(e for _, e in spans)

    @property
    def is_pdf(self) -> bool:
        return self.chunk.source.lower().endswith(".pdf")


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
    try:
        loaded = _loaded(path, document.source, document.part, document.content_hash) if path.is_file() else None
        if loaded is not None and loaded.text[chunk.start:chunk.end] == chunk.text:
            pages: dict[int, tuple[int, int]] = {}
            for block, offset in zip(loaded.blocks, loaded.offsets):
                if block.page is not None:
                    start, end = pages.get(block.page, (offset, offset))
                    pages[block.page] = (min(start, offset), max(end, offset + len(block.text)))
            return SourceView(document, chunk, loaded.text, chunk.start, chunk.end, path, True, metadata, pages)
    except (LoadError, OSError):
        pass
    # Rebuilt from the chunks: the same text wherever the chunks cover it.
    parts = [c for c, _, _, _ in index.catalog.chunks_of([chunk.doc_id])]
    parts.sort(key=lambda c: c.start)
    text, start = "", 0
    for part in parts:
        if part.chunk_id == chunk.chunk_id:
            start = len(text)
        text += part.text + "\n\n"
    return SourceView(document, chunk, text, start, start + len(chunk.text), None, False, metadata)
