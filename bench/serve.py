"""Serving benchmarks, each in a fresh process (python -m bench.serve ...):

    latency INDEX QUESTIONS  open the index as the CLI and the page do
                             (Index.open(serving=True)), warm up, then time
                             `search` (k=10) and the extractive `answer`
                             (answer_question, k=8) per question; resident
                             memory after opening and after the queries
    ann INDEX QUESTIONS      exact (flat) against HNSW vector search on the
                             same vectors: recall@10 of HNSW and single-query
                             latency of each, through FaissStore.search
    cold INDEX QUESTION      (run by bench/__main__.py) the answer CLI in a new
                             process, from process start to the answer printed
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .common import load_questions, peak_rss_mib, percentiles, rss_mib


def latency(index_dir: str, questions_file: str, samples: int, warmup: int = 3) -> dict:
    started = time.perf_counter()
    from answer.service import answer_question
    from index.search import Index

    t0 = time.perf_counter()
    index = Index.open(index_dir, serving=True)
    open_s = time.perf_counter() - t0
    rss_open = rss_mib()
    questions = [q["question"] for q in load_questions(Path(questions_file))]
    for q in questions[:warmup]:
        answer_question(index, q)
    rss_warm = rss_mib()
    import faiss
    import torch

    # Wall time, and the CPU time the process spent (time.process_time): serving
    # runs on one thread, so CPU time is what the wall time would be on an idle
    # core, whatever else the machine is running.
    search_ms, answer_ms, embed_ms, search_cpu, answer_cpu, embed_cpu = [], [], [], [], [], []
    for i in range(samples):
        q = questions[i % len(questions)]
        t, c = time.perf_counter(), time.process_time()
        index.embedder.embed([q])
        embed_ms.append((time.perf_counter() - t) * 1000)
        embed_cpu.append((time.process_time() - c) * 1000)
        t, c = time.perf_counter(), time.process_time()
        index.search(q, 10)
        search_ms.append((time.perf_counter() - t) * 1000)
        search_cpu.append((time.process_time() - c) * 1000)
        t, c = time.perf_counter(), time.process_time()
        answer_question(index, q)
        answer_ms.append((time.perf_counter() - t) * 1000)
        answer_cpu.append((time.process_time() - c) * 1000)
    return {
        "chunks": index.size, "store": index.store.current_kind, "open_s": round(open_s, 2),
        "first_answer_s": round(time.perf_counter() - started, 2),
        "torch_threads": torch.get_num_threads(), "faiss_threads": faiss.omp_get_max_threads(),
        "search_ms": percentiles(search_ms), "answer_ms": percentiles(answer_ms), "embed_ms": percentiles(embed_ms),
        "search_cpu_ms": percentiles(search_cpu), "answer_cpu_ms": percentiles(answer_cpu), "embed_cpu_ms": percentiles(embed_cpu),
        "rss_open_mib": round(rss_open, 1), "rss_warm_mib": round(rss_warm, 1), "rss_end_mib": round(rss_mib(), 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def ann(index_dir: str, questions_file: str, vectors_file: str | None, k: int = 10) -> dict:
    """Recall@10 of HNSW against exact search over the same vectors, and the
    latency of each (one FAISS thread, as when serving)."""
    import faiss

    from index import persist
    from index.embedders import make_embedder
    from index.stores import FaissStore
    from index.stores.faiss_store import HNSW_M

    faiss.omp_set_num_threads(1)
    folder = Path(index_dir)
    generation = persist.current(folder)
    served = FaissStore.load(generation / persist.VECTORS)
    if vectors_file and Path(vectors_file).exists():
        vectors = np.load(vectors_file)
    else:
        ids = served.ids()
        vectors = served.vectors(ids)
    n, dim = vectors.shape
    embedder = make_embedder(threads=1)
    queries = embedder.embed([q["question"] for q in load_questions(Path(questions_file))])
    stores = {}
    build_s = {}
    if served.current_kind == "flat":
        stores["flat"] = served
        # The HNSW twin of an exact index is cached beside it (a scaled index
        # folder is deleted whole when it is rebuilt).
        cached = folder / "hnsw-twin.faiss"
        if cached.exists():
            hnsw = FaissStore.load(cached)
        else:
            t0 = time.perf_counter()
            hnsw = FaissStore(dim, "hnsw")
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # built with all cores, as ingest does
            hnsw.add(np.arange(n, dtype=np.int64), vectors)
            faiss.omp_set_num_threads(1)
            build_s["hnsw"] = round(time.perf_counter() - t0, 1)
            hnsw.save(cached)
        stores["hnsw"] = hnsw
    else:
        stores["hnsw"] = served
        flat = FaissStore(dim, "flat")
        flat.add(np.arange(n, dtype=np.int64), vectors)
        stores["flat"] = flat
    del vectors
    results, timings = {}, {}
    for kind, store in stores.items():
        store.search(queries[0], k)  # warm
        ms, found = [], []
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                hits = store.search(q, k)
                ms.append((time.perf_counter() - t) * 1000)
                found.append([i for i, _ in hits])
        results[kind] = found[: len(queries)]
        timings[kind] = percentiles(ms)
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(results["flat"], results["hnsw"])])
    # candidates as search uses them (100 per retriever): does HNSW keep the exact top 100?
    recall100 = np.mean([len({i for i, _ in stores["flat"].search(q, 100)} & {i for i, _ in stores["hnsw"].search(q, 100)}) / 100
                         for q in queries])
    return {"chunks": n, "served_kind": served.current_kind, "hnsw_m": HNSW_M, "queries": len(queries),
            "recall_at_10": round(float(recall), 4), "recall_at_100": round(float(recall100), 4),
            "latency_ms": timings, "hnsw_build_s": build_s.get("hnsw"),
            "bytes": {"flat": int(n * dim * 4), "hnsw_approx": int(n * dim * 4 + n * HNSW_M * 2 * 4)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("what", choices=("latency", "ann"))
    parser.add_argument("index")
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--vectors")
    args = parser.parse_args(argv)
    if args.what == "latency":
        result = latency(args.index, args.questions, args.samples)
    else:
        result = ann(args.index, args.questions, args.vectors)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
