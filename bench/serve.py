"""Serving benchmarks, each in a fresh process (python -m bench.serve ...):

    latency INDEX QUESTIONS  open the index as the CLI and the page do
                             (Index.open(serving=True)), warm up, then time
                             `search` (k=10) and the extractive `answer`
                             (answer_question, k=8) per question; resident
                             memory after opening and after the queries
    ann INDEX QUESTIONS      exact float32 search (the ground truth) against the
                             default float16 scan and HNSW on the same vectors:
                             recall@10 and single-query latency of each
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

    # Wall time, and the CPU time the process spent (time.process_time): serving
    # runs on one thread, so CPU time is what the wall time would be on an idle
    # core, whatever else the machine is running.
    from index.embedders import embed_query

    search_ms, answer_ms, embed_ms, search_cpu, answer_cpu, embed_cpu = [], [], [], [], [], []
    by_model: dict[str, list[float]] = {route.model: [] for route in index.plan}

    def forget() -> None:  # a question answered after it was searched embeds again, as a new one would
        for model in by_model:
            getattr(index.embedder_for(model), "forget", lambda: None)()

    # The index's e5 keeps its last questions' vectors: each timing below starts
    # with them dropped, so the search and the answer embed the question themselves.
    # Every question is timed at least once, as the peer's are (bench/peer.py):
    # the file's first questions alone would leave out most of those that search
    # the other language, the slowest (in the first 140 of the dev file, 18 of
    # 140 against 50 of 198).
    for i in range(max(samples, len(questions))):
        q = questions[i % len(questions)]
        forget()
        for model, times in by_model.items():  # each embedder of the index on one question
            t = time.perf_counter()
            embed_query(index.embedder_for(model), q)
            times.append((time.perf_counter() - t) * 1000)
        forget()
        t, c = time.perf_counter(), time.process_time()
        index.embedder.embed([q])
        embed_ms.append((time.perf_counter() - t) * 1000)
        embed_cpu.append((time.process_time() - c) * 1000)
        t, c = time.perf_counter(), time.process_time()
        index.search(q, 10)
        search_ms.append((time.perf_counter() - t) * 1000)
        search_cpu.append((time.process_time() - c) * 1000)
        forget()
        t, c = time.perf_counter(), time.process_time()
        answer_question(index, q)
        answer_ms.append((time.perf_counter() - t) * 1000)
        answer_cpu.append((time.process_time() - c) * 1000)
    return {
        "chunks": index.size, "store": index.store.current_kind, "open_s": round(open_s, 2),
        "first_answer_s": round(time.perf_counter() - started, 2),
        "embedder": type(index.embedder).__name__, "torch_imported": "torch" in sys.modules,
        "faiss_threads": faiss.omp_get_max_threads(),
        "search_ms": percentiles(search_ms), "answer_ms": percentiles(answer_ms), "embed_ms": percentiles(embed_ms),
        "embed_ms_by_model": {model: percentiles(times) for model, times in by_model.items()},
        "embedders": index.manifest["model"],
        "search_cpu_ms": percentiles(search_cpu), "answer_cpu_ms": percentiles(answer_cpu), "embed_cpu_ms": percentiles(embed_cpu),
        "rss_open_mib": round(rss_open, 1), "rss_warm_mib": round(rss_warm, 1), "rss_end_mib": round(rss_mib(), 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def ann(index_dir: str, questions_file: str, vectors_file: str | None, k: int = 10) -> dict:
    """The served vector store against exact float32 search over the same
    vectors (the ground truth), and HNSW: recall@10 and @100 of each, and the
    latency of each (one FAISS thread, as when serving). The served store is a
    float16 scan up to LARGE_THRESHOLD chunks, LARGE_KIND above (then compared
    in the place of HNSW: `served_kind` says which); from SPLIT_MIN chunks
    a serving process scans it in two halves at once (`flat_halves`)."""
    import faiss

    from index import persist
    from index.embedders import make_embedder
    from index.stores import FaissStore
    from index.stores.faiss_store import HNSW_M

    faiss.omp_set_num_threads(1)
    folder = Path(index_dir)
    generation = persist.current(folder)
    # The list over every chunk (the only one of a one-model index): vectors.json names it.
    chosen = folder / "vectors.json"
    which = json.loads(chosen.read_text()) if chosen.exists() else {"list": "dense", "model": None}
    served = FaissStore.load(generation / ("vectors.faiss" if which["list"] == "dense" else f"vectors-{which['list']}.faiss"))
    if vectors_file and Path(vectors_file).exists():
        vectors = np.load(vectors_file)
    else:
        vectors = served.vectors(served.ids())
    n, dim = vectors.shape
    embedder = make_embedder(which["model"], serving=True)
    queries = embedder.embed([q["question"] for q in load_questions(Path(questions_file))])
    ids = np.arange(n, dtype=np.int64)
    exact = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    exact.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    stores = {"exact32": FaissStore.wrap(exact, "flat")}
    build_s = {}
    if served.current_kind == "flat":
        stores["flat"] = served
        halves = FaissStore.wrap(served.index)
        halves.split_scan()  # as a serving process scans it (from SPLIT_MIN vectors on)
        if halves.is_split:
            stores["flat_halves"] = halves
        # The HNSW twin of an exact index is cached beside it (a scaled index
        # folder is deleted whole when it is rebuilt).
        cached = folder / "hnsw-twin.faiss"
        if cached.exists():
            hnsw = FaissStore.load(cached)
        else:
            t0 = time.perf_counter()
            hnsw = FaissStore(dim, "hnsw")
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # built with all cores, as ingest does
            hnsw.add(ids, vectors)
            faiss.omp_set_num_threads(1)
            build_s["hnsw"] = round(time.perf_counter() - t0, 1)
            hnsw.save(cached)
        stores["hnsw"] = hnsw
    else:
        stores["hnsw"] = served
        flat = FaissStore(dim, "flat")
        flat.add(ids, vectors)
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

    def recall(kind: str, depth: int) -> float:
        if depth == k:
            pairs = zip(results["exact32"], results[kind])
        else:  # candidates as search uses them (100 per retriever)
            pairs = (([i for i, _ in stores["exact32"].search(q, depth)], [i for i, _ in stores[kind].search(q, depth)])
                     for q in queries)
        return round(float(np.mean([len(set(a) & set(b)) / depth for a, b in pairs])), 4)

    return {"chunks": n, "served_kind": served.current_kind, "hnsw_m": HNSW_M, "queries": len(queries),
            "halves_same_as_one_scan": results["flat_halves"] == results["flat"] if "flat_halves" in results else None,
            "recall_at_10": recall("hnsw", 10), "recall_at_100": recall("hnsw", 100),
            "flat_recall_at_10": recall("flat", 10), "flat_recall_at_100": recall("flat", 100),
            "latency_ms": timings, "hnsw_build_s": build_s.get("hnsw"),
            "bytes": {"exact32": int(n * dim * 4), "flat": int(n * dim * 2), "hnsw_approx": int(n * dim * 4 + n * HNSW_M * 2 * 4)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("what", choices=("latency", "ann"))
    parser.add_argument("index")
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=100, help="timed questions (every question of the file at least once)")
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
