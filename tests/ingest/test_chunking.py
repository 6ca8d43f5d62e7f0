"""chunk_document: articles are the unit of citation, long ones are split at item
boundaries, and every chunk is an exact slice of its document with a locator."""
from __future__ import annotations

import json
import re

import pytest
from support import assert_chunks_are_slices, load_one, write_text

from ingest import Block, Chunk, Document, chunk_document, estimate_tokens
from ingest.chunking import DEFAULT_MAX_TOKENS
from ingest.structure import int_to_zh

# -- a Chinese law whose articles cite each other ----------------------------

ZH_ARTICLES = {
    "第一条": "为了防范粉尘爆炸事故，保障从业人员安全，制定本规定。",
    "第二条": "本规定适用于存在可燃性粉尘的工贸企业。",
    "第十一条": "企业应当建立粉尘清扫制度，及时清除作业场所积尘。",
    "第十二条": "企业未按规定清扫积尘的，应当依照本规定第十一条的要求限期整改。",
    "第十三条": "企业应当每月对除尘系统进行检查并如实记录。",
}
# A reference that opens a line, after 第十二条: numbers only go up, so it stays in 第十二条.
ZH_LATE_REFERENCE = "第十一条规定的情形消除后，企业应当书面报告。"


def _zh_law(fmt: str) -> str:
    a = {label: f"{label} {body}" for label, body in ZH_ARTICLES.items()}
    h = "## " if fmt == "md" else ""
    hh = "### " if fmt == "md" else ""
    return "\n\n".join([
        f"{h}第一章 总则", a["第一条"], a["第二条"],
        f"{h}第二章 安全管理", f"{hh}第一节 清扫", a["第十一条"], a["第十二条"] + "\n" + ZH_LATE_REFERENCE,
        a["第十三条"],
    ]) + "\n"


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_zh_in_sentence_references_do_not_open_articles(tmp_path, fmt):
    doc = load_one(write_text(tmp_path / "regulations" / f"law.{fmt}", _zh_law(fmt)), f"regulations/law.{fmt}")
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [c.locator for c in chunks] == list(ZH_ARTICLES)
    for chunk in chunks:
        assert chunk.text.startswith(chunk.locator)
        openings = {label for label, body in ZH_ARTICLES.items() if f"{label} {body}" in chunk.text}
        assert openings == {chunk.locator}, chunk.text
    twelfth = chunks[3]
    assert ZH_LATE_REFERENCE in twelfth.text
    assert twelfth.heading_path == ("第二章 安全管理", "第一节 清扫")
    assert chunks[0].heading_path == ("第一章 总则",)


EN_ARTICLES = {
    "Article 1": "These rules apply to every facility that handles combustible dust.",
    "Article 11": "Dust shall be removed from beams, ducts and other surfaces.",
    "Article 12": "Where dust accumulates, the employer shall clean it as required by Article 11 within one shift.",
    "Article 13": "Cleaning records shall be kept for three years.",
}


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_en_in_sentence_references_do_not_open_articles(tmp_path, fmt):
    h = "## " if fmt == "md" else ""
    a = {label: f"{label} {body}" for label, body in EN_ARTICLES.items()}
    # The second reference is a sentence wrapped so that "Article 11" opens a line.
    wrapped = "Where the analysis finds dust on ducts, the employer shall clean them as set out in\nArticle 11 of these rules."
    text = "\n\n".join([
        f"{h}Chapter I General Provisions", a["Article 1"],
        f"{h}Chapter II Housekeeping", a["Article 11"], a["Article 12"] + "\n" + wrapped, a["Article 13"],
    ])
    doc = load_one(write_text(tmp_path / "rules" / f"dust.{fmt}", text), f"rules/dust.{fmt}")
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [c.locator for c in chunks] == list(EN_ARTICLES)
    for chunk in chunks:
        openings = {label for label in EN_ARTICLES if a[label] in chunk.text}
        assert openings == {chunk.locator}
    assert wrapped in chunks[2].text
    assert chunks[2].heading_path == ("Chapter II Housekeeping",)


# -- long articles ------------------------------------------------------------

