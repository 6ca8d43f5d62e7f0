"""Answer-level quality on a question set with gold citations:
- citation hit@k: the answer's first k citations include one that hits the gold
  (same rule as retrieval: source ends with the gold source, text holds the quote);
- refusal accuracy on unanswerable questions, wrong-refusal rate on answerable ones;
- the share of statements whose quote is a verbatim substring of the cited chunk
  (must be 100 %), and the share of statements passing the citation check.

    python -m answer.evaluate --index DIR --questions dev.jsonl [--out docs/quality.md]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from index.evaluate import hits_gold
from index.search import Index

from .extractive import Answerer
from .verify import check_answer, statements


def _flat(text: str) -> str:
    return "".join(text.split())


def evaluate(answerer: Answerer, questions: list[dict]) -> dict:
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    verbatim, total_statements, failed_checks, times = 0, 0, 0, []
    misses = []
    for q in questions:
        answer = answerer.answer(q["question"])
        times.append(answer.timings_ms.get("total", 0.0))
        for statement in statements(answer.answer) if answer.grounded else []:
            total_statements += 1
            cited = [c for c in answer.citations if c.n in statement.markers]
            flat = _flat(statement.text)
            if any(flat in _flat(c.text) for c in cited):  # whitespace-insensitive, as the gold quotes
                verbatim += 1
        failed_checks += len(check_answer(answer.answer, list(answer.citations))) if answer.grounded else 0
        for group in ("all", f"lang:{q['lang']}", f"kind:{q['kind']}"):
            g = groups[group]
            if q.get("answerable", True) and q.get("gold"):
                hit = next((i + 1 for i, c in enumerate(answer.citations) if hits_gold(c.source, c.text, q["gold"])), None)
                g["hit@1"].append(hit == 1)
                g["hit@5"].append(hit is not None and hit <= 5)
                g["wrong_refusal"].append(not answer.grounded)
                if group == "all" and (hit is None or hit > 5):
                    misses.append((q["id"], "refused: " + answer.notice if not answer.grounded else "no gold citation"))
            else:
                g["refused"].append(not answer.grounded)
                if group == "all" and answer.grounded:
                    misses.append((q["id"], "answered an unanswerable question"))
    table = {name: {metric: (sum(v) / len(v) if v else None, len(v)) for metric, v in g.items()} for name, g in groups.items()}
    return {
        "groups": table,
        "verbatim": verbatim / total_statements if total_statements else 1.0,
        "statements": total_statements,
        "failed_checks": failed_checks,
        "p50_ms": statistics.median(times) if times else 0.0,
        "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] if times else 0.0,
        "misses": misses,
    }


def table(result: dict) -> str:
    metrics = ("hit@1", "hit@5", "wrong_refusal", "refused")
    lines = ["| group | citation hit@1 | citation hit@5 | answerable wrongly refused | unanswerable refused |",
             "|---|---|---|---|---|"]
    order = sorted(result["groups"], key=lambda g: (g != "all", not g.startswith("lang"), g))
    for name in order:
        cells = []
        for metric in metrics:
            value, n = result["groups"][name].get(metric, (None, 0))
            cells.append("–" if value is None else f"{value:.2f} (n={n})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Statements whose quote is verbatim in the cited chunk: {result['verbatim']:.0%} "
                 f"of {result['statements']}; statements failing the citation check: {result['failed_checks']}. "
                 f"Extractive answer time (warm, one thread): p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answer.evaluate")
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", required=True)
    parser.add_argument("--out", help="append the table to this Markdown file")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    questions = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    answerer = Answerer(Index.open(args.index, serving=True))
    result = evaluate(answerer, questions)
    text = table(result)
    print(text)
    if args.show_misses:
        for qid, why in result["misses"]:
            print(f"miss {qid}: {why}")
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n# Answer quality\n\nThe extractive answerer (no language model) on the same questions: "
                         "the answer's citations scored like retrieval hits.\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
