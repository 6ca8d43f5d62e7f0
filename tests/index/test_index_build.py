"""index.build.ingest and index.search.Index on tiny corpora, with the
deterministic FakeEmbedder: incremental ingest (nothing changed -> nothing
written; only new chunk texts embedded; vanished and removed files dropped;
unparseable files keep their indexed version), filters inside the search,
per-article de-duplication, reproducible hits, and the checks that refuse a
wrong model, a damaged generation or a second concurrent ingest."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from support import FakeEmbedder, all_chunks, index_state, make_docx, make_small_corpus, write_text

from core.errors import IndexStateError, IngestLockedError
from index import persist
from index.build import embed_text, ingest, ingest_lock
import index.build as build
from index.search import FILTER_KEYS, MASKS_KEPT, Index, article_key

SOURCES = ["plans/riverton-plan.md", "records/findings.csv", "regulations-zh/fenchen.md",
           "regulations/dust-rules.md", "regulations/gas-rules.md"]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    make_small_corpus(folder)
    return folder


@pytest.fixture
def built(tmp_path, corpus):
    """(corpus folder, index folder, first report, embedder used)."""
    embedder = FakeEmbedder()
    report = ingest([corpus], tmp_path / "index", embedder=embedder)
    return corpus, tmp_path / "index", report, embedder


def _open(folder, **kwargs) -> Index:
    return Index.open(folder, FakeEmbedder(), **kwargs)


def _rows(index: Index) -> dict[str, int]:
    """chunk_id -> row."""
    return {c.chunk_id: row for row, c in enumerate(all_chunks(index.catalog))}


def _vectors_by_chunk(folder) -> dict[str, np.ndarray]:
    index = _open(folder)
    vectors = {cid: index.store.vectors(np.array([row]))[0] for cid, row in _rows(index).items()}
    index.close()
    return vectors


def _sources(hits) -> list[str]:
    return [h.chunk.source for h in hits]


@pytest.fixture
def loads(monkeypatch):
    """Sources parsed by the next ingest."""
    seen: list[str] = []
    original = build.load_all  # files are parsed in parser processes: record what is sent there

    def recording(items, *args, **kwargs):
        for item, parsed in original(items, *args, **kwargs):
            seen.append(item.source)
            yield item, parsed

    monkeypatch.setattr(build, "load_all", recording)
    return seen


# -- first ingest ---------------------------------------------------------

def test_first_ingest_builds_a_generation(built):
    corpus, folder, report, embedder = built
    assert sorted(report.added) == SOURCES
    assert report.replaced == report.removed == []
    assert [s.source for s in report.skipped] == ["README.md"]
    assert report.generation == "gen-000001"
    assert (folder / "CURRENT").read_text(encoding="utf-8").strip() == "gen-000001"
    generation = folder / "gen-000001"
    assert {p.name for p in generation.iterdir()} == {"manifest.json", "catalog.sqlite", "vectors.faiss", "bm25"}
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "fake-hash" and manifest["dim"] == 64
    assert manifest["documents"] == report.documents == 5
    assert manifest["chunks"] == report.chunks == report.embedded == embedder.embedded
    assert report.reused == 0
    assert set(manifest["files"]) >= {"catalog.sqlite", "vectors.faiss"}
    assert any(name.startswith("bm25/") for name in manifest["files"])
    index = _open(folder)
    assert index.size == index.store.size == index.lexical.size == index.catalog.count() == report.chunks
    assert sorted(d.source for d in index.catalog.documents()) == SOURCES
    assert {d.root for d in index.catalog.documents()} == {str(corpus.resolve())}
    assert "0 changed" not in report.summary() and "5 added" in report.summary()


def test_an_unchanged_reingest_writes_nothing(built, loads):
    corpus, folder, first, _ = built
    pointer = (folder / "CURRENT").stat()
    before = index_state(folder)
    embedder = FakeEmbedder()
    report = ingest([corpus], folder, embedder=embedder)
    assert report.changed == 0 and report.embedded == 0
    assert report.unchanged == 5
    assert embedder.calls == 0
    assert loads == []  # unchanged files are not even parsed
    assert report.generation == "gen-000001"
    assert (report.documents, report.chunks) == (first.documents, first.chunks)
    assert [p.name for p in persist.generations(folder)] == ["gen-000001"]
    after = (folder / "CURRENT").stat()
    assert (after.st_mtime_ns, after.st_ino) == (pointer.st_mtime_ns, pointer.st_ino)
    assert index_state(folder) == before
    assert report.summary().startswith("0 changed")


def test_an_edit_embeds_only_the_new_chunk_texts(built, loads):
    corpus, folder, first, _ = built
    old_vectors = _vectors_by_chunk(folder)
    path = corpus / "regulations/dust-rules.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "shall not face walkways or occupied buildings", "shall be fitted with flameless venting devices indoors"),
        encoding="utf-8")

    embedder = FakeEmbedder(salt="second run")  # same name, different vectors
    report = ingest([corpus], folder, embedder=embedder)
    assert loads == ["regulations/dust-rules.md"]
    assert report.replaced == ["regulations/dust-rules.md"]
    assert report.added == report.removed == [] and report.unchanged == 4
    assert report.generation == "gen-000002"

    index = _open(folder)
    rows = _rows(index)
    new_ids = set(rows) - set(old_vectors)
    new_chunks = [index.catalog.chunk(rows[cid]) for cid in new_ids]
    assert [(c.source, c.locator) for c in new_chunks] == [("regulations/dust-rules.md", "Article 2")]
    assert embedder.texts == [embed_text(new_chunks[0])]
    assert report.embedded == 1 and report.reused == report.chunks - 1 == first.chunks - 1
    # Every other vector is the old one, bit for bit (this embedder would give others).
    for cid, row in rows.items():
        vector = index.store.vectors(np.array([row]))[0]
        if cid in new_ids:
            # stored as float16 (index/stores/faiss_store.py)
            expected = embedder.vector(embed_text(index.catalog.chunk(row)))
            assert np.array_equal(vector, expected.astype(np.float16).astype(np.float32))
        else:
            assert np.array_equal(vector, old_vectors[cid])
    hits = index.search("flameless venting devices indoors", 3, mode="bm25")  # vectors mix two salts here
    assert (hits[0].chunk.source, hits[0].chunk.locator) == ("regulations/dust-rules.md", "Article 2")
    assert "flameless" in hits[0].chunk.text
    index.close()
    # The previous generation is kept as a fallback; older ones are dropped.
    assert [p.name for p in persist.generations(folder)] == ["gen-000001", "gen-000002"]
    write_text(corpus / "plans/extra.md", "# Extra\n\nArticle 1 Something new.\n")
    assert ingest([corpus], folder, embedder=embedder).added == ["plans/extra.md"]
    assert [p.name for p in persist.generations(folder)] == ["gen-000002", "gen-000003"]


def test_a_new_title_re_embeds_the_document(built):
    """The embedder reads the title and headings with the text: a new title
    means new vectors even where the text (and the chunk ids) did not change."""
    corpus, folder, _, _ = built
    before = {c.chunk_id for c in all_chunks(_open(folder).catalog) if c.source == "regulations/gas-rules.md"}
    path = corpus / "regulations/gas-rules.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Gas Rules", "title: Metallurgical Gas Rules"),
                    encoding="utf-8")
    embedder = FakeEmbedder()
    report = ingest([corpus], folder, embedder=embedder)
    assert report.replaced == ["regulations/gas-rules.md"]
    assert report.embedded == len(before) == 3
    assert all(text.startswith("Metallurgical Gas Rules") for text in embedder.texts)
    chunks = [c for c in all_chunks(_open(folder).catalog) if c.source == "regulations/gas-rules.md"]
    assert {c.chunk_id for c in chunks} == before and {c.title for c in chunks} == {"Metallurgical Gas Rules"}


def test_identical_texts_are_embedded_once(tmp_path):
    corpus = tmp_path / "corpus"
    for name in ("a", "b"):
        write_text(corpus / f"{name}.md", "# Same\n\nArticle 1 Identical text in two files.\n")
    embedder = FakeEmbedder()
    report = ingest([corpus], tmp_path / "index", embedder=embedder)
    assert report.chunks == 2 and report.embedded == 1 == len(embedder.texts)
    index = _open(tmp_path / "index")
    assert np.array_equal(*index.store.vectors(np.array([0, 1])))


def test_a_new_tokenizer_version_re_cuts_tokens_without_embedding(built, monkeypatch):
    corpus, folder, first, _ = built
    monkeypatch.setattr(build, "TOKENIZER_VERSION", build.TOKENIZER_VERSION + 1)
    embedder = FakeEmbedder()
    report = ingest([corpus], folder, embedder=embedder)
    assert report.changed == 0 and report.embedded == 0 and embedder.calls == 0
    assert report.generation == "gen-000002" and report.reused == first.chunks
    index = _open(folder)
    assert index.manifest["tokenizer_version"] == build.TOKENIZER_VERSION
    assert index.size == first.chunks
    # ... and once re-cut, the next run writes nothing.
    assert ingest([corpus], folder, embedder=embedder).generation == "gen-000002"


def test_a_file_gone_from_the_folder_is_removed(built):
    corpus, folder, _, _ = built
    query = "blind plate register before gas pipelines are opened"
    assert "regulations/gas-rules.md" in _sources(_open(folder).search(query, 5))
    (corpus / "regulations/gas-rules.md").unlink()

    embedder = FakeEmbedder()
    report = ingest([corpus], folder, embedder=embedder)
    assert report.removed == ["regulations/gas-rules.md"]
    assert report.added == report.replaced == []
    assert report.embedded == 0 and embedder.calls == 0  # removing needs no model
    index = _open(folder)
    assert "regulations/gas-rules.md" not in {d.source for d in index.catalog.documents()}
    assert all(c.source != "regulations/gas-rules.md" for c in all_chunks(index.catalog))
    for mode in ("hybrid", "bm25", "dense"):
        hits = index.search(query, 50, mode=mode)
        assert hits and "regulations/gas-rules.md" not in _sources(hits)


def test_ingesting_another_folder_keeps_the_first(built, tmp_path):
    corpus, folder, first, _ = built
    other = tmp_path / "other"
    write_text(other / "notes" / "memo.md", "# Memo\n\nArticle 1 Check the spark detectors weekly.\n")
    report = ingest([other], folder, embedder=FakeEmbedder())
    assert report.added == ["notes/memo.md"] and report.removed == []
    assert report.documents == first.documents + 1
    # Files of the first folder are not "gone" because they were not in this run.
    assert ingest([other], folder, embedder=FakeEmbedder()).changed == 0


def test_remove_explicitly(built):
    corpus, folder, first, _ = built
    # By path on disk (the file still exists), with no paths to ingest.
    report = ingest([], folder, remove=[str(corpus / "regulations/gas-rules.md")], embedder=FakeEmbedder())
    assert report.removed == ["regulations/gas-rules.md"]
    assert (corpus / "regulations/gas-rules.md").exists()
    # By source name, and a whole folder by its path.
    report = ingest([], folder, remove=["plans/riverton-plan.md", str(corpus / "records")], embedder=FakeEmbedder())
    assert report.removed == ["plans/riverton-plan.md", "records/findings.csv"]
    sources = {d.source for d in _open(folder).catalog.documents()}
    assert sources == {"regulations/dust-rules.md", "regulations-zh/fenchen.md"}
    # Something not in the index: reported, nothing written.
    report = ingest([], folder, remove=["no/such/file.md"], embedder=FakeEmbedder())
    assert report.changed == 0
    assert [(s.source, s.reason) for s in report.skipped] == [("no/such/file.md", "not in the index, nothing to remove")]
    # Ingesting the folder again brings the removed files back.
    report = ingest([corpus], folder, embedder=FakeEmbedder())
    assert sorted(report.added) == ["plans/riverton-plan.md", "records/findings.csv", "regulations/gas-rules.md"]
    assert report.documents == first.documents


def test_an_unparseable_file_keeps_its_indexed_version(tmp_path, corpus):
    folder = tmp_path / "index"
    guide = make_docx(corpus / "guidance" / "guide.docx",
                      [("h1", "Rescue"), ("p", "Use a tripod and a winch for non-entry rescue from the tank.")])
    ingest([corpus], folder, embedder=FakeEmbedder())
    query = "tripod winch non-entry rescue"
    assert _sources(_open(folder).search(query, 1)) == ["guidance/guide.docx"]

    guide.write_bytes(b"this is not a Word document any more")
    report = ingest([corpus], folder, embedder=FakeEmbedder())
    skipped = {s.source: s.reason for s in report.skipped}
    assert "(the indexed version is kept)" in skipped["guidance/guide.docx"]
    assert report.changed == 0 and report.generation == "gen-000001"
    # Also when something else changes and a new generation is written.
    write_text(corpus / "regulations/gas-rules.md", "# Gas Rules\n\nArticle 1 Alarms at 24 ppm.\n")
    report = ingest([corpus], folder, embedder=FakeEmbedder())
    assert report.replaced == ["regulations/gas-rules.md"] and report.removed == []
    assert "guidance/guide.docx" in {s.source for s in report.skipped}
    index = _open(folder)
    assert index.generation.name == "gen-000002"
    assert _sources(index.search(query, 1)) == ["guidance/guide.docx"]
    assert "guidance/guide.docx" in {d.source for d in index.catalog.documents()}


def test_a_new_unparseable_file_is_skipped_and_named(built):
    corpus, folder, _, _ = built
    write_text(corpus / "regulations/empty.md", "")
    report = ingest([corpus], folder, embedder=FakeEmbedder())
    assert report.changed == 0
    skipped = {s.source: s.reason for s in report.skipped}
    assert skipped["regulations/empty.md"] == "empty file"
    assert "regulations/empty.md" in report.summary()


def test_nothing_to_ingest_writes_no_generation(tmp_path):
    write_text(tmp_path / "c" / "empty.md", "")
    report = ingest([tmp_path / "c"], tmp_path / "index", embedder=FakeEmbedder())
    assert report.changed == 0 and report.chunks == 0 and report.generation is None
    assert persist.current(tmp_path / "index") is None
    with pytest.raises(IndexStateError, match="no index in"):
        Index.open(tmp_path / "index")


# -- filters ---------------------------------------------------------------

QUERY = "Where shall explosion vents discharge?"


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
@pytest.mark.parametrize(
    "filters, k, check",
    [
        ({"city": "Lakeport"}, 5, lambda c: c.fields["city"] == "Lakeport"),
        ({"status": "Open"}, 7, lambda c: c.fields["status"] == "Open"),
        ({"date_from": "2024-03-01", "date_to": "2024-06-30"}, 4, lambda c: "2024-03-01" <= c.fields["date"] <= "2024-06-30"),
        ({"date_from": "2024-11-01"}, 2, lambda c: c.fields["date"] >= "2024-11-01"),
        ({"city": ["Riverton", "Eastbridge"], "status": "Rectified"}, 3,
         lambda c: c.fields["city"] in ("Riverton", "Eastbridge") and c.fields["status"] == "Rectified"),
        ({"doc_type": "plan"}, 2, lambda c: c.doc_type == "plan"),
        ({"doc_type": ["plan", "record"], "city": "Eastbridge"}, 3, lambda c: c.fields.get("city") == "Eastbridge"),
        ({"lang": "zh"}, 3, lambda c: c.lang == "zh"),
        ({"folder": "regulations"}, 8, lambda c: c.source.startswith("regulations/")),
        ({"folder": "regulations-zh/"}, 3, lambda c: c.source.startswith("regulations-zh/")),
        ({"source": "regulations/gas-rules.md"}, 3, lambda c: c.source == "regulations/gas-rules.md"),
    ],
)
def test_filters_apply_inside_the_search(built, filters, k, check, mode):
    """k is the number of matching articles: all of them come back, none other,
    though the unfiltered top k holds few of them (filtering after the search
    would return fewer)."""
    index = _open(built[1])
    hits = index.search(QUERY, k, filters, mode=mode)
    assert len(hits) == k
    assert all(check(h.chunk) for h in hits)
    assert len(index.search(QUERY, k + 5, filters, mode=mode)) == k  # no more exist
    mask = index.mask(filters)
    assert int(mask.sum()) >= k and mask.dtype == bool and len(mask) == index.size


def test_a_filters_rows_are_read_once_and_kept_read_only(built, monkeypatch):
    index = _open(built[1])
    chunks = all_chunks(index.catalog)
    reads = []
    rows_where = index.catalog.rows_where
    monkeypatch.setattr(index.catalog, "rows_where", lambda *a: reads.append(a) or rows_where(*a))
    first = index.mask({"doc_type": "record"})
    assert index.mask({"doc_type": "record"}) is first and len(reads) == 1
    assert int(first.sum()) == sum(c.doc_type == "record" for c in chunks)
    with pytest.raises(ValueError):
        first[0] = not first[0]  # shared by every search: nobody may change it
    # The least recently used filter goes when more than MASKS_KEPT are kept.
    for day in range(MASKS_KEPT):
        index.mask({"date_from": f"2024-01-{day + 1:02d}"})
    assert index.mask({"doc_type": "record"}) is not first and len(reads) == MASKS_KEPT + 2
    assert np.array_equal(index.mask({"doc_type": "record"}), first)


def test_candidates_read_are_kept_up_to_their_bound_and_change_no_hit(built, monkeypatch):
    # Searches share the chunks they read (search._Read): a second search of
    # the same question reads nothing from the catalog, the oldest rows go
    # past the bound, and the hits are the same whatever is kept.
    fresh = _open(built[1])
    expected = {q: [(h.chunk.chunk_id, h.score, h.ranks, [p.chunk_id for p in h.parts])
                    for h in fresh.search(q, 5)] for q in (QUERY, "record city enterprise", "dust")}
    index = _open(built[1])
    reads = []
    chunks = index.catalog.chunks
    monkeypatch.setattr(index.catalog, "chunks", lambda rows: reads.append(list(rows)) or chunks(rows))
    index.search(QUERY, 5)
    assert reads and len(index._read) == len({r for rows in reads for r in rows})
    reads.clear()
    index.search(QUERY, 5)
    assert reads == []
    index._read.kept = 3
    index._read._rows.clear()
    for question, hits in expected.items():
        assert [(h.chunk.chunk_id, h.score, h.ranks, [p.chunk_id for p in h.parts])
                for h in index.search(question, 5)] == hits
        assert len(index._read) <= 3
    index._read._rows.clear()
    newest = index._read.get([0, 1, 2, 3])
    assert list(index._read._rows) == [1, 2, 3]  # the oldest read went
    assert [c.chunk_id for c, _, _ in newest.values()] == [c.chunk_id for c in chunks([0, 1, 2, 3])]
    assert all(key == article_key(c) for c, _, key in newest.values())


def test_filtering_after_the_search_would_not_have_been_enough(built):
    index = _open(built[1])
    unfiltered = index.search(QUERY, 5)
    assert sum(h.chunk.fields.get("city") == "Lakeport" for h in unfiltered) < 5
    assert len(index.search(QUERY, 5, {"city": "Lakeport"})) == 5


def test_bm25_mode_filters_too(built):
    hits = _open(built[1]).search("dust collector", 10, {"city": "Riverton"}, mode="bm25")
    assert hits and all(h.chunk.fields["city"] == "Riverton" for h in hits)
    assert all("bm25" in h.ranks and "dense" not in h.ranks for h in hits)


@pytest.mark.parametrize("filters", [
    {"city": "Nowhere"}, {"date_from": "2030-01-01"}, {"doc_type": "standard"},
    {"folder": "regulation"},  # a folder prefix, not a name prefix
    {"lang": "zh", "doc_type": "record"},
])
def test_a_filter_that_matches_nothing_returns_nothing(built, filters):
    index = _open(built[1])
    for mode in ("hybrid", "dense", "bm25"):
        assert index.search(QUERY, 10, filters, mode=mode) == []


def test_empty_filter_values_are_ignored(built):
    index = _open(built[1])
    assert index.mask({"city": "", "status": None, "doc_type": []}) is None
    assert index.search(QUERY, 5, {"city": ""}) == index.search(QUERY, 5)


def test_unknown_filter_key_lists_the_allowed_ones(built):
    index = _open(built[1])
    with pytest.raises(ValueError) as info:
        index.search(QUERY, 5, {"town": "Lakeport"})
    message = str(info.value)
    assert "town" in message
    assert all(key in message for key in FILTER_KEYS)


@pytest.mark.parametrize("filters, word", [({"doc_type": "law"}, "doc_type"), ({"lang": "fr"}, "lang")])
def test_bad_filter_values_are_refused(built, filters, word):
    with pytest.raises(ValueError, match=word):
        _open(built[1]).search(QUERY, 5, filters)


def test_search_argument_checks(built):
    index = _open(built[1])
    assert index.search("   ", 5) == []
    assert index.search(QUERY, 0) == []
    with pytest.raises(ValueError, match="mode"):
        index.search(QUERY, 5, mode="fuzzy")


# -- de-duplication and reproducibility ---------------------------------------

def test_dedupe_returns_one_hit_per_article(built):
    index = _open(built[1])
    query = "inspect the fan filter bags ash hopper rotary valve of every collector"
    parts = index.search(query, 10, dedupe=False)
    keys = [article_key(h.chunk) for h in parts]
    assert len(keys) > len(set(keys))  # Article 4 is cut in parts that all match
    assert keys.count((parts[0].chunk.doc_id, "Article 4")) >= 2
    hits = index.search(query, 10)
    keys = [article_key(h.chunk) for h in hits]
    assert len(keys) == len(set(keys))
    assert [h.chunk.locator for h in hits].count("Article 4") == 1
    # The best part stands for the article, and k still counts articles.
    assert hits[0].chunk.chunk_id == parts[0].chunk.chunk_id
    assert len(index.search(query, 8)) == 8


def test_records_are_never_merged_by_dedupe(built):
    hits = _open(built[1]).search("dust", 12, {"doc_type": "record"})
    assert len(hits) == 12


def test_reopening_gives_identical_hits(built):
    folder = built[1]
    first, second = index_state(folder), index_state(folder)
    assert first == second
    assert all(first["hits"].values())
    unverified = Index.open(folder, FakeEmbedder(), verify=False)
    assert [(h.chunk.chunk_id, h.score, h.ranks) for h in unverified.search(QUERY, 5)] == first["hits"][QUERY]
    # A copy of the folder (new paths, same files) answers the same.
    copy = folder.parent / "copy"
    shutil.copytree(folder, copy)
    assert index_state(copy) == first


def test_hits_carry_citation_fields(built):
    hit = _open(built[1]).search("carbon monoxide alarm 24 ppm", 1)[0]
    data = hit.to_dict()
    assert (data["source"], data["locator"], data["doc_type"]) == ("regulations/gas-rules.md", "Article 1", "regulation")
    assert data["title"] == "Gas Rules" and "24 ppm" in data["text"]
    assert data["ranks"] and all(isinstance(r, int) and r >= 1 for r in data["ranks"].values())
    record = _open(built[1]).search("ladle lining", 1, {"doc_type": "record"})[0].to_dict()
    assert record["city"] == "Lakeport" and record["fields"]["date"] == "2024-03-12"


# -- refusing the wrong model, damage and concurrency ------------------------------

def test_another_model_is_refused_by_open(built):
    folder = built[1]
    with pytest.raises(IndexStateError) as info:
        Index.open(folder, model="other-model")
    assert "fake-hash" in str(info.value) and "other-model" in str(info.value)

    class Other(FakeEmbedder):
        name = "other-model"

    with pytest.raises(IndexStateError, match="other-model"):
        Index.open(folder, Other())


def test_another_dimension_is_refused_by_open(built):
    class Narrow(FakeEmbedder):
        dim = 32

    with pytest.raises(IndexStateError, match="64"):
        Index.open(built[1], Narrow())


def test_another_model_is_refused_by_ingest(built):
    corpus, folder, _, _ = built
    write_text(corpus / "plans/new.md", "# New plan\n\nArticle 1 New text.\n")
    with pytest.raises(IndexStateError) as info:
        ingest([corpus], folder, model="other")
    assert "fake-hash" in str(info.value) and "other" in str(info.value)

    class Other(FakeEmbedder):
        name = "other"

    with pytest.raises(IndexStateError, match="fake-hash"):
        ingest([corpus], folder, embedder=Other())
    assert [p.name for p in persist.generations(folder)] == ["gen-000001"]  # nothing written


def test_a_tampered_file_fails_its_checksum(built):
    folder = built[1]
    vectors = folder / "gen-000001" / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexStateError) as info:
        Index.open(folder, FakeEmbedder())
    assert "checksum" in str(info.value) and "vectors.faiss" in str(info.value)


def test_a_truncated_file_is_caught_without_checksums(built):
    folder = built[1]
    catalog = folder / "gen-000001" / "catalog.sqlite"
    catalog.write_bytes(catalog.read_bytes()[:-100])
    with pytest.raises(IndexStateError, match="catalog.sqlite is missing or has the wrong size"):
        Index.open(folder, FakeEmbedder(), verify=False)


def test_current_naming_a_missing_generation_falls_back_with_a_warning(built):
    folder = built[1]
    for pointer in ("gen-000009", "../elsewhere"):
        (folder / "CURRENT").write_text(pointer + "\n", encoding="utf-8")
        index = Index.open(folder, FakeEmbedder())
        assert index.generation.name == "gen-000001"
        assert any(f"CURRENT names '{pointer}', which is not a generation folder" in w for w in index.warnings)
        assert any("using the previous generation gen-000001" in w for w in index.warnings)
    shutil.rmtree(folder / "gen-000001")
    with pytest.raises(IndexStateError, match="not a generation folder"):
        Index.open(folder, FakeEmbedder())


def test_missing_manifest(built):
    folder = built[1]
    (folder / "gen-000001" / "manifest.json").unlink()
    with pytest.raises(IndexStateError, match="no manifest"):
        Index.open(folder, FakeEmbedder())


def test_counts_that_disagree(built):
    folder = built[1]
    path = folder / "gen-000001" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["chunks"] += 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexStateError, match="counts disagree"):
        Index.open(folder, FakeEmbedder())


def test_another_format_version(built):
    folder = built[1]
    path = folder / "gen-000001" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexStateError, match="format 99"):
        Index.open(folder, FakeEmbedder())


def _damage(folder, how: str) -> None:
    generation = folder / "gen-000001"
    if how == "current":
        (folder / "CURRENT").write_text("gen-000009\n", encoding="utf-8")
    elif how == "old-format":
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
        manifest["format_version"] = persist.FORMAT_VERSION - 1
        (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "checksum":
        vectors = generation / "vectors.faiss"
        data = bytearray(vectors.read_bytes())
        data[len(data) // 2] ^= 0xFF
        vectors.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["current", "old-format", "checksum"])
def test_reingest_recovers_from_a_damaged_index(built, how):
    corpus, folder, first, _ = built
    _damage(folder, how)
    report = ingest([corpus], folder, embedder=FakeEmbedder())
    assert report.warnings and any("re-ingest" in w or "rebuilt" in w for w in report.warnings)
    assert report.generation is not None
    assert report.chunks == first.chunks
    assert Index.open(folder, FakeEmbedder()).size == first.chunks


def test_a_second_concurrent_ingest_is_refused(built, tmp_path):
    corpus, folder, _, _ = built
    write_text(corpus / "plans/new.md", "# New plan\n\nArticle 1 Vent panels are inspected monthly.\n")
    entered, release = threading.Event(), threading.Event()

    class Slow(FakeEmbedder):
        def embed(self, texts):
            entered.set()
            assert release.wait(10)
            return super().embed(texts)

    result: dict = {}

    def first():
        try:
            result["report"] = ingest([corpus], folder, embedder=Slow())
        except Exception as exc:  # surfaced by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(10), result
        with pytest.raises(IngestLockedError, match="another ingest is running"):
            ingest([corpus], folder, embedder=FakeEmbedder())
        # Searching never takes the lock.
        assert Index.open(folder, FakeEmbedder()).search(QUERY, 3)
    finally:
        release.set()
        thread.join(10)
    assert "error" not in result, result
    assert result["report"].added == ["plans/new.md"]
    # The lock is released: the next ingest runs.
    assert ingest([corpus], folder, embedder=FakeEmbedder()).changed == 0


def test_ingest_lock_is_exclusive_and_released(tmp_path):
    with ingest_lock(tmp_path / "index"):
        with pytest.raises(IngestLockedError, match="another ingest is running"):
            with ingest_lock(tmp_path / "index"):
                pass
    with ingest_lock(tmp_path / "index"):
        pass


def test_same_relative_path_in_two_folders_keeps_both(tmp_path):
    folder = tmp_path / "index"
    write_text(tmp_path / "2023" / "records" / "findings.md", "# Findings 2023\n\nArticle 1 Ladle lining worn.\n")
    write_text(tmp_path / "2024" / "records" / "findings.md", "# Findings 2024\n\nArticle 1 Gas holder entered alone.\n")
    ingest([tmp_path / "2023"], folder, embedder=FakeEmbedder())
    report = ingest([tmp_path / "2024"], folder, embedder=FakeEmbedder())
    assert report.replaced == []
    assert len(_open(folder).catalog.documents()) == 2


def test_a_file_deleted_from_a_moved_corpus_is_removed(built, tmp_path):
    corpus, folder, _, _ = built
    moved = tmp_path / "moved"
    corpus.rename(moved)
    assert ingest([moved], folder, embedder=FakeEmbedder()).changed == 0  # same files, same hashes
    (moved / "regulations/gas-rules.md").unlink()
    report = ingest([moved], folder, embedder=FakeEmbedder())
    assert report.removed == ["regulations/gas-rules.md"]


# torch imported before FAISS: the two then share one OpenMP runtime (the order
# a process that embeds with sentence-transformers and then opens an index has).
_PINNED_THEN_INGEST = """
import json, sys
from pathlib import Path

