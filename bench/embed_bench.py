"""Embedding options (python -m bench.embed_bench ...):

    options CORPUS          passages/s of float32 and int8 (torch dynamic
                            quantisation of the Linear layers) at several batch
                            sizes and torch thread counts, on an evenly spaced
                            sample of the texts ingest embedded; single-question
                            embedding latency with one and two threads
    int8-ingest CORPUS OUT  ingest the corpus with the int8 model into OUT
    quality INDEX QUESTIONS OUT
                            dev hit@5 per language (hybrid and dense) of the
                            float32 index and the int8 one, and how far their
                            vectors agree
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .common import Timer, gold_questions, load_questions, percentiles
from .ingest_bench import embedded_texts

INT8_SUFFIX = "+int8"


def quantise(model):
    """int8 weights for every Linear layer, activations quantised on the fly."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class Int8Embedder:
    """The default embedder with its model quantised to int8 (bench only)."""

    def __init__(self, batch_size: int = 32) -> None:
        from index.embedders.sbert import SentenceTransformerEmbedder

        self._inner = SentenceTransformerEmbedder(batch_size=batch_size)
        self._inner.model = quantise(self._inner.model)
        self.name = self._inner.name + INT8_SUFFIX
        self.dim = self._inner.dim

    def embed(self, texts):
        return self._inner.embed(texts)


def options(corpus: str, sample: int) -> dict:
    import torch

    from index.embedders.sbert import SentenceTransformerEmbedder

    texts = embedded_texts(corpus)
    step = max(1, len(texts) // sample)
    subset = texts[::step][:sample]
    cores = os.cpu_count() or 1
    f32 = SentenceTransformerEmbedder().model
    int8 = quantise(SentenceTransformerEmbedder().model)
    configs = [("float32", 32, cores), ("float32", 16, cores), ("float32", 64, cores), ("float32", 128, cores),
               ("float32", 32, 1), ("int8", 32, cores), ("int8", 64, cores)]
    rows = []
    for dtype, batch, threads in configs:
        torch.set_num_threads(threads)
        model = f32 if dtype == "float32" else int8
        model.encode(subset[:batch], batch_size=batch)  # warm
        with Timer() as t:
            model.encode(subset, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
        rows.append({"dtype": dtype, "batch_size": batch, "threads": threads, "texts": len(subset),
                     "seconds": round(t.seconds, 2), "passages_per_s": round(len(subset) / t.seconds, 2)})
    onnx = _onnx_options(subset, cores)
    if onnx:
        rows += onnx["configs"]
    words = [len(t.split()) for t in subset]
    query = {}
    questions = [t.split("\n", 1)[-1][:120] for t in subset[:40]]
    for threads in (1, cores):
        torch.set_num_threads(threads)
        ms = []
        for q in questions:
            t0 = time.perf_counter()
            f32.encode([q], normalize_embeddings=True)
            ms.append((time.perf_counter() - t0) * 1000)
        query[f"threads_{threads}"] = percentiles(ms)
    if onnx:
        query.update(onnx["single_query_ms"])
    return {"configs": rows, "sample": len(subset), "sample_mean_words": round(float(np.mean(words)), 1),
            "single_query_ms": query}


def _onnx_options(subset: list[str], cores: int) -> dict | None:
    """The ONNX Runtime export serving uses (float32, same vectors), when made."""
    from index.embedders import DEFAULT_MODEL
    from index.embedders.onnx_runtime import load_export

    rows = []
    for batch, threads in ((32, cores), (32, 1)):  # one thread last: it then times single questions
        embedder = load_export(DEFAULT_MODEL, threads=threads)
        if embedder is None:
            return None
        embedder.batch_size = batch
        embedder.embed(subset[:batch])  # warm
        with Timer() as t:
            embedder.embed(subset)
        rows.append({"dtype": "float32 (ONNX Runtime)", "batch_size": batch, "threads": threads, "texts": len(subset),
                     "seconds": round(t.seconds, 2), "passages_per_s": round(len(subset) / t.seconds, 2)})
    ms = []
    for q in [t.split("\n", 1)[-1][:120] for t in subset[:40]]:
        t0 = time.perf_counter()
        embedder.embed([q])
        ms.append((time.perf_counter() - t0) * 1000)
    return {"configs": rows, "single_query_ms": {"onnx_threads_1": percentiles(ms)}}


def _hit5(index, questions) -> dict:
    from index.evaluate import evaluate

    result = evaluate(index, questions, modes=("hybrid", "dense"))
    return {mode: {g: round(v["hit@5"], 4) for g, v in groups.items() if g == "all" or g.startswith("lang:")}
            for mode, groups in result["modes"].items()}


def int8_ingest(corpus: str, out: str) -> dict:
    import shutil

    from index.build import ingest

    shutil.rmtree(out, ignore_errors=True)
    with Timer() as t:
        report = ingest([corpus], out, embedder=Int8Embedder())
    return {"int8_ingest_s": round(t.seconds, 2), "int8_embed_s": round(report.timings.get("embed_s", 0), 2),
            "embedded": report.embedded}


def quality(index: str, questions_file: str, int8_dir: str) -> dict:
    from index.search import Index

    embedder = Int8Embedder()
    f32_index = Index.open(index, serving=True)
    int8_index = Index.open(int8_dir, embedder=embedder, serving=True)
    sources = {d.source for d in f32_index.catalog.documents()}
    questions = gold_questions(load_questions(Path(questions_file)), sources)
    result = {"questions": len(questions),
              "hit@5": {"float32": _hit5(f32_index, questions), "int8": _hit5(int8_index, questions)}}
    # Rows are matched by chunk id: re-ingests (the changed-file run) reorder rows.
    ids_a = [c.chunk_id for c in f32_index.catalog.chunks(list(range(f32_index.size)))]
    ids_b = {c.chunk_id: i for i, c in enumerate(int8_index.catalog.chunks(list(range(int8_index.size))))}
    rows = np.arange(f32_index.size, dtype=np.int64)
    a = f32_index.store.vectors(rows)
    b_rows = np.asarray([ids_b[c] for c in ids_a], dtype=np.int64)
    b = int8_index.store.vectors(b_rows)
    to_a = np.empty(len(b_rows), dtype=np.int64)
    to_a[b_rows] = rows
    result["mean_cosine"] = round(float((a * b).sum(1).mean()), 4)
    sample = rows[:: max(1, len(rows) // 200)]
    overlap = []
    for r in sample:
        top_a = {i for i, _ in f32_index.store.search(a[r], 11)} - {int(r)}
        top_b = {int(to_a[i]) for i, _ in int8_index.store.search(b[r], 11)} - {int(r)}
        overlap.append(len(top_a & top_b) / max(1, len(top_a)))
    result["knn10_overlap"] = round(float(np.mean(overlap)), 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embed_bench")
    parser.add_argument("what", choices=("options", "int8-ingest", "quality"))
    parser.add_argument("rest", nargs="+")
    parser.add_argument("--sample", type=int, default=384)
    args = parser.parse_args(argv)
    if args.what == "options":
        result = options(args.rest[0], args.sample)
    elif args.what == "int8-ingest":
        result = int8_ingest(*args.rest)
    else:
        result = quality(*args.rest)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
