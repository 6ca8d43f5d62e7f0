"""An index whose dense vectors live in Milvus (SAFECITE_STORE=milvus:...):
ingest writes each generation's lists as collections, searches filter inside
Milvus with the same results as FAISS, a dropped generation takes its
collections along, and an index moves between backends reusing its vectors.
Milvus Lite embedded; the tiny corpus and the fake embedder."""
from __future__ import annotations

import json

import numpy as np
import pytest
from support import FakeEmbedder, SMALL_QUERIES, all_chunks, make_small_corpus, write_text

from index import persist
from index.build import ingest
from index.search import Index
from index.stores import backend
from index.stores.base import matches

pytest.importorskip("milvus_lite")

FILTERS = [
    {"city": "Lakeport"}, {"city": "lakeport"}, {"status": ["Open", "Rectified"], "city": "Eastbridge"},
    {"date_from": "2024-03-01", "date_to": "2024-06-30"}, {"doc_type": "plan"}, {"lang": "zh"},
    {"folder": "regulations"}, {"folder": "regulations-zh/"}, {"source": "regulations/gas-rules.md"},
    {"city": 'x" or 1==1 or "'}, {"status": "Open\\"}, {"folder": "regulation"},
]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """(corpus, FAISS index folder, Milvus index folder, Milvus spec)."""
    tmp = tmp_path_factory.mktemp("milvus-index")
    corpus = tmp / "corpus"
    make_small_corpus(corpus)
    spec = f"milvus:{tmp / 'milvus.db'}"
    ingest([corpus], tmp / "faiss", embedder=FakeEmbedder())
    ingest([corpus], tmp / "milvus", embedder=FakeEmbedder(), store=spec)
    yield corpus, tmp / "faiss", tmp / "milvus", spec
    backend(spec).close()


def _collections(spec: str) -> list[str]:
    return sorted(n for n in backend(spec).client.list_collections() if n.startswith("safecite_") and n != "safecite_versions")


def test_the_manifest_names_the_collection(indexes):
    _, _, folder, spec = indexes
    manifest = json.loads((persist.current(folder) / persist.MANIFEST).read_text())
    entries = manifest["embedders"]
    assert entries and all(e["backend"] == "milvus" and e["collection"] in _collections(spec) for e in entries)
    assert not list(persist.current(folder).glob("*.faiss"))


@pytest.mark.parametrize("filters", FILTERS)
def test_where_and_mask_allow_the_same_rows(indexes, filters):
    _, faiss_folder, _, _ = indexes
    index = Index.open(faiss_folder, FakeEmbedder())
    try:
        mask, where = index.mask(filters), index.where(filters)
        chunks = all_chunks(index.catalog)
        fields = [{"doc_id": c.doc_id, "source": c.source, "doc_type": c.doc_type, "lang": c.lang, **c.fields}
                  for c in chunks]
        assert np.array_equal(mask, np.array([matches(where, f) for f in fields]))
    finally:
        index.close()


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
@pytest.mark.parametrize("filters", [None, *FILTERS])
def test_milvus_answers_as_faiss_does(indexes, filters, mode):
    _, faiss_folder, milvus_folder, _ = indexes
    on_faiss, on_milvus = Index.open(faiss_folder, FakeEmbedder()), Index.open(milvus_folder, FakeEmbedder())
    try:
        for query in SMALL_QUERIES:
            a = on_faiss.search(query, 8, filters, mode=mode)
            b = on_milvus.search(query, 8, filters, mode=mode)
            assert [h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b], (query, filters)
            assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-6)
    finally:
        on_faiss.close()
        on_milvus.close()


def test_a_new_generation_replaces_the_old_collections(indexes, tmp_path):
    corpus, _, _, spec = indexes
    folder = tmp_path / "index"
    first = ingest([corpus], folder, embedder=FakeEmbedder(), store=spec)
    prefix = backend(spec)._prefix(folder / first.generation)
    assert [n for n in _collections(spec) if n.startswith(prefix)]
    write_text(corpus / "plans/new-plan.md", "# New Plan\n\n## Tasks\n\nInspect every explosion vent before winter.\n")
    try:
        second = ingest([corpus], folder, embedder=FakeEmbedder(), store=spec)
        (corpus / "regulations/gas-rules.md").rename(tmp_path / "gas-rules.md")
        third = ingest([corpus], folder, embedder=FakeEmbedder(), store=spec)
    finally:
        (corpus / "plans/new-plan.md").unlink()
        if (tmp_path / "gas-rules.md").exists():
            (tmp_path / "gas-rules.md").rename(corpus / "regulations/gas-rules.md")
    assert second.added == ["plans/new-plan.md"] and second.embedded < first.embedded
    assert third.removed == ["regulations/gas-rules.md"] and third.embedded == 0
    # The current and the previous generation are kept, in Milvus as on disk.
    kept = {g.name for g in persist.generations(folder)}
    assert kept == {second.generation, third.generation}
    assert not [n for n in _collections(spec) if n.startswith(prefix)]
    index = Index.open(folder, FakeEmbedder())
    try:
        store = index.store
        assert store.size == index.size
        sources = {c.source for c in index.catalog.chunks(store.ids().tolist())}
        assert "regulations/gas-rules.md" not in sources and "plans/new-plan.md" in sources
        assert all(h.chunk.source != "regulations/gas-rules.md" for h in index.search("carbon monoxide alarm", 10))
    finally:
        index.close()


def test_an_index_moves_between_backends_with_its_vectors(indexes, tmp_path):
    corpus, _, _, spec = indexes
    folder = tmp_path / "index"
    ingest([corpus], folder, embedder=FakeEmbedder())
    before = Index.open(folder, FakeEmbedder())
    hits = {q: [h.chunk.chunk_id for h in before.search(q, 5, mode="dense")] for q in SMALL_QUERIES}
    before.close()
    moved = ingest([corpus], folder, embedder=FakeEmbedder(), store=spec)
    assert moved.changed == 0 and moved.embedded == 0 and moved.reused > 0 and moved.generation == "gen-000002"
    index = Index.open(folder, FakeEmbedder())
    try:
        assert index.manifest["embedders"][0]["backend"] == "milvus"
        assert {q: [h.chunk.chunk_id for h in index.search(q, 5, mode="dense")] for q in SMALL_QUERIES} == hits
    finally:
        index.close()
    back = ingest([corpus], folder, embedder=FakeEmbedder(), store="faiss")
    assert back.embedded == 0 and (persist.current(folder) / "vectors.faiss").exists()