ZH_ITEM_BODIES = [
    "未按规定建立粉尘清扫制度，作业现场积尘未及时清理，且未如实记录清扫时间和人员",
    "除尘系统未按规定接地，风管连接处未做跨接，静电导除设施失效未修复",
    "粉尘爆炸危险场所使用非防爆电气设备，或者防爆电气设备失效后继续使用",
    "未对除尘器灰斗进行定期清灰，卸灰作业未采取防止粉尘飞扬的措施",
    "干式除尘系统未设置泄爆、隔爆、抑爆等控制爆炸影响的装置或者装置失效",
    "在粉尘爆炸危险场所动火作业前，未清除积尘并未采取有效防范措施",
    "未组织从业人员开展粉尘防爆安全教育培训，培训记录不完整或者缺失",
    "除尘风管内粉尘沉积严重，未设置清理口或者清理口长期封闭无法使用",
    "铝镁等金属粉尘湿式除尘系统未采取防止氢气积聚的措施或者措施无效",
    "未建立粉尘防爆安全管理台账，隐患排查治理情况未按规定记录和报告",
]


def _zh_long_article() -> str:
    suffix = "，由企业主要负责人组织整改，整改完成前不得恢复相关作业"
    items = [f"（{int_to_zh(i)}）{body}{suffix}；" for i, body in enumerate(ZH_ITEM_BODIES, start=1)]
    return "第十条 粉尘涉爆企业有下列情形之一的，应当立即停止相关作业并组织整改：\n" + "\n".join(items)


EN_ITEM_WORDS = (
    "the employer shall inspect every dust collector, duct, hopper and fan at least once each month, "
    "record the findings in the maintenance log, remove any accumulation deeper than one millimetre, "
    "verify that explosion vents open freely, confirm that isolation valves close on demand, "
    "and report any defect to the facility manager, using the approved form, before the next production shift begins"
)


def _en_long_article() -> str:
    items = [f"({i}) Item {i}: {EN_ITEM_WORDS}." for i in range(1, 9)]
    return "Article 7 The employer shall meet the following requirements:\n" + "\n".join(items)


@pytest.mark.parametrize(
    "lang, head, article, locator, item_start",
    [
        ("zh", ("第二章 安全管理", "第一节 除尘系统"), _zh_long_article(), "第十条", "（"),
        ("en", ("Chapter II Equipment", "Section heading: Collectors"), _en_long_article(), "Article 7", "("),
    ],
)
def test_long_article_is_split_at_item_boundaries(lang, head, article, locator, item_start):
    if lang == "zh":
        assert len(article) >= 600
    else:
        assert len(article.split()) >= 500
    tail = "第十一条 其他事项另行规定。" if lang == "zh" else "Article 8 Other matters are set out elsewhere."
    blocks = [Block("heading", head[0], level=2), Block("heading", head[1], level=3),
              Block("text", article), Block("text", tail)]
    doc = Document(f"regulations/long-{lang}.md", "Long", "regulation", lang, tuple(blocks))
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    parts = [c for c in chunks if c.locator == locator]
    assert len(parts) >= 3
    assert chunks[-1].locator != locator and len(chunks) == len(parts) + 1
    for i, part in enumerate(parts):
        assert part.heading_path == head
        assert estimate_tokens(part.text) <= DEFAULT_MAX_TOKENS
        assert part.text.startswith(locator if i == 0 else item_start)  # cut at an item, not mid-sentence
    # Together the parts are the whole article: nothing lost between them.
    article_start = doc.text.index(article)
    assert parts[0].start == article_start and parts[-1].end == article_start + len(article)
    for a, b in zip(parts, parts[1:]):
        assert doc.text[a.end:b.start].strip() == ""
    assert "".join(p.text for p in parts).replace("\n", "") == article.replace("\n", "")
    assert len({p.chunk_id for p in parts}) == len(parts)


def test_article_that_fits_is_one_chunk():
    article = "第五条 企业应当每班清扫作业场所积尘，并如实记录。\n（一）清扫前停机；\n（二）清扫后检查。"
    doc = Document("regulations/x.md", "规定", "regulation", "zh", (Block("text", article),))
    chunks = chunk_document(doc)
    assert [(c.locator, c.text) for c in chunks] == [("第五条", article)]


