"""OCR of our own scans (bench part `ocr`).

Accuracy: pages of our sample regulations (corpus/regulations-zh and -en) set
in Noto Serif CJK, rendered at 200 and 300 dpi, clean and turned 1.5 degrees
with speckle, read by ingest.ocr as ingest reads them. Chinese is scored by
characters (edit distance over the text without spaces, NFKC so a full-width
comma equals a comma), English by words.

Retrieval: one Chinese and one English regulation ingested as text and, in
another index, as scanned PDFs (300 dpi, turned and speckled); questions we
wrote about them (SCAN_QUESTIONS) must find the same article in the top 5.
Both indexes use MiniLM alone, so the only difference is the scan.
"""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from .common import ROOT
from .scans import paginate, render_page, scanned_pdf, wrap

ZH_DOC = "regulations-zh/youxian-kongjian-zuoye-anquan-guiding.md"
EN_DOC = "regulations-en/metallurgical-gas-safety-rules.md"
# (question, document, article): our own questions about the two documents.
SCAN_QUESTIONS = (
    ("进入有限空间作业之前需要经过谁批准？", ZH_DOC, "第十条"),
    ("有限空间气体检测要用什么样的仪器？", ZH_DOC, "第十五条"),
    ("监护人员在作业期间可以离开吗？", ZH_DOC, "第十七条"),
    ("有限空间里能不能开汽油发电机？", ZH_DOC, "第二十三条"),
    ("出了有限空间事故多久之内要上报？", ZH_DOC, "第二十九条"),
    ("没有配救援器材会怎么处罚？", ZH_DOC, "第三十三条"),
    ("What height must the water seal of a gas drainer have?", EN_DOC, "Article 10"),
    ("How often do fixed CO detectors need calibrating?", EN_DOC, "Article 21"),
    ("May a single worker carry out gas work on his own?", EN_DOC, "Article 24"),
    ("Under what gas composition can converter gas be recovered?", EN_DOC, "Article 15"),
    ("How many breathing sets must the gas rescue station hold?", EN_DOC, "Article 31"),
    ("How frequently must gas leak drills take place?", EN_DOC, "Article 34"),
)
VARIANTS = ((300, 0.0, 0.0), (300, 1.5, 12.0), (200, 0.0, 0.0), (200, 1.5, 12.0))


def _text_of(doc: str) -> str:
    text = (ROOT / "corpus" / doc).read_text(encoding="utf-8")
    return text.split("---", 2)[2] if text.startswith("---") else text


def char_accuracy(expected: str, read: str) -> float:
    from rapidfuzz.distance import Levenshtein

    norm = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))  # noqa: E731
    return 1 - Levenshtein.distance(norm(expected), norm(read)) / max(1, len(norm(expected)))


def word_accuracy(expected: str, read: str) -> float:
    from rapidfuzz.distance import Levenshtein

    words = lambda s: unicodedata.normalize("NFKC", s).split()  # noqa: E731
    return 1 - Levenshtein.distance(words(expected), words(read)) / max(1, len(words(expected)))


def accuracy(pages: int = 2) -> list[dict]:
    """Per language and variant: accuracy over the first `pages` pages, seconds per page."""
    from ingest.ocr import read_image

    out = []
    for lang, doc in (("zh", ZH_DOC), ("en", EN_DOC)):
        for dpi, rotate, noise in VARIANTS:
            expected, read, seconds = [], [], []
            for number, lines in enumerate(paginate(wrap(_text_of(doc), lang == "zh"), dpi)[:pages], start=1):
                image = render_page(lines, dpi, rotate, noise, seed=number)
                t0 = time.perf_counter()
                read.append(read_image(image, doc, number))
                seconds.append(time.perf_counter() - t0)
                expected.append("\n".join(lines))
            score = (char_accuracy if lang == "zh" else word_accuracy)("\n".join(expected), "\n".join(read))
            out.append({"lang": lang, "dpi": dpi, "rotate": rotate, "noise": noise, "pages": len(seconds),
                        "accuracy": round(score, 4), "seconds_per_page": round(sum(seconds) / len(seconds), 2)})
    return out


def retrieval(work: Path) -> dict:
    """hit@5 of SCAN_QUESTIONS over the text and over the scanned documents."""
    import shutil

    from index.build import ingest
    from index.search import Index

    folders = {"text": work / "ocr-text", "scan": work / "ocr-scan"}
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    for doc in (ZH_DOC, EN_DOC):
        target = folders["text"] / "corpus" / doc
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "corpus" / doc, target)
        lines = wrap(_text_of(doc), doc.startswith("regulations-zh"))
        scanned_pdf(folders["scan"] / "corpus" / Path(doc).with_suffix(".pdf"), paginate(lines, 300), 300, 1.5, 12.0)
    out = {}
    for name, folder in folders.items():
        t0 = time.perf_counter()
        report = ingest([folder / "corpus"], folder / "index", model="all-MiniLM-L6-v2")
        seconds = time.perf_counter() - t0
        index = Index.open(folder / "index", serving=True)
        found = []
        for question, doc, article in SCAN_QUESTIONS:
            hits = index.search(question, 5)
            stem = Path(doc).stem
            found.append(any(Path(h.chunk.source).stem == stem and h.chunk.locator.split(" ›")[0].split("(")[0].strip() == article
                             for h in hits))
        index.close()
        out[name] = {"hit_at_5": round(sum(found) / len(found), 3), "found": found, "ingest_s": round(seconds, 1),
                     "skipped": [f"{s.source}: {s.reason}" for s in report.skipped]}
    return out


def run(work: Path) -> dict:
    return {"accuracy": accuracy(), "retrieval": retrieval(work), "questions": len(SCAN_QUESTIONS)}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "var" / "bench")), indent=2))
