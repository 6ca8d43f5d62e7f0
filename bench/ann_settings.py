"""Which FAISS index a large store should use, chosen by a rule
(python -m bench.ann_settings INDEX SIZE QUESTIONS; run by part `stores`):

    among the settings whose recall@10 against an exact float32 scan is at
    least RECALL_FLOOR, the one with the lowest search p50

on the vectors of bench/stores.py (the corpus's cross-lingual list, then noisy
copies of it) with the dev questions' vectors as queries. Each setting is
searched one query at a time, on one thread, at the hybrid's depth (k=100), as
the store serves. Candidates: the float16 scan the store uses today (exact but
for float16 rounding); HNSW (M=32) at several efSearch (one graph, built once);
IVF over float32 and over float16 vectors (nlist about 4 * sqrt(N)) at several
nprobe (one index each, trained once). Build time and the resident memory the
index added are recorded with each.
"""
from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

import numpy as np

from .common import percentiles, rss_mib
from .stores import DEPTH, LIST, _base, _queries, exact_top, scaled

RECIPE = 1  # bump when the candidates or how they are measured change (part stores caches results)
RECALL_FLOOR = 0.95
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40  # FAISS's default, what FaissStore builds with
EF_SEARCH = (128, 256, 512, 1024)  # below k=100 FAISS searches with ef=k anyway
NPROBE = (8, 16, 32, 64, 128)
ADD_BLOCK = 50_000
KMEANS_ITERATIONS = 10  # FAISS's default is 25; 10 keeps a million vectors' training to minutes


def nlist_for(size: int) -> int:
    return int(4 * np.sqrt(size))


def _timed(index, queries: np.ndarray, exact: np.ndarray, params=None) -> dict:
    """Search p50/p95 (one query at a time, one thread) and recall@10 against `exact`."""
    import faiss

    faiss.omp_set_num_threads(1)
    for q in queries[:3]:
        index.search(q[None, :], DEPTH, params=params)
    times, recall = [], []
    for q, truth in zip(queries, exact):
        t = time.perf_counter()
        _, ids = index.search(q[None, :], DEPTH, params=params)
        times.append((time.perf_counter() - t) * 1000)
        recall.append(len(set(ids[0, :10].tolist()) & set(truth.tolist())) / 10)
    ms = percentiles(times)
    return {"recall@10": round(float(np.mean(recall)), 4), "p50_ms": ms["p50"], "p95_ms": ms["p95"]}


def _build(make, vectors: np.ndarray, deadline: float, threads: int) -> tuple[object, float, float, bool]:
    """(index, build seconds, MiB it added, finished): `make()` returns an
    untrained index; it is trained if needed, then given the vectors in
    blocks until they are all in or `deadline` (time.monotonic) passes."""
    import faiss

    faiss.omp_set_num_threads(threads)
    gc.collect()
    before, t0 = rss_mib(), time.perf_counter()
    index = make()
    if not index.is_trained:
        sample = np.random.default_rng(5).choice(len(vectors), min(len(vectors), 40 * index.nlist), replace=False)
        index.cp.niter = KMEANS_ITERATIONS
        index.train(vectors[np.sort(sample)])
    for start in range(0, len(vectors), ADD_BLOCK):
        if time.monotonic() > deadline:
            return index, time.perf_counter() - t0, rss_mib() - before, False
        index.add(vectors[start:start + ADD_BLOCK])
    return index, time.perf_counter() - t0, rss_mib() - before, True


def _row(name: str, param: str, built: tuple, searched: dict) -> dict:
    _, seconds, mib, _ = built
    return {"setting": name, "param": param, "build_s": round(seconds, 1), "memory_mib": round(mib, 0), **searched}


def candidates(vectors: np.ndarray, queries: np.ndarray, exact: np.ndarray, hnsw_minutes: float,
               threads: int) -> list[dict]:
    import faiss

    dim, rows = vectors.shape[1], []
    flat = _build(lambda: faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT),
                  vectors, float("inf"), threads)
    rows.append(_row("flat fp16 (exact scan)", "", flat, _timed(flat[0], queries, exact)))
    del flat
    nlist = nlist_for(len(vectors))
    quantizer = faiss.IndexFlatIP(dim)  # trained (k-means) by the first IVF, reused by the second
    for name, make in (("IVF flat", lambda q: faiss.IndexIVFFlat(q, dim, nlist, faiss.METRIC_INNER_PRODUCT)),
                       ("IVF fp16", lambda q: faiss.IndexIVFScalarQuantizer(
                           q, dim, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT))):
        built = _build(lambda: make(quantizer), vectors, float("inf"), threads)
        for nprobe in NPROBE:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            rows.append(_row(f"{name}, nlist {nlist}", f"nprobe {nprobe}", built, _timed(built[0], queries, exact, params)))
        del built
    hnsw = _build(lambda: _hnsw(dim), vectors, time.monotonic() + hnsw_minutes * 60, threads)
    if not hnsw[3]:
        rows.append({"setting": f"HNSW M={HNSW_M}", "param": "", "build_s": round(hnsw[1], 1),
                     "unfinished": f"build stopped after {hnsw_minutes:g} min with {hnsw[0].ntotal:,} vectors in"})
        return rows
    for ef in EF_SEARCH:
        params = faiss.SearchParametersHNSW(efSearch=ef)
        rows.append(_row(f"HNSW M={HNSW_M}", f"efSearch {ef}", hnsw, _timed(hnsw[0], queries, exact, params)))
    return rows


def _hnsw(dim: int):
    import faiss

    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    return index


def choose(rows: list[dict]) -> dict | None:
    """The rule: recall@10 >= RECALL_FLOOR, then the lowest p50."""
    passing = [r for r in rows if r.get("recall@10", 0) >= RECALL_FLOOR]
    return min(passing, key=lambda r: r["p50_ms"]) if passing else None


def measure(index_dir: str, size: int, questions: str, samples: int, work: str, hnsw_minutes: float,
            build_threads: int) -> dict:
    base, model = _base(Path(index_dir))
    vectors = scaled(base, size)
    queries = _queries(model, Path(questions), samples, Path(work) / f"queries-{LIST}.npy")[:samples]
    exact = exact_top(queries, vectors)
    rows = candidates(vectors, queries, exact, hnsw_minutes, build_threads)
    return {"vectors": len(vectors), "dim": int(vectors.shape[1]), "queries": len(queries), "k": DEPTH,
            "recall_floor": RECALL_FLOOR, "build_threads": build_threads, "settings": rows, "chosen": choose(rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ann_settings")
    parser.add_argument("index")
    parser.add_argument("size", type=int)
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--work", default="var/bench/stores")
    parser.add_argument("--hnsw-minutes", type=float, default=30, help="stop building HNSW after this long")
    parser.add_argument("--build-threads", type=int, default=2)
    args = parser.parse_args(argv)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.index, args.size, args.questions, args.samples, args.work, args.hnsw_minutes,
                             args.build_threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
