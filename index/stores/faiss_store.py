"""FAISS vector store: inner product over normalised vectors (= cosine), with
64-bit ids so a document's vectors can be removed and replaced.

Exact search by default: a scan of every vector, stored as float16
(`IndexScalarQuantizer` QT_fp16). A single query's scan is bound by memory
bandwidth, so half the bytes is half the time (100,000 chunks: 22 -> 11 ms on
one core) and half the memory; a unit vector's components lose about 1e-3 of
relative precision, which left the top 5 of all 68 dev questions unchanged at
100,000 chunks (docs/performance.md). Indexes written with float32
`IndexFlatIP` still load and search as before.

Past `LARGE_THRESHOLD` vectors (kind "auto") the store becomes the large
index `LARGE_KIND`, whose setting was chosen by a rule on the benchmark's
vectors at 100,000 and 1,000,000 chunks: recall@10 against an exact float32
scan of at least 0.95, then the lowest search p50 (docs/performance.md,
"Index settings chosen by recall, then latency"). IVF ("ivf"): float16
vectors in `nlist` = 4 * sqrt(n) lists, k-means trained on the vectors held
when it is built, `IVF_NPROBE` lists scanned per search. HNSW ("hnsw", M=32)
when asked for. Neither removes vectors in place here, so removals rebuild
the index from the stored vectors (`reconstruct`); IVF keeps its trained
lists.

The store lives in memory and is written whole to one file (`commit`, `save`):
to a temporary name, then `os.replace`d, so a writer killed at any moment
leaves the file as the last commit wrote it. It keeps no fields beside the
vectors: searches are filtered by the catalog's mask.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .base import Where

# The large index and its settings: chosen by recall@10 >= 0.95, then search
# p50, in docs/performance.md ("Index settings chosen by recall, then latency").
# At 100,000 vectors the rule chooses IVF too (recall@10 0.97, about 1 ms
# against 5-8 ms for the scan): a search runs up to four dense lists beside
# two or three question embeddings on two cores, so the scans' CPU is the
# search's latency (p95 at 100,000 chunks in docs/performance.md). Up to
# this size a scan takes under 4 ms and stays exact.
LARGE_THRESHOLD = 50_000  # kind "auto" scans exactly up to this many vectors
LARGE_KIND = "ivf"
IVF_LISTS_PER_ROOT = 4  # nlist = 4 * sqrt(vectors held when the lists are trained)
IVF_NPROBE = 64  # lists scanned per search (divided by the share a filter keeps: `_nprobe`)
IVF_TRAIN_PER_LIST = 40  # k-means sample: vectors per list
IVF_KMEANS_ITERATIONS = 10
HNSW_M = 32  # graph degree
HNSW_EF_SEARCH = 512  # candidates kept while searching (at least k)
KINDS = ("auto", "flat", "hnsw", "ivf")
# A serving store scans at least this many vectors in halves, one per core
# (below it, handing half to another thread costs more than it saves).
SPLIT_MIN = 20_000


class FaissStore:
    def __init__(self, dim: int, kind: str = "auto") -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        self.dim = dim
        self.kind = kind
        # IVF needs vectors to train its lists: it starts as a scan (_maybe_switch).
        self.index = self._new("flat" if kind in ("auto", "ivf") else kind)
        self._halves: list | None = None
        self._helper: ThreadPoolExecutor | None = None
        self._id_array: np.ndarray | None = None  # ids(), kept for filtered IVF searches (_nprobe)
        self.path: Path | None = None  # where `commit` writes (set by FaissBackend)

    def _new(self, kind: str, train: np.ndarray | None = None):
        import faiss

        if kind == "flat":
            inner = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        else:
            inner = self._trained_ivf(train)
        return faiss.IndexIDMap2(inner)

    def _trained_ivf(self, vectors: np.ndarray):
        """An empty float16 IVF whose lists are k-means of (a sample of) `vectors`."""
        import faiss

        n = len(vectors)
        nlist = max(1, min(n, int(IVF_LISTS_PER_ROOT * np.sqrt(n))))
        quantizer = faiss.IndexFlatIP(self.dim)
        inner = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(n, min(n, IVF_TRAIN_PER_LIST * nlist), replace=False)
        inner.cp.niter = IVF_KMEANS_ITERATIONS
        inner.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
        inner.make_direct_map(True)  # reconstruct by position: vectors(), rebuilds
        return inner

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def current_kind(self) -> str:
        import faiss

        inner = faiss.downcast_index(self.index.index)
        if isinstance(inner, faiss.IndexHNSWFlat):
            return "hnsw"
        return "ivf" if isinstance(inner, faiss.IndexIVF) else "flat"

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def _nprobe(self, mask: np.ndarray | None) -> int:
        """IVF lists to scan: IVF_NPROBE when every vector may be found; when a
        filter keeps a share of this store's vectors, IVF_NPROBE / share (up to
        every list, an exact scan), so that a search finds about as many kept
        vectors as an unfiltered one: a filter on one document or enterprise
        still gets its k results when k exist."""
        import faiss

        nlist = faiss.downcast_index(self.index.index).nlist
        if mask is None:
            return min(nlist, IVF_NPROBE)
        if self._id_array is None:
            self._id_array = self.ids()
        ids = self._id_array[self._id_array < len(mask)]
        kept = int(np.count_nonzero(mask[ids])) / max(1, self.size)
        return nlist if kept <= 0 else min(nlist, math.ceil(IVF_NPROBE / kept))

    def add(self, ids: np.ndarray, vectors: np.ndarray, fields: Sequence[Mapping[str, Any]] | None = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim})")
        self.close()  # the halves would not see the new vectors
        self._id_array = None
        self.index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        self._maybe_switch()

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if len(ids) else np.zeros((0, self.dim), np.float32)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        self._id_array = None
        if not len(ids):
            return
        self.close()
        if self.current_kind == "flat":
            self.index.remove_ids(ids)
            return
        keep = np.setdiff1d(self.ids(), ids)
        self._rebuild(self.current_kind, keep, self.vectors(keep))

    def _rebuild(self, kind: str, ids: np.ndarray, vectors: np.ndarray) -> None:
        """The index as `kind` holding exactly these vectors. An IVF that
        exists keeps its trained lists; a new one is trained on `vectors`."""
        import faiss

        if kind == "ivf" and self.current_kind == "ivf":
            inner = faiss.clone_index(faiss.downcast_index(self.index.index))
            inner.reset()  # the trained lists stay, the vectors go
            index = faiss.IndexIDMap2(inner)
        else:
            index = self._new(kind, vectors)
        index.add_with_ids(vectors, ids)
        self.index = index

    def _maybe_switch(self) -> None:
        if self.current_kind != "flat" or not self.size:
            return
        if self.kind == "ivf" or (self.kind == "auto" and self.size > LARGE_THRESHOLD):
            ids = self.ids()
            self._rebuild("ivf" if self.kind == "ivf" else LARGE_KIND, ids, self.vectors(ids))

    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None,
               where: Where | None = None) -> list[tuple[int, float]]:
        """Top-k (id, score). `mask[i]` allows id i (ids are rows 0..n-1); the
        filter is applied inside FAISS, so k results come back when k exist.
        `where` is not read: this store keeps no fields (the mask says the same)."""
        import faiss

        if self.size == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        selector = None
        if mask is not None:
            bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
        if self.is_split:
            scores, ids = self._search_halves(query, k, selector)
        else:
            nprobe = self._nprobe(mask) if self.current_kind == "ivf" else IVF_NPROBE
            scores, ids = self.index.search(query, min(k, self.size), params=self._params(k, selector, nprobe))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def _params(self, k: int, selector, nprobe: int = IVF_NPROBE):
        """Search parameters. One object per search call: an IndexIDMap swaps
        its own id translation into the parameters' selector while it searches."""
        import faiss

        kind = self.current_kind
        if kind == "hnsw":
            return (faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k)) if selector is not None
                    else faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k)))
        if kind == "ivf":
            return (faiss.SearchParametersIVF(sel=selector, nprobe=nprobe) if selector is not None
                    else faiss.SearchParametersIVF(nprobe=nprobe))
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    @property
    def is_split(self) -> bool:
        """Whether searches scan two halves at once (split_scan)."""
        return self._halves is not None

    def split_scan(self) -> None:
        """Serve exact searches from two halves of the vectors scanned at the
        same time, the second on a helper thread (FAISS releases the GIL): a
        single query's scan is bound by one core's memory bandwidth, and on two
        cores the other one is idle by then (100,000 chunks: 11.4 -> 5.9 ms p50
        in make bench). The vectors are held twice; adding or removing vectors
        ends the split. HNSW, IVF and small stores are left as they are."""
        import faiss

        if self.current_kind != "flat" or self.size < SPLIT_MIN or self.is_split:
            return
        inner = faiss.downcast_index(self.index.index)
        ids, middle = self.ids(), self.size // 2
        halves = []
        for start, end in ((0, middle), (middle, self.size)):
            part = faiss.clone_index(inner)  # same type and settings (float16 or float32)
            part.reset()
            half = faiss.IndexIDMap2(part)
            # Decoded and encoded again: the same float16 (or float32) values.
            half.add_with_ids(inner.reconstruct_n(start, end - start), ids[start:end])
            halves.append((half, part))  # the IDMap does not own its index: keep both alive
        self._halves = halves
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safecite-scan",
                                          initializer=faiss.omp_set_num_threads, initargs=(1,))

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True)
        self._halves, self._helper = None, None

    def _search_halves(self, query: np.ndarray, k: int, selector) -> tuple[np.ndarray, np.ndarray]:
        """Both halves' top k, merged as one scan orders them: by score, then the larger id."""
        (first, _), (second, _) = self._halves
        other = self._helper.submit(second.search, query, min(k, second.ntotal), params=self._params(k, selector))
        scores_a, ids_a = first.search(query, min(k, first.ntotal), params=self._params(k, selector))
        scores_b, ids_b = other.result()
        scores, ids = np.concatenate([scores_a[0], scores_b[0]]), np.concatenate([ids_a[0], ids_b[0]])
        found = ids != -1
        scores, ids = scores[found], ids[found]
        order = np.lexsort((-ids, -scores))[:k]
        return scores[order][None, :], ids[order][None, :]

    def commit(self) -> None:
        if self.path is None:
            raise ValueError("this store has no file to commit to: use save(path)")
        self.save(self.path)

    def save(self, path: str | Path) -> None:
        """Write the whole store to `path`: a temporary file first, then renamed."""
        import faiss

        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path, kind: str = "auto") -> "FaissStore":
        import faiss

        store = cls.wrap(faiss.read_index(str(path)), kind)
        store.path = Path(path)
        return store

    @classmethod
    def wrap(cls, index, kind: str = "auto") -> "FaissStore":
        """A store over an existing FAISS index (an IndexIDMap2)."""
        store = cls.__new__(cls)
        store.dim, store.kind, store.index = index.d, kind, index
        store._halves, store._helper, store.path, store._id_array = None, None, None, None
        return store


class FaissBackend:
    """Stores as files in the generation folder (the manifest's "file")."""

    name = "faiss"

    def create(self, generation: Path, file: str, dim: int, kind: str = "auto") -> FaissStore:
        store = FaissStore(dim, kind)
        store.path = Path(generation) / file
        return store

    def entry(self, store: FaissStore) -> dict[str, Any]:
        return {"file": store.path.name}

    def open(self, generation: Path, entry: Mapping[str, Any]) -> FaissStore:
        return FaissStore.load(Path(generation) / entry["file"])

    def drop_generation(self, generation: Path) -> None:
        """Nothing to do: the files go with the generation folder."""

    def close(self) -> None:
        """Nothing to let go of."""

    def __repr__(self) -> str:
        return "faiss"
