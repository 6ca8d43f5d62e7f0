"""Answer-level quality on a question set with gold citations:
- citation hit@k: the answer's first k citations include one that hits the gold
  (same rule as retrieval: source ends with the gold source, text holds the quote);
- refusal accuracy on unanswerable questions, wrong-refusal rate on answerable ones;
- the answers given under the answerability model's caution (its least sure
  band), of answerable and of unanswerable questions;
- the share of statements whose quote is a verbatim substring of the cited chunk
  (must be 100 %), and the share of statements passing the citation check.

    python -m answer.evaluate --index DIR --questions dev.jsonl [--out docs/quality.md]

`--record FILE` instead writes every question's answer in every job (job,
grounded, citations in order with locator, page and quote, a hash of the
text): two such files compare a change that must not change any answer.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from collections import defaultdict

from index.evaluate import SPLITS, hits_gold
from index.search import Index

from . import answerability
from .extractive import Answerer
from .models import MODES
from .service import answer_question
from .verify import check_answer, statements


def _flat(text: str) -> str:
    return "".join(text.split())


def evaluate(answerer: Answerer, questions: list[dict]) -> dict:
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    verbatim, total_statements, failed_checks, times = 0, 0, 0, []
    misses = []
    confidences: list[tuple[float, bool]] = []  # (answerability, answerable) of answers made from passages
    model = answerability.load()
    for q in questions:
        answer = answerer.answer(q["question"])
        cautioned = answer.grounded and answer.confidence is not None and model.cautious(answer.confidence)
        times.append(answer.timings_ms.get("total", 0.0))
        if answer.confidence is not None:
            confidences.append((answer.confidence, bool(q.get("answerable", True) and q.get("gold"))))
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
                g["cautioned"].append(cautioned)
                if group == "all" and (hit is None or hit > 5):
                    misses.append((q["id"], "refused: " + answer.notice if not answer.grounded else "no gold citation"))
            else:
                g["refused"].append(not answer.grounded)
                g["unanswerable_cautioned"].append(cautioned)
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
        "confidences": confidences,
    }


CURVE = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def trade_off(result: dict, threshold: float) -> str:
    """Refusals of unanswerable and answerable questions had the threshold been
    elsewhere (the answers made from passages; the model's threshold marked)."""
    points = result["confidences"]
    unanswerable = [c for c, ok in points if not ok]
    answerable = [c for c, ok in points if ok]
    lines = ["| threshold | unanswerable refused | answerable refused |", "|---|---|---|"]
    for t in sorted({*CURVE, round(threshold, 3)}):
        mark = " (the model's)" if t == round(threshold, 3) else ""
        lines.append(f"| {t:.3f}{mark} | {sum(c < t for c in unanswerable) / max(1, len(unanswerable)):.2f} "
                     f"(n={len(unanswerable)}) | {sum(c < t for c in answerable) / max(1, len(answerable)):.2f} "
                     f"(n={len(answerable)}) |")
    return "\n".join(lines)


def compare(setups: dict[str, dict]) -> str:
    """Citation hit@5, wrong refusals, refusals and answers under caution of
    several setups side by side."""
    first = next(iter(setups.values()))
    order = sorted(first["groups"], key=lambda g: (g != "all", not g.startswith("lang"), g))
    metrics = ("hit@5", "wrong_refusal", "cautioned", "refused", "unanswerable_cautioned")
    head = "| group | " + " | ".join(f"{label}: citation hit@5 | wrongly refused | answered under caution | "
                                       f"unanswerable refused | unanswerable answered under caution"
                                       for label in setups) + " |"
    lines = [head, "|---|" + "---|" * (len(metrics) * len(setups))]
    for name in order:
        cells = []
        for result in setups.values():
            for metric in metrics:
                value, n = result["groups"].get(name, {}).get(metric, (None, 0))
                cells.append("–" if value is None else f"{value:.2f} (n={n})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for label, result in setups.items():
        lines.append(f"- {label}: statements verbatim in the cited chunk {result['verbatim']:.0%} of "
                     f"{result['statements']}; failing the citation check {result['failed_checks']}; "
                     f"answer time p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms (warm, one thread).")
    return "\n".join(lines)


def record(index: Index, questions: list[dict], path: str) -> int:
    """Write each question's answer in each job, one JSON line per pair."""
    with open(path, "w", encoding="utf-8") as out:
        for q in questions:
            for job in ("auto", *MODES):
                a = answer_question(index, q["question"], mode=job)
                out.write(json.dumps({
                    "id": q.get("id"), "job": job, "mode": a.mode, "grounded": a.grounded,
                    "citations": [[c.chunk_id, c.locator, c.page, c.quote] for c in a.citations],
                    "nearest": [c.chunk_id for c in a.nearest], "records": len(a.records),
                    "answer": hashlib.sha1(a.answer.encode("utf-8")).hexdigest()[:12],
                }, ensure_ascii=False) + "\n")
    return len(questions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answer.evaluate")
    parser.add_argument("--index", required=True)
    parser.add_argument("--baseline-index", help="an index built with MiniLM alone, reported beside it")
    parser.add_argument("--questions", required=True)
    parser.add_argument("--out", help="append the tables to this Markdown file")
    parser.add_argument("--show-misses", action="store_true", help="list the tune split's misses (never check's)")
    parser.add_argument("--record", metavar="FILE", help="write every answer in every job to FILE (JSONL) and stop")
    args = parser.parse_args(argv)
    questions = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    if args.record:
        n = record(Index.open(args.index, serving=True), questions, args.record)
        print(f"{n} questions x {1 + len(MODES)} jobs -> {args.record}")
        return 0
    folders = {"default": args.index}
    if args.baseline_index:
        folders = {"MiniLM only": args.baseline_index, **folders}
    sections = []
    results: dict[str, dict[str, dict]] = {split: {} for split in SPLITS}
    for label, folder in folders.items():
        answerer = Answerer(Index.open(folder, serving=True))
        for split in SPLITS:
            results[split][label] = evaluate(answerer, [q for q in questions if q.get("split", "tune") == split])
    threshold = answerability.load().threshold
    for split in SPLITS:
        sections.append(f"## Answers, `{split}` split\n\n" + compare(results[split]) +
                        "\n\nRefusal trade-off of the answerability model (default setup; answers made from "
                        "passages, not similar-findings lists):\n\n" + trade_off(results[split]["default"], threshold))
    text = "\n\n".join(sections)
    print(text)
    if args.show_misses:
        for qid, why in results["tune"]["default"]["misses"]:
            print(f"miss {qid}: {why}")
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n# Answer quality\n\nThe extractive answerer (no language model) on the same questions: "
                         "the answer's citations scored like retrieval hits.\n\n" + text + "\n\n"
                         "How the similar-findings cut-off was set: docs/similar-findings.md.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
