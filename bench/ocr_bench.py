"""OCR of our own scans (bench part `ocr`).

Accuracy: pages of our sample regulations (corpus/regulations-zh and -en) set
in Noto Serif CJK, rendered at 200 and 300 dpi, clean and turned 1.5 degrees
with speckle, read by ingest.ocr as ingest reads them. Chinese is scored by
characters (edit distance over the text without spaces, NFKC so a full-width
comma equals a comma), English by words.

Retrieval: two Chinese and two English regulations ingested as text and, in
another index, as scanned PDFs (300 dpi, turned and speckled); questions we
wrote about them (SCAN_QUESTIONS, half of each language) must find the same
article in the top 5.
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
ZH_DUST = "regulations-zh/fenchen-fangbao-anquan-guiding.md"
EN_DUST = "regulations-en/dust-explosion-prevention-rules.md"
RETRIEVAL_DOCS = (ZH_DOC, ZH_DUST, EN_DOC, EN_DUST)
# (question, document, article): our own questions about the four documents,
# asked the way an inspector or a plant's safety officer would put them.
SCAN_QUESTIONS = (
    ("进入有限空间作业之前需要经过谁批准？", ZH_DOC, "第十条"),
    ("有限空间气体检测要用什么样的仪器？", ZH_DOC, "第十五条"),
    ("监护人员在作业期间可以离开吗？", ZH_DOC, "第十七条"),
    ("有限空间里能不能开汽油发电机？", ZH_DOC, "第二十三条"),
    ("出了有限空间事故多久之内要上报？", ZH_DOC, "第二十九条"),
    ("没有配救援器材会怎么处罚？", ZH_DOC, "第三十三条"),
    ("有限空间管理台账里要写明哪些内容？", ZH_DOC, "第六条"),
    ("有限空间入口的警示牌上要写什么？", ZH_DOC, "第七条"),
    ("把有限空间作业包给外单位，要审查承包方哪些东西？", ZH_DOC, "第十一条"),
    ("作业停了半个多小时，再进去之前要做什么？", ZH_DOC, "第十六条"),
    ("在潮湿地坑里干活，照明灯电压最高多少伏？", ZH_DOC, "第十九条"),
    ("进煤气设备里面检修，一氧化碳浓度要降到多少才能进？", ZH_DOC, "第二十一条"),
    ("干完活封闭有限空间入口之前要确认什么？", ZH_DOC, "第二十四条"),
    ("有限空间事故应急演练一年至少搞几次？", ZH_DOC, "第二十五条"),
    ("新上岗工人的粉尘防爆培训至少要多少学时？", ZH_DUST, "第九条"),
    ("车间层面的粉尘防爆隐患排查多久做一次？", ZH_DUST, "第十条"),
    ("宿舍和更衣室可以设在粉尘爆炸危险场所里吗？", ZH_DUST, "第十三条"),
    ("泄爆口不能对着哪些地方？", ZH_DUST, "第十四条"),
    ("干式除尘器放在厂房外面，和外墙要隔开多远？", ZH_DUST, "第十六条"),
    ("湿式除尘器的水位和抛光机之间要装什么联锁？", ZH_DUST, "第十七条"),
    ("输送金属粉尘的管道风速最低是多少？", ZH_DUST, "第十九条"),
    ("火花探测熄灭装置多长时间做一次功能测试？", ZH_DUST, "第二十条"),
    ("除尘管道的接地电阻不能超过几欧姆？", ZH_DUST, "第二十一条"),
    ("在粉尘场所动火前，周围多大范围的积尘要清掉？", ZH_DUST, "第二十五条"),
    ("风管和电缆桥架上面的积灰多久清扫一次？", ZH_DUST, "第二十六条"),
    ("铝镁粉尘场所应该配什么样的灭火剂？", ZH_DUST, "第二十八条"),
    ("除尘器里面阴燃了，能不能开检修门用水浇？", ZH_DUST, "第二十九条"),
    ("What height must the water seal of a gas drainer have?", EN_DOC, "Article 10"),
    ("How often do fixed CO detectors need calibrating?", EN_DOC, "Article 21"),
    ("May a single worker carry out gas work on his own?", EN_DOC, "Article 24"),
    ("Under what gas composition can converter gas be recovered?", EN_DOC, "Article 15"),
    ("How many breathing sets must the gas rescue station hold?", EN_DOC, "Article 31"),
    ("How frequently must gas leak drills take place?", EN_DOC, "Article 34"),
    ("What has to be written on the sign at the entrance to a gas-hazard zone?", EN_DOC, "Article 7"),
    ("How far above the top working platform must a gas bleeder release?", EN_DOC, "Article 14"),
    ("Where at a blast furnace are fixed CO monitors required?", EN_DOC, "Article 18"),
    ("Does everyone going into a gas-hazard area need a personal CO meter?", EN_DOC, "Article 20"),
    ("What details go on a gas work permit?", EN_DOC, "Article 23"),
    ("Can welding be done on a gas main that is still in service?", EN_DOC, "Article 27"),
    ("May someone run into a gassed area to pull out a casualty without breathing apparatus?", EN_DOC, "Article 33"),
    ("How many hours of dust explosion training must a new starter get before working?", EN_DUST, "Article 9"),
    ("May the changing room be inside the dusty area of the plant?", EN_DUST, "Article 13"),
    ("Which way may explosion relief vents discharge?", EN_DUST, "Article 14"),
    ("How far from the workshop wall must an outdoor bag filter stand?", EN_DUST, "Article 16"),
    ("What minimum air speed is needed in ductwork carrying metal dust?", EN_DUST, "Article 17"),
    ("How far away must wet aluminium sludge be kept, and in what containers?", EN_DUST, "Article 19"),
    ("What is the maximum earthing resistance for dust extraction ducts?", EN_DUST, "Article 21"),
    ("Can a polishing line start while its dust extraction fan is off?", EN_DUST, "Article 24"),
    ("Which dust collectors need temperature and filter pressure-drop monitoring?", EN_DUST, "Article 25"),
    ("How big an area must be cleared of dust before hot work in a dusty room?", EN_DUST, "Article 27"),
    ("Is blowing dust off with compressed air allowed?", EN_DUST, "Article 30"),
    ("How often must explosion vents and isolation valves be serviced?", EN_DUST, "Article 32"),
    ("Within how many hours must a dust explosion be reported?", EN_DUST, "Article 36"),
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
    for doc in RETRIEVAL_DOCS:
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
        by_lang = {lang: [f for f, (q, doc, _) in zip(found, SCAN_QUESTIONS) if doc.startswith(f"regulations-{lang}")]
                   for lang in ("zh", "en")}
        out[name] = {"hit_at_5": round(sum(found) / len(found), 3), "found": found, "ingest_s": round(seconds, 1),
                     "by_lang": {lang: round(sum(v) / len(v), 3) for lang, v in by_lang.items() if v},
                     "skipped": [f"{s.source}: {s.reason}" for s in report.skipped]}
    if "text" in out and "scan" in out:
        out["scan"]["missed_only_scanned"] = [f"{question} ({article})" for (question, _, article), in_text, in_scan
                                              in zip(SCAN_QUESTIONS, out["text"]["found"], out["scan"]["found"])
                                              if in_text and not in_scan]
    return out


def run(work: Path) -> dict:
    return {"accuracy": accuracy(), "retrieval": retrieval(work), "questions": len(SCAN_QUESTIONS)}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "var" / "bench")), indent=2))
