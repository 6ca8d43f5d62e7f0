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
from support import FakeEmbedder, make_pdf, make_small_corpus, write_text

from answer.export import answer_markdown as export_answer, session_markdown
from answer.models import REFUSAL, Answer, Citation
from audit import AuditLog, answer_from_dict
from core.errors import LoadError
from core.settings import reload as reload_settings
from index.build import ingest
from index.library import field_values, source_view
from index.manage import add_uploads, remove_document
from index.search import Index
from ingest.uploads import UploadFolder
from ui.components import records_table
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


def test_answer_markdown_keeps_bullets_and_markers_only():
    answer = "- Vents <script>x</script> shall face outdoors. [1][2]\n- Beams *cleaned* weekly. [3]"
    shown = answer_markdown(answer)
    lines = shown.split("\n")
    assert lines[0].startswith("- Vents \\<script\\>") and lines[0].endswith("**\\[1\\]****\\[2\\]**")
    assert "\\*cleaned\\*" in lines[1]
    assert plain(shown) == answer


def test_a_label_after_an_item_is_not_taken_into_it():
    lines = answer_markdown("#### Deadline\n- 30 days. [1]\n#### Penalty\n- A fine. [2]").split("\n")
    assert lines == ["**Deadline**", "- 30 days\\. **\\[1\\]**", "", "**Penalty**", "- A fine\\. **\\[2\\]**"]


def test_further_quotes_of_an_article_are_nested_items():
    answer = "#### Rules › Chapter III\n- Article 18 Wet collectors: [2]\n  - (1) the water <b>flow</b> is interlocked; [2]"
    lines = answer_markdown(answer).split("\n")
    assert lines[1].startswith("- Article 18") and lines[2].startswith("  - \\(1\\) the water \\<b\\>")
    assert lines[2].endswith("**\\[2\\]**") and plain("\n".join(lines[1:])) == "\n".join(answer.split("\n")[1:])


def test_record_labels_are_bold_and_escaped():
    answer = "#### Riverton <b>Co.</b> · 2024-07-15 · Overdue\n- The vent faces the walkway. [1]"
    lines = answer_markdown(answer).split("\n")
    assert lines[0] == "**Riverton \\<b\\>Co\\.\\<\\/b\\> · 2024\\-07\\-15 · Overdue**"
    assert lines[1].startswith("- The vent")


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
    rows = list(csv.DictReader(io.StringIO(log.to_csv())))
    assert [r["generation"] for r in rows] == ["gen-000003", "gen-000004"]
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
