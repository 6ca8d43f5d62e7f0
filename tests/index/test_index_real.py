"""The index on the project's own corpus with the real bundled model: one
module-scoped build (a copy of PROJECT_ROOT/corpus, ingested once, about half a
minute) shared by every test here. Tests that change anything work on copies of
the index folder (shutil.copytree), so the shared one stays as built."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT_ROOT, all_chunks

from index.build import IngestReport, ingest
from index.embedders import DEFAULT_MODEL, make_embedder
from index.search import Index
from index.stores import FaissStore

pytestmark = pytest.mark.corpus

DUST_EN = "regulations-en/dust-explosion-prevention-rules.md"
DUST_ZH = "regulations-zh/fenchen-fangbao-anquan-guiding.md"
CONFINED_ZH = "regulations-zh/youxian-kongjian-zuoye-anquan-guiding.md"
SCT_0102 = "standards/sct-0102-2024-metal-dust-collection-systems.md"

# The Chinese confined-space rules set fines (第三十一条 to 第三十三条); the English
# confined-space guidance sets none, and no English document fines a missing
# confined-space register. Only the glossary links the question to the answer:
# confined space register -> 有限空间管理台账, fine -> 罚款, warning sign -> 警示标志.
CROSS_QUESTION = "What fine applies when an enterprise has no confined space register or warning signs?"
CROSS_ANSWER = (CONFINED_ZH, "第三十二条")


class CountingEmbedder:
    """The real embedder, counting the texts it is given."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.inner.embed(texts)


@dataclass
class Built:
    corpus: Path
    folder: Path
    report: IngestReport
    index: Index
    embedder: object


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("real")
    corpus = base / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    embedder = make_embedder(DEFAULT_MODEL)
    report = ingest([corpus], base / "index", embedder=embedder)
    index = Index.open(base / "index", embedder)
    yield Built(corpus, base / "index", report, index, embedder)
    index.close()


def _top(index: Index, query: str, k: int = 5, **kwargs) -> list[tuple[str, str]]:
    return [(h.chunk.source, h.chunk.locator) for h in index.search(query, k, **kwargs)]


