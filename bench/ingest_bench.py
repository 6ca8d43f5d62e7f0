"""Ingest benchmarks, each run in a fresh process (python -m bench.ingest_bench ...):

    ingest   INDEX CORPUS   the real incremental ingest (index.build.ingest) with the
                            default embedder plan (or --model M alone): time per
                            stage, chunks/s, peak memory
    ceiling  CORPUS         sentence-transformers alone encoding the texts that
                            ingest embeds (cut by the project's own chunking),
                            with the same settings (batch 32, normalised, all
                            cores): what the machine allows
    edit     INDEX CORPUS   re-ingest after appending a paragraph to one file,
                            then again after restoring it

The ceiling does not include loading the model or the files; ingest does.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .common import Timer, peak_rss_mib


def run_ingest(index: str, corpus: str, embedder=None, model: str | None = None) -> dict:
    from index.build import ingest

    with Timer() as t:
        report = ingest([corpus], index, embedder=embedder, model=model)
    return {"seconds": round(t.seconds, 2), "documents": report.documents, "chunks": report.chunks,
            "embedded": report.embedded, "reused": report.reused, "changed": report.changed,
            "unchanged": report.unchanged, "timings": {k: round(v, 2) for k, v in report.timings.items()},
            "peak_rss_mib": round(peak_rss_mib(), 1)}


def corpus_chunks(corpus: str) -> list:
    """The chunks an ingest of this folder makes (the project's own discovery,
    loaders and chunking), in ingest order."""
    from core.errors import LoadError
    from ingest.pipeline import SourceFile, discover, load_and_chunk

    chunks = []
    for item in discover([corpus]):
        if isinstance(item, SourceFile):
            try:
                chunks.extend(load_and_chunk(item)[1])
            except LoadError:
                continue
    return chunks


def embedded_texts(corpus: str) -> list[str]:
    """The distinct texts an ingest of this folder gives the embedder, in order."""
    from index.build import embed_key, embed_text

    chunks = corpus_chunks(corpus)
    seen: dict[str, str] = {}
    for chunk in chunks:
        seen.setdefault(embed_key(chunk), embed_text(chunk))
    return list(seen.values())


def ceiling(corpus: str, batch_size: int = 32) -> dict:
    from index.embedders.sbert import SentenceTransformerEmbedder

    texts = embedded_texts(corpus)
    embedder = SentenceTransformerEmbedder()
    model = embedder.model
    with Timer() as t:
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                     show_progress_bar=False)
    return {"texts": len(texts), "seconds": round(t.seconds, 2), "passages_per_s": round(len(texts) / t.seconds, 2),
            "batch_size": batch_size, "peak_rss_mib": round(peak_rss_mib(), 1)}


EDIT = "\n\nThis paragraph was appended by the benchmark to change one file.\n"


def edit(index: str, corpus: str, name: str) -> dict:
    path = Path(corpus) / name
    original = path.read_bytes()
    from index.embedders import make_embedder

    out = {"file": name}
    try:
        path.write_bytes(original + EDIT.encode("utf-8"))
        out["changed"] = run_ingest(index, corpus)
    finally:
        path.write_bytes(original)
    out["restored"] = run_ingest(index, corpus)
    out["unchanged"] = run_ingest(index, corpus)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench")
    parser.add_argument("what", choices=("ingest", "ceiling", "edit"))
    parser.add_argument("index", help="the index folder (ceiling: the corpus folder)")
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--file", help="for edit: the file (relative to the corpus) to change")
    parser.add_argument("--model", help="for ingest: one model over every chunk instead of the default plan")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.what == "ingest":
        result = run_ingest(args.index, args.corpus, model=args.model)
    elif args.what == "ceiling":
        result = ceiling(args.index)
    else:
        result = edit(args.index, args.corpus, args.file)
    result["process_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
