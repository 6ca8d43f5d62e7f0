"""Which index type a Milvus collection should use, by the rule of
bench/ann_settings.py (recall@10 >= RECALL_FLOOR against an exact float32
scan, then the lowest search p50) (python -m bench.milvus_settings INDEX SIZE
QUESTIONS; run by part `stores`).

The vectors of bench/stores.py are written once through `MilvusBackend` (the
store's own schema, versions and filter); then each index type is created on
the collection in turn (release, drop the index, create it, load) and searched
as `MilvusStore.search` searches (its visibility filter, k=100, one query at a
time) with each of its search parameters. Milvus Lite (the embedded engine,
`milvus:PATH.db`) builds FLAT in Python and HNSW and IVF_FLAT with FAISS.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .ann_settings import RECALL_FLOOR, choose, nlist_for
from .common import percentiles
from .stores import DEPTH, LIST, _base, _queries, exact_top, scaled


def index_types(size: int) -> list[tuple[str, dict, str, list[dict]]]:
    """(index type, build params, search parameter's name, its values)."""
    nlist = min(nlist_for(size), size)
    return [("FLAT", {}, "", [{}]),
            ("HNSW", {"M": 32, "efConstruction": 200}, "ef", [{"ef": e} for e in (128, 256, 512)]),
            ("IVF_FLAT", {"nlist": nlist}, "nprobe", [{"nprobe": p} for p in (16, 64, 128)])]


def _reindex(client, collection: str, index_type: str, params: dict) -> float:
    """Seconds to put `index_type` on the collection's vectors and load it."""
    t0 = time.perf_counter()
    client.release_collection(collection)
    client.drop_index(collection, "vec")
    index = client.prepare_index_params()
    index.add_index("vec", index_type=index_type, metric_type="IP", params=params)
    client.create_index(collection, index)
    client.load_collection(collection)
    while client.describe_index(collection, "vec").get("pending_index_rows", 0):
        time.sleep(0.5)
    return time.perf_counter() - t0


def _timed(store, queries: np.ndarray, exact: np.ndarray, params: dict) -> dict:
    """As MilvusStore.search with these search parameters."""
    def search(q):
        found = store.client.search(store.collection, data=[q.tolist()], anns_field="vec", limit=DEPTH,
                                    filter=f"({store._visible})", output_fields=["id"],
                                    search_params={"metric_type": "IP", "params": params})
        return [hit["id"] for hit in found[0]]

    for q in queries[:3]:
        search(q)
    times, recall = [], []
    for q, truth in zip(queries, exact):
        t = time.perf_counter()
        ids = search(q)
        times.append((time.perf_counter() - t) * 1000)
        recall.append(len(set(ids[:10]) & set(truth.tolist())) / 10)
    ms = percentiles(times)
    return {"recall@10": round(float(np.mean(recall)), 4), "p50_ms": ms["p50"], "p95_ms": ms["p95"]}


def measure(index_dir: str, size: int, questions: str, samples: int, work: str, uri: str) -> dict:
    from index.stores.milvus_store import MilvusBackend

    base, model = _base(Path(index_dir))
    vectors = scaled(base, size)
    queries = _queries(model, Path(questions), samples, Path(work) / f"queries-{LIST}.npy")[:samples]
    exact = exact_top(queries, vectors)
    folder = Path(tempfile.mkdtemp(prefix="milvus-settings-", dir=work))
    generation = folder / "index" / "gen-000001"
    generation.mkdir(parents=True)
    uri = str(folder / uri) if uri.endswith(".db") else uri
    backend = MilvusBackend(uri)
    rows = []
    try:
        t0 = time.perf_counter()
        store = backend.create(generation, f"vectors-{LIST}.faiss", vectors.shape[1], "flat")
        for start in range(0, len(vectors), 50_000):
            store.add(np.arange(start, min(start + 50_000, len(vectors))), vectors[start:start + 50_000])
        store.commit()
        write_s = time.perf_counter() - t0
        for index_type, build, name, values in index_types(len(vectors)):
            seconds = _reindex(backend.client, store.collection, index_type, build)
            for params in values:
                rows.append({"setting": index_type + "".join(f", {k} {v}" for k, v in build.items()),
                             "param": " ".join(f"{k} {v}" for k, v in params.items()), "build_s": round(seconds, 1),
                             **_timed(store, queries, exact, params)})
        backend.drop_generation(generation)
    finally:
        backend.close()
        shutil.rmtree(folder, ignore_errors=True)
    return {"vectors": len(vectors), "dim": int(vectors.shape[1]), "queries": len(queries), "k": DEPTH,
            "backend": "milvus lite (embedded)" if uri.endswith(".db") else "milvus (server)",
            "write_s": round(write_s, 1), "recall_floor": RECALL_FLOOR, "settings": rows, "chosen": choose(rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus_settings")
    parser.add_argument("index")
    parser.add_argument("size", type=int)
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--work", default=tempfile.gettempdir())
    parser.add_argument("--uri", default="milvus.db", help="a .db name (embedded, in a fresh folder) or a server URI")
    args = parser.parse_args(argv)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.index, args.size, args.questions, args.samples, args.work, args.uri)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
