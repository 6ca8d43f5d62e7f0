"""python -m answer.evaluate_hazard --findings FILE --index DIR [--out docs/quality.md]

The major-hazard job on labelled findings ({"id", "finding", "lang", "major",
"gold": [{"source", "locator", "quote"}]}): accuracy of major / not major
(cannot tell counts as wrong), and for the major findings whether the first
(hit@1) or one of the first three (hit@3) cited items holds a gold quote; near
misses called major are counted apart, and those called major with an item
that is not the gold one (there is none) are the worst error. Per language.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.search import Index

from .hazard import judge

SECTION = "# Major accident hazard judgement"


def _hit(citations: list[dict], gold: list[dict], k: int) -> bool:
    quotes = [g["quote"] for g in gold]
    return any(q in c["text"] for c in citations[:k] for q in quotes)


def score(rows: list[dict], results: list[dict]) -> dict[str, dict[str, float]]:
    """Per language and overall: n, accuracy, hit@1, hit@3 (major findings),
    near misses called major, cannot-tell answers."""
    out: dict[str, dict[str, float]] = {}
    for lang in ("all", "zh", "en"):
        pairs = [(r, j) for r, j in zip(rows, results) if lang == "all" or r["lang"] == lang]
        majors = [(r, j) for r, j in pairs if r["major"]]
        out[lang] = {
            "n": len(pairs),
            "accuracy": sum(j["major"] == r["major"] for r, j in pairs) / max(len(pairs), 1),
            "hit@1": sum(_hit(j["citations"], r["gold"], 1) for r, j in majors) / max(len(majors), 1),
            "hit@3": sum(_hit(j["citations"], r["gold"], 3) for r, j in majors) / max(len(majors), 1),
            "near_miss_called_major": sum(j["major"] is True for r, j in pairs if not r["major"]),
            "major_wrong_item": sum(j["major"] is True and not _hit(j["citations"], r["gold"], 1) for r, j in majors),
            "cannot_tell": sum(j["major"] is None for _, j in pairs),
        }
    return out


def table(scores: dict[str, dict[str, float]], source: str) -> str:
    lines = [SECTION, "", f"`python -m answer.evaluate_hazard` on {source}: accuracy of major / not major "
             "(cannot tell counts as wrong); hit@1 and hit@3 over the major findings (the first, or one of the "
             "first three, cited items holds the gold item's text); near misses called major; major findings "
             "called major under an item that is not theirs.", "",
             "| findings | n | accuracy | item hit@1 | item hit@3 | near misses called major | "
             "major under a wrong item | cannot tell |",
             "|---|---|---|---|---|---|---|---|"]
    for lang, s in scores.items():
        lines.append(f"| {lang} | {s['n']} | {s['accuracy']:.3f} | {s['hit@1']:.3f} | {s['hit@3']:.3f} | "
                     f"{s['near_miss_called_major']} | {s['major_wrong_item']} | {s['cannot_tell']} |")
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Put the section into `path`, replacing the one there (up to the next '# ')."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text
    else:
        end = old.find("\n# ", start + len(SECTION))
        new = old[:start] + text + ("\n" + old[end + 1:] if end >= 0 else "")
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answer.evaluate_hazard")
    parser.add_argument("--findings", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--out", help="Markdown file to write the section into (e.g. docs/quality.md)")
    parser.add_argument("--errors", action="store_true", help="print each wrong finding")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.findings).read_text(encoding="utf-8").splitlines() if line.strip()]
    index = Index.open(args.index, serving=True)
    results = [judge(index, r["finding"]).to_dict() for r in rows]
    if args.errors:
        for r, j in zip(rows, results):
            hit = _hit(j["citations"], r["gold"], 1) if r["major"] else True
            if j["major"] != r["major"] or not hit:
                gold = [g["locator"] for g in r["gold"]]
                print(f"{r['id']} gold={r['major']} {gold} got={j['major']} {j['item']} ({j['reason']}) "
                      f"top3={[c['locator'] for c in j['citations'][:3]]}", file=sys.stderr)
    scores = score(rows, results)
    text = table(scores, Path(args.findings).name) + \
        "\n\nHow the judgement works and what it misses: docs/hazard-judgement.md.\n"
    print(text)
    if args.out:
        write_section(Path(args.out), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