def test_smaller_budget_gives_more_parts():
    doc = Document("regulations/x.md", "规定", "regulation", "zh", (Block("text", _zh_long_article()),))
    default, small = chunk_document(doc), chunk_document(doc, max_tokens=80)
    assert len(small) > len(default)
    assert all(estimate_tokens(c.text) <= 80 for c in small)
    assert_chunks_are_slices(doc, small)


def test_one_overlong_sentence_is_cut_to_fit():
    sentence = "第九条 " + "企业应当对除尘系统进行定期检查维护" * 30 + "。"
    doc = Document("regulations/x.md", "规定", "regulation", "zh", (Block("text", sentence),))
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(c.locator == "第九条" and estimate_tokens(c.text) <= DEFAULT_MAX_TOKENS for c in chunks)
    assert "".join(c.text for c in chunks) == sentence


# -- ids ----------------------------------------------------------------------


def test_chunk_ids_are_stable_and_follow_the_text(tmp_path):
    path = write_text(tmp_path / "regulations" / "law.md", _zh_law("md"))
    first = chunk_document(load_one(path, "regulations/law.md"))
    second = chunk_document(load_one(path, "regulations/law.md"))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)

    write_text(path, _zh_law("md").replace("每月", "每周"))
    changed = chunk_document(load_one(path, "regulations/law.md"))
    assert [c.locator for c in changed] == [c.locator for c in first]
    differs = [a.locator for a, b in zip(first, changed) if a.chunk_id != b.chunk_id]
    assert differs == ["第十三条"]  # only the edited article gets a new id


def test_identical_text_under_one_locator_gets_distinct_ids():
    blocks = (Block("record", "Status: open", locator="row 1"), Block("record", "Status: open", locator="row 1"))
    doc = Document("records/r.csv", "r", "record", "en", blocks)
    ids = [c.chunk_id for c in chunk_document(doc)]
    assert len(ids) == 2 and len(set(ids)) == 2


# -- CFR sections -----------------------------------------------------------

_CFR_TEXT = " ".join(["the employer must report the event to the nearest area office within the time allowed"] * 5)


def test_cfr_section_parts_cite_their_paragraph(tmp_path):
    content = "\n".join([
        f"(a) Basic requirement. Within eight hours after a fatality, {_CFR_TEXT}.",
        f"(1) Fatalities. {_CFR_TEXT}.",
        f"(2) Hospitalizations. {_CFR_TEXT}.",
        f"(b) Implementation. {_CFR_TEXT}.",
        f"(1) By telephone. {_CFR_TEXT}.",
        f"(i) Area office. {_CFR_TEXT}.",
        f"(ii) Hotline. {_CFR_TEXT}.",
        f"(2) Online. {_CFR_TEXT}.",
        f"(c)(1) Keyed line. {_CFR_TEXT}.",
    ])
    rows = [
        {"source": "29 CFR Part 1904", "title": "Reporting fatalities.", "section": "1904.39", "content": content},
        {"source": "29 CFR Part 1904", "title": "Definitions.", "section": "1904.46", "content": "Establishment means a single location."},
    ]
    path = write_text(tmp_path / "cfr.json", json.dumps(rows))
    doc = load_one(path, "regulations-en/cfr.json")
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    by_start = {c.text.split(" ", 1)[0]: c.locator for c in chunks}
    assert by_start["(b)"] == "§ 1904.39(b)"
    assert by_start["(1)"] in ("§ 1904.39(a)(1)", "§ 1904.39(b)(1)")
    locators = [c.locator for c in chunks]
    for expected in ("§ 1904.39(a)(1)", "§ 1904.39(a)(2)", "§ 1904.39(b)", "§ 1904.39(b)(1)",
                     "§ 1904.39(b)(1)(i)", "§ 1904.39(b)(1)(ii)", "§ 1904.39(b)(2)", "§ 1904.39(c)(1)"):
        assert expected in locators, locators
    assert locators[-1] == "§ 1904.46"  # a section that fits keeps its plain locator
    assert all(c.locator.startswith("§ 1904.") for c in chunks)


# -- plans and notes: split by heading ------------------------------------------

PLAN_MD = """---
title: Riverton Dust Campaign Plan
---
# Riverton Dust Campaign Plan

## Goals

Reduce dust explosion risk in all foundries by the end of the year.

## Tasks

### Inspections

Inspect every facility with a dust collector.

### Training

Train every shift lead on housekeeping.

## Schedule

The campaign runs from March to November.
"""


