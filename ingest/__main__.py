"""python -m ingest PATH... [--index DIR] [--model NAME] [--remove PATH] [--dry-run --json]

Loads, chunks, embeds and indexes files incrementally: unchanged files are not
even parsed, changed files replace their chunks, files gone from an ingested
folder are removed. Prints a summary; exit status 0 when the index holds
anything after the run, 2 when nothing could be ingested.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .chunking import DEFAULT_MAX_TOKENS
from .errors import SafeCiteError
from .pipeline import run


def default_index() -> str:
    return os.environ.get("SAFECITE_INDEX") or os.path.join("var", "index")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest documents into the SafeCite index.")
    parser.add_argument("paths", nargs="*", help="files or folders to ingest")
    parser.add_argument("--index", default=None, help="index folder (default: $SAFECITE_INDEX, else ./var/index)")
    parser.add_argument("--model", default=None, help="sentence-transformers model name or path (default: $SAFECITE_MODEL, else the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--remove", action="append", default=[], metavar="PATH", help="remove this file or folder from the index (repeatable)")
    parser.add_argument("--store", choices=("auto", "flat", "hnsw"), default="auto", help="vector index type (auto: HNSW past 200k chunks)")
    parser.add_argument("--dry-run", action="store_true", help="load and chunk only; write nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: print every chunk as one JSON object per line")
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="chunk size budget in word-pieces")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.paths and not args.remove:
        parser.error("give at least one PATH to ingest or --remove PATH")

    def progress(items, label="ingest"):
        if args.quiet:
            return items
        from tqdm import tqdm

        return tqdm(items, desc=label, unit="file" if label == "load" else "item", file=sys.stderr, leave=False)

    if args.dry_run:
        result = run(args.paths, max_tokens=args.max_tokens, progress=progress)
        if args.json:
            for chunk in result.chunks:
                data = chunk.to_dict()
                data.update({k: v for k, v in chunk.fields.items() if k not in data})
                print(json.dumps(data, ensure_ascii=False))
        print(result.summary(), file=sys.stderr)
        return 0 if result.documents else 2

    from index.build import ingest

    index_dir = args.index or default_index()
    try:
        report = ingest(args.paths, index_dir, model=args.model, remove=args.remove, max_tokens=args.max_tokens,
                        store_kind=args.store, progress=progress)
    except SafeCiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    print(f"index: {index_dir} ({report.generation or 'empty'})", file=sys.stderr)
    return 0 if report.chunks else 2


if __name__ == "__main__":
    sys.exit(main())
