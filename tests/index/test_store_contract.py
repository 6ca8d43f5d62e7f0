"""The contract every vector store backend keeps (index/stores/base.py), run
against each: FAISS files, Milvus Lite embedded in the process, and a
`milvus-lite server` started on a free loopback port.

Add, remove, search (exact against a brute-force scan of the store's own
vectors), filters by mask and by `where` (a value written to break out of the
expression matches nothing), reopening after commit (and not seeing what was
never committed), and a writer killed (SIGKILL) after its changes or inside
its commit, which leaves the last committed state searchable and the store
writable again."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT_ROOT

from index.stores import Condition, backend
from index.stores.base import matches

DIM = 16
N = 300
CITIES = ["Riverton", "Jiangchuan", "江川市", 'O"Brien\\Ford']
STATUSES = ["Closed", "Overdue", "Open"]
INJECTION = 'x" or 1==1 or "'


def _fields(i: int) -> dict[str, str]:
    return {"doc_id": f"doc{i % 7}", "source": f"records/{i % 7}.csv", "doc_type": "record" if i % 3 else "regulation",
            "lang": "zh" if i % 2 else "en", "city": CITIES[i % len(CITIES)].lower() if i % 5 == 0 else CITIES[i % len(CITIES)],
            "enterprise": "", "hazard_category": "", "status": STATUSES[i % 3].lower(), "sector": "",
            "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 4 else "", "deadline": ""}


def _vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


VECTORS = _vectors(N, 1)
FIELDS = [_fields(i) for i in range(N)]
QUERIES = _vectors(8, 2)


def _exact(store, query, k, allowed=None):
    """Brute force over what the store holds (its own, possibly float16, vectors)."""
    ids = np.sort(store.ids())
    if allowed is not None:
        ids = ids[[bool(allowed[i]) for i in ids]]
    if not len(ids):
        return []
    scores = store.vectors(ids) @ np.asarray(query, dtype=np.float32)
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(ids[i]) for i in order]


# -- the backends ---------------------------------------------------------

@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory):
    """A `milvus-lite server` on a free loopback port, stopped after the module."""
    pytest.importorskip("milvus_lite")
    from support import start_milvus_server

    data = tmp_path_factory.mktemp("milvus-server")
    server, uri = start_milvus_server(data)
    yield uri
    server.terminate()
    server.wait(timeout=30)


def _spec(request, tmp_path: Path) -> str:
    if request.param == "faiss":
        return "faiss"
    if request.param == "milvus-lite":
        pytest.importorskip("milvus_lite")
        return f"milvus:{tmp_path / 'milvus.db'}"
    return f"milvus:{request.getfixturevalue('milvus_server')}"


@pytest.fixture(params=["faiss", "milvus-lite", "milvus-server"])
def made(request, tmp_path):
    """(spec, generation folder, backend, committed store with every vector, its manifest entry)."""
    spec = _spec(request, tmp_path)
    generation = tmp_path / "gen-000001"
    generation.mkdir()
    be = backend(spec)
    store = be.create(generation, "vectors-dense_en.faiss", DIM)
    store.add(np.arange(N), VECTORS, FIELDS)
    store.commit()
    yield spec, generation, be, store, be.entry(store)
    store.close()
    be.close()
    cleanup = backend(spec)
    cleanup.drop_generation(generation)
    cleanup.close()


# -- the contract ---------------------------------------------------------

def test_search_finds_the_nearest_vectors(made):
    _, _, _, store, _ = made
    assert store.size == N and sorted(store.ids().tolist()) == list(range(N))
    assert np.allclose(store.vectors(np.array([5, 0, 299])), VECTORS[[5, 0, 299]], atol=2e-3)
    for i in (0, 17, 299):
        found = store.search(VECTORS[i], 5)
        assert found[0][0] == i and abs(found[0][1] - 1.0) < 2e-3
    for query in QUERIES:
        found = store.search(query, 10)
        assert [i for i, _ in found] == _exact(store, query, 10)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert store.search(QUERIES[0], 0) == []
    assert len(store.search(QUERIES[0], N + 50)) == N


def test_removed_vectors_are_never_found(made):
    _, _, _, store, _ = made
    gone = np.arange(0, N, 2)
    store.remove(gone)
    assert store.size == N - len(gone)
    assert sorted(store.ids().tolist()) == list(range(1, N, 2))
    for i in (0, 2, 100):
        assert all(found % 2 for found, _ in store.search(VECTORS[i], 20))
    for query in QUERIES:
        assert [i for i, _ in store.search(query, 10)] == _exact(store, query, 10)
    store.remove(np.array([], dtype=np.int64))
    assert store.size == N - len(gone)


FILTERS = {
    "one city": ((Condition("city", "in", ("Riverton",)),),),
    "a city in either case": ((Condition("city", "in", ("riverton", "江川市")),),),
    "a value with a quote and a backslash": ((Condition("city", "in", ('O"Brien\\Ford',)),),),
    "two fields": ((Condition("doc_type", "in", ("record",)),), (Condition("status", "in", ("Overdue",)),)),
    "either of two fields": ((Condition("lang", "in", ("en",)), Condition("doc_id", "in", ("doc3",))),),
    "dates": ((Condition("date", ">=", ("2024-03-01",)),), (Condition("date", "<=", ("2024-06-30",)),)),
    "a date below": ((Condition("date", "<=", ("2024-02-15",)),),),
    "a document": ((Condition("source", "in", ("records/4.csv",)),),),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters_keep_only_the_rows_they_allow(made, name):
    _, _, _, store, _ = made
    where = FILTERS[name]
    allowed = np.array([matches(where, f) for f in FIELDS])
    assert 0 < allowed.sum() < N
    for query in QUERIES[:4]:
        found = store.search(query, 10, allowed, where)
        assert [i for i, _ in found] == _exact(store, query, 10, allowed)
    # The filter is applied inside the search: every allowed row comes back when asked for.
    assert sorted(i for i, _ in store.search(QUERIES[0], N, allowed, where)) == list(np.flatnonzero(allowed))


def test_a_value_written_to_escape_the_filter_matches_nothing(made):
    _, _, _, store, _ = made
    for field in ("city", "status", "doc_id", "date"):
        where = ((Condition(field, "in", (INJECTION,)),),)
        allowed = np.array([matches(where, f) for f in FIELDS])
        assert not allowed.any()
        assert store.search(QUERIES[0], 10, allowed, where) == []
    where = ((Condition("date", ">=", (INJECTION,)),),)
    allowed = np.array([matches(where, f) for f in FIELDS])
    assert [i for i, _ in store.search(QUERIES[0], 10, allowed, where)] == _exact(store, QUERIES[0], 10, allowed)


def test_an_empty_filter_matches_nothing(made):
    _, _, _, store, _ = made
    where = ((Condition("source", "in", ()),),)
    assert store.search(QUERIES[0], 10, np.zeros(N, dtype=bool), where) == []


def test_a_reopened_store_gives_what_was_committed(made):
    spec, generation, be, store, entry = made
    before = [store.search(q, 10) for q in QUERIES]
    store.remove(np.arange(10))
    store.add(np.arange(N, N + 20), _vectors(20, 3), [_fields(i) for i in range(N, N + 20)])
    store.commit()
    committed = [store.search(q, 10) for q in QUERIES]
    assert committed != before
    # Changes after the last commit are not what opening the store gives.
    store.remove(np.arange(10, 30))
    store.close()
    again = be.open(generation, entry)
    try:
        assert again.size == N + 10 and sorted(again.ids().tolist()) == list(range(10, N + 20))
        reopened = [again.search(q, 10) for q in QUERIES]
        assert [[i for i, _ in hits] for hits in reopened] == [[i for i, _ in hits] for hits in committed]
        assert np.allclose([s for hits in reopened for _, s in hits], [s for hits in committed for _, s in hits],
                           atol=1e-5)
    finally:
        again.close()


WRITER = r'''
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from support import PROJECT_ROOT  # noqa: F401  (puts the project on sys.path)
from index.stores import backend
from index.stores import faiss_store

spec, generation, entry, dim = sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), int(sys.argv[5])


def mark(text):
    print(text, flush=True)


def pausing(name, original):
    def wrapper(*args, **kwargs):
        mark(f"AT {name}")
        time.sleep(0.5)
        result = original(*args, **kwargs)
        mark(f"AFTER {name}")
        return result
    return wrapper


be = backend(spec)
store = be.open(generation, entry)
os.replace = pausing("switch", os.replace)  # FAISS: the new file written, not yet in place
try:
    from index.stores import milvus_store
    milvus_store.MilvusStore._switch = pausing("switch", milvus_store.MilvusStore._switch)
except ImportError:
    pass
rng = np.random.default_rng(7)
new = rng.standard_normal((200, dim)).astype(np.float32)
new /= np.linalg.norm(new, axis=1, keepdims=True)
n = store.size
store.add(np.arange(n, n + 200), new, [{"city": "Riverton"}] * 200)
store.remove(np.arange(0, n, 3))
mark("CHANGED")
time.sleep(0.5)
store.commit()
mark("COMMITTED")
'''


def _kill_at(made, marker: str, tmp_path: Path) -> list[str]:
    spec, generation, be, store, entry = made
    store.close()
    be.close()  # an embedded Milvus Lite folder is one process's at a time
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(PROJECT_ROOT / "tests"), spec, str(generation),
                             json.dumps(entry), str(DIM)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == marker:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
    finally:
        watchdog.cancel()
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.stderr.close()
    assert marker in lines, f"the writer never printed {marker!r}: {lines}\n{stderr}"
    return lines


@pytest.mark.parametrize("marker", ["CHANGED", "AT switch"])
def test_a_writer_killed_mid_write_leaves_the_committed_state(made, marker, tmp_path):
    spec, generation, _, store, entry = made
    before = [[i for i, _ in store.search(q, 10)] for q in QUERIES]
    _kill_at(made, marker, tmp_path)
    be = backend(spec)
    again = be.open(generation, entry)
    try:
        assert again.size == N and sorted(again.ids().tolist()) == list(range(N))
        assert [[i for i, _ in again.search(q, 10)] for q in QUERIES] == before
        where = ((Condition("city", "in", ("Riverton",)),),)
        allowed = np.array([matches(where, f) for f in FIELDS] + [True] * 200)
        assert all(i < N for i, _ in again.search(QUERIES[0], 50, allowed, where))
        # The store is writable again, and what the killed writer left is gone for good.
        again.remove(np.array([0, 1]))
        again.add(np.array([N + 500]), VECTORS[:1] * -1, [_fields(0)])
        again.commit()
        assert again.size == N - 1 and sorted(again.ids().tolist()) == [*range(2, N), N + 500]
        assert again.search(-VECTORS[0], 1)[0][0] == N + 500
    finally:
        again.close()
        be.close()
