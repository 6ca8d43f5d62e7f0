"""The page's parts without Streamlit: escaping and highlighting of document
text, the Markdown export, the audit log, uploads stored by content hash,
adding and removing documents, and a passage shown in its source (a PDF page
included). Small inline corpora and the fake embedder: fast."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from support import FINDINGS_CSV, FakeEmbedder, make_pdf, make_small_corpus, write_text

from answer.export import answer_markdown as export_answer, session_markdown
from answer.models import REFUSAL, Answer, Citation
from audit import AuditLog, answer_from_dict
from core.errors import LoadError
from core.settings import reload as reload_settings
from index.build import ingest
from index.library import field_values, join_wrapped_lines, source_view
from index.manage import add_uploads, remove_document
from index.search import Index
from ingest.uploads import UploadFolder
from ui.components import audit_headers, audit_words, filters_caption, records_table, sso_providers
from ui.i18n import TEXT, browser_lang, text
from ui.markdown import answer_markdown, escape, highlight, highlight_quote, plain

HOSTILE = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) $x$ # head\n1. item\n    code"


def test_escape_leaves_no_markup_and_shows_the_same_text():
    escaped = escape(HOSTILE)
    assert "<" not in escaped.replace("\\<", "") and ">" not in escaped.replace("\\>", "")
    assert "**" not in escaped and "](" not in escaped and "\n1." not in escaped
    assert plain(escaped) == "\n".join(line.strip() for line in HOSTILE.split("\n"))


def test_highlight_marks_exactly_the_span():
    text = "Article 3 Dust layers <b>shall</b> be cleaned every shift.\nArticle 4 Next."
    marked = highlight_quote(text, "Dust layers <b>shall</b> be cleaned")
    assert marked.startswith("Article 3 :orange-background[**Dust layers \\<b\\>shall\\<\\/b\\> be cleaned**] every")
    assert plain(marked) == text
    assert highlight_quote(text, "not in the text") == escape(text)
    assert highlight(text, 5, 5) == escape(text)


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of `markdown` (Streamlit's is one too)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown)


def test_answer_markdown_keeps_bullets_and_markers_only():
    answer = "- Vents <script>x</script> shall face outdoors. [1][2]\n- Beams *cleaned* weekly. [3]"
    shown = answer_markdown(answer)
    lines = shown.split("\n")
    assert lines[0].startswith("- Vents \\<script\\>") and lines[0].endswith(" **\\[1\\]\\[2\\]**")
    assert "\\*cleaned\\*" in lines[1]
    assert plain(shown) == answer
    # Adjacent markers are one bold run, not "[1]****[2]".
    html = rendered(shown)
    assert "<strong>[1][2]</strong>" in html and "<strong>[3]</strong>" in html
    assert "**" not in html and "<script>" not in html and "&lt;script&gt;" in html
    # The same in a paragraph of statements (a lookup answer), and in Chinese.
    html = rendered(answer_markdown("检测报警装置每半年校准一次。[1][2][3] 报警值为24 ppm。[4]"))
    assert "<strong>[1][2][3]</strong>" in html and "<strong>[4]</strong>" in html and "*" not in html


def test_a_label_after_an_item_is_not_taken_into_it():
    lines = answer_markdown("#### Deadline\n- 30 days. [1]\n#### Penalty\n- A fine. [2]").split("\n")
    assert lines == ["**Deadline**", "- 30 days\\. **\\[1\\]**", "", "**Penalty**", "- A fine\\. **\\[2\\]**"]


def test_further_quotes_of_an_article_are_nested_items():
    answer = "#### Rules › Chapter III\n- Article 18 Wet collectors: [2]\n  - (1) the water <b>flow</b> is interlocked; [2]"
    lines = answer_markdown(answer).split("\n")
    assert lines[1].startswith("- Article 18") and lines[2].startswith("  - \\(1\\) the water \\<b\\>")
    assert lines[2].endswith("**\\[2\\]**") and plain("\n".join(lines[1:])) == "\n".join(answer.split("\n")[1:])


def test_record_labels_are_paragraphs_of_their_own():
    answer = ("#### Riverton <b>Co.</b> · 2024-07-15 · Overdue\n- The vent faces the walkway. [1]\n"
              "- Cited: Article 14. [1][2]\n#### Eastbridge Casting · 2024-08-02\n- The hopper is open. [3]")
    shown = answer_markdown(answer)
    lines = shown.split("\n")
    assert lines[0] == "**Riverton \\<b\\>Co\\.\\<\\/b\\> · 2024\\-07\\-15 · Overdue**"
    assert lines[1].startswith("- The vent")
    html = rendered(shown)
    # The second label is not glued into the bullet before it.
    assert "<p><strong>Eastbridge Casting · 2024-08-02</strong></p>" in html
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert len(items) == 3 and not any("Eastbridge" in item for item in items)
    assert plain(shown).replace("\n\n", "\n") == answer.replace("#### ", "")
    # A heading over the records is a paragraph of its own too.
    html = rendered(answer_markdown("### 2 findings, 1 overdue\n" + answer))
    assert html.startswith("<p><strong>2 findings, 1 overdue</strong></p>")


def test_a_quote_in_the_other_language_is_labelled():
    answer = ("- 除尘器应当可靠接地。 [1]\n- Collectors shall be earthed; resistance shall not exceed 100 ohms. [2]\n"
              "- 24 [3]")
    zh = answer_markdown(answer, {"en": "原文（英文）"})
    lines = zh.split("\n")
    assert lines[1].startswith("- :gray-badge[原文（英文）] Collectors shall be earthed")
    assert "原文" not in lines[0] and "原文" not in lines[2]  # a Chinese quote, a bare number
    en = answer_markdown(answer, {"zh": "Original (Chinese)"})
    assert plain(en.split("\n")[0]).startswith("- Original (Chinese) 除尘器") and "badge" not in en.split("\n")[1]
    assert answer_markdown(answer) == answer_markdown(answer, {})  # no labels asked, none added


def test_a_highlight_over_several_items_keeps_them_on_their_lines():
    text = ("Article 23 Polishing shops shall meet the following:\n(6) dust shall be cleaned every shift;\n"
            "(7) workers shall not exceed the stations;\n(8) dust shall be removed daily.\nArticle 24 Interlocks.")
    start, end = text.index("(6)"), text.index("daily.") + len("daily.")
    marked = highlight(text, start, end)
    assert plain(marked) == text
    html = rendered(marked)
    # Each item is its own line (a hard break between them), each highlighted.
    assert html.count("<br />") == 4
    assert [line for line in marked.split("  \n")][1:4] == [
        ":orange-background[**\\(6\\) dust shall be cleaned every shift\\;**]",
        ":orange-background[**\\(7\\) workers shall not exceed the stations\\;**]",
        ":orange-background[**\\(8\\) dust shall be removed daily\\.**]"]
    # A highlight that starts at a line's start does not run into the line before.
    assert marked.split("  \n")[0] == "Article 23 Polishing shops shall meet the following\\:"


def test_the_clause_column_names_the_clause_citation():
    records = [{"n": 1, "regulation_cited": "Gas Rules, Article 21", "clause": {"n": 2, "title": "Gas Rules"}},
               {"n": 3, "regulation_cited": "Article 9", "clause": None}]
    rows = records_table(records, "en")
    clause = text("en", "col.clause")
    assert [row[clause] for row in rows] == ["Gas Rules, Article 21 [2]", "Article 9"]


def test_ui_text_exists_in_both_languages_and_browser_language():
    assert set(TEXT["en"]) == set(TEXT["zh"])
    assert text("zh", "mode.similar") == "类似隐患" and text("en", "page", page=3) == "p. 3"
    assert [browser_lang(x) for x in ("zh-CN", "zh_TW", "en-GB", "fr-FR", None)] == ["zh", "zh", "en", None, None]


def _answer(**changes) -> Answer:
    c = Citation(n=1, chunk_id="c1", source="regulations/dust.md", title="Dust Rules", doc_type="regulation",
                 locator="Article 2", page=4, quote="Vents <b>shall</b> face outdoors.",
                 text="Article 2 Vents <b>shall</b> face outdoors.")
    values = dict(question="Where do vents face?", resolved_question="Where do vents face?", mode="lookup",
                  lang="en", grounded=True, answer="Vents <b>shall</b> face outdoors. [1]", citations=(c,))
    values.update(changes)
    return Answer(**values)


def test_export_has_question_answer_citations_and_quotes():
    md = export_answer(_answer(), "gen-000007")
    assert md.startswith("## Question: Where do vents face?")
    assert "Vents &lt;b&gt;shall&lt;/b&gt; face outdoors. [1]" in md
    assert "1. **Dust Rules**, Article 2, p. 4 (regulation; `regulations/dust.md`)" in md
    assert "   > Vents &lt;b&gt;shall&lt;/b&gt; face outdoors." in md
    assert "gen-000007" in md and "<b>" not in md
    refused = _answer(grounded=False, answer=REFUSAL["en"], citations=(), nearest=_answer().citations)
    session = session_markdown([(_answer(), "gen-1"), (refused, "gen-2")])
    assert session.count("## ") == 2 and "## 2. Question" in session
    assert "(Not answered by the indexed documents)" in session and "Nearest passages (not answering)" in session


def test_a_citation_of_text_read_by_ocr_says_so_in_both_languages():
    from dataclasses import replace

    from ui.components import citation_label

    plain_citation = _answer().citations[0]
    scanned = replace(plain_citation, fields={"ocr": "tesseract"})
    assert citation_label(scanned, "en").endswith("· p. 4 · OCR text · _regulation_")
    assert "OCR识别文本" in citation_label(scanned, "zh") and "第4页" in citation_label(scanned, "zh")
    assert "OCR" not in citation_label(plain_citation, "en")
    md = export_answer(_answer(citations=(scanned,)), "gen-1")
    assert "(regulation; `regulations/dust.md`; OCR text)" in md
    assert "OCR识别文本" in export_answer(_answer(citations=(scanned,)), "gen-1", lang="zh")
    assert "OCR" not in export_answer(_answer(), "gen-1")


def test_audit_log_appends_and_gives_a_session_back(tmp_path):
    log = AuditLog(tmp_path / "a" / "audit.sqlite")
    first = log.append(_answer(), "gen-000003", session="s1", filters={"city": ["Riverton"]})
    log.append(_answer(question="Other?", resolved_question="Other?"), "gen-000004", session="s2")
    assert first == 1
    entries = log.entries()
    assert [e["question"] for e in entries] == ["Other?", "Where do vents face?"]  # newest first
    assert json.loads(entries[1]["citations"])[0]["quote"] == "Vents <b>shall</b> face outdoors."
    assert json.loads(entries[1]["filters"]) == {"city": ["Riverton"]}
    [(answer, generation)] = AuditLog(tmp_path / "a" / "audit.sqlite").answers("s1")
    assert answer == _answer() and generation == "gen-000003"
    data = log.to_csv()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel opens Chinese as Chinese
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["generation"] for r in rows] == ["gen-000003", "gen-000004"]
    log.append(_answer(question="除尘器多久检查一次？", lang="zh"), "gen-000005", session="s1", at="2025-03-04T05:06:07+00:00")
    named = log.to_csv(headers={"question": "问题", "at": "时间"}).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(named)))
    # Who asked follows the session ("" where no accounts are configured).
    assert header[:5] == ["id", "时间", "session", "user", "问题"]
    assert lines[-1][1:5] == ["2025-03-04T05:06:07+00:00", "s1", "", "除尘器多久检查一次？"]
    # On a Chinese page the values in SafeCite's own words are Chinese too: job, language, answered, by what.
    worded = log.to_csv(headers=audit_headers("zh"), words=audit_words("zh")).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(worded)))
    last = dict(zip(header, lines[-1]))
    assert [last[audit_headers("zh")[c]] for c in ("mode", "lang", "grounded", "generator")] == [
        text("zh", "mode.lookup"), "中文", "是", "原文引用，未用语言模型"], last
    assert [r["mode"] for r in rows] == ["lookup", "lookup"] and [r["grounded"] for r in rows] == ["1", "1"]  # as recorded
    turns = log.turns("s1")
    assert [(t.at[:4], t.filters) for t in turns] == [(turns[0].at[:4], {"city": ["Riverton"]}), ("2025", {})]
    assert answer_from_dict(_answer().to_dict()) == _answer()


def test_uploads_are_stored_by_hash_and_refused_with_the_reason(tmp_path):
    uploads = UploadFolder(tmp_path / "up", max_mb=1)
    stored = uploads.store("../../etc/passwd.md", b"# Title\n\nText.")
    assert re.fullmatch(r"[0-9a-f]{64}\.md", stored.path.name) and stored.path.parent == tmp_path / "up"
    assert stored.name == "passwd.md" and stored.new
    assert not uploads.store("other-name.md", b"# Title\n\nText.").new  # same content, same file
    for name, data, reason in (("tool.exe", b"MZ", "unsupported file type '.exe'"), ("e.txt", b"", "empty file"),
                               ("big.txt", b"x" * (1024 * 1024 + 1), "over the 1 MB limit")):
        with pytest.raises(LoadError) as error:
            uploads.store(name, data)
        assert str(error.value).startswith(f"{name}: ") and reason in str(error.value)
    v2 = uploads.store("other-name.md", b"# Title\n\nText, second version.")
    assert v2.replaces == stored.path.name and stored.path.exists()  # deleted once the new one is indexed
    assert uploads.delete(v2.replaces) and not uploads.delete("../names.json")
    assert sorted(p.name for p in (tmp_path / "up").iterdir() if not p.name.startswith(".")) == [v2.path.name]
    assert uploads.names() == {v2.path.name: "other-name.md"}


def test_add_and_remove_uploads_and_corpus_documents(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    make_small_corpus(corpus)
    embedder = FakeEmbedder()
    ingest([corpus], index_dir, embedder=embedder)
    uploads = UploadFolder(index_dir / "uploads")
    summary = add_uploads([("forklift.md", b"# Forklift Rules\n\nArticle 1 Batteries shall be charged in a ventilated room."),
                           ("broken.pdf", b"%PDF-1.4 not really a pdf"), ("notes.exe", b"x")],
                          uploads, index_dir, embedder=embedder)
    assert summary.added == ["forklift.md"] and summary.generation
    assert {s.source for s in summary.skipped} == {"broken.pdf", "notes.exe"}
    assert all(s.reason for s in summary.skipped)
    assert len([p for p in uploads.folder.iterdir() if not p.name.startswith(".")]) == 1  # the broken PDF is not kept
    again = add_uploads([("forklift.md", b"# Forklift Rules\n\nArticle 1 Batteries shall be charged in a ventilated room.")],
                        uploads, index_dir, embedder=embedder)
    assert again.unchanged == ["forklift.md"] and not again.changed
    replaced = add_uploads([("forklift.md", b"# Forklift Rules\n\nArticle 1 Batteries shall be charged outdoors.")],
                           uploads, index_dir, embedder=embedder)
    assert replaced.replaced == ["forklift.md"] and not replaced.removed
    # A new version that cannot be read leaves the indexed one in place.
    make_pdf(tmp_path / "ladle.pdf", ["Ladle Rules", "Article 1 Ladles shall be dried before use."], title="Ladle Rules")
    assert add_uploads([("ladle.pdf", (tmp_path / "ladle.pdf").read_bytes())], uploads, index_dir,
                       embedder=embedder).added == ["ladle.pdf"]
    broken = add_uploads([("ladle.pdf", b"%PDF-1.4 broken")], uploads, index_dir, embedder=embedder)
    assert [s.source for s in broken.skipped] == ["ladle.pdf"] and not broken.replaced
    assert sorted(uploads.names().values()) == ["forklift.md", "ladle.pdf"]
    index = Index.open(index_dir, embedder)
    docs = {d.title: d for d in index.catalog.documents()}
    assert "Forklift Rules" in docs and "Dust Rules" in docs and "Ladle Rules" in docs
    assert sum(d.title == "Forklift Rules" for d in index.catalog.documents()) == 1  # the old version is gone
    assert index.search("batteries charged outdoors", 1)[0].chunk.title == "Forklift Rules"
    index.close()
    remove_document(docs["Forklift Rules"], uploads, index_dir, embedder=embedder)
    remove_document(docs["Gas Rules"], uploads, index_dir, embedder=embedder)
    index = Index.open(index_dir, embedder)
    titles = {d.title for d in index.catalog.documents()}
    assert "Forklift Rules" not in titles and "Gas Rules" not in titles and "Dust Rules" in titles
    assert (corpus / "regulations" / "gas-rules.md").exists()  # a corpus file stays on disk
    assert [uploads.names()[p.name] for p in uploads.folder.iterdir() if not p.name.startswith(".")] == ["ladle.pdf"]
    assert field_values(index, "city") == ["Eastbridge", "Lakeport", "Riverton"]
    with pytest.raises(ValueError, match="field must be one of"):
        field_values(index, "text; DROP TABLE chunks")
    index.close()


def test_a_passage_in_its_document_and_a_pdf_page(tmp_path, monkeypatch):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    make_small_corpus(corpus)
    write_text(corpus / "regulations" / "dust-rules.md", (corpus / "regulations" / "dust-rules.md").read_text(
        encoding="utf-8").replace("doc_type: regulation", "doc_type: regulation\nissuer: Safety Bureau\nnumber: Order No. 6"))
    make_pdf(corpus / "regulations" / "ladles.pdf", [
        "Ladle Rules\nArticle 1 These rules cover ladles used for molten metal.",
        "Article 2 Ladle trunnions shall be tested once a year by a qualified body.",
        "Article 3 Test reports shall be kept for five years.",
    ], title="Ladle Rules")
    embedder = FakeEmbedder()
    ingest([corpus], index_dir, embedder=embedder)
    index = Index.open(index_dir, embedder)
    hit = index.search("explosion vents discharge outdoor", 1)[0]
    view = source_view(index, hit.chunk.chunk_id)
    assert view.from_file and view.text[view.start:view.end] == hit.chunk.text
    assert view.metadata == {"issuer": "Safety Bureau", "number": "Order No. 6"}
    assert view.text.startswith("Dust Rules") and "Article 5" in view.text[view.end:]
    pdf_hit = index.search("trunnions tested once a year", 1, {"source": "regulations/ladles.pdf"})[0]
    pdf = source_view(index, pdf_hit.chunk.chunk_id)
    assert pdf.is_pdf and pdf_hit.chunk.page_start == 2
    start, end = pdf.page_span()
    page = pdf.text[start:end]
    assert "trunnions shall be tested" in page and "molten metal" not in page and "five years" not in page
    # The view reads the file as ingest does, in a parser process under its
    # limits: a PDF now over the page limit is not read, the chunks stand in.
    monkeypatch.setenv("SAFECITE_MAX_PAGES", "2")
    reload_settings()
    capped = source_view(index, pdf_hit.chunk.chunk_id)
    assert not capped.from_file and capped.text[capped.start:capped.end] == pdf_hit.chunk.text
    # The file changed after ingest: the view is rebuilt from the indexed chunks and says so.
    (corpus / "regulations" / "dust-rules.md").write_text("changed", encoding="utf-8")
    rebuilt = source_view(index, hit.chunk.chunk_id)
    assert not rebuilt.from_file and rebuilt.text[rebuilt.start:rebuilt.end] == hit.chunk.text
    assert source_view(index, "no-such-chunk") is None
    index.close()


def test_a_cited_pdf_is_served_under_its_hash_at_its_page(tmp_path, monkeypatch):
    import hashlib

    from ui import static

    monkeypatch.setattr(static, "STATIC_DIR", tmp_path / "static")
    pdf = make_pdf(tmp_path / "my ladle <rules>.pdf", ["Ladle Rules", "Article 1 Ladles shall be dried."])
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    url = static.pdf_page_url(pdf, digest, 3)
    assert url == f"app/static/{digest}.pdf#page=3"
    served = tmp_path / "static" / f"{digest}.pdf"
    assert served.read_bytes() == pdf.read_bytes()
    assert [p.name for p in served.parent.iterdir()] == [served.name]  # no temporary file left
    assert static.pdf_page_url(pdf, digest, None) == f"app/static/{digest}.pdf"
    with pytest.raises(ValueError):
        static.pdf_page_url(pdf, "../../etc/passwd", 1)


LONG_ARTICLE = """---
title: Polishing Rules
doc_type: regulation
language: en
---

