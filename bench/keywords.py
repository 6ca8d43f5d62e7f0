"""The keyword list alone, answered by Milvus's BM25 and by bm25s on the same
index (python -m bench.keywords INDEX QUESTIONS, with SAFECITE_STORE naming the
Milvus the index was ingested into):

    hit@5 of the "bm25" list (index/evaluate.py's hit: a chunk whose source
    ends with the gold source and whose text holds the gold quote) per split
    and question language; how many questions' top-5 rows are the same set
    on both; how many questions' raw lists (the first 10 rows, the question's
    tokens as the search makes them) differ beyond rows tied at the 10th
    score, and the largest relative score difference in their first 20; and
    each one's search time (p50, p95) for that list.

Both search the same tokens with the same k1 and b; bm25s is the index
folder's copy (what the answerer reads idf from), Milvus's is the generation's
published chunk collection (index/milvus_lexical.py).
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from index.evaluate import SPLITS, first_hit_rank
from index.milvus_lexical import MilvusLexical
from index.search import Index
from index.tokenize import tokenize


def measure(index: Index, questions: list[dict]) -> dict:
    """{backend: {group: [hit@5 count, n]}}, the questions whose top-5 rows
    agree, and each backend's search seconds."""
    milvus, bm25s = index.keywords, index.lexical
    if not isinstance(milvus, MilvusLexical):
        raise SystemExit("this index's keyword lists are not in Milvus: set SAFECITE_STORE to its Milvus")
    hits: dict = {"milvus": defaultdict(lambda: [0, 0]), "bm25s": defaultdict(lambda: [0, 0])}
    seconds: dict[str, list[float]] = {"milvus": [], "bm25s": []}
    same = 0
    raw = [_raw(milvus, bm25s, index, q["question"]) for q in questions]
    for q in questions:
        rows = {}
        for name, keywords in (("milvus", milvus), ("bm25s", bm25s)):
            index.keywords = keywords
            started = time.perf_counter()
            found = index.search(q["question"], 10, mode="bm25")
            seconds[name].append(time.perf_counter() - started)
            rows[name] = {h.row for h in found[:5]}
            hit = (first_hit_rank(found, q["gold"]) or 99) <= 5
            for group in (f"{q['split']} all", f"{q['split']} {q['lang']}"):
                hits[name][group][0] += hit
                hits[name][group][1] += 1
        same += rows["milvus"] == rows["bm25s"]
    index.keywords = milvus
    return {"hits": hits, "same_top5": same, "n": len(questions), "seconds": seconds,
            "raw_differ": sum(d for d, _ in raw), "raw_score_diff": max((r for _, r in raw), default=0.0)}


def _raw(milvus: MilvusLexical, bm25s, index: Index, question: str) -> tuple[bool, float]:
    """(whether the first 10 rows differ beyond ties at the 10th score, the
    largest relative score difference in the first 20) for the tokens
    `ranked_lists` searches."""
    tokens = tokenize(question, query=True)
    extra = tokenize(" ".join(index.lexicon.expand_synonyms(question)), query=True)
    tokens += [t for t in dict.fromkeys(extra) if t not in tokens]
    a, b = milvus.search(tokens, 100), bm25s.search(tokens, 100)
    cut = a[9][1] * (1 + 1e-4) if len(a) > 10 else 0.0
    differ = len(a) != len(b) or sorted(r for r, s in a[:10] if s > cut) != sorted(r for r, s in b[:10] if s > cut)
    diff = max((abs(x - y) / y for (_, x), (_, y) in zip(a[:20], b[:20])), default=0.0)
    return differ, diff


def table(result: dict) -> str:
    groups = sorted(result["hits"]["milvus"], key=lambda g: (SPLITS.index(g.split()[0]), g.split()[1] != "all", g))
    lines = ["| split, questions | n | Milvus BM25 hit@5 | bm25s hit@5 |", "|---|---|---|---|"]
    for g in groups:
        (m, n), (b, _) = result["hits"]["milvus"][g], result["hits"]["bm25s"][g]
        lines.append(f"| {g} | {n} | {m / n:.2f} | {b / n:.2f} |")
    p = {name: np.percentile(np.asarray(s) * 1000, [50, 95]) for name, s in result["seconds"].items()}
    lines += ["", f"Same top-5 hits on both: {result['same_top5']} of {result['n']} questions. Raw lists "
              f"differing beyond ties: {result['raw_differ']}; largest relative score difference "
              f"{result['raw_score_diff']:.1e}. "
              f"Search time of the list (one question, ms): Milvus p50 {p['milvus'][0]:.1f}, p95 {p['milvus'][1]:.1f}; "
              f"bm25s p50 {p['bm25s'][0]:.1f}, p95 {p['bm25s'][1]:.1f}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("questions")
    args = parser.parse_args(argv)
    questions = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if q.get("answerable", True) and q.get("gold")]
    index = Index.open(args.index, verify=False)
    try:
        print(table(measure(index, questions)))
    finally:
        index.close()


if __name__ == "__main__":
    main()
