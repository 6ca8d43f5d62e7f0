"""The index folder: generations of plain files and one pointer to the current one.

    DIR/CURRENT              name of the current generation ("gen-000003")
    DIR/gen-000003/
        manifest.json        format version, model, dimension, counts, file checksums
        catalog.sqlite       documents and chunks (index/catalog.py)
        vectors.faiss        the vector store (index/stores/)
        bm25/                the keyword index (bm25s' own files)

With another store backend (SAFECITE_STORE=milvus:...) the vectors live in
that store, named after the generation; the manifest says where
(index/stores/). Dropping a generation drops them too.

An ingest writes a complete new generation, then switches CURRENT to it with
os.replace. A crash at any moment leaves CURRENT naming the previous, complete
generation; half-written generations are deleted by the next ingest. The
previous generation is kept as a fallback. No pickle anywhere.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from core.errors import IndexStateError
from ingest.pipeline import file_hash as file_sha256

FORMAT_VERSION = 2
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CATALOG = "catalog.sqlite"
VECTORS = "vectors.faiss"
BM25 = "bm25"
_GEN = re.compile(r"^gen-(\d{6})$")


def generations(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and _GEN.match(p.name)) if folder.is_dir() else []


def current(folder: Path) -> Path | None:
    pointer = folder / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not _GEN.match(name) or not (folder / name).is_dir():
        raise IndexStateError(f"{folder}: CURRENT names '{name}', which is not a generation folder; re-ingest to rebuild the index")
    return folder / name


def new_generation(folder: Path) -> Path:
    """A fresh, empty generation folder, numbered after every existing one."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = generations(folder)
    number = int(_GEN.match(existing[-1].name).group(1)) + 1 if existing else 1
    path = folder / f"gen-{number:06d}"
    path.mkdir()
    return path


def _data_files(generation: Path) -> list[Path]:
    return sorted(p for p in generation.rglob("*") if p.is_file() and p.name != MANIFEST)


def _fsync(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest(generation: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Checksum every data file, write manifest.json, and flush it all to disk."""
    files = {p.relative_to(generation).as_posix(): {"sha256": file_sha256(p), "bytes": p.stat().st_size}
             for p in _data_files(generation)}
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": files}
    tmp = generation / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, generation / MANIFEST)
    for path in _data_files(generation) + [generation / MANIFEST]:
        _fsync(path)
    _fsync(generation)
    return manifest


def switch(folder: Path, generation: Path) -> None:
    """Make `generation` current (atomic), then drop generations older than the
    previous one and any unfinished ones."""
    pointer = folder / CURRENT
    previous = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""
    tmp = folder / (CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(generation.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / CURRENT)
    _fsync(folder)
    keep = {generation.name, previous}
    for old in generations(folder):
        if old.name not in keep:
            drop(old)


def discard_unfinished(folder: Path) -> None:
    """Delete generations newer than CURRENT: left by an ingest that did not finish
    (a generation is only ever named in CURRENT once it is complete)."""
    pointer = folder / CURRENT
    name = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""
    for gen in generations(folder):
        if gen.name > name:
            drop(gen)


def drop(generation: Path) -> None:
    """Delete a generation: its stores outside the folder (those its manifest
    names, and those of the configured backend, which an unfinished generation
    may have begun), then the folder."""
    from .stores import backend, backend_of

    entries = []
    try:
        entries = json.loads((generation / MANIFEST).read_text(encoding="utf-8")).get("embedders", [])
    except (OSError, ValueError):
        pass  # unfinished or damaged: no manifest to read
    backends = {repr(b): b for b in [backend(), *(backend_of(e) for e in entries)]}
    for each in backends.values():
        each.drop_generation(generation)
    shutil.rmtree(generation, ignore_errors=True)


def store_entry(manifest: dict[str, Any], route) -> dict[str, Any]:
    """The manifest's entry for a dense list (`route` of the index's plan):
    where its store is. Indexes from before embedder plans hold one FAISS file."""
    entries = {e["list"]: e for e in manifest.get("embedders", [])}
    return {"file": route.file, **entries.get(route.list, {})}


def usable_generation(folder: Path, verify: bool = True) -> tuple[Path | None, dict | None, list[str]]:
    """The current generation and its manifest; if it is damaged, the newest older
    generation that is whole, with a warning that says so. (None, None, warnings)
    when the folder holds no index; raises when it holds only damaged ones."""
    warnings: list[str] = []
    try:
        generation = current(folder)
        if generation is None:
            return None, None, warnings
        return generation, read_manifest(generation, verify), warnings
    except IndexStateError as exc:
        warnings.append(str(exc))
        failed = exc
    pointer = (folder / CURRENT).read_text(encoding="utf-8").strip() if (folder / CURRENT).exists() else ""
    for older in reversed(generations(folder)):
        if _GEN.match(pointer) and older.name >= pointer:
            continue  # the damaged current one, or an ingest's unfinished next one
        try:
            manifest = read_manifest(older, verify)
        except IndexStateError as exc:
            warnings.append(str(exc))
            continue
        warnings.append(f"using the previous generation {older.name} instead")
        return older, manifest, warnings
    raise failed


def read_manifest(generation: Path, verify: bool = True) -> dict[str, Any]:
    """The generation's manifest, after checking that every file it lists is there
    with the recorded size (and checksum, when `verify`)."""
    path = generation / MANIFEST
    if not path.exists():
        raise IndexStateError(f"{generation}: no manifest; the generation is incomplete, re-ingest to rebuild it")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IndexStateError(f"{path}: damaged manifest ({exc.msg}); re-ingest to rebuild the index") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStateError(
            f"{generation}: index format {manifest.get('format_version')} but this SafeCite reads format "
            f"{FORMAT_VERSION}; re-ingest to rebuild the index")
    for name, info in manifest.get("files", {}).items():
        file = generation / name
        if not file.exists() or file.stat().st_size != info["bytes"]:
            raise IndexStateError(f"{generation}: {name} is missing or has the wrong size; re-ingest to rebuild the index")
        if verify and file_sha256(file) != info["sha256"]:
            raise IndexStateError(f"{generation}: {name} does not match its checksum; re-ingest to rebuild the index")
    return manifest