def test_plan_is_split_by_heading_with_heading_path_locators(tmp_path):
    doc = load_one(write_text(tmp_path / "plans" / "plan.md", PLAN_MD), "plans/plan.md")
    assert doc.doc_type == "plan"
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("Goals", ("Goals",)),
        ("Tasks › Inspections", ("Tasks", "Inspections")),
        ("Tasks › Training", ("Tasks", "Training")),
        ("Schedule", ("Schedule",)),
    ]
    assert chunks[1].text == "Inspect every facility with a dust collector."


def test_zh_plan_items_under_numbered_headings(tmp_path):
    text = "# 江川冶金专项整治方案\n\n## 一、工作目标\n\n全面排查粉尘涉爆企业隐患。\n\n## 二、重点任务\n\n### （一）除尘系统\n\n检查除尘器接地情况。\n"
    doc = load_one(write_text(tmp_path / "plans" / "fangan.md", text), "plans/fangan.md")
    chunks = chunk_document(doc)
    assert [c.heading_path for c in chunks] == [("一、工作目标",), ("二、重点任务", "（一）除尘系统")]
    assert all(c.locator.strip() for c in chunks)


def test_text_before_any_heading_is_cited_to_the_title():
    doc = Document("notes/n.md", "Foundry notes", "note", "en", (Block("text", "Keep doors shut."),))
    (chunk,) = chunk_document(doc)
    assert chunk.locator == "Foundry notes"


def test_chunk_refuses_an_empty_locator():
    with pytest.raises(ValueError, match="empty locator"):
        Chunk("id", "doc", "notes/n.md", "t", "note", "en", (), "  ", None, None, 0, 1, "x")


def test_record_blocks_are_one_chunk_each_never_split():
    long_finding = "Finding: " + "dust on beams " * 200
    blocks = (Block("record", long_finding, fields={"finding": "x"}, locator="row 1"),
              Block("record", "Finding: leak", fields={"finding": "leak"}, locator="row 2"))
    doc = Document("records/r.csv", "r", "record", "en", blocks)
    chunks = chunk_document(doc)
    assert [c.locator for c in chunks] == ["row 1", "row 2"]
    assert chunks[0].text == long_finding and chunks[1].fields == {"finding": "leak"}


def test_estimate_tokens_counts_cjk_characters_and_words():
    assert estimate_tokens("粉尘防爆") == 4
    assert estimate_tokens("dust") >= 1
    assert estimate_tokens("粉尘 dust, 12") > estimate_tokens("粉尘")
    assert estimate_tokens("") == 0


def test_to_dict_round_trip():
    doc = Document("regulations/x.md", "规定", "regulation", "zh", (Block("text", "第一条 内容。"),))
    (chunk,) = chunk_document(doc)
    data = chunk.to_dict()
    assert data["page"] is None and data["heading_path"] == []
    assert Chunk.from_dict(json.loads(json.dumps(data))) == chunk
    assert re.fullmatch(r"[0-9a-f]{16}", chunk.chunk_id)


# -- text without markup (PDF pages, exported web text) ----------------------------


@pytest.mark.parametrize(
    "text, locators",
    [
        # A chapter number and its title on separate lines, as PDF text comes out.
        ("第一章\n总 则\n第一条 为了防范事故，制定本规定。\n第二条 本规定适用于工贸企业。", ["第一章", "第一条", "第二条"]),
        ("Dust Rules\nArticle 1 Collectors shall be grounded.\nArticle 2 Records shall be kept.", ["x", "Article 1", "Article 2"]),
        # References split onto their own lines: not headings, not articles.
        ("Article 1 Reports required by 29 CFR\nPart 1904\nmust be kept for five years.", ["Article 1"]),
        ("Article 1 Describe\nSection 11(c)\nprotections to the worker.", ["Article 1"]),
        ("Article 1 The employer shall clean the ducts as set out in\nArticle 11 of these rules.", ["Article 1"]),
    ],
)
def test_numbered_lines_in_unmarked_text(text, locators):
    doc = Document("regulations/x.pdf", "x", "regulation", "en", (Block("text", text, page=1),))
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [c.locator for c in chunks] == locators