import torch
import faiss
from support import FakeEmbedder, make_small_corpus
from index.build import ingest
from index.search import Index


class Counting(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.threads = []

    def embed(self, texts):
        self.threads.append(torch.get_num_threads())
        return super().embed(texts)


root = Path(sys.argv[1])
make_small_corpus(root / "corpus")
ingest([root / "corpus"], root / "first", embedder=FakeEmbedder())
Index.open(root / "first", embedder=FakeEmbedder(), serving=True).close()
pinned = torch.get_num_threads()
embedder = Counting()
ingest([root / "corpus"], root / "second", embedder=embedder)
print(json.dumps({"pinned": pinned, "embedding": sorted(set(embedder.threads)), "after": torch.get_num_threads()}))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: every thread count is one")
def test_ingest_embeds_on_every_core_after_a_serving_index_pinned_this_thread(tmp_path):
    tests = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)])}
    done = subprocess.run([sys.executable, "-c", _PINNED_THEN_INGEST, str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    threads = json.loads(done.stdout.strip().splitlines()[-1])
    assert threads["pinned"] == 1  # the serving index pinned this thread, torch's threads with it
    assert threads["embedding"] == [os.cpu_count()]  # the ingest embedded on every core
    assert threads["after"] == 1  # and gave the count back: the open index's searches stay on one thread
