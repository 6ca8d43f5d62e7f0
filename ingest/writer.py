"""Write ingested chunks to the index folder as plain JSONL, atomically.

Documents already in the folder whose source was not part of this run are
kept; documents ingested again replace their old chunks. Files are written
under a temporary name and switched in with os.replace, so a crash leaves the
previous files whole.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .models import Chunk
from .pipeline import Result

CHUNKS_FILE = "chunks.jsonl"
DOCUMENTS_FILE = "documents.jsonl"


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_chunks(index_dir: str | Path) -> list[Chunk]:
    return [Chunk.from_dict(row) for row in _read_jsonl(Path(index_dir) / CHUNKS_FILE)]


def write_chunks(index_dir: str | Path, result: Result) -> None:
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    replaced = {d.source for d in result.documents}
    old_docs = [d for d in _read_jsonl(folder / DOCUMENTS_FILE) if d["source"] not in replaced]
    old_chunks = [c for c in _read_jsonl(folder / CHUNKS_FILE) if c["source"] not in replaced]
    docs = old_docs + [
        {"doc_id": d.doc_id, "source": d.source, "part": d.part, "title": d.title, "doc_type": d.doc_type,
         "lang": d.lang, "content_hash": d.content_hash, "metadata": d.metadata}
        for d in result.documents
    ]
    _write_jsonl(folder / CHUNKS_FILE, old_chunks + [c.to_dict() for c in result.chunks])
    _write_jsonl(folder / DOCUMENTS_FILE, docs)
