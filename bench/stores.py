"""The vector store backends side by side (python -m bench.stores ..., one
measurement per fresh process; run by `python -m bench --parts stores`):

    INDEX SIZE SPEC QUESTIONS   one backend (SPEC: faiss, milvus:PATH.db or
                                milvus:http://...) holding SIZE vectors of the
                                index's cross-lingual list (dense_all, the one
                                every question searches; SIZE 0: the corpus's
                                own): write time (create, add, commit), open
                                time, single-query search at the hybrid's depth
                                (k=100, one thread) p50/p95, recall@10 against
                                an exact float32 scan of the same vectors, and
                                resident memory

Past the corpus the vectors are copies of the corpus's with Gaussian noise
(cosine about 0.9 to their original, as bench/scale.py makes them). The
question vectors are the dev questions embedded by the list's own model.
Only the dense vectors are compared: the catalog and BM25 are the same files
whichever backend holds the vectors.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import load_questions, peak_rss_mib, percentiles, rss_mib

LIST = "dense_all"
DEPTH = 100  # index.search.CANDIDATES: what each dense list returns to the fusion


def _base(index_dir: Path) -> tuple[np.ndarray, str]:
    """The list's vectors (float32, in id order) and its model."""
    from index import persist
    from index.embedders import plan as plans
    from index.stores import backend_of

    generation = persist.current(index_dir)
    manifest = persist.read_manifest(generation, verify=False)
    route = next(r for r in plans.from_manifest(manifest) if r.list == LIST)
    entry = persist.store_entry(manifest, route)
    store = backend_of(entry).open(generation, entry)
    return store.vectors(store.ids()), route.model


def scaled(vectors: np.ndarray, size: int, seed: int = 11) -> np.ndarray:
    """`size` vectors: the originals, then noisy copies of them (renormalised)."""
    from .scale import noise_scale

    if size <= len(vectors):
        return vectors[:size] if size else vectors
    rng = np.random.default_rng(seed)
    out = np.empty((size, vectors.shape[1]), dtype=np.float32)
    out[:len(vectors)] = vectors
    sigma = noise_scale(vectors.shape[1])
    for start in range(len(vectors), size, len(vectors)):
        n = min(len(vectors), size - start)
        copy = vectors[:n] + rng.standard_normal((n, vectors.shape[1])).astype(np.float32) * sigma
        out[start:start + n] = copy / np.linalg.norm(copy, axis=1, keepdims=True)
    return out


def _queries(model: str, questions: Path, samples: int, cache: Path) -> np.ndarray:
    if cache.exists():
        return np.load(cache)
    from index.embedders import embed_query, make_embedder

    embedder = make_embedder(model)
    texts = [q["question"] for q in load_questions(questions)][:samples]
    vectors = np.vstack([embed_query(embedder, t) for t in texts]).astype(np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def exact_top(queries: np.ndarray, vectors: np.ndarray, k: int = 10) -> np.ndarray:
    """Each query's top k ids by an exact float32 scan, in blocks (a million
    vectors of 512 floats is 2 GiB)."""
    exact = np.zeros((len(queries), k), dtype=np.int64)
    best = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for start in range(0, len(vectors), 200_000):
        scores = queries @ vectors[start:start + 200_000].T
        merged_scores = np.hstack([best, scores])
        merged_ids = np.hstack([exact, np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)])
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        best, exact = np.take_along_axis(merged_scores, order, 1), np.take_along_axis(merged_ids, order, 1)
    return exact


def _indexed(store) -> float:
    """Seconds until Milvus has indexed every row (it builds indexes in the
    background after a flush; searches before then scan unindexed rows)."""
    if not hasattr(store, "client"):
        return 0.0
    t0 = time.perf_counter()
    while store.client.describe_index(store.collection, "vec").get("pending_index_rows", 0):
        time.sleep(0.5)
    return time.perf_counter() - t0


def measure(index_dir: str, size: int, spec: str, questions: str, samples: int, work: str) -> dict:
    import faiss

    from index.stores import backend

    faiss.omp_set_num_threads(1)
    base, model = _base(Path(index_dir))
    vectors = scaled(base, size)
    queries = _queries(model, Path(questions), samples, Path(work) / f"queries-{LIST}.npy")
    exact = exact_top(queries, vectors)
    rss_data = rss_mib()
    folder = Path(tempfile.mkdtemp(prefix="stores-", dir=work))
    generation = folder / "index" / "gen-000001"
    generation.mkdir(parents=True)
    if spec.startswith("milvus:") and spec.endswith(".db"):
        spec = f"milvus:{folder / Path(spec[len('milvus:'):]).name}"  # a fresh embedded folder per measurement
    try:
        be = backend(spec)
        t0 = time.perf_counter()
        store = be.create(generation, f"vectors-{LIST}.faiss", vectors.shape[1])
        for start in range(0, len(vectors), 50_000):
            store.add(np.arange(start, min(start + 50_000, len(vectors))), vectors[start:start + 50_000])
        store.commit()
        write_s = time.perf_counter() - t0
        entry, kind = be.entry(store), store.current_kind
        store.close()
        t0 = time.perf_counter()
        store = be.open(generation, entry)
        open_s = time.perf_counter() - t0
        index_s = _indexed(store)
        rss_open = rss_mib()
        for q in queries[:3]:
            store.search(q, DEPTH)
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            hits = store.search(q, DEPTH)
            times.append((time.perf_counter() - t) * 1000)
            found.append([i for i, _ in hits[:10]])
        recall = float(np.mean([len(set(f) & set(e.tolist())) / 10 for f, e in zip(found, exact)]))
        store.close()
        be.drop_generation(generation)
        be.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"backend": spec.split(":")[0] + (" lite (embedded)" if spec.endswith(".db") else
                                              " (server)" if spec.startswith("milvus:") else ""),
            "vectors": len(vectors), "dim": int(vectors.shape[1]), "kind": kind,
            "write_s": round(write_s, 2), "open_s": round(open_s, 2), "index_wait_s": round(index_s, 1), "search_ms": percentiles(times),
            "recall@10": round(recall, 4), "rss_vectors_mib": round(rss_data, 1), "rss_open_mib": round(rss_open, 1),
            "rss_end_mib": round(rss_mib(), 1), "peak_rss_mib": round(peak_rss_mib(), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stores")
    parser.add_argument("index")
    parser.add_argument("size", type=int)
    parser.add_argument("spec")
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=140)
    parser.add_argument("--work", default=tempfile.gettempdir())
    args = parser.parse_args(argv)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.index, args.size, args.spec, args.questions, args.samples, args.work)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
