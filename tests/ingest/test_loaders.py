"""Every loader on a real file generated here, and the checks that pick a loader."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from support import assert_chunks_are_slices, chunks_of, load_one, make_docx, make_pdf, make_xlsx, write_text

from ingest import LoadError, chunk_document, load_file
from ingest.loaders import SUPPORTED

# -- Markdown and plain text --------------------------------------------------


def test_markdown_front_matter_sets_metadata_title_type_and_language(tmp_path):
    text = """---
title: Dust Explosion Prevention Rules
doc_type: regulation
issuer: Riverton Safety Bureau
number: RSB-2024-7
effective: 2024-03-01
language: en
---
# A heading that is not the title

第一条 Article 1 of the rules.

Article 2 Collectors shall be grounded.
"""
    # The folder says "notes" and the body has Chinese: front matter wins over both.
    path = write_text(tmp_path / "notes" / "rules.md", text)
    doc = load_one(path, "notes/rules.md")
    assert doc.title == "Dust Explosion Prevention Rules"
    assert doc.doc_type == "regulation"
    assert doc.lang == "en"
    assert doc.metadata["issuer"] == "Riverton Safety Bureau"
    assert doc.metadata["number"] == "RSB-2024-7"
    assert doc.metadata["effective"] == "2024-03-01"
    assert "---" not in doc.text and "issuer" not in doc.text
    chunks = chunk_document(doc)
    assert all(c.title == doc.title and c.doc_type == "regulation" and c.lang == "en" for c in chunks)
    assert "Article 2" in [c.locator for c in chunks]


@pytest.mark.parametrize(
    "source, text, doc_type, lang, title",
    [
        ("standards/sct-0102.md", "# SCT 0102 Dust collection systems\n\n5.2.3 The collector shall be grounded.\n", "standard", "en",
         "SCT 0102 Dust collection systems"),
        ("misc/fangan.md", "# 冶金工贸安全专项整治方案\n\n## 一、工作目标\n\n全面排查隐患。\n", "plan", "zh", "冶金工贸安全专项整治方案"),
        ("misc/guiding.md", "# 粉尘防爆安全规定\n\n第一条 为了防范粉尘爆炸事故，制定本规定。\n", "regulation", "zh", "粉尘防爆安全规定"),
        ("misc/jottings.md", "Some loose notes about the plant visit.\n", "note", "en", "jottings"),
    ],
)
def test_doc_type_and_language_are_inferred_without_front_matter(tmp_path, source, text, doc_type, lang, title):
    doc = load_one(write_text(tmp_path / source, text), source)
    assert (doc.doc_type, doc.lang, doc.title) == (doc_type, lang, title)


def test_plain_text_with_headings(tmp_path):
    text = (
        "Foundry Housekeeping Guide\n\n"
        "Scope\n\n"
        "This guide explains how dust is kept off beams and ducts.\n\n"
        "Cleaning Schedule\n\n"
        "Beams are cleaned every week.\nDucts are inspected every month.\n"
    )
    path = write_text(tmp_path / "guidance" / "housekeeping.txt", text)
    doc = load_one(path, "guidance/housekeeping.txt")
    assert doc.doc_type == "guidance" and doc.lang == "en"
    assert [(b.kind, b.text) for b in doc.blocks if b.kind == "heading"] == [
        ("heading", "Foundry Housekeeping Guide"), ("heading", "Scope"), ("heading", "Cleaning Schedule"),
    ]
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [(c.locator, c.text) for c in chunks] == [
        ("Scope", "This guide explains how dust is kept off beams and ducts."),
        ("Cleaning Schedule", "Beams are cleaned every week.\nDucts are inspected every month."),
    ]


def test_plain_text_numbered_law(tmp_path):
    text = "Dust Rules\n\nChapter I General Provisions\n\nArticle 1 These rules apply to foundries.\n\nArticle 2 Records shall be kept.\n"
    chunks = chunks_of(write_text(tmp_path / "rules.txt", text), "regulations/rules.txt")
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("Article 1", ("Chapter I General Provisions",)),
        ("Article 2", ("Chapter I General Provisions",)),
    ]


# -- HTML -----------------------------------------------------------------------


def test_html_headings_paragraphs_and_table_rows(tmp_path):
    html = """<!doctype html><html><head><title>Gas Safety Rules</title>
