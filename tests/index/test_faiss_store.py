"""index.stores.FaissStore.split_scan: a serving store scans its vectors in two
halves at once and must return exactly what one scan returns: the same ids in
the same order, ties and filters included, also when searched from several
threads at the same time."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.stores import FaissStore
from index.stores import faiss_store

DIM = 16


@pytest.fixture
def stores(monkeypatch):
    monkeypatch.setattr(faiss_store, "SPLIT_MIN", 100)
    rng = np.random.default_rng(3)
    base = rng.standard_normal((40, DIM)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    # Each of 40 vectors 30 times (identical texts share a vector: ties), then noise.
    vectors = np.vstack([np.repeat(base, 30, axis=0)[rng.permutation(1200)],
                         rng.standard_normal((1300, DIM)).astype(np.float32)])
    whole = FaissStore(DIM)
    whole.add(np.arange(len(vectors)), vectors)
    split = FaissStore.wrap(whole.index)
    split.split_scan()
    yield whole, split, np.vstack([base, rng.standard_normal((30, DIM)).astype(np.float32)]), rng
    split.close()


def test_split_scan_returns_what_one_scan_returns(stores):
    whole, split, queries, rng = stores
    assert split._halves is not None and whole._halves is None
    masks = [None, rng.random(whole.size) < 0.3, rng.random(whole.size) < 0.002]
    compared = 0
    for query in queries:
        for k in (1, 7, 30, 100, 2000):
            for mask in masks:
                expected = whole.search(query, k, mask)
                assert split.search(query, k, mask) == expected
                compared += len(expected)
    assert compared > 10_000


def test_split_scan_is_safe_from_several_threads(stores):
    # An IndexIDMap swaps its id translation into the search parameters'
    # selector while it searches: shared parameters gave wrong ids and crashes.
    whole, split, queries, rng = stores
    mask = rng.random(whole.size) < 0.5
    jobs = [(query, k) for query in queries for k in (10, 50)] * 4
    expected = [whole.search(query, k, mask) for query, k in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: split.search(job[0], job[1], mask), jobs))
    assert got == expected


def test_small_and_hnsw_stores_are_not_split(monkeypatch):
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((300, DIM)).astype(np.float32)
    small = FaissStore(DIM)
    small.add(np.arange(300), vectors)
    small.split_scan()
    assert small._halves is None  # below SPLIT_MIN
    monkeypatch.setattr(faiss_store, "SPLIT_MIN", 100)
    hnsw = FaissStore(DIM, "hnsw")
    hnsw.add(np.arange(300), vectors)
    hnsw.split_scan()
    assert hnsw._halves is None and hnsw.search(vectors[0], 1)[0][0] == 0


def test_adding_or_removing_vectors_ends_the_split(stores):
    whole, split, queries, rng = stores
    extra = queries[:3] * 100  # far longer than any stored vector: they come first
    split.add(np.array([90_001, 90_002, 90_003]), extra)
    assert split._halves is None
    assert [i for i, _ in split.search(queries[0], 1)] == [90_001]
    split.split_scan()
    split.remove(np.array([90_001]))
    assert split._halves is None and split.search(queries[0], 1)[0][0] != 90_001


def _copies(rng, groups: int, copies: int, dim: int, cosine: float = 0.9) -> np.ndarray:
    """Unit vectors: `copies` noisy copies of each of `groups` originals (about
    `cosine` to their original), as the benchmark's scaled vectors are made."""
    base = rng.standard_normal((groups, dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    sigma = np.sqrt((1 / cosine**2 - 1) / dim)
    out = np.repeat(base, copies, axis=0) + rng.standard_normal((groups * copies, dim)).astype(np.float32) * sigma
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _recall_at_10(store: FaissStore, vectors: np.ndarray, queries: np.ndarray, mask=None) -> float:
    scores = queries @ vectors.T
    if mask is not None:
        scores[:, ~mask] = -np.inf
    exact = np.argsort(-scores, axis=1)[:, :10]
    return float(np.mean([len({i for i, _ in store.search(q, 100, mask)[:10]} & set(e.tolist())) / 10
                          for q, e in zip(queries, exact)]))


def test_large_path_keeps_recall_at_its_settings(monkeypatch):
    # Past the threshold the store becomes LARGE_KIND with the settings the
    # benchmark chose (docs/performance.md); its recall@10 against an exact
    # scan must stay high on near-duplicate vectors like the benchmark's.
    monkeypatch.setattr(faiss_store, "LARGE_THRESHOLD", 5_000)
    rng = np.random.default_rng(17)
    dim = 64
    vectors = _copies(rng, 400, 50, dim)[rng.permutation(20_000)]
    store = FaissStore(dim)
    for start in range(0, len(vectors), 4_000):
        store.add(np.arange(start, start + 4_000), vectors[start:start + 4_000])
    assert store.current_kind == faiss_store.LARGE_KIND and store.size == 20_000
    queries = _copies(rng, 60, 1, dim)  # new originals' neighbours: searched for among unrelated groups too
    queries = np.vstack([queries, _copies(np.random.default_rng(17), 400, 1, dim)[:60]])  # near stored groups
    assert _recall_at_10(store, vectors, queries) >= 0.95
    mask = rng.random(len(vectors)) < 0.3
    assert _recall_at_10(store, vectors, queries, mask) >= 0.95


def test_large_path_finds_what_a_narrow_filter_keeps(monkeypatch):
    # A filter on one document or enterprise keeps a few vectors scattered
    # over the IVF's lists: the search scans more lists as the filter keeps
    # fewer, so it still returns the k kept vectors nearest the question
    # (IVF_NPROBE lists alone would hold about 5 % of them).
    monkeypatch.setattr(faiss_store, "LARGE_THRESHOLD", 5_000)
    rng = np.random.default_rng(23)
    vectors = _copies(rng, 400, 50, 32)[rng.permutation(20_000)]
    store = FaissStore(32)
    store.add(np.arange(len(vectors)), vectors)
    assert store.current_kind == "ivf" and store._nprobe(None) == faiss_store.IVF_NPROBE
    for share, k in ((0.0005, 20), (0.01, 10), (0.1, 10)):
        mask = np.zeros(len(vectors), dtype=bool)
        mask[rng.choice(len(vectors), int(share * len(vectors)), replace=False)] = True
        for query in _copies(rng, 5, 1, 32):
            found = store.search(query, k, mask)
            scores = vectors[mask] @ query
            assert len(found) == min(k, int(mask.sum()))
            assert all(mask[i] for i, _ in found)
            if share < 0.01:  # so few kept that every list is scanned: exact
                assert [i for i, _ in found] == np.flatnonzero(mask)[np.argsort(-scores)[:k]].tolist()
    assert _recall_at_10(store, vectors, _copies(rng, 20, 1, 32), rng.random(len(vectors)) < 0.02) >= 0.95
    assert store.search(vectors[0], 10, np.zeros(len(vectors), dtype=bool)) == []


def test_large_path_removes_saves_and_loads(monkeypatch, tmp_path):
    monkeypatch.setattr(faiss_store, "LARGE_THRESHOLD", 1_000)
    rng = np.random.default_rng(4)
    vectors = _copies(rng, 40, 50, DIM)
    store = FaissStore(DIM)
    store.add(np.arange(2_000), vectors)
    kind = store.current_kind
    assert kind == faiss_store.LARGE_KIND
    store.remove(np.arange(0, 2_000, 2))
    assert store.current_kind == kind and store.size == 1_000
    assert store.ids().tolist() == list(range(1, 2_000, 2))
    assert np.allclose(store.vectors(np.array([1, 1_999])), vectors[[1, 1_999]], atol=1e-3)
    assert all(i % 2 == 1 for i, _ in store.search(vectors[10], 50))
    store.save(tmp_path / "v.faiss")
    loaded = FaissStore.load(tmp_path / "v.faiss")
    assert loaded.current_kind == kind and loaded.search(vectors[11], 20) == store.search(vectors[11], 20)
    loaded.add(np.array([5_000]), vectors[:1] * 10)
    assert loaded.search(vectors[0], 1)[0][0] == 5_000
