"""Scaled indexes: the real corpus's chunks repeated with deterministic
perturbation, written through the project's own storage code (catalog.create,
FaissStore, LexicalIndex, persist), so that opening and searching them runs the
real serving path.

Copy 0 is the ingested corpus as it is. Copy c > 0 of each chunk:
- its document is a new document (doc_id and chunk_id get a "~c" suffix, the
  source a "copy-c/" folder), same title, type, language and record fields;
- its text drops about 5 % of its words (CJK: characters), chosen by a
  generator seeded with the copy's number, so copies are near-duplicates, not
  duplicates, and the same-clause folding in search does not merge them;
- its BM25 tokens are the original chunk's tokens with about 5 % dropped the
  same way (tokenising a million texts again would take longer than the rest of
  the benchmark; the tokens keep the corpus's real vocabulary and lengths);
- its vector is the original vector plus Gaussian noise, renormalised, with
  the noise scaled so that the copy's cosine to the original is about 0.9.

Nothing is embedded: the vectors of copy 0 are the ones the ingest produced.
A scaled index is cached under its folder and rebuilt only when its source
index (its chunk ids) or the recipe changes.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.text import CJK_RANGE


RECIPE = 6  # bump when the perturbation or the stored index types change, so cached indexes are rebuilt
DROP = 0.05
TARGET_COSINE = 0.9
_UNIT = re.compile(rf"[{CJK_RANGE}]|[^\s{CJK_RANGE}]+|\s+")


def noise_scale(dim: int, cosine: float = TARGET_COSINE) -> float:
    """Per-dimension sigma such that E[cos(v, v + noise)] is about `cosine` for a unit v."""
    return float(np.sqrt((1 / cosine**2 - 1) / dim))


def _drops(n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted distinct positions to drop among n items: about DROP of them."""
    k = int(round(n * DROP))
    return np.unique(rng.integers(0, n, size=k)) if k else np.zeros(0, dtype=np.int64)


def unit_spans(text: str) -> np.ndarray:
    """(start, end) of each word (CJK: character) of a text."""
    return np.asarray([m.span() for m in _UNIT.finditer(text) if not m.group().isspace()], dtype=np.int64).reshape(-1, 2)


def perturb_text(text: str, rng: np.random.Generator, spans: np.ndarray | None = None) -> str:
    spans = unit_spans(text) if spans is None else spans
    drop = _drops(len(spans), rng)
    if not len(drop):
        return text
    pieces, at = [], 0
    for start, end in spans[drop].tolist():
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    out = "".join(pieces)
    return out if out.strip() else text


def perturb_tokens(tokens: list[str], rng: np.random.Generator) -> list[str]:
    drop = _drops(len(tokens), rng)
    if not len(drop):
        return tokens
    out, at = [], 0
    for i in drop.tolist():
        out += tokens[at:i]
        at = i + 1
    out += tokens[at:]
    return out or tokens


def base_key(base: Path) -> str:
    from index import persist
    from index.catalog import Catalog

    generation = persist.current(base)
    catalog = Catalog(generation / persist.CATALOG)
    try:
        digest = hashlib.sha256()
        for (chunk_id,) in catalog.db.execute("SELECT chunk_id FROM chunks WHERE chunk_id NOT LIKE '%~%' ORDER BY row"):
            digest.update(chunk_id.encode())
    finally:
        catalog.close()
    return f"recipe{RECIPE}-{digest.hexdigest()[:16]}"


def load_base(base: Path):
    """(documents, [(chunk, tokens, embed_key)], {dense list: (positions, vectors)},
    manifest) of the base index, in row order: each dense list's vectors with the
    positions (in the rows) of the chunks it holds."""
    from index import persist
    from index.catalog import Catalog
    from index.embedders import plan as plans
    from index.stores import FaissStore

    generation = persist.current(base)
    manifest = json.loads((generation / persist.MANIFEST).read_text())
    catalog = Catalog(generation / persist.CATALOG)
    try:
        # A scaled index can serve as a base: only its copy 0 (ids without "~N") is used.
        documents = [d for d in catalog.documents() if "~" not in d.doc_id]
        rows = catalog.chunks_of(d.doc_id for d in documents)
    finally:
        catalog.close()
    lists = {}
    for route in plans.from_manifest(manifest):
        store = FaissStore.load(generation / route.file)
        held = set(store.ids().tolist())
        positions = np.asarray([i for i, (*_, r) in enumerate(rows) if r in held], dtype=np.int64)
        lists[route] = (positions, store.vectors(np.asarray([rows[i][3] for i in positions], dtype=np.int64)))
    return documents, [(c, t, k) for c, t, k, _ in rows], lists, manifest


