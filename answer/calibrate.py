"""Fit the answerability model (answerability.py) on the `tune` split of a
question set with gold citations, and write it as plain JSON.

    python -m answer.calibrate --index DIR --questions dev.jsonl [--out answer/answerability.json]

Each question that the answerer answers from passages (not a request for
similar findings) gives one row of signals, labelled by whether it is
answerable. A logistic regression (scikit-learn, balanced classes, L2) is
fitted on standardised signals; the threshold is the highest probability at
which at most MAX_WRONG_REFUSALS of the answerable `tune` questions are
refused. Only `tune` is read: `check` stays for reporting (answer.evaluate).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

from core.text import lang_of
from index.search import Index

from . import answerability
from .answerability import FEATURES, Model, Signals
from .extractive import Answerer
from .question import detect_mode, resolve_follow_up

MAX_WRONG_REFUSALS = 0.05  # on tune; unseen questions refuse more of the answerable ones
# The band above the threshold whose answers carry a caution holds this share
# of the answerable tune questions (on the dev set: 8 of 85, with 1 of the 3
# unanswerable ones the threshold lets through).
CAUTION_SHARE = 0.10
C = 0.3  # inverse L2 strength: with 16 unanswerable examples, no signal may carry the model alone


def collect(answerer: Answerer, questions: list[dict]) -> list[tuple[Signals, bool]]:
    rows = []
    for q in questions:
        question = resolve_follow_up(q["question"], None)
        mode = detect_mode(question)
        if mode == "similar":
            continue
        hits, scores = answerer.retrieval(question, mode, 8)
        if not hits:
            continue
        rows.append((answerer.signals(question, lang_of(question), hits, scores), bool(q.get("answerable", True))))
    return rows


def fit(rows: list[tuple[Signals, bool]], max_wrong: float = MAX_WRONG_REFUSALS) -> Model:
    from sklearn.linear_model import LogisticRegression

    dense_norm: dict[str, tuple[float, float]] = {}
    for name in {s.lists["dense"] for s, _ in rows if "dense" in s.lists}:
        values = [s.values["dense"] for s, _ in rows if s.lists.get("dense") == name]
        dense_norm[name] = (statistics.fmean(values), statistics.pstdev(values) or 1.0)
    base = Model(FEATURES, {f: 0.0 for f in FEATURES}, {f: 1.0 for f in FEATURES}, {f: 0.0 for f in FEATURES},
                 0.0, 0.5, dense_norm)
    raw = [base.standardised(s) for s, _ in rows]  # dense per model; the rest as read
    mean = {f: statistics.fmean(r[f] for r in raw) for f in FEATURES}
    scale = {f: (statistics.pstdev(r[f] for r in raw) or 1.0) for f in FEATURES}
    matrix = [[(r[f] - mean[f]) / scale[f] for f in FEATURES] for r in raw]
    labels = [int(label) for _, label in rows]
    regression = LogisticRegression(C=C, class_weight="balanced", max_iter=1000).fit(matrix, labels)
    coef = {f: float(c) for f, c in zip(FEATURES, regression.coef_[0])}
    model = Model(FEATURES, mean, scale, coef, float(regression.intercept_[0]), 0.5, dense_norm)
    # The rule (answerability.REQUIRED) refuses some answerable questions at any
    # threshold; the threshold may refuse the rest of the allowance.
    confidences = sorted(model.answers(s)[1] for s, label in rows if label)
    allowed = math.floor(max_wrong * len(confidences))  # answerable questions that may fall below
    threshold = confidences[allowed] if allowed < len(confidences) else 0.5
    cautious = math.floor((max_wrong + CAUTION_SHARE) * len(confidences))
    caution = max(threshold, confidences[cautious] if cautious < len(confidences) else threshold)
    return Model(FEATURES, mean, scale, coef, model.intercept, threshold, dense_norm,
                 f"fitted on {len(rows)} tune questions ({labels.count(0)} unanswerable) "
                 f"by python -m answer.calibrate; threshold: at most {max_wrong:.0%} of the answerable refused; "
                 f"caution below the probability under which {max_wrong + CAUTION_SHARE:.0%} of them fall", caution)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answer.calibrate")
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", required=True)
    parser.add_argument("--out", default=str(answerability.MODEL_FILE))
    args = parser.parse_args(argv)
    questions = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    tune = [q for q in questions if q.get("split", "tune") == "tune"]
    rows = collect(Answerer(Index.open(args.index, serving=True)), tune)
    model = fit(rows)
    Path(args.out).write_text(json.dumps(model.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    answerability.load.cache_clear()
    print(json.dumps(model.to_dict(), indent=2))
    def refused(label: bool) -> float:
        group = [s for s, value in rows if value is label]
        return sum(not model.answers(s)[0] for s in group) / max(1, len(group))

    print(f"tune at threshold {model.threshold:.3f}: unanswerable refused {refused(False):.0%}, "
          f"answerable refused {refused(True):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
