"""python -m ingest PATH... [--index DIR] [--dry-run --json]

Loads and chunks files, prints a summary, and writes the chunks to the index
folder. Exit status: 0 when anything was ingested, 2 when nothing could be.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .chunking import DEFAULT_MAX_TOKENS
from .pipeline import run
from .writer import write_chunks


def default_index() -> str:
    return os.environ.get("SAFECITE_INDEX") or os.path.join("var", "index")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest documents into citable chunks.")
    parser.add_argument("paths", nargs="+", help="files or folders to ingest")
    parser.add_argument("--index", default=None, help="index folder (default: $SAFECITE_INDEX, else ./var/index)")
    parser.add_argument("--dry-run", action="store_true", help="write nothing")
    parser.add_argument("--json", action="store_true", help="print every chunk as one JSON object per line")
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="chunk size budget in word-pieces")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    def progress(items):
        if args.quiet:
            return items
        from tqdm import tqdm

        return tqdm(items, desc="ingest", unit="file", file=sys.stderr)

    result = run(args.paths, max_tokens=args.max_tokens, progress=progress)
    if args.json:
        for chunk in result.chunks:
            data = chunk.to_dict()
            data.update({k: v for k, v in chunk.fields.items() if k not in data})
            print(json.dumps(data, ensure_ascii=False))
    if not args.dry_run and result.chunks:
        index_dir = args.index or default_index()
        write_chunks(index_dir, result)
        print(f"wrote {len(result.chunks)} chunks to {index_dir}", file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    return 0 if result.documents else 2


if __name__ == "__main__":
    sys.exit(main())
