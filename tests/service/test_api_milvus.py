"""The service with SAFECITE_STORE=milvus:... (Milvus Lite embedded): the
page's and the CLIs' jobs give what they give on FAISS, an upload is found and
a removed document's vectors are gone from Milvus."""
from __future__ import annotations

import pytest
from support import FakeEmbedder, make_pdf, make_small_corpus

from core.settings import reload as reload_settings
from service import SafeCite

pytest.importorskip("milvus_lite")

QUESTIONS = [("Where shall explosion vents discharge?", "auto", None),
             ("泄爆口朝向", "auto", None),
             ("collector not grounded", "similar", {"city": ["Riverton"]}),
             ("collector not grounded", "similar", {"city": ['x" or 1==1 or "']})]


def _service(folder, corpus):
    fake = FakeEmbedder()
    service = SafeCite(folder / "index", uploads=folder / "uploads", embedders={fake.name: fake})
    service.ingest([corpus], embedder=fake)
    return service


def _answers(service):
    out = []
    for question, job, filters in QUESTIONS:
        answer = service.ask(question, job, filters).answer
        out.append((answer.grounded, answer.answer, [(c.chunk_id, c.locator) for c in answer.citations]))
    return out


def test_the_service_on_milvus_answers_as_on_faiss(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    on_faiss = _answers(_service(tmp_path / "faiss", corpus))
    monkeypatch.setenv("SAFECITE_STORE", f"milvus:{tmp_path / 'milvus.db'}")
    reload_settings()
    from index.stores import backend

    try:
        service = _service(tmp_path / "milvus", corpus)
        assert service.index.manifest["embedders"][0]["backend"] == "milvus"
        assert not list(service.index.generation.glob("*.faiss"))
        answers = _answers(service)
        assert answers == on_faiss
        assert answers[0][0] and answers[0][2] and answers[3][2] == []
        pdf = make_pdf(tmp_path / "ladle.pdf", ["Ladle Rules\nArticle 1 These rules cover ladles.",
                                                "Article 2 Ladle trunnions shall be tested once a year."],
                       title="Ladle Rules")
        assert service.add_files([("ladle.pdf", pdf.read_bytes())]).added == ["ladle.pdf"]
        hit = service.search("trunnions tested once a year", 1, mode="dense")[0]
        assert hit.chunk.title == "Ladle Rules"
        ladle = next(d for d in service.documents() if d.title == "Ladle Rules")
        service.remove(ladle)
        store = service.index.store
        assert store.size == service.index.size
        held = {c.doc_id for c in service.index.catalog.chunks(store.ids().tolist())}
        assert ladle.doc_id not in held
        assert all(h.chunk.title != "Ladle Rules" for h in service.search("trunnions tested once a year", 5, mode="dense"))
    finally:
        backend().close()