<meta name="doc_type" content="regulation"><script>var secret = "SCRIPT-TEXT";</script>
<style>p { color: red }</style></head>
<body><h1>Gas Safety Rules</h1>
<h2>Chapter 1 General Provisions</h2>
<p>Article 1 Carbon monoxide shall be monitored in every <b>gas</b> area.</p>
<h2>Chapter 2 Limits</h2>
<p>Article 2 The limits are:</p>
<table><tr><th>Gas</th><th>Limit</th></tr><tr><td>CO</td><td>24 ppm</td></tr><tr><td>H2S</td><td>10 ppm</td></tr></table>
<script>document.write("MORE-SCRIPT")</script>
</body></html>"""
    doc = load_one(write_text(tmp_path / "gas.html", html), "gas.html")
    assert doc.title == "Gas Safety Rules" and doc.doc_type == "regulation"
    assert "SCRIPT-TEXT" not in doc.text and "MORE-SCRIPT" not in doc.text and "color" not in doc.text
    assert "Gas | Limit\nCO | 24 ppm\nH2S | 10 ppm" in doc.text
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("Article 1", ("Chapter 1 General Provisions",)),
        ("Article 2", ("Chapter 2 Limits",)),
    ]
    assert chunks[0].text == "Article 1 Carbon monoxide shall be monitored in every gas area."
    assert chunks[1].text.endswith("H2S | 10 ppm")


# -- PDF --------------------------------------------------------------------------


def test_pdf_text_per_page_and_article_across_pages(tmp_path):
    pages = [
        "Dust Rules\nArticle 1 Collectors shall be grounded.\nArticle 2 Dust shall be removed from beams\nand from the tops of ducts",
        "at least once every shift.\nArticle 3 Records shall be kept for three years.\n2",
    ]
    path = make_pdf(tmp_path / "regulations" / "dust.pdf", pages, title="Dust Rules")
    doc = load_one(path, "regulations/dust.pdf")
    assert doc.title == "Dust Rules" and doc.lang == "en" and doc.doc_type == "regulation"
    assert doc.metadata["pages"] == 2 and doc.pages == 2
    assert [b.page for b in doc.blocks] == [1, 2]
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    spans = {c.locator: (c.page_start, c.page_end) for c in chunks}
    # The title line above Article 1 does not end a sentence, yet Article 1 opens after it.
    assert spans == {"Dust Rules": (1, 1), "Article 1": (1, 1), "Article 2": (1, 2), "Article 3": (2, 2)}
    assert chunks[0].text == "Dust Rules"
    second = next(c for c in chunks if c.locator == "Article 2")
    assert "at least once every shift." in second.text
    assert not any(line.strip() == "2" for line in doc.text.split("\n"))  # the page number is dropped


def test_pdf_without_text_layer_is_reported(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(LoadError, match="no extractable text") as info:
        load_one(path, "scans/scan.pdf")
    assert "scans/scan.pdf" in str(info.value)


def test_pdf_with_user_password_is_reported(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", ["Article 1 Secret text."], user_password="user", owner_password="owner")
    with pytest.raises(LoadError, match="password protected"):
        load_one(path, "locked.pdf")


def test_pdf_with_only_owner_password_loads(tmp_path):
    path = make_pdf(tmp_path / "restricted.pdf", ["Article 1 Printing is restricted, reading is not."], owner_password="owner")
    assert b"/Encrypt" in path.read_bytes()
    doc = load_one(path, "regulations/restricted.pdf")
    assert "Article 1 Printing is restricted, reading is not." in doc.text


# -- DOCX ---------------------------------------------------------------------------


def test_docx_heading_styles_and_table_rows(tmp_path):
    path = make_docx(tmp_path / "manual.docx", [
        ("h1", "Dust Control"),
        ("h2", "Collectors"),
        ("p", "Collectors shall be cleaned weekly."),
        ("table", [["Requirement", "Basis", "Owner"], ["Clean filters", "Rule 5", "Shift lead"], ["Check vents", "Rule 6", ""]]),
        ("h1", "Hot Work"),
        ("p", "Permits are required before welding."),
    ], title="Plant Safety Manual")
    doc = load_one(path, "guidance/manual.docx")
    assert doc.title == "Plant Safety Manual" and doc.doc_type == "guidance"
    assert "Requirement | Basis | Owner\nClean filters | Rule 5 | Shift lead\nCheck vents | Rule 6 | " in doc.text
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("Dust Control › Collectors", ("Dust Control", "Collectors")),
        ("Hot Work", ("Hot Work",)),
    ]
    assert "Clean filters | Rule 5 | Shift lead" in chunks[0].text


def test_docx_numbered_articles(tmp_path):
    path = make_docx(tmp_path / "guiding.docx", [
        ("h1", "第一章 总则"),
        ("p", "第一条 为了防范粉尘爆炸事故，制定本规定。"),
        ("p", "第二条 本规定适用于工贸企业，依照本规定第一条执行。"),
    ], title="粉尘防爆安全规定")
    chunks = chunks_of(path, "regulations/guiding.docx")
    assert [(c.locator, c.heading_path, c.lang) for c in chunks] == [
        ("第一条", ("第一章 总则",), "zh"), ("第二条", ("第一章 总则",), "zh"),
    ]


# -- CSV and XLSX records ------------------------------------------------------------

CSV_TEXT = (
    "Enterprise,City,Inspection Date,Hazard Category,Finding,Regulation Cited,Rectification Required,"
    "Deadline,Status,Inspector,Record ID,Shift\n"
    'Acme Foundry,Riverton,03/05/2024,Dust,"Dust on beams,\nnot cleaned since March",Rule 12,Clean beams,'
    "2024/03/20,Open,J. Doe,R-1,Night\n"
    "Beta Mill,Riverton,2024-04-01,Gas,CO detector missing,Rule 3,Install detector,,Closed,A. Roe,R-2,Day\n"
)


def test_csv_columns_map_to_record_fields(tmp_path):
    path = write_text(tmp_path / "inspections.csv", CSV_TEXT)
    doc = load_one(path, "records/inspections.csv")
    assert doc.doc_type == "record"
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [c.locator for c in chunks] == ["R-1", "R-2"]  # a finding is cited by its own id
    first = chunks[0].fields
    assert first == {
        "enterprise": "Acme Foundry", "city": "Riverton", "date": "2024-03-05", "hazard_category": "Dust",
        "finding": "Dust on beams,\nnot cleaned since March", "regulation_cited": "Rule 12",
        "rectification_required": "Clean beams", "deadline": "2024-03-20", "status": "Open",
        "inspector": "J. Doe", "record_id": "R-1", "Shift": "Night",
    }
    assert "deadline" not in chunks[1].fields  # empty cells are left out
    assert chunks[1].fields["date"] == "2024-04-01"
    assert "Finding: Dust on beams,\nnot cleaned since March" in chunks[0].text  # the row as the source shows it


@pytest.mark.parametrize("ids, locators", [
    (["F2024-006", "F2024-007"], ["F2024-006", "F2024-007"]),
    (["1", "2"], ["row 1", "row 2"]),  # a serial number says no more than the row
    (["YH2025-001", ""], ["YH2025-001", "row 2"]),  # a row without an id keeps its row number
])
def test_records_are_located_by_their_own_id(tmp_path, ids, locators):
    text = "Record ID,Finding\n" + "".join(f"{i},Finding {n}\n" for n, i in enumerate(ids, start=1))
    chunks = chunks_of(write_text(tmp_path / "r.csv", text), "records/r.csv")
    assert [c.locator for c in chunks] == locators


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_dialects(tmp_path, delimiter):
    rows = [["Company", "Date", "Hazard"], ["Acme", "2024-01-02", "Dust"], ["Beta", "2024-01-03", "Gas"]]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    chunks = chunks_of(write_text(tmp_path / "r.csv", text), "records/r.csv")
    assert [c.fields for c in chunks] == [
        {"enterprise": "Acme", "date": "2024-01-02", "finding": "Dust"},
        {"enterprise": "Beta", "date": "2024-01-03", "finding": "Gas"},
    ]


def test_xlsx_with_chinese_columns(tmp_path):
    rows = [
        ["企业名称", "所在城市", "检查日期", "隐患类别", "隐患描述", "依据条款", "整改要求", "整改期限", "整改状态"],
        ["江川冶金有限公司", "江川市", dt.datetime(2024, 3, 5), "粉尘防爆", "除尘器未接地", "第十二条", "立即接地", "2024/03/20", "已整改"],
        [None] * 9,
        ["河口铸造厂", "河口市", "2024年4月1日", "高温熔融金属", "浇注区地面积水", "第八条", "清除积水", None, "未整改"],
    ]
    path = make_xlsx(tmp_path / "jiancha.xlsx", rows)
    doc = load_one(path, "records/jiancha.xlsx")
    assert doc.doc_type == "record" and doc.lang == "zh"
    chunks = chunk_document(doc)
    assert [c.locator for c in chunks] == ["row 1", "row 3"]  # the empty row is skipped but keeps its number
    assert chunks[0].fields == {
        "enterprise": "江川冶金有限公司", "city": "江川市", "date": "2024-03-05", "hazard_category": "粉尘防爆",
        "finding": "除尘器未接地", "regulation_cited": "第十二条", "rectification_required": "立即接地",
        "deadline": "2024-03-20", "status": "已整改",
    }
    assert chunks[1].fields["date"] == "2024-04-01"
    assert "隐患描述: 浇注区地面积水" in chunks[1].text


# -- JSON and JSONL -----------------------------------------------------------------


def test_json_sections_become_cfr_locators(tmp_path):
    rows = [
        {"source": "29 CFR Part 1904", "title": "Reporting fatalities.", "section": "1904.39",
         "path": "Part 1904\nSubpart E", "content": "(a) Basic requirement. You must report each fatality."},
        {"source": "29 CFR Part 1904", "title": "Definitions.", "section": "1904.46",
         "path": "Part 1904\nSubpart G", "content": "Establishment means a single physical location."},
    ]
    doc = load_one(write_text(tmp_path / "cfr.json", json.dumps(rows)), "regulations-en/cfr.json")
    assert doc.doc_type == "regulation" and doc.lang == "en"
    chunks = chunk_document(doc)
    assert_chunks_are_slices(doc, chunks)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("§ 1904.39", ("Part 1904", "Subpart E", "§ 1904.39 Reporting fatalities.")),
        ("§ 1904.46", ("Part 1904", "Subpart G", "§ 1904.46 Definitions.")),
    ]
    assert "You must report each fatality." in chunks[0].text


def test_json_object_of_sections(tmp_path):
    data = {"Sec. 2 Findings": "The Congress finds that injuries impose a burden on commerce.",
            "Sec. 3 Definitions": "For the purposes of this Act, employer means a person engaged in business."}
    doc = load_one(write_text(tmp_path / "act.json", json.dumps(data)), "regulations-en/act.json")
    chunks = chunk_document(doc)
    assert [c.locator for c in chunks] == ["Section 2", "Section 3"]
    assert "employer means a person" in chunks[1].text


def _jsonl(path, rows):
    return write_text(path, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")


def _knowledge_base(folder):
    _jsonl(folder / "law-versions.jsonl", [
        {"id": "L1", "officialName": "粉尘防爆安全规定", "documentNumber": "令第1号", "effectiveDate": "2021-09-01"},
        {"id": "L2", "officialName": "Dust Rules", "documentNumber": "R-2"},
    ])
    _jsonl(folder / "clauses.jsonl", [
        {"id": "C1", "lawId": "L1", "article": "第十二条", "quote": "除尘系统应当按规定接地。"},
        {"id": "C2", "lawId": "L1", "article": "第十三条", "quote": "企业应当定期清扫积尘。"},
        {"id": "C3", "lawId": "L2", "article": "Article 4", "quote": "Collectors shall be grounded."},
    ])
    _jsonl(folder / "hazards.jsonl", [
        {"id": "H1", "title": "除尘器未接地", "description": "除尘器外壳未接地。", "measures": ["立即接地", "定期检测"],
         "category": "粉尘防爆", "basisRefs": [{"clauseId": "C1"}]},
        {"id": "H2", "description": "Collector not grounded.", "measures": "Ground it.",
         "basisRefs": [{"clauseId": "C3"}, {"clauseId": "missing"}]},
    ])


def test_jsonl_clauses_get_law_titles_from_sibling_file(tmp_path):
    _knowledge_base(tmp_path)
    documents = load_file(tmp_path / "clauses.jsonl", "kb/clauses.jsonl")
    assert {(d.part, d.title, d.lang, d.doc_type) for d in documents} == {
        ("L1", "粉尘防爆安全规定", "zh", "regulation"), ("L2", "Dust Rules", "en", "regulation"),
    }
    assert len({d.doc_id for d in documents}) == 2
    zh = next(d for d in documents if d.part == "L1")
    assert zh.metadata["documentNumber"] == "令第1号"
    chunks = chunk_document(zh)
    assert [(c.locator, c.text) for c in chunks] == [("第十二条", "除尘系统应当按规定接地。"), ("第十三条", "企业应当定期清扫积尘。")]


def test_jsonl_hazards_resolve_the_cited_clause(tmp_path):
    _knowledge_base(tmp_path)
    doc = load_one(tmp_path / "hazards.jsonl", "kb/hazards.jsonl")
    assert doc.doc_type == "record"
    chunks = chunk_document(doc)
    assert [c.locator for c in chunks] == ["H1", "H2"]
    assert chunks[0].fields["regulation_cited"] == "《粉尘防爆安全规定》第十二条"
    assert chunks[0].fields["finding"] == "除尘器外壳未接地。"
    assert chunks[0].fields["rectification_required"] == "立即接地、定期检测"
    assert "依据: 《粉尘防爆安全规定》第十二条" in chunks[0].text
    assert chunks[1].fields["regulation_cited"] == "《Dust Rules》Article 4"
    assert "Basis: 《Dust Rules》Article 4" in chunks[1].text


def test_jsonl_laws_list(tmp_path):
    _knowledge_base(tmp_path)
    chunks = chunks_of(tmp_path / "law-versions.jsonl", "kb/law-versions.jsonl")
    assert [c.locator for c in chunks] == ["粉尘防爆安全规定", "Dust Rules"]
    assert "令第1号" in chunks[0].text


def test_generic_json_objects_are_records(tmp_path):
    rows = [{"name": "Acme", "note": "Dust on beams"}, {"name": "Beta", "_internal": "x", "note": "Gas leak"}]
    chunks = chunks_of(write_text(tmp_path / "misc.json", json.dumps(rows)), "notes/misc.json")
    assert [(c.locator, c.fields) for c in chunks] == [
        ("item 1", {"name": "Acme", "note": "Dust on beams"}), ("item 2", {"name": "Beta", "note": "Gas leak"}),
    ]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("bad.jsonl", '{"a": 1}\n{broken\n', "line 2 is not valid JSON"),
        ("empty.json", "[]", "no text found"),
    ],
)
def test_broken_json_is_a_load_error(tmp_path, name, content, reason):
    with pytest.raises(LoadError, match=reason):
        load_file(write_text(tmp_path / name, content), name)


# -- file type checks ------------------------------------------------------------------


def test_pdf_renamed_docx_is_reported(tmp_path):
    pdf = make_pdf(tmp_path / "real.pdf", ["Article 1 Text."])
    fake = tmp_path / "manual.docx"
    fake.write_bytes(pdf.read_bytes())
    with pytest.raises(LoadError) as info:
        load_file(fake, "guidance/manual.docx")
    assert str(info.value).startswith("guidance/manual.docx: ")
    assert "not DOCX" in str(info.value) and "PDF" in str(info.value)


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".xlsx"])
def test_text_file_with_binary_extension_is_reported(tmp_path, suffix):
    path = write_text(tmp_path / f"notes{suffix}", "Article 1 This is plain text.\n")
    with pytest.raises(LoadError) as info:
        load_file(path, f"regulations/notes{suffix}")
    assert f"regulations/notes{suffix}" in str(info.value)
    assert f"not {suffix[1:].upper()}" in str(info.value)


def test_binary_content_with_text_extension_is_reported(tmp_path):
    pdf = make_pdf(tmp_path / "real.pdf", ["Article 1 Text."])
    fake = tmp_path / "rules.md"
    fake.write_bytes(pdf.read_bytes())
    with pytest.raises(LoadError, match=r"rules\.md: content is PDF"):
        load_file(fake, "rules.md")


@pytest.mark.parametrize("name", ["scan.tiff", "old.doc", "Makefile"])
def test_unsupported_extension_lists_supported_types(tmp_path, name):
    path = write_text(tmp_path / name, "x")
    with pytest.raises(LoadError) as info:
        load_file(path, name)
    message = str(info.value)
    assert message.startswith(f"{name}: unsupported file type")
    assert all(ext in message for ext in SUPPORTED)


@pytest.mark.parametrize("suffix", sorted(SUPPORTED))
def test_empty_file_is_reported(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match=f"empty{suffix}: empty file"):
        load_file(path, path.name)
