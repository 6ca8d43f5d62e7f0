"""An index whose dense vectors live in Milvus (SAFECITE_STORE=milvus:...):
ingest writes each generation's lists as collections, searches filter inside
Milvus with the same results as FAISS, a dropped generation takes its
collections along, and an index moves between backends reusing its vectors.
Milvus Lite embedded; the tiny corpus and the fake embedder."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest
from support import FakeEmbedder, SMALL_QUERIES, all_chunks, make_small_corpus, write_text

from index import persist, shared
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
    # The other language's value or another spelling of it (index/values.tsv): the same rows on both backends.
    {"status": "已整改"}, {"city": "Lakeport City"}, {"status": ["未整改"], "city": "Eastbridge"},
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


@pytest.fixture(scope="module")
def opened(indexes):
    _, faiss_folder, milvus_folder, _ = indexes
    on_faiss, on_milvus = Index.open(faiss_folder, FakeEmbedder()), Index.open(milvus_folder, FakeEmbedder())
    yield on_faiss, on_milvus
    on_faiss.close()
    on_milvus.close()


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
@pytest.mark.parametrize("filters", [None, *FILTERS])
def test_milvus_answers_as_faiss_does(opened, filters, mode):
    on_faiss, on_milvus = opened
    for query in SMALL_QUERIES:
        a = on_faiss.search(query, 8, filters, mode=mode)
        b = on_milvus.search(query, 8, filters, mode=mode)
        assert [h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b], (query, filters)
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-6)


def test_a_new_generation_replaces_the_old_collections(indexes, tmp_path):
    corpus, _, _, spec = indexes
    folder = tmp_path / "generations"  # its name is its name in Milvus
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
    folder = tmp_path / "moving"
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


KILL_HARNESS = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
from support import FakeEmbedder

import index.build as build
import index.persist as persist
from index.stores.milvus_store import MilvusStore


def marked(name, original):
    def wrapper(*args, **kwargs):
        print(f"AT {name}", flush=True)
        time.sleep(0.3)
        return original(*args, **kwargs)
    return wrapper


MilvusStore.add = marked("MilvusStore.add", MilvusStore.add)
MilvusStore._switch = marked("MilvusStore._switch", MilvusStore._switch)
import index.shared as shared
shared._switch = marked("shared._switch", shared._switch)
persist.write_manifest = marked("write_manifest", persist.write_manifest)
persist.switch = marked("switch", persist.switch)
import index.lease as lease
lease.LEASE_SECONDS = float(sys.argv[4])  # the killed ingest's lease lapses before the next ingest
print("START", flush=True)
report = build.ingest([sys.argv[2]], sys.argv[3], embedder=FakeEmbedder())
print(f"END {report.generation}", flush=True)
'''
# Before the vectors go in, with them in but before the store's version
# switch, before the shared pointer moves (the old index stands at each);
# before the folder's CURRENT moves and once the ingest has finished (the
# shared pointer names the new one: the folder follows it). (The fake
# embedder's index has one dense list.)
KILLED_LEASE = 1.0  # seconds
KILLS = [("AT MilvusStore.add", 1), ("AT MilvusStore._switch", 1), ("AT shared._switch", 1), ("AT switch", 1),
         ("END gen-000002", 1)]


def test_a_killed_ingest_leaves_the_old_or_the_new_index_on_milvus(tmp_path):
    import os
    import shutil
    import signal
    import subprocess
    import sys

    from support import PROJECT_ROOT, index_state

    corpus, base = tmp_path / "corpus", tmp_path / "a"
    make_small_corpus(corpus)
    spec = f"milvus:{base / 'milvus.db'}"
    ingest([corpus], base / "index", embedder=FakeEmbedder(), store=spec)
    state_a = index_state(base / "index")
    write_text(corpus / "plans/new-plan.md", "# New Plan\n\n## Tasks\n\nInspect every explosion vent before winter.\n")
    (corpus / "regulations-zh/fenchen.md").unlink()
    backend(spec).close()  # the embedded folder is one process's at a time
    harness = tmp_path / "harness.py"
    harness.write_text(KILL_HARNESS, encoding="utf-8")
    states = []
    for n, (marker, count) in enumerate(KILLS):
        # Each kill in a copy of state A made at the same path, so collection names match.
        work = tmp_path / "work"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work)
        folder, work_spec = work / "index", f"milvus:{work / 'milvus.db'}"
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "SAFECITE_STORE": work_spec, "SAFECITE_PARSE_WORKERS": "1"}
        args = [str(a) for a in (harness, PROJECT_ROOT / "tests", corpus, folder, KILLED_LEASE)]
        proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        seen = 0
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            seen += line.strip() == marker
            if seen == count:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=120)
        stderr = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        assert seen == count, (marker, lines, stderr[-2000:])
        time.sleep(KILLED_LEASE)
        shared.sync(folder, work_spec, force=True)  # what any server sharing the index now serves
        state = index_state(folder)
        if n == 0:
            assert state == {**state_a, "counts": state["counts"]} and state["counts"] == state_a["counts"]
        states.append("A" if state["hits"] == state_a["hits"] and state["counts"] == state_a["counts"] else "B")
        if states[-1] == "B":
            assert state["generation"] == "gen-000002" and state["counts"] != state_a["counts"]
        # The next ingest cleans up and completes.
        report = ingest([corpus], folder, embedder=FakeEmbedder(), store=work_spec)
        assert report.changed == (2 if states[-1] == "A" else 0), (marker, count)
        after = index_state(folder)
        assert after["counts"] == (after["counts"][0],) * 3 + (after["counts"][3],)
        assert backend(work_spec).client.list_collections()  # reachable, then let go for the next child
        backend(work_spec).close()
    assert states == ["A", "A", "A", "B", "B"]
