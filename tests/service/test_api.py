"""SafeCite, the one way in: the jobs the page and the CLIs do, on a small
index built with the fake embedder, through the service alone."""
from __future__ import annotations

import pytest
from support import FakeEmbedder, make_pdf, make_small_corpus

from core.errors import IndexStateError, QueryError
from service import SafeCite


@pytest.fixture
def safecite(tmp_path):
    fake = FakeEmbedder()
    service = SafeCite(tmp_path / "index", uploads=tmp_path / "uploads", audit=tmp_path / "audit.sqlite",
                       embedders={fake.name: fake})
    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    report = service.ingest([corpus], embedder=fake)
    assert report.chunks > 0
    return service


def test_an_empty_folder_says_to_ingest_first(tmp_path):
    service = SafeCite(tmp_path / "index")
    assert service.index is None and service.documents() == [] and service.overview() is None
    with pytest.raises(IndexStateError, match="ingest documents first"):
        service.ask("Where shall explosion vents discharge?")


def test_ask_answers_with_citations_reads_a_follow_up_and_keeps_the_audit_trail(safecite):
    first = safecite.ask("Where shall explosion vents discharge?", session="s1")
    assert first.answer.grounded and first.generation == safecite.index.generation.name
    assert any(c.title == "Dust Rules" and c.locator == "Article 2" for c in first.answer.citations)
    follow = safecite.ask("and for the gas holder?", history=[first], session="s1")
    assert follow.answer.resolved_question != follow.answer.question  # read against the turn before
    assert [t.answer.question for t in safecite.history("s1")] == [first.answer.question, follow.answer.question]
    assert safecite.history("other") == []
    markdown = safecite.export([first, follow])
    assert first.answer.question in markdown and "Article 2" in markdown
    assert "Article 2" in safecite.export_answer(first)
    # Each turn keeps when it was asked and with which filters; a refreshed page gets them back.
    assert first.asked_at and safecite.history("s1")[0].asked_at == first.asked_at
    zh = safecite.export_answer(first, "zh")
    assert zh.startswith("## 问题: ") and "提问时间: " in zh and "筛选条件: 无" in zh
    data = safecite.audit_csv({"question": "问题"})
    assert data.startswith(b"\xef\xbb\xbf") and "问题" in data.decode("utf-8-sig").splitlines()[0]


def test_jobs_and_filters_narrow_what_is_asked(safecite):
    similar = safecite.ask("collector not grounded", "similar", {"city": ["Riverton"]}, session="s2")
    assert similar.answer.mode == "similar"
    assert similar.answer.records and all(r["city"] == "Riverton" for r in similar.answer.records)
    # The filters asked with stay with the answer: in the audit trail, its history and its export.
    assert similar.answer.filters == {"city": ["Riverton"]}
    assert safecite.history("s2")[0].answer.filters == {"city": ["Riverton"]}
    assert "Filters: city: Riverton*" in safecite.export_answer(similar)
    assert safecite.field_values("city") == ["Eastbridge", "Lakeport", "Riverton"]
    with pytest.raises(QueryError, match="unknown filter"):
        safecite.ask("collector not grounded", "similar", {"town": ["Riverton"]})
    with pytest.raises(QueryError, match="field must be one of"):
        safecite.field_values("text")


def test_an_empty_question_or_an_unknown_job_is_a_named_error(safecite):
    with pytest.raises(QueryError, match="question is empty"):
        safecite.ask("  ")
    with pytest.raises(QueryError, match="job must be one of auto, howto, rectify, similar, lookup"):
        safecite.ask("Where shall explosion vents discharge?", "poem")
    with pytest.raises(QueryError, match="describe the finding"):
        safecite.judge_hazard("")
    assert safecite.audit.entries() == []


def test_a_follow_up_reads_the_earlier_questions_given_as_text_as_the_page_reads_its_turns(safecite):
    first = safecite.ask("Where shall explosion vents discharge?")
    by_turn = safecite.ask("and for the gas holder?", history=[first])
    by_text = safecite.ask("and for the gas holder?", history=["Where shall explosion vents discharge?"])
    assert by_text.answer.resolved_question == by_turn.answer.resolved_question != "and for the gas holder?"
    # Each earlier question is read against those before it, as it was when asked.
    again = safecite.ask("and for the dust collector?", history=[first, by_turn])
    chained = safecite.ask("and for the dust collector?", history=["Where shall explosion vents discharge?",
                                                                   "and for the gas holder?"])
    assert chained.answer.resolved_question == again.answer.resolved_question


def test_files_added_viewed_and_removed(safecite, tmp_path):
    pdf = make_pdf(tmp_path / "ladle.pdf", ["Ladle Rules\nArticle 1 These rules cover ladles.",
                                            "Article 2 Ladle trunnions shall be tested once a year."],
                   title="Ladle Rules")
    before = safecite.overview()["documents"]
    summary = safecite.add_files([("ladle.pdf", pdf.read_bytes()), ("notes.exe", b"MZ")])
    assert summary.added == ["ladle.pdf"] and [s.source for s in summary.skipped] == ["notes.exe"]
    assert safecite.overview()["documents"] == before + 1
    hit = safecite.search("trunnions tested once a year", 1)[0]
    view = safecite.source_view(hit.chunk.chunk_id)
    assert view.from_file and view.is_pdf and view.text[view.start:view.end] == hit.chunk.text
    assert safecite.source_view("no-such-chunk") is None
    ladle = next(d for d in safecite.documents() if d.title == "Ladle Rules")
    assert safecite.document(ladle.doc_id) == ladle and safecite.document("no-such-document") is None
    assert safecite.upload_names()[ladle.source] == "ladle.pdf"
    safecite.remove(ladle)
    assert "Ladle Rules" not in {d.title for d in safecite.documents()}
    assert safecite.overview()["documents"] == before


def test_a_scan_uploaded_is_answerable_with_its_page_and_shows_the_page_image(safecite, tmp_path):
    from bench.scans import scanned_pdf

    scan = scanned_pdf(tmp_path / "ladle-scan.pdf", [["Ladle Rules"],
                                                     ["Article 4 Ladle trunnions shall be tested once a year."]], dpi=200)
    summary = safecite.add_files([("ladle-scan.pdf", scan.read_bytes())])
    assert summary.added == ["ladle-scan.pdf"]
    hit = safecite.search("trunnions tested once a year", 1)[0]
    assert hit.chunk.page_start == 2 and hit.chunk.fields.get("ocr") == "tesseract"
    image = safecite.page_image(hit.chunk.chunk_id)
    assert image is not None and image.startswith(b"\x89PNG")
    text_hit = safecite.search("explosion vents discharge", 1)[0]
    assert "ocr" not in text_hit.chunk.fields and safecite.page_image(text_hit.chunk.chunk_id) is None