def build(base: Path, size: int, out: Path, seed: int = 7, reuse: bool = False) -> dict:
    """Write a scaled index of `size` chunks to `out` (an index folder), unless
    the cached one matches. Returns its build record. One builder at a time per
    folder: a second one waits, then finds the first one's result cached."""
    import fcntl

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record_file = out / "scaled.json"
        if reuse and record_file.exists() and (out / "CURRENT").exists():
            # Use the cached index whatever ingest it came from (its key says which).
            return {**json.loads(record_file.read_text()), "cached": True}
        return _build(base, size, out, seed)


def _build(base: Path, size: int, out: Path, seed: int) -> dict:
    from index import persist
    from index.build import write_generation

    key = base_key(base)
    record_file = out / "scaled.json"
    if record_file.exists():
        record = json.loads(record_file.read_text())
        if record.get("key") == key and record.get("size") == size and persist.current(out) is not None:
            return {**record, "cached": True}
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    documents, rows, lists, manifest = load_base(base)
    n = len(rows)
    docs_out, rows_out = [], []
    parts: dict = {route: ([], []) for route in lists}  # route -> (id blocks, vector blocks)
    counts: dict[str, int] = {}
    spans = [unit_spans(chunk.text) for chunk, _, _ in rows]
    copy = 0
    while len(rows_out) < size:
        take = min(n, size - len(rows_out))
        offset = len(rows_out)
        suffix = f"~{copy}" if copy else ""
        rng = np.random.default_rng([seed, copy])
        for row in range(take):
            chunk, tokens, ekey = rows[row]
            if copy:
                chunk = replace(chunk, chunk_id=chunk.chunk_id + suffix, doc_id=chunk.doc_id + suffix,
                                source=f"copy-{copy:03d}/{chunk.source}", text=perturb_text(chunk.text, rng, spans[row]))
                tokens = perturb_tokens(tokens, rng)
                ekey = ekey + suffix
            rows_out.append((chunk, tokens, ekey))
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        for route, (positions, base_vectors) in lists.items():
            keep = positions < take
            block = base_vectors[keep]
            if copy:
                noise = np.random.default_rng([seed, copy]).standard_normal(block.shape).astype(np.float32)
                block = block + noise * noise_scale(block.shape[1])
                block /= np.linalg.norm(block, axis=1, keepdims=True)
            parts[route][0].append(positions[keep] + offset)
            parts[route][1].append(np.ascontiguousarray(block, dtype=np.float32))
        for d in documents:
            doc_id = d.doc_id + suffix
            if doc_id in counts:
                docs_out.append(replace(d, doc_id=doc_id, source=f"copy-{copy:03d}/{d.source}" if copy else d.source,
                                        chunks=counts[doc_id]))
        copy += 1
    timings = {"derive_s": round(time.perf_counter() - started, 1)}

    lists_out, kind, sigma, served = [], "flat", 0.0, None
    for route, (id_blocks, vector_blocks) in parts.items():
        ids, vectors = np.concatenate(id_blocks), np.vstack(vector_blocks)
        lists_out.append((route, ids, vectors, vectors.shape[1]))
        if route.scope == "all" and served is None:
            served, sigma = (route, vectors), noise_scale(vectors.shape[1])  # every row: the exact-vs-HNSW data
    # Written as ingest writes a generation (exact vectors, the large index past the threshold).
    recorded = {e["list"]: {k: e[k] for k in ("list", "scope", "model", "version") if k in e}
                for e in manifest.get("embedders", [])}
    generation, written = write_generation(out, docs_out, rows_out, lists_out, manifest["model"], "auto",
                                           time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), recorded)
    timings.update({k: round(v, 1) for k, v in written.items()})
    kind = json.loads((generation / persist.MANIFEST).read_text())["store"]
    np.save(out / "vectors.npy", served[1])  # for the exact-vs-HNSW comparison
    (out / "vectors.json").write_text(json.dumps({"list": served[0].list, "model": served[0].model}))
    sizes = {p.name: p.stat().st_size for p in generation.rglob("*") if p.is_file()}
    record = {"key": key, "size": size, "copies": copy, "documents": len(docs_out), "store": kind,
              "noise_sigma": round(sigma, 5), "drop": DROP, "timings": timings,
              "build_s": round(time.perf_counter() - started, 1), "disk_mib": round(sum(sizes.values()) / 2**20, 1)}
    record_file.write_text(json.dumps(record, indent=2))
    return {**record, "cached": False}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("base")
    parser.add_argument("size", type=int)
    parser.add_argument("out")
    parser.add_argument("--reuse", action="store_true", help="use a cached index even if built from another ingest")
    args = parser.parse_args(argv)
    print(json.dumps(build(Path(args.base), args.size, Path(args.out), reuse=args.reuse)))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
