"""The keyword lists of an index shared through Milvus are answered by
Milvus's own BM25 over SafeCite's tokens (index/milvus_lexical.py): the same
top results as bm25s for English and Chinese questions, filters applied inside
Milvus, a removed document's chunks never found, and the same answers from
another folder that synced the index. On embedded Milvus Lite and on a
`milvus-lite server`; the tiny corpus and the fake embedder."""
from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from support import FakeEmbedder, make_small_corpus, start_milvus_server

from core.settings import reload as reload_settings
from index.build import ingest
from index.lexical import LexicalIndex
from index.milvus_lexical import MilvusLexical, term, words
from index.search import Index
from index.stores import backend
from index.tokenize import tokenize

pytest.importorskip("milvus_lite")

QUERIES = (
    "Where shall explosion vents discharge?", "carbon monoxide alarm 24 ppm", "dust collector grounded",
    "blind plate register gas holder", "hot work permit fire watch", "spark detector dust duct Lakeport",
    "Riverton self-inspection by June", "泄爆口朝向", "除尘器接地 静电", "氢气浓度监测", "铝镁金属粉尘湿式除尘器",
    "GB 15577-2018 第三十八条 § 1910.272(e)",
)
FILTERS = (
    {"city": "Lakeport"}, {"status": ["Open", "Rectified"], "city": "eastbridge"}, {"doc_type": "regulation"},
    {"lang": "zh"}, {"folder": "regulations"}, {"date_from": "2024-03-01", "date_to": "2024-08-31"},
    {"city": 'x" or 1==1 or "'},
)


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("milvus-server")
    server, uri = start_milvus_server(data)
    yield uri
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module", params=["milvus-lite", "milvus-server"])
def shared_index(request, tmp_path_factory):
    """(corpus, index folder, spec): the small corpus ingested into Milvus."""
    tmp = tmp_path_factory.mktemp("bm25")
    corpus = tmp / "corpus"
    make_small_corpus(corpus)
    if request.param == "milvus-lite":
        spec = f"milvus:{tmp / 'milvus.db'}"
    else:
        spec = f"milvus:{request.getfixturevalue('milvus_server')}"
    ingest([corpus], tmp / "one" / "index", embedder=FakeEmbedder(), store=spec)
    yield corpus, tmp / "one" / "index", spec
    backend(spec).close()


@pytest.fixture
def opened(shared_index, monkeypatch):
    _, folder, spec = shared_index
    monkeypatch.setenv("SAFECITE_STORE", spec)  # as every server sharing the index sets it
    reload_settings()
    index = Index.open(folder, FakeEmbedder())
    yield index
    index.close()


def _same_top(a: list[tuple[int, float]], b: list[tuple[int, float]], k: int = 5) -> None:
    """The same scores at each of the first k places, and the same rows but
    for those tied at the k-th score (either may be cut off there)."""
    assert len(a) == len(b)
    assert np.allclose([s for _, s in a[:k]], [s for _, s in b[:k]], rtol=1e-4)
    cut = a[k - 1][1] * (1 + 1e-4) if len(a) > k else 0.0
    assert sorted(r for r, s in a[:k] if s > cut) == sorted(r for r, s in b[:k] if s > cut)


def test_the_keyword_lists_are_answered_by_milvus(opened):
    assert isinstance(opened.keywords, MilvusLexical)
    assert isinstance(opened.lexical, LexicalIndex)  # kept for the answerer's idf
    assert opened.lexical.idf(["dust"])["dust"] > 0


@pytest.mark.parametrize("query", QUERIES)
def test_milvus_bm25_ranks_as_bm25s_does(opened, query):
    tokens = tokenize(query, query=True)
    expected = opened.lexical.search(tokens, 20)
    assert expected, query  # every question finds something: the comparison says something
    _same_top(opened.keywords.search(tokens, 20), expected)


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_apply_inside_milvus(opened, filters):
    mask, where = opened.mask(filters), opened.where(filters)
    for query in QUERIES:
        tokens = tokenize(query, query=True)
        found = opened.keywords.search(tokens, 20, mask, where)
        assert all(mask[row] for row, _ in found), (query, filters)
        _same_top(found, opened.lexical.search(tokens, 20, mask))


