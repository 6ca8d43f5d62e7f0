"""One file: where it is (`SourceFile`), why it was left out (`Skipped`), its
content hash, and its documents and chunks (`load_and_chunk`, which a parser
process runs: isolation.py).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from core.errors import LoadError

from . import limits as limits_mod
from .chunking import DEFAULT_MAX_TOKENS, chunk_document
from .loaders import load_file
from .models import Chunk, Document

# Files that describe a corpus rather than belong to it.
CORPUS_DESCRIPTIONS = ("readme", "sources", "license", "licence")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # path relative to the ingested root, with '/' separators
    root: str = ""  # the folder that was ingested (absolute), so vanished files can be found
    # The name the file was uploaded under, when it is stored under another
    # (ingest/uploads.py): its documents' title when the file itself gives none.
    name: str = ""


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def discover(paths: Iterable[str | Path]) -> Iterator[SourceFile | Skipped]:
    """Every file under `paths`, in a stable order. A folder's files are named
    relative to that folder; a single file by its name."""
    for raw in paths:
        root = Path(raw)
        if root.is_file():
            yield SourceFile(root, root.name, str(root.resolve().parent))
        elif root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                for name in sorted(files):
                    if name.startswith((".", "~$")):
                        continue
                    path = Path(folder, name)
                    source = path.relative_to(root).as_posix()
                    if not _encodable(source):
                        yield Skipped(source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                                      "the file name is not valid UTF-8")
                        continue
                    if path.stem.lower() in CORPUS_DESCRIPTIONS and folder == str(root):
                        yield Skipped(source, "describes the corpus, not a source document")
                        continue
                    yield SourceFile(path, source, str(root.resolve()))
        else:
            yield Skipped(str(raw), "no such file or folder")


def _encodable(name: str) -> bool:
    """False for names holding bytes that are not UTF-8 (os.walk gives them as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_and_chunk(item: SourceFile, max_tokens: int = DEFAULT_MAX_TOKENS) -> tuple[list[Document], list[Chunk]]:
    """Load one file and chunk its documents. Raises LoadError."""
    try:
        documents = load_file(item.path, item.source)
    except LoadError:
        raise
    except MemoryError as exc:
        raise LoadError(item.source, limits_mod.memory_reason()) from exc
    except RecursionError as exc:
        raise LoadError(item.source, "could not be parsed (structure nested too deeply or circular)") from exc
    except Exception as exc:  # a parser bug on a malformed file must not stop the batch
        raise LoadError(item.source, f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    max_chars = limits_mod.current().max_chars
    if sum(len(d.text) for d in documents) > max_chars:
        raise LoadError(item.source, f"more than {max_chars:,} characters of text")
    digest = file_hash(item.path)
    documents = [Document(**{**_fields(d), "title": _title(d, item), "content_hash": digest}) for d in documents]
    chunks = [c for d in documents for c in _marked_ocr(d, chunk_document(d, max_tokens))]
    if not chunks:
        raise LoadError(item.source, "no text to index")
    return documents, chunks


def _marked_ocr(doc: Document, chunks: list[Chunk]) -> list[Chunk]:
    """Chunks on pages read by OCR carry `ocr` (the engine) in their fields, so
    a citation of recognised text says so."""
    pages = {int(p) for p in str(doc.metadata.get("ocr_pages") or "").split(",") if p.strip().isdigit()}
    if not pages:
        return chunks
    return [replace(c, fields={**c.fields, "ocr": str(doc.metadata.get("ocr", "ocr"))})
            if pages & set(range(c.page_start or 0, (c.page_end or c.page_start or 0) + 1)) else c for c in chunks]


def _title(doc: Document, item: SourceFile) -> str:
    """The document's title; an upload's own name (without its extension) where
    the title only fell back to the stored file's name."""
    if item.name and doc.title == PurePosixPath(item.source).stem:
        return PurePosixPath(item.name).stem or doc.title
    return doc.title


def _fields(doc: Document) -> dict:
    return {name: getattr(doc, name) for name in ("source", "title", "doc_type", "lang", "blocks", "metadata", "part")}


