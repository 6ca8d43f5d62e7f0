"""The catalog: SQLite (WAL) with documents and chunks, the source of truth that
the vector store and the keyword index are checked against.

Row `row` of the chunks table is row `row` of the BM25 index and id `row` in
the vector store. Record fields used for filtering (city, enterprise,
hazard_category, status, date, deadline) are copied into their own columns.
Each chunk also keeps its BM25 tokens, so a new generation rebuilds the
keyword index without cutting unchanged text again.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ingest.models import Chunk

FILTER_FIELDS = ("city", "enterprise", "hazard_category", "status", "sector")
DATE_FIELDS = ("date", "deadline")

_SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, root TEXT NOT NULL, source TEXT NOT NULL, part TEXT NOT NULL,
    title TEXT NOT NULL, doc_type TEXT NOT NULL, lang TEXT NOT NULL, content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL, chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    source TEXT NOT NULL, title TEXT NOT NULL, doc_type TEXT NOT NULL, lang TEXT NOT NULL,
    heading_path TEXT NOT NULL, locator TEXT NOT NULL, page_start INTEGER, page_end INTEGER,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, fields TEXT NOT NULL, tokens TEXT NOT NULL,
    embed_key TEXT NOT NULL,
    city TEXT, enterprise TEXT, hazard_category TEXT, status TEXT, sector TEXT, date TEXT, deadline TEXT
);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE INDEX chunks_source ON chunks(source);
CREATE INDEX chunks_embed_key ON chunks(embed_key);
CREATE INDEX chunks_locator ON chunks(locator);  -- a record's cited clause, found by its locator
CREATE INDEX chunks_city ON chunks(city);
CREATE INDEX chunks_doc_type ON chunks(doc_type, lang);  -- the doc_type filter (similar findings: records)
"""


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    root: str
    source: str
    part: str
    title: str
    doc_type: str
    lang: str
    content_hash: str
    metadata: dict[str, Any]
    chunks: int
    ingested_at: str


def create(path: Path, documents: Iterable[DocumentRow], chunks: Iterable[tuple[Chunk, list[str], str]]) -> int:
    """Write a new catalog file with these documents and (chunk, tokens, embed_key)
    rows in order. `embed_key` identifies the exact text that was embedded, so a
    vector is reused only when that text is unchanged."""
    db = sqlite3.connect(str(path))
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(d.doc_id, d.root, d.source, d.part, d.title, d.doc_type, d.lang, d.content_hash,
              json.dumps(d.metadata, ensure_ascii=False), d.chunks, d.ingested_at) for d in documents],
        )
        rows = 0
        batch = []
        for row, (chunk, tokens, embed_key) in enumerate(chunks):
            f = chunk.fields
            batch.append((
                row, chunk.chunk_id, chunk.doc_id, chunk.source, chunk.title, chunk.doc_type, chunk.lang,
                json.dumps(list(chunk.heading_path), ensure_ascii=False), chunk.locator, chunk.page_start,
                chunk.page_end, chunk.start, chunk.end, chunk.text, json.dumps(f, ensure_ascii=False),
                json.dumps(tokens, ensure_ascii=False), embed_key,
                *(f.get(name) for name in FILTER_FIELDS), *(f.get(name) for name in DATE_FIELDS),
            ))
            rows += 1
            if len(batch) >= 5000:
                db.executemany(f"INSERT INTO chunks VALUES ({','.join('?' * 24)})", batch)
                batch.clear()
        if batch:
            db.executemany(f"INSERT INTO chunks VALUES ({','.join('?' * 24)})", batch)
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return rows
    finally:
        db.close()


class Catalog:
    """Read access to one generation's catalog."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Opened read-only: a generation never changes once written.
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def max_row(self) -> int:
        value = self.db.execute("SELECT MAX(row) FROM chunks").fetchone()[0]
        return -1 if value is None else int(value)

    def documents(self) -> list[DocumentRow]:
        rows = self.db.execute("SELECT * FROM documents ORDER BY source, part").fetchall()
        return [_document(r) for r in rows]

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        return _document(row) if row else None

    def chunk(self, row: int) -> Chunk:
        return self.chunks([row])[0]

    def chunks(self, rows: list[int]) -> list[Chunk]:
        if not rows:
            return []
        found = {}
        for start in range(0, len(rows), 900):
            part = rows[start:start + 900]
            query = f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({','.join('?' * len(part))})"
            cursor = self.db.cursor()
            cursor.row_factory = None  # plain tuples: a search reads a few hundred chunks
            for r in cursor.execute(query, part):
                found[r[0]] = _chunk_of_columns(r)
        return [found[r] for r in rows]

    def embed_rows(self) -> dict[str, int]:
        """embed_key -> a row whose vector embeds that exact text."""
        return {key: row for key, row in self.db.execute("SELECT embed_key, row FROM chunks")}

    def chunks_of(self, doc_ids: Iterable[str]) -> list[tuple[Chunk, list[str], str, int]]:
        """(chunk, tokens, embed_key, row) of these documents, in row order."""
        ids = list(doc_ids)
        out = []
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            query = (f"SELECT {_CHUNK_COLUMNS}, tokens, embed_key FROM chunks "
                     f"WHERE doc_id IN ({','.join('?' * len(part))}) ORDER BY row")
            cursor = self.db.cursor()
            cursor.row_factory = None
            out.extend((_chunk_of_columns(r[:-2]), json.loads(r[-2]), r[-1], r[0]) for r in cursor.execute(query, part))
        out.sort(key=lambda item: item[3])
        return out

    def rows_where(self, sql: str, params: list[Any]) -> np.ndarray:
        return np.fromiter((r[0] for r in self.db.execute(f"SELECT row FROM chunks WHERE {sql}", params)), dtype=np.int64)

    def cities(self) -> list[str]:
        """The distinct record cities (read from the chunks_city index, not the table)."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT city FROM chunks WHERE city IS NOT NULL AND city != ''")]

    def stats(self) -> list[tuple[str, str, int, int]]:
        """(doc_type, lang, documents, chunks) for the documents panel."""
        query = ("SELECT doc_type, lang, COUNT(*), SUM(chunks) FROM documents GROUP BY doc_type, lang "
                 "ORDER BY doc_type, lang")
        return [tuple(r) for r in self.db.execute(query)]


def _document(r: sqlite3.Row) -> DocumentRow:
    return DocumentRow(**{**dict(r), "metadata": json.loads(r["metadata"])})


# What a Chunk is made of (not its BM25 tokens, the largest column: a search
# reads a few hundred candidate chunks).
_CHUNK_COLUMNS = ('row, chunk_id, doc_id, source, title, doc_type, lang, heading_path, locator, page_start, '
                  'page_end, start, "end", text, fields')


def _chunk_of_columns(r: tuple) -> Chunk:
    """A Chunk from a row of _CHUNK_COLUMNS, in their order."""
    _, chunk_id, doc_id, source, title, doc_type, lang, heading_path, locator, page_start, page_end, start, end, text, fields = r
    return Chunk(
        chunk_id=chunk_id, doc_id=doc_id, source=source, title=title, doc_type=doc_type, lang=lang,
        heading_path=tuple(json.loads(heading_path)) if heading_path != "[]" else (), locator=locator,
        page_start=page_start, page_end=page_end, start=start, end=end, text=text,
        fields=json.loads(fields) if fields != "{}" else {},
    )
