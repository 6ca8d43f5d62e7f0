"""What the index asks of a vector store, and the filters a store may evaluate.

A store holds one dense list of an index generation: 64-bit ids (the catalog's
rows) and unit vectors, searched by inner product (= cosine). Changes (`add`,
`remove`) become what opening the store gives only at `commit`; a writer
killed before `commit` returns leaves the store as it was at the last commit.
Each backend (faiss_store.py, milvus_store.py) passes the same contract
(tests/index/test_store_contract.py).

A search is filtered either by a boolean `mask` over ids (what the catalog
gives; FAISS applies it inside its scan) or by `where`, the same filter as
conditions on fields the store keeps beside each vector (Milvus evaluates them
as an expression). The index passes both and each store uses what it can.

Not here: keyword search, the catalog, fusion (index/lexical.py, catalog.py,
search.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

# The fields a store may keep beside each vector for `where` filters. Text
# fields compared without regard to ASCII case are stored folded (`fold`), as
# SQLite's NOCASE compares them in the catalog.
TEXT_FIELDS = ("doc_id", "source", "doc_type", "lang", "city", "enterprise", "hazard_category", "status",
               "sector", "date", "deadline")
FOLDED_FIELDS = ("doc_id", "source", "city", "enterprise", "hazard_category", "status", "sector")
OPS = ("in", ">=", "<=")


def fold(value: Any) -> str:
    """ASCII letters lower-cased, nothing else changed (SQLite's NOCASE)."""
    return str(value).translate(_ASCII_LOWER)


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def store_fields(chunk) -> dict[str, str]:
    """What a store that filters by itself keeps beside a chunk (an
    ingest.models.Chunk): TEXT_FIELDS, the catalog's filter columns."""
    values = {name: chunk.fields.get(name) for name in TEXT_FIELDS if chunk.fields.get(name) is not None}
    return {**{name: str(v) for name, v in values.items()}, "doc_id": chunk.doc_id, "source": chunk.source,
            "doc_type": chunk.doc_type, "lang": chunk.lang}


@dataclass(frozen=True)
class Condition:
    """`field op values`: "in" any of the values, or ">=" / "<=" the one value
    (a row without the field never matches). Values of FOLDED_FIELDS are
    compared folded."""

    field: str
    op: str
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.field not in TEXT_FIELDS:
            raise ValueError(f"field must be one of {', '.join(TEXT_FIELDS)}")
        if self.op not in OPS:
            raise ValueError(f"op must be one of {', '.join(OPS)}")
        if self.op != "in" and len(self.values) != 1:
            raise ValueError(f"{self.op} takes one value")


# A filter: every clause must hold; a clause holds when any of its conditions does.
Where = tuple[tuple[Condition, ...], ...]


def matches(where: Where, fields: Mapping[str, Any]) -> bool:
    """Whether a row with these fields passes `where` (what a store's
    expression must agree with; used by tests and by stores without one)."""
    def holds(c: Condition) -> bool:
        value = fields.get(c.field)
        if value in (None, ""):
            return False
        value = fold(value) if c.field in FOLDED_FIELDS else str(value)
        wanted = [fold(v) if c.field in FOLDED_FIELDS else v for v in c.values]
        if c.op == "in":
            return value in wanted
        return value >= wanted[0] if c.op == ">=" else value <= wanted[0]

    return all(any(holds(c) for c in clause) for clause in where)


@runtime_checkable
class VectorStore(Protocol):
    dim: int

    @property
    def size(self) -> int:
        """How many vectors the store holds."""

    @property
    def current_kind(self) -> str:
        """The index type now in use ("flat", "hnsw", "ivf"), recorded in the manifest."""

    def ids(self) -> np.ndarray: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray, fields: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Add vectors under these ids; `fields` (one mapping per id) are what
        `where` filters read, for stores that keep them."""

    def remove(self, ids: np.ndarray) -> None: ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these ids, in their order (float32)."""

    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None,
               where: Where | None = None) -> list[tuple[int, float]]:
        """Top-k (id, inner product), best first, among the ids `mask` allows
        (`mask[i]` for id i) or, for a store that keeps fields, those `where` allows."""

    def commit(self) -> None:
        """Make every change so far what opening the store gives, all at once."""

    def close(self) -> None: ...


class Backend(Protocol):
    """Makes, opens and drops the stores of index generations. A store is
    named by its generation folder and its dense list's file name; where it
    lives is the backend's business, recorded in the manifest entry it returns."""

    name: str

    def create(self, generation: Path, file: str, dim: int, kind: str = "auto") -> VectorStore: ...

    def entry(self, store: VectorStore) -> dict[str, Any]:
        """What the manifest records to find the store again (`open`, `drop`)."""

    def open(self, generation: Path, entry: Mapping[str, Any]) -> VectorStore: ...

    def close(self) -> None:
        """Let go of any connection (an embedded Milvus Lite folder is one process's at a time)."""

    def drop_generation(self, generation: Path) -> None:
        """Delete every store this backend made for `generation` outside its
        folder (a generation dropped, or never finished); no error if none is left."""