# Polishing Rules

Article 1 These rules apply to aluminium and magnesium polishing shops.

Article 2 Polishing shops shall meet the following requirements:
(1) each polishing station shall have a local exhaust hood that captures dust where it is generated and the capture velocity shall be verified every quarter;
(2) no more than ten polishing stations shall be connected to one dry dust collector, and stations in different rooms shall not share one collector;
(3) the dust collector shall be started before the polishing machines and stopped no earlier than ten minutes after the last machine stops;
(4) workers shall wear anti-static clothing, and no iron tools that strike sparks shall be kept at the stations;
(5) polishing of light metals shall not be combined in one booth with grinding of steel, to prevent thermite sparks;
(6) dust on floors, machines and hoods shall be cleaned at the end of every shift by wet methods or explosion-proof vacuum cleaners;
(7) the number of workers in a polishing room shall not exceed the number of stations in operation;
(8) collected dust shall be removed from the workshop daily and kept in closed metal containers.

Article 3 Records of cleaning shall be kept for one year.
"""


def test_the_whole_document_starts_at_the_article_of_a_later_part(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_text(corpus / "regulations" / "polishing.md", LONG_ARTICLE)
    ingest([corpus], index_dir, embedder=FakeEmbedder(), max_tokens=80)
    index = Index.open(index_dir, FakeEmbedder())
    parts = [c for c in index.catalog.chunks(list(range(index.catalog.count()))) if c.locator == "Article 2"]
    assert len(parts) >= 2, "the article is split into several chunks"
    later = max(parts, key=lambda c: c.start)
    assert not later.text.startswith("Article 2")
    view = source_view(index, later.chunk_id)
    assert view.text[view.start:view.end] == later.text  # the passage is still exactly where it was
    assert view.article < view.start and view.text[view.article:].startswith("Article 2 Polishing shops")
    assert source_view(index, min(parts, key=lambda c: c.start).chunk_id).article == view.article
    # Rebuilt from the chunks (the file has gone), the article start holds too.
    (corpus / "regulations" / "polishing.md").unlink()
    rebuilt = source_view(index, later.chunk_id)
    assert not rebuilt.from_file and rebuilt.text[rebuilt.article:].startswith("Article 2 Polishing shops")
    assert rebuilt.text[rebuilt.start:rebuilt.end] == later.text
    index.close()


WRAPPED_PAGE = (
    "Ladle Rules\n"
    "Chapter I General Provisions\n"
    "Article 1 Ladles used for molten iron, steel and slag shall be inspected before each use, and\n"
    "their trunnions shall be tested once a year by a qualified body; the results shall be kept\n"
    "for five years.\n"
    "Article 2 A ladle shall be withdrawn when:\n"
    "(1) its lining is thinner than the minimum set in the procedure;\n"
    "(2) a trunnion shows a crack, or its bearing surface is worn by more than ten per cent of its diameter, or\n"
    "Ladle Rules - page 1\n")
WRAPPED_ZH = "第三条钢包应当在每次使用前进行检查，耳轴每年由具备资质的机构检测一\n次，检测记录保存五年。\n第四条钢包有下列情形之一的，应当停用：\n（一）内衬厚度低于规定值；"


def test_pdf_line_wraps_are_joined_for_display_with_exact_offsets():
    joined, moved = join_wrapped_lines(WRAPPED_PAGE)
    assert ("Article 1 Ladles used for molten iron, steel and slag shall be inspected before each use, and their "
            "trunnions shall be tested once a year by a qualified body; the results shall be kept for five years.\n"
            ) in joined
    # Headings, articles and items keep their own lines.
    assert joined.startswith("Ladle Rules\nChapter I General Provisions\nArticle 1 ")
    assert "when:\n(1) its lining" in joined and "procedure;\n(2) a trunnion" in joined
    assert joined.endswith("diameter, or\nLadle Rules - page 1\n")  # a running footer is not joined
    quote = "tested once a year by a qualified body; the results shall be kept\nfor five years."
    at = WRAPPED_PAGE.index(quote)
    assert joined[moved(at):moved(at + len(quote))] == quote.replace("\n", " ")
    zh, moved_zh = join_wrapped_lines(WRAPPED_ZH)
    assert "检测一次，检测记录保存五年。\n第四条" in zh  # Chinese lines join with nothing between
    assert "应当停用：\n（一）" in zh
    q = "检测一\n次，检测记录"
    at = WRAPPED_ZH.index(q)
    assert zh[moved_zh(at):moved_zh(at + len(q))] == q.replace("\n", "")
    assert moved_zh(len(WRAPPED_ZH)) == len(zh)


def test_a_pdf_passage_is_shown_from_its_article_as_paragraphs(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    make_pdf(corpus / "regulations" / "ladles.pdf", [WRAPPED_PAGE.rstrip("\n")], title="Ladle Rules")
    ingest([corpus], index_dir, embedder=FakeEmbedder())
    index = Index.open(index_dir, FakeEmbedder())
    hit = index.search("trunnions tested once a year", 1)[0]
    view = source_view(index, hit.chunk.chunk_id)
    shown = view.for_display()
    assert "\n" in view.text[view.start:view.end] and "\n" not in shown.text[shown.start:shown.end].strip()
    assert shown.text[shown.start:shown.end] == join_wrapped_lines(view.text[view.start:view.end])[0]
    start, end = shown.page_span()
    assert shown.text[start:end].startswith("Ladle Rules") and shown.text[shown.article:].startswith("Article 1 ")
    index.close()


def test_the_filters_shown_with_an_answer_are_in_the_pages_language():
    filters = {"status": ["Overdue", "已整改"], "city": "Jiangchuan", "enterprise": "Eastbridge Foundry"}
    assert filters_caption(filters, "zh") == "筛选条件：状态：逾期未整改、已整改 · 城市：江川市 · 企业：Eastbridge Foundry"
    assert filters_caption(filters, "en") == "Filters: Status: Overdue, Rectified · City: Jiangchuan · Enterprise: Eastbridge Foundry"
    assert filters_caption({}, "zh") == ""


def test_export_is_in_the_pages_language_with_time_filters_and_the_clause_item():
    item = Citation(n=2, chunk_id="c2", source="regulations/dust.md", title="Dust Rules", doc_type="regulation",
                    locator="Article 23", page=None, quote="dust shall be cleaned every shift;",
                    text="Article 23 Shops shall meet the following:\n(6) dust shall be cleaned every shift;\n(7) next.")
    upload = Citation(n=3, chunk_id="c3", source="3f" * 32 + ".md", title="Forklift Rules", doc_type="plan",
                      locator="Article 1", page=None, quote="Charge outdoors.", text="Article 1 Charge outdoors.",
                      gloss="在室外充电。")  # a language model's translation, exported under its label
    answer = _answer(citations=_answer().citations + (item, upload), lang="en",
                     answer="Vents face outdoors. [1] Dust is cleaned every shift. [2] Charge outdoors. [3]")
    md = export_answer(answer, "gen-000007", lang="zh", asked_at="2025-03-04T05:06:07+00:00",
                       filters={"city": ["Eastbridge", "江川市"], "date_from": "2024-01-01"},
                       names={upload.source: "forklift rules.md"})
    assert md.startswith("## 问题: Where do vents face?")
    assert "*提问时间: 2025-03-04 05:06 UTC · 筛选条件: 城市：Eastbridge、江川市；起始日期：2024-01-01*" in md
    assert "**回答**" in md and "**引用**" in md
    assert "2. **Dust Rules**, Article 23 (6) (法规; `regulations/dust.md`)" in md  # the item quoted
    assert "1. **Dust Rules**, Article 2, 第4页 (法规; `regulations/dust.md`)" in md
    assert "`forklift rules.md`" in md and upload.source not in md  # an upload by its own name
    assert "   > Charge outdoors.\n\n   译文（语言模型翻译，以原文为准）: 在室外充电。" in md
    assert md.count("译文（") == 1  # only the quote that has one
    assert "引用原文（未使用语言模型） · 索引版本 gen-000007" in md
    assert "Question" not in md and "Citations" not in md and "regulation;" not in md
    unfiltered = export_answer(answer, "gen-000007")
    assert "*Filters: none*" in unfiltered and "(regulation; " in unfiltered
    session = session_markdown([{"answer": answer, "generation": "gen-1", "asked_at": "2025-03-04T05:06:07+00:00",
                                 "filters": {}}], "zh", exported_at="2025-03-05T08:00:00+00:00")
    assert session.startswith("# SafeCite 会话记录\n\n*导出时间: 2025-03-05 08:00 UTC*")
    assert "## 1. 问题: Where do vents face?" in session and "筛选条件: 无" in session


def test_an_upload_without_a_title_is_titled_by_its_own_name(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    make_small_corpus(corpus)
    embedder = FakeEmbedder()
    ingest([corpus], index_dir, embedder=embedder)
    uploads = UploadFolder(index_dir / "uploads")
    summary = add_uploads([("叉车充电规定.txt", "叉车蓄电池应当在通风良好的充电间内充电。".encode()),
                           ("Findings 2025.csv", FINDINGS_CSV.encode())], uploads, index_dir, embedder=embedder)
    assert sorted(summary.added) == ["Findings 2025.csv", "叉车充电规定.txt"]
    index = Index.open(index_dir, embedder)
    titles = {d.source: d.title for d in index.catalog.documents() if d.source in uploads.names()}
    assert sorted(titles.values()) == ["Findings 2025", "叉车充电规定"]  # not the content hash they are stored as
    hit = index.search("叉车蓄电池充电", 1, {"source": next(s for s, t in titles.items() if t == "叉车充电规定")})[0]
    assert hit.chunk.title == "叉车充电规定"
    index.close()


def test_single_sign_on_providers_come_from_the_auth_section_only():
    shared = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s"}
    unnamed = {**shared, "client_id": "id", "client_secret": "secret",
               "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}
    assert sso_providers({"auth": unnamed}) == [(None, "login.example.com")]
    named = {**shared, "microsoft": {"client_id": "id"}, "okta_eu": {"client_id": "id"}}
    assert sso_providers({"auth": named}) == [("microsoft", "Microsoft"), ("okta_eu", "Okta Eu")]
    assert sso_providers({"other": unnamed}) == [] and sso_providers({}) == [] and sso_providers(None) == []

    class NoSecretsFile(dict):  # st.secrets without a secrets.toml raises on any read
        def get(self, key, default=None):
            raise FileNotFoundError("No secrets found")

    assert sso_providers(NoSecretsFile()) == []
