"""python -m answer --index DIR "question" [--mode auto|howto|rectify|similar|lookup] [--k 8] [--json]
python -m answer --index DIR --batch FILE.jsonl     (one {"id", "question"} per line; one JSON answer per line)
python -m answer --job hazard "finding"             (is it a major accident hazard, under which item)
python -m answer --job hazard --batch FILE --json   (one {"id", "finding"} per line; {"id", "major", "citations"} out)

Filters narrow the evidence, e.g. for similar past findings:
  python -m answer --mode similar --city 江川市 --status open --date-from 2024-01-01 "..."
(the same filter options as `python -m index search`).

Extractive by default; set SAFECITE_LLM_URL and SAFECITE_LLM_MODEL to have an
OpenAI-compatible model write the answer (verified against the passages).
"""
from __future__ import annotations

import argparse
import json
import sys


from answer.models import MODES
from core.errors import SafeCiteError
from index.filters import add_filter_arguments, filters_from_args

from .. import explain
from ..api import SafeCite


def _print(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    if answer.resolved_question != answer.question:
        print(f"(resolved: {answer.resolved_question})")
    if answer.notice:
        print(f"note: {answer.notice}")
    print(answer.answer)
    print()
    for c in answer.citations:
        page = f", p. {c.page}" if c.page else ""
        print(f"[{c.n}] {c.title} — {c.locator}{page} ({c.doc_type}; {c.source})")
        if c.gloss:
            print(f"    translation by the language model (the original prevails): {' '.join(c.gloss.split())}")
    if answer.nearest:
        print("Nearest passages (not answering):")
        for c in answer.nearest:
            print(f"  {c.title} — {c.locator}: {' '.join(c.quote.split())[:120]}")


def _hazard(safecite: SafeCite, args: argparse.Namespace) -> int:
    """The major-hazard job on one finding or a batch of them."""
    if not args.batch:
        judgement = safecite.judge_hazard(args.question)
        print(json.dumps(judgement.to_dict(), ensure_ascii=False) if args.json else explain(judgement))
        return 0
    with open(args.batch, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                item = json.loads(line)
                judgement = safecite.judge_hazard(item.get("finding") or item.get("question") or "")
                out = {"id": item.get("id"), "major": judgement.major, "citations": judgement.citations(),
                       "follows": list(judgement.follows)}
                if not args.json:
                    out["explanation"] = explain(judgement)
                print(json.dumps(out | ({"item": judgement.to_dict()["item"], "reason": judgement.reason}
                                        if args.json else {}), ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answer")
    parser.add_argument("question", nargs="?")
    parser.add_argument("--index", default=None, help="index folder (default: $SAFECITE_INDEX, else ./var/index)")
    parser.add_argument("--mode", "--job", dest="mode", choices=("auto", *MODES, "hazard"), default="auto")
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--batch", help="JSONL of {\"id\", \"question\"}; prints one JSON answer per line")
    add_filter_arguments(parser)
    args = parser.parse_args(argv)
    if not args.question and not args.batch:
        parser.error("give a question or --batch FILE")
    try:
        filters = filters_from_args(args)
        safecite = SafeCite.open(args.index)
        if args.mode == "hazard":
            return _hazard(safecite, args)
        if args.batch:
            with open(args.batch, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        item = json.loads(line)
                        answer = safecite.ask(item["question"], args.mode, filters, k=args.k).answer
                        print(json.dumps({"id": item.get("id"), **answer.to_dict()}, ensure_ascii=False))
            return 0
        answer = safecite.ask(args.question, args.mode, filters, k=args.k).answer
    except (SafeCiteError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print(answer, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
