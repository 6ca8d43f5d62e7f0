"""Walk paths, load every file, chunk every document, and report what happened.

One bad file never stops the batch: it becomes a `Skipped` entry with its name
and the reason, and the rest goes on. Files are parsed in parser processes with
a timeout and a memory cap (isolation.py, limits.py).
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from core.errors import LoadError

from .chunking import DEFAULT_MAX_TOKENS, chunk_document
from . import limits as limits_mod
from .limits import Limits
from .loaders import load_file
from .models import Chunk, Document

if TYPE_CHECKING:
    from .isolation import Parsed

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


@dataclass(frozen=True)
class FileStats:
    """How long one file took to parse and chunk, and the peak resident memory
    of the process that parsed it (None when that process was killed)."""

    source: str
    seconds: float
    peak_mib: float | None


@dataclass
class Result:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    stats: list[FileStats] = field(default_factory=list)

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
    documents = [Document(**{**_fields(d), "content_hash": digest}) for d in documents]
    chunks = [c for d in documents for c in chunk_document(d, max_tokens)]
    if not chunks:
        raise LoadError(item.source, "no text to index")
    return documents, chunks


def _fields(doc: Document) -> dict:
    return {name: getattr(doc, name) for name in ("source", "title", "doc_type", "lang", "blocks", "metadata", "part")}


class _Sized:
    """An iterator with a length, so a progress bar knows the total."""

    def __init__(self, iterator: Iterator, length: int) -> None:
        self._iterator, self._length = iterator, length

    def __iter__(self) -> Iterator:
        return self._iterator

    def __len__(self) -> int:
        return self._length


def load_all(items: list[SourceFile], max_tokens: int = DEFAULT_MAX_TOKENS, limits: Limits | None = None,
             progress: Callable[[Iterable], Iterable] = lambda items: items) -> Iterator[tuple[SourceFile, "Parsed"]]:
    """Parse and chunk every file in parser processes under `limits` (default:
    from the environment); yields (file, Parsed) in the order of `items`."""
    from .isolation import parse_isolated

    limits = limits or limits_mod.from_env()
    parsed = parse_isolated(items, max_tokens, limits)
    for outcome in progress(_Sized(parsed, len(items))):
        yield items[outcome.index], outcome


def run(
    paths: Iterable[str | Path],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    limits: Limits | None = None,
) -> Result:
    result = Result()
    files: list[SourceFile] = []
    for item in discover(paths):
        if isinstance(item, Skipped):
            result.skipped.append(item)
        else:
            files.append(item)
    result.files = len(files)
    for item, parsed in load_all(files, max_tokens, limits, progress):
        result.stats.append(FileStats(item.source, parsed.seconds, parsed.peak_mib))
        if parsed.reason is not None:
            result.skipped.append(Skipped(item.source, parsed.reason))
            continue
        result.documents.extend(parsed.documents)
        result.chunks.extend(parsed.chunks)
    return result
