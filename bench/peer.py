"""The peer: txtai `Embeddings(hybrid=True, content=True)` with the same model
folder, indexing the same chunk texts our ingest embedded and answering the
same dev questions (python -m bench.peer CORPUS QUESTIONS), chunked by the
project's own loaders and chunking.

txtai is a bench-only dependency (requirements-bench.txt). Its defaults are
kept: its own transformer pooling over the model folder, its BM25 for the
keyword side, FAISS IVF past 5,000 rows, SQLite for the content. Index time
includes loading the model; queries are timed warm, with one torch thread and
one FAISS thread, as ours are. hit@5 uses the same rule as index/evaluate.py
(a returned chunk from the gold source containing the gold quote), on txtai's
raw top 5 (it does not group the parts of an article).

With --vectors (a scaled index) or --index-vectors (an ingested index), the
texts and vectors of an index are given instead (method "external": indexed
texts are looked up, questions are embedded with the model), so the peer's
index time there excludes embedding (but for an ingested index's chunks its
MiniLM list does not hold: a plan index's Chinese chunks, which it embeds);
the query part uses this to time the peer's questions alone, right after ours.
"""
from __future__ import annotations

import argparse
import json
from importlib.metadata import version
import sys
import time
from pathlib import Path

import numpy as np

from .common import gold_questions, load_questions, peak_rss_mib, percentiles, rss_mib


def _chunks(index_dir: str):
    from index.search import Index

    idx = Index.open(index_dir, verify=False)
    try:
        return idx.catalog.chunks(list(range(idx.size)))
    finally:
        idx.close()


def _index_vectors(index_dir: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, vectors) of the index's list embedded by the peer's model
    (float16 decoded to float32): every row in a one-model index, the English
    chunks in a plan's MiniLM list (the peer embeds the others itself)."""
    from index.embedders import DEFAULT_MODEL
    from index.search import Index

    idx = Index.open(index_dir, verify=False)
    try:
        name = next((name for name, route in idx.routes.items() if route.model == DEFAULT_MODEL), None)
        if name is None:
            raise SystemExit(f"{index_dir}: no list embedded by {DEFAULT_MODEL}, the peer's model")
        rows = idx.stores[name].ids()
        return rows, idx.stores[name].vectors(rows)
    finally:
        idx.close()


def run(index_dir: str, questions_file: str, samples: int, vectors_file: str | None = None,
        index_vectors: bool = False) -> dict:
    try:
        from txtai import Embeddings
    except ImportError as exc:
        raise SystemExit("the peer benchmark needs txtai: pip install -r requirements-bench.txt") from exc
    import faiss
    import torch

    from index.build import embed_text
    from index.embedders import default_model_path
    from index.evaluate import hits_gold

    external = bool(vectors_file) or index_vectors
    if external:
        chunks = _chunks(index_dir)
    else:
        from .ingest_bench import corpus_chunks

        chunks = corpus_chunks(index_dir)
    texts = [embed_text(c) for c in chunks]
    model_path = default_model_path()
    if external:
        from index.embedders import make_embedder

        if vectors_file:
            vectors = np.load(vectors_file, mmap_mode="r")
            lookup = {t: i for i, t in enumerate(texts)}
        else:
            rows, vectors = _index_vectors(index_dir)
            lookup = {texts[row]: i for i, row in enumerate(rows.tolist())}
        # A scaled index's vectors.npy is its list over every chunk; vectors.json names its model.
        named = Path(vectors_file).parent / "vectors.json" if vectors_file else None
        model = make_embedder(json.loads(named.read_text())["model"] if named and named.exists() else None)

        def transform(batch):
            out = np.zeros((len(batch), vectors.shape[1]), dtype=np.float32)
            missing = [i for i, t in enumerate(batch) if t not in lookup]
            for i, t in enumerate(batch):
                if t in lookup:
                    out[i] = vectors[lookup[t]]
            if missing:
                out[missing] = model.embed([batch[i] for i in missing])
            return out

        config = {"method": "external", "transform": transform, "hybrid": True, "content": True}
    else:
        config = {"path": model_path, "hybrid": True, "content": True}
    rss_before = rss_mib()
    t0 = time.perf_counter()
    embeddings = Embeddings(config)
    embeddings.index((str(i), text, None) for i, text in enumerate(texts))
    index_s = time.perf_counter() - t0
    rss_indexed = rss_mib()

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    questions = load_questions(Path(questions_file))
    scored = {q["id"] for q in gold_questions(questions, {c.source for c in chunks})}
    embeddings.search(questions[0]["question"], 10)  # warm
    ms = []
    ranks: dict[str, list] = {"en": [], "zh": [], "xl": []}
    for i in range(max(samples, len(questions))):
        q = questions[i % len(questions)]
        t = time.perf_counter()
        results = embeddings.search(q["question"], 10)
        ms.append((time.perf_counter() - t) * 1000)
        if i < len(questions) and q["id"] in scored:
            rank = None
            for r, result in enumerate(results[:5], start=1):
                chunk = chunks[int(result["id"])]
                if hits_gold(chunk.source, chunk.text, q["gold"]):
                    rank = r
                    break
            ranks.setdefault(q["lang"], []).append(rank)
    hit5 = {lang: round(sum(1 for r in rs if r) / len(rs), 4) for lang, rs in ranks.items() if rs}
    every = [r for rs in ranks.values() for r in rs]
    hit5["all"] = round(sum(1 for r in every if r) / len(every), 4) if every else None
    return {"chunks": len(texts), "index_s": round(index_s, 2), "chunks_per_s": round(len(texts) / index_s, 2),
            "search_ms": percentiles(ms), "hit@5": hit5,
            "config": {"method": "external" if external else "default (model folder)", "hybrid": True, "content": True},
            "rss_indexed_mib": round(rss_indexed, 1), "rss_index_growth_mib": round(rss_indexed - rss_before, 1),
            "peak_rss_mib": round(peak_rss_mib(), 1), "txtai": version("txtai")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer")
    parser.add_argument("index", help="the corpus folder; with --vectors or --index-vectors, an index folder")
    parser.add_argument("questions")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--vectors", help="a scaled index's vectors.npy (method external)")
    parser.add_argument("--index-vectors", action="store_true",
                        help="INDEX is an index folder: its own vectors (method external), so only the queries are timed")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.index, args.questions, args.samples, args.vectors, args.index_vectors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
