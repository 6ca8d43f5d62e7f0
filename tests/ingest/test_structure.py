"""structure.classify: what one line is, in every numbering style we cite by."""
from __future__ import annotations

import pytest

from ingest.structure import classify, int_to_zh, paragraph_labels, roman_to_int, zh_to_int


@pytest.mark.parametrize(
    "line, kind, label, number, rest",
    [
        # English chapters, bare or titled, roman or arabic
        ("Chapter III", "chapter", "Chapter III", (3,), ""),
        ("CHAPTER 3", "chapter", "Chapter 3", (3,), ""),
        ("Chapter III General Provisions", "chapter", "Chapter III", (3,), "General Provisions"),
        ("CHAPTER 3 SCOPE AND APPLICATION", "chapter", "Chapter 3", (3,), "SCOPE AND APPLICATION"),
        ("Part 2 Duties of Employers", "part", "Part 2", (2,), "Duties of Employers"),
        # English articles and sections
        ("Article 12", "article", "Article 12", (12,), ""),
        ("Article 12. Dust collectors shall be grounded.", "article", "Article 12", (12,), "Dust collectors shall be grounded."),
        ("Section 5.2", "article", "Section 5.2", (5, 2), ""),
        # CFR, with and without the section sign
        ("§ 1910.272(e)(1) Title text", "article", "§ 1910.272(e)(1)", (1910, 272), "Title text"),
        ("§1904.39 Reporting fatalities.", "article", "§ 1904.39", (1904, 39), "Reporting fatalities."),
        ("1910.272(e) Text", "article", "§ 1910.272(e)", (1910, 272), "Text"),
        # Decimal clauses of standards: a sentence is a clause, a short title a heading
        ("5.2.3 The collector shall be grounded and bonded.", "article", "5.2.3", (5, 2, 3),
         "The collector shall be grounded and bonded."),
        ("5.2 General", "clause_heading", "5.2", (5, 2), "General"),
        ("3 Terms and definitions", "clause_heading", "3", (3,), "Terms and definitions"),
        # Chinese chapters, sections, articles (with and without a space)
        ("第三章 总则", "chapter", "第三章", (3,), "总则"),
        ("第十二章　法律责任", "chapter", "第十二章", (12,), "法律责任"),
        ("第一节 一般规定", "section", "第一节", (1,), "一般规定"),
        ("第十二条 粉尘涉爆企业应当建立粉尘清扫制度。", "article", "第十二条", (12, 0), "粉尘涉爆企业应当建立粉尘清扫制度。"),
        ("第十二条粉尘涉爆企业应当建立粉尘清扫制度。", "article", "第十二条", (12, 0), "粉尘涉爆企业应当建立粉尘清扫制度。"),
        ("第一百零三条 本规定自发布之日起施行。", "article", "第一百零三条", (103, 0), "本规定自发布之日起施行。"),
        ("第十二条之一 有下列情形的，依照前条处理。", "article", "第十二条之一", (12, 1), "有下列情形的，依照前条处理。"),
        ("**第五条** 企业主要负责人是第一责任人。", "article", "第五条", (5, 0), "企业主要负责人是第一责任人。"),
    ],
)
def test_numbered_lines(line, kind, label, number, rest):
    got = classify(line)
    assert (got.kind, got.label, got.number, got.rest.strip()) == (kind, label, number, rest)


@pytest.mark.parametrize(
    "line, kind, label",
    [
        ("第十二条 粉尘涉爆企业应当…", "article", "第十二条"),
        ("第十二条粉尘涉爆企业应当…", "article", "第十二条"),
        ("（一）…", "item", "（一）"),
        ("一、…", "item", "一、"),
        ("1. …", "item", "1."),
        ("(a) …", "item", "(a)"),
    ],
)
def test_styles_with_elided_text(line, kind, label):
    got = classify(line)
    assert (got.kind, got.label, got.rest.strip()) == (kind, label, line[line.index(label) + len(label):].strip())
    assert got.rest.strip().endswith("…")


@pytest.mark.parametrize(
    "line, label, rest",
    [
        ("（一）未按规定清扫积尘的；", "（一）", "未按规定清扫积尘的；"),
        ("(十二)未配备除尘系统的。", "(十二)", "未配备除尘系统的。"),
        ("一、总体要求", "一、", "总体要求"),
        ("1. Keep collectors closed.", "1.", "Keep collectors closed."),
        ("2) Keep collectors closed.", "2)", "Keep collectors closed."),
        ("(a) Basic requirement.", "(a)", "Basic requirement."),
        ("(iv) Fourth item.", "(iv)", "Fourth item."),
    ],
)
def test_items(line, label, rest):
    got = classify(line)
    assert (got.kind, got.label, got.rest.strip()) == ("item", label, rest)


@pytest.mark.parametrize(
    "line",
    [
        "依照本规定第十一条的规定处理。",
        "企业违反本规定第十二条第一款的，责令改正。",
        "The employer shall clean dust as required by Article 11.",
        "See Section 5.2 for the design requirements.",
        "Chapter 3 of this Act provides that, where dust is present, collectors are required.",
        "§1910.132(d)",  # a bare reference cut out of a sentence by line wrapping
        "Dust shall be removed every shift.",
        "粉尘涉爆企业应当每班清扫。",
        "",
    ],
)
def test_references_and_prose_are_text(line):
    assert classify(line).kind == "text"


def test_a_reference_opening_a_line_is_still_an_article_line():
    """classify only sees one line; the chunker rejects it because numbers only go up
    (see test_chunking)."""
    got = classify("第十一条规定的情形消除后，企业应当书面报告。")
    assert (got.kind, got.number) == ("article", (11, 0))


@pytest.mark.parametrize("number", range(1, 201))
def test_zh_numbers_round_trip(number):
    assert zh_to_int(int_to_zh(number)) == number


@pytest.mark.parametrize(
    "text, number",
    [("十", 10), ("十二", 12), ("二十", 20), ("一百零三", 103), ("一百一十", 110), ("两百", 200), ("12", 12), ("〇", 0)],
)
def test_zh_to_int(text, number):
    assert zh_to_int(text) == number


def test_int_to_zh_spelling():
    assert [int_to_zh(n) for n in (1, 10, 11, 20, 21, 100, 101, 110, 115, 120, 200)] == [
        "一", "十", "十一", "二十", "二十一", "一百", "一百零一", "一百一十", "一百一十五", "一百二十", "二百",
    ]


@pytest.mark.parametrize("text", ["总则", "十二a", "abc"])
def test_zh_to_int_rejects_non_numbers(text):
    assert zh_to_int(text) is None


@pytest.mark.parametrize("text, number", [("III", 3), ("iv", 4), ("IX", 9), ("XIV", 14), ("XL", 40), ("ab", None)])
def test_roman_to_int(text, number):
    assert roman_to_int(text) == number


def test_paragraph_labels():
    assert paragraph_labels("(a) Basic. (1) Within eight hours") == ["a"]
    assert paragraph_labels("(b)(2) text") == ["b", "2"]
    assert paragraph_labels("No label (a) here") == []
