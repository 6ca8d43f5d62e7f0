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
