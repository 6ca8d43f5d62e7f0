"""Adding and removing documents from the page, over the incremental ingest
(build.py): uploads are stored by content hash (ingest/uploads.py) and their
folder is ingested; a removed upload is deleted and its folder ingested again;
any other document is removed by its source.

The summary names files by the name they were uploaded under, never by the
hash they are stored as.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from core.errors import LoadError
from ingest.pipeline import Skipped
from ingest.uploads import UploadFolder

from .build import IngestReport, ingest
from .catalog import DocumentRow
from .embedders import Embedder

Progress = Callable[[Iterable, str], Iterable]


@dataclass
class UploadSummary:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    generation: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def _label(report_source: str, names: dict[str, str]) -> str:
    return names.get(report_source, report_source)


def add_uploads(files: Iterable[tuple[str, bytes]], uploads: UploadFolder, index_dir: str | Path, *,
                embedder: Embedder | Mapping[str, Embedder] | None = None, progress: Progress = lambda items, _label: items) -> UploadSummary:
    """Store each (name, content) and ingest the upload folder. A file refused
    (type, size, empty) or that fails to load is listed in `skipped` with why."""
    summary = UploadSummary()
    stored = []
    for name, data in files:
        try:
            stored.append(uploads.store(name, data))
        except LoadError as exc:
            summary.skipped.append(Skipped(exc.path, exc.reason))
    if not stored:
        return summary
    names = uploads.names()
    report = ingest([uploads.folder], index_dir, embedder=embedder, progress=progress, names=names)
    failed = {s.source for s in report.skipped}
    for skipped in report.skipped:
        summary.skipped.append(Skipped(_label(skipped.source, names), skipped.reason))
        if any(u.path.name == skipped.source and u.new for u in stored):
            # A file no loader can read is not kept (an earlier version under its name stays).
            uploads.delete(skipped.source)
    added = set(report.added)
    for upload in stored:
        if upload.path.name in added:
            (summary.replaced if upload.replaces else summary.added).append(upload.name)
        elif upload.path.name not in failed:
            summary.unchanged.append(upload.name)
    summary.removed = [_label(s, names) for s in report.removed]
    # A new version that was indexed supersedes the earlier upload under its name:
    # only now is the earlier one deleted and dropped from the index.
    superseded = [u.replaces for u in stored if u.replaces and u.path.name in added]
    if superseded:
        for old in superseded:
            uploads.delete(old)
        report = ingest([uploads.folder], index_dir, embedder=embedder, progress=progress, names=uploads.names())
    summary.generation = report.generation
    return summary


def remove_document(document: DocumentRow, uploads: UploadFolder, index_dir: str | Path, *,
                    embedder: Embedder | Mapping[str, Embedder] | None = None) -> IngestReport:
    """Remove one document from the index: an upload is deleted too."""
    if Path(document.root).resolve() == uploads.folder.resolve() and uploads.delete(document.source):
        return ingest([uploads.folder], index_dir, embedder=embedder)
    return ingest([], index_dir, embedder=embedder, remove=[document.source])
