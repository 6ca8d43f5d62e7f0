"""Walk paths, load every file, chunk every document, and report what happened.

One bad file never stops the batch: it becomes a `Skipped` entry with its name
and the reason, and the rest goes on. Files are parsed in parser processes with
a timeout and a memory cap (isolation.py, limits.py).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from core.errors import LoadError

from . import limits as limits_mod
from .chunking import DEFAULT_MAX_TOKENS
from .files import SourceFile, Skipped, discover, file_hash, load_and_chunk
from .isolation import Parsed, parse_isolated
from .limits import Limits
from .models import Chunk, Document

__all__ = ["FileStats", "Result", "SourceFile", "Skipped", "discover", "file_hash", "load_all", "load_and_chunk",
           "load_isolated", "run"]


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


class _Sized:
    """An iterator with a length, so a progress bar knows the total."""

    def __init__(self, iterator: Iterator, length: int) -> None:
        self._iterator, self._length = iterator, length

    def __iter__(self) -> Iterator:
        return self._iterator

    def __len__(self) -> int:
        return self._length


def load_all(items: list[SourceFile], max_tokens: int = DEFAULT_MAX_TOKENS, limits: Limits | None = None,
             progress: Callable[[Iterable], Iterable] = lambda items: items) -> Iterator[tuple[SourceFile, Parsed]]:
    """Parse and chunk every file in parser processes under `limits` (default:
    from the environment); yields (file, Parsed) in the order of `items`."""
    limits = limits or limits_mod.from_env()
    parsed = parse_isolated(items, max_tokens, limits)
    for outcome in progress(_Sized(parsed, len(items))):
        yield items[outcome.index], outcome


def load_isolated(item: SourceFile, limits: Limits | None = None,
                  max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Document]:
    """One file's documents, read in a parser process under `limits` exactly as
    ingest reads it (the source view shows a file this way). Raises LoadError
    naming the file and the reason."""
    parsed = next(parse_isolated([item], max_tokens, limits or limits_mod.from_env()))
    if parsed.reason is not None:
        raise LoadError(item.source, parsed.reason)
    return parsed.documents


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