def _copy(built: Built, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(built.folder, folder)
    return folder


def _cli_env() -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for name in ("SAFECITE_INDEX", "SAFECITE_MODEL"):
        env.pop(name, None)
    return env


def test_the_corpus_is_indexed(built):
    report, index = built.report, built.index
    assert report.documents == 17 and not [s for s in report.skipped if s.source != "README.md"]
    assert report.chunks == report.embedded == index.size == index.store.size == index.lexical.size
    assert index.manifest["model"] == DEFAULT_MODEL and index.manifest["dim"] == 384
    sources = {d.source for d in index.catalog.documents()}
    assert {DUST_EN, DUST_ZH, CONFINED_ZH, SCT_0102} <= sources


def test_english_question(built):
    top = _top(built.index, "How should dust explosion risks be inspected in aluminium polishing workshops?")
    assert DUST_EN in [source for source, _ in top], top


def test_chinese_question(built):
    top = _top(built.index, "除尘系统应当符合哪些要求？")
    assert DUST_ZH in [source for source, _ in top], top
    assert (DUST_ZH, "第十五条") in top  # the article on dust collection systems


def test_cross_lingual_question_reaches_the_chinese_answer_through_the_glossary(built):
    index = built.index
    translated = index.lexicon.translate(CROSS_QUESTION)
    assert {"有限空间管理台账", "罚款"} <= set(translated)
    lists = index.ranked_lists(CROSS_QUESTION, None)
    top_xl = [(c.source, c.locator) for c in index.catalog.chunks(lists["bm25_xl"][:3])]
    assert top_xl[0] == CROSS_ANSWER, top_xl
    # Only the glossary finds it: neither English retriever ranks it near the top.
    for name in ("bm25", "dense"):
        near = [(c.source, c.locator) for c in index.catalog.chunks(lists[name][:20])]
        assert CROSS_ANSWER not in near, name


@pytest.mark.parametrize("filters", [None, {"lang": "zh"}])
def test_cross_lingual_question_finds_the_chinese_answer_in_the_top_5(built, filters):
    assert CROSS_ANSWER in _top(built.index, CROSS_QUESTION, filters=filters)


def test_one_hit_per_chunk_still_makes_room_for_the_other_language(built):
    # With every part its own hit (`--all-parts`), the other language's best
    # chunk is looked up by that key too: it used to raise KeyError.
    assert CROSS_ANSWER in _top(built.index, CROSS_QUESTION, dedupe=False)


@pytest.mark.parametrize("query, expected", [
    ("SC/T 0102", (SCT_0102, None)),
    ("粉尘防爆安全规定 第十五条", (DUST_ZH, "第十五条")),
    ("有限空间作业安全规定第十五条", (CONFINED_ZH, "第十五条")),
    ("Article 15 of the Dust Explosion Prevention Rules", (DUST_EN, "Article 15")),
])
def test_identifier_queries(built, query, expected):
    top = _top(built.index, query)
    source, locator = expected
    if locator is None:
        assert top[0][0] == source, top
    else:
        assert expected in top, top


def test_filters_on_the_real_records(built):
    hits = built.index.search("dust collector not grounded", 5, {"doc_type": "record", "lang": "zh"})
    assert len(hits) == 5
    assert all(h.chunk.source == "records/inspection-findings-2025.xlsx" for h in hits)
    hits = built.index.search("gas alarm", 10, {"city": "Riverton", "date_from": "2024-06-01", "date_to": "2024-12-31"})
    assert hits and all(h.chunk.fields["city"] == "Riverton" and "2024-06-01" <= h.chunk.fields["date"] <= "2024-12-31"
                        for h in hits)


def test_cli_search_json(built, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "index", "search", "--index", str(built.folder), "--json", "--k", "3",
         "How should dust explosion risks be inspected in aluminium polishing workshops?"],
        cwd=tmp_path, env=_cli_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert len(hits) == 3
    assert DUST_EN in [h["source"] for h in hits]
    for hit in hits:
        assert {"chunk_id", "source", "title", "locator", "text", "score", "ranks"} <= set(hit)
    # The same as in-process.
    expected = built.index.search("How should dust explosion risks be inspected in aluminium polishing workshops?", 3)
    assert [h["chunk_id"] for h in hits] == [h.chunk.chunk_id for h in expected]


def test_cli_search_batch(built, tmp_path):
    questions = [
        {"id": "en-1", "question": "How should dust explosion risks be inspected in aluminium polishing workshops?"},
        {"id": "zh-1", "question": "除尘系统应当符合哪些要求？"},
        {"id": "id-1", "question": "SC/T 0102"},
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "index", "search", "--index", str(built.folder), "--batch", str(batch), "--k", "5"],
        cwd=tmp_path, env=_cli_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["en-1", "zh-1", "id-1"]
    assert all(len(line["hits"]) == 5 for line in lines)
    assert DUST_EN in [h["source"] for h in lines[0]["hits"]]
    assert DUST_ZH in [h["source"] for h in lines[1]["hits"]]
    assert lines[2]["hits"][0]["source"] == SCT_0102


def test_hnsw_recall_against_exact_search(built):
    flat = built.index.store
    assert flat.current_kind == "flat"
    ids = np.arange(flat.size, dtype=np.int64)
    vectors = flat.vectors(ids)
    hnsw = FaissStore(flat.dim, "hnsw")
    hnsw.add(ids, vectors)
    assert hnsw.current_kind == "hnsw" and hnsw.size == flat.size

    rng = np.random.default_rng(7)
    picks = rng.choice(flat.size, 50, replace=False)
    queries = vectors[picks] + rng.normal(0, 0.05, size=(50, flat.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    recalls, masked_recalls = [], []
    mask = rng.random(flat.size) < 0.3
    for query in queries:
        exact = {i for i, _ in flat.search(query, 10)}
        approx = {i for i, _ in hnsw.search(query, 10)}
        recalls.append(len(exact & approx) / 10)
        exact = {i for i, _ in flat.search(query, 10, mask)}
        approx = {i for i, _ in hnsw.search(query, 10, mask)}
        assert all(mask[i] for i in approx)
        masked_recalls.append(len(exact & approx) / 10)
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    assert np.mean(masked_recalls) >= 0.95, np.mean(masked_recalls)


def test_an_unchanged_reingest_embeds_nothing(built):
    def no_model(_name):
        raise AssertionError("the model was loaded for an unchanged corpus")

    report = ingest([built.corpus], built.folder, embedder_factory=no_model)
    assert report.changed == 0 and report.embedded == 0
    assert report.unchanged == built.report.documents
    assert report.generation == built.report.generation == "gen-000001"


def test_an_edit_re_embeds_only_the_changed_chunks(built, tmp_path):
    folder = _copy(built, tmp_path)
    path = built.corpus / CONFINED_ZH
    original = path.read_bytes()
    text = original.decode("utf-8")
    old, new = "照明电压不得超过十二伏", "照明电压不得超过二十四伏，并使用隔离变压器供电"
    assert text.count(old) == 1
    embedder = CountingEmbedder(built.embedder)
    try:
        path.write_text(text.replace(old, new), encoding="utf-8")  # the module's copy of the corpus; restored below
        report = ingest([built.corpus], folder, embedder=embedder)
    finally:
        path.write_bytes(original)
    assert report.replaced == [CONFINED_ZH] and report.added == report.removed == []
    assert report.embedded == len(embedder.texts) == 1
    assert "隔离变压器" in embedder.texts[0]
    assert report.reused == report.chunks - 1 == built.report.chunks - 1
    index = Index.open(folder, built.embedder)
    first = index.search("隔离变压器供电", 1, mode="bm25")[0].chunk
    assert (first.source, first.locator) == (CONFINED_ZH, "第十九条") and "隔离变压器" in first.text
    assert (CONFINED_ZH, "第十九条") in _top(index, "隔离变压器供电", 3)
    # Other documents' vectors are the very same.
    old_rows = {c.chunk_id: row for row, c in enumerate(all_chunks(built.index.catalog))}
    for row, chunk in enumerate(all_chunks(index.catalog)):
        if chunk.source != CONFINED_ZH:
            assert np.array_equal(index.store.vectors(np.array([row])),
                                  built.index.store.vectors(np.array([old_rows[chunk.chunk_id]])))
    index.close()


def test_a_deleted_file_becomes_unfindable(built, tmp_path):
    folder = _copy(built, tmp_path)
    query = "有限空间作业 监护人员 不得进入有限空间"
    assert CONFINED_ZH in [s for s, _ in _top(built.index, query)]
    path = built.corpus / CONFINED_ZH
    aside = tmp_path / path.name
    shutil.move(path, aside)
    try:
        report = ingest([built.corpus], folder, embedder=built.embedder)
    finally:
        shutil.move(aside, path)
    assert report.removed == [CONFINED_ZH] and report.embedded == 0
    index = Index.open(folder, built.embedder)
    assert CONFINED_ZH not in {d.source for d in index.catalog.documents()}
    for mode in ("hybrid", "bm25", "dense"):
        assert CONFINED_ZH not in [s for s, _ in _top(index, query, 20, mode=mode)]
    index.close()
