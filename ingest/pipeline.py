"""Walk paths, load every file, chunk every document, and report what happened.

One bad file never stops the batch: it becomes a `Skipped` entry with its name
and the reason, and the rest goes on.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .chunking import DEFAULT_MAX_TOKENS, chunk_document
from .errors import LoadError
from .loaders import load_file
from .models import Chunk, Document

# Files that describe a corpus rather than belong to it.
CORPUS_DESCRIPTIONS = ("readme", "sources", "license", "licence")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # path relative to the ingested root, with '/' separators
    root: str = ""  # the folder that was ingested (absolute), so vanished files can be found


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


@dataclass
class Result:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0

    def chunks_per_type(self) -> dict[str, int]:
        return dict(sorted(Counter(c.doc_type for c in self.chunks).items()))

    def summary(self) -> str:
        lines = [f"{self.files} files, {len(self.documents)} documents, {len(self.chunks)} chunks"]
        for doc_type, count in self.chunks_per_type().items():
            lines.append(f"  {doc_type}: {count} chunks")
        if self.skipped:
            lines.append(f"{len(self.skipped)} skipped:")
            lines.extend(f"  {s.source}: {s.reason}" for s in self.skipped)
        return "\n".join(lines)


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
                    if path.stem.lower() in CORPUS_DESCRIPTIONS and folder == str(root):
                        yield Skipped(source, "describes the corpus, not a source document")
                        continue
                    yield SourceFile(path, source, str(root.resolve()))
        else:
            yield Skipped(str(raw), "no such file or folder")


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
        raise LoadError(item.source, "too large to load in memory") from exc
    except Exception as exc:  # a parser bug on a malformed file must not stop the batch
        raise LoadError(item.source, f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    digest = file_hash(item.path)
    documents = [Document(**{**_fields(d), "content_hash": digest}) for d in documents]
    chunks = [c for d in documents for c in chunk_document(d, max_tokens)]
    if not chunks:
        raise LoadError(item.source, "no text to index")
    return documents, chunks


def _fields(doc: Document) -> dict:
    return {name: getattr(doc, name) for name in ("source", "title", "doc_type", "lang", "blocks", "metadata", "part")}


def run(
    paths: Iterable[str | Path],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> Result:
    result = Result()
    items = list(discover(paths))
    for item in progress(items):
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        result.files += 1
        try:
            documents, chunks = load_and_chunk(item, max_tokens)
        except LoadError as exc:
            result.skipped.append(Skipped(item.source, exc.reason))
            continue
        result.documents.extend(documents)
        result.chunks.extend(chunks)
    return result