def test_a_search_names_its_place(opened):
    """The "named" list (documents and findings of a place the question names)
    comes from Milvus too, with the same rows as bm25s over the named mask."""
    query = "What was found in Lakeport about gas?"
    named = opened.named_mask(query, None)
    assert named is not None and 0 < named.sum() < len(named)
    tokens = tokenize(query, query=True)
    found = opened.keywords.search(tokens, 20, named, opened.named_where(query, None))
    assert found and all(named[row] for row, _ in found)
    _same_top(found, opened.lexical.search(tokens, 20, named))


def test_search_results_are_the_same_from_another_folder(shared_index, opened, tmp_path, monkeypatch):
    """A server with an index folder of the same name elsewhere syncs the
    generation from Milvus and searches Milvus's BM25 the same."""
    elsewhere = tmp_path / "index"
    other = Index.open(elsewhere, FakeEmbedder())
    try:
        assert other.generation.name == opened.generation.name and isinstance(other.keywords, MilvusLexical)
        for query in QUERIES:
            assert ([h.chunk.chunk_id for h in other.search(query, 5, mode="bm25")]
                    == [h.chunk.chunk_id for h in opened.search(query, 5, mode="bm25")])
            assert [h.chunk.chunk_id for h in other.search(query, 5)] == [h.chunk.chunk_id for h in opened.search(query, 5)]
    finally:
        other.close()


def test_a_removed_document_is_never_found(shared_index, tmp_path, monkeypatch):
    corpus, _, spec = shared_index
    monkeypatch.setenv("SAFECITE_STORE", spec)
    reload_settings()
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    folder = tmp_path / "removing"
    ingest([copy], folder, embedder=FakeEmbedder(), store=spec)
    query = "blind plate register gas holder guardian"

    def sources() -> set[str]:
        index = Index.open(folder, FakeEmbedder())
        try:
            assert isinstance(index.keywords, MilvusLexical)
            return {index.catalog.chunks([row])[0].source for row, _ in index.keywords.search(query, 50)}
        finally:
            index.close()

    assert "regulations/gas-rules.md" in sources()
    report = ingest([copy], folder, embedder=FakeEmbedder(), store=spec, remove=["regulations/gas-rules.md"])
    assert report.removed == ["regulations/gas-rules.md"]
    assert sources() and "regulations/gas-rules.md" not in sources()


def test_a_generation_published_without_the_bm25_field_is_searched_with_bm25s(tmp_path, monkeypatch):
    """An index published before its chunks' rows had Milvus's BM25 field."""
    import index.milvus_lexical as milvus_lexical
    from index import shared

    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    spec = f"milvus:{tmp_path / 'milvus.db'}"
    monkeypatch.setattr(milvus_lexical, "create", lambda client, name, fields: shared._ensure(client, name, "id", fields))
    monkeypatch.setattr(milvus_lexical, "row", lambda fields, tokens: {"pad": [0.0, 0.0]})
    try:
        ingest([corpus], tmp_path / "index", embedder=FakeEmbedder(), store=spec)
        index = Index.open(tmp_path / "index", FakeEmbedder())
        try:
            assert index.keywords is index.lexical
            assert index.search("carbon monoxide alarm", 3, mode="bm25")
        finally:
            index.close()
    finally:
        backend(spec).close()


def test_a_faiss_index_keeps_bm25s(tmp_path):
    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    ingest([corpus], tmp_path / "index", embedder=FakeEmbedder(), store="faiss")
    index = Index.open(tmp_path / "index", FakeEmbedder())
    try:
        assert index.keywords is index.lexical
    finally:
        index.close()


@pytest.mark.parametrize("tokens", [["gb15577-2018", "1910.272(e)", "第三十八条", "art38"], ["a_b", "a_5f_b", "ab"],
                                    ["don't", "安全生产", "全生", "〇", "1.2.3"]])
def test_each_token_is_one_term_to_any_tokenizer(tokens):
    """Milvus Lite's analyzer (`\\w+`, lower-cased) and Milvus's whitespace one
    both give back exactly one term per token, and distinct tokens stay distinct."""
    text = words(tokens)
    assert re.findall(r"\w+", text.lower()) == text.split() == [term(t) for t in tokens]
    assert len({term(t) for t in tokens}) == len(set(tokens))
