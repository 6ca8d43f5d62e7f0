"""Milvus vector store through `pymilvus.MilvusClient`: the same code reaches
Milvus Lite embedded in this process (`milvus:var/milvus.db`, a folder of its
own files), a `milvus-lite server`, Milvus Standalone or a cluster
(`milvus:http://host:19530`, token from SAFECITE_MILVUS_TOKEN).

One collection per store (an index generation's dense list) holds each row's
id, unit vector (inner product = cosine) and the filter fields (base.py
TEXT_FIELDS), so a filtered search is one Milvus expression; values are
written into it as escaped string literals, never as expression text.

Milvus has no transactions, so a store keeps its own versions: each row is
tagged with the version that added it (`gen`) and the one that removed it
(`gone`, 0 while it stands), and a one-row record per store in the
`safecite_versions` collection names the committed version C (`_switch`).
Readers see the rows with gen <= C that are not gone by C. A writer adds at
C + 1 and marks removals C + 1 (and sees version C + 1 itself); `commit` switches C (one row upserted), then
purges what C no longer shows. A writer killed at any moment leaves C as it
was; the next writer deletes what it left. One writer per store at a time
(ingest's lock).

Not here: the catalog and keyword search (the index folder; for an index
shared through Milvus, its published chunks and their BM25: index/shared.py,
index/milvus_lexical.py).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from core.errors import ConfigError, IndexStateError

from .base import FOLDED_FIELDS, TEXT_FIELDS, Condition, Where, fold

VERSIONS = "safecite_versions"
MAX_TEXT = 1024  # characters of a filter field (paths and names are far shorter)
BATCH = 2000  # rows per insert or upsert call (a gRPC message stays well under its 64 MiB limit)
LIST_IDS = 16_384  # ids read per query call (Milvus's largest limit)
# The index type of a store created with kind "auto": chosen by recall@10 >= 0.95
# against an exact scan, then the lowest search p50, among FLAT, HNSW and IVF_FLAT
# on Milvus Lite at the corpus's size and at 100,000 vectors (docs/performance.md,
# "Index settings chosen by recall, then latency"): HNSW at both, ef 256 (the
# ef values' latencies are within Milvus Lite's run-to-run variation).
AUTO_KIND = "hnsw"
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 200
HNSW_EF = 256  # candidates kept while searching (at least k)


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise ConfigError("SAFECITE_STORE=milvus:... needs pymilvus (and milvus-lite for a .db file): "
                          "pip install pymilvus milvus-lite") from exc
    return pymilvus


def _connect(uri: str, token: str):
    pymilvus = _pymilvus()
    try:
        return pymilvus.MilvusClient(uri=uri, token=token) if token else pymilvus.MilvusClient(uri=uri)
    except Exception as exc:  # pymilvus raises its own and grpc's errors
        raise IndexStateError(f"cannot reach Milvus at {uri}: {exc}") from exc


# One backend (one client) per URI in a process, shared by the page's index
# and an upload's ingest, until it is closed.
_backends: dict[str, "MilvusBackend"] = {}
_backends_lock = threading.Lock()


def _embedded(uri: str) -> bool:
    return uri.endswith(".db")


def literal(value: str) -> str:
    """A Milvus string literal holding exactly `value`."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def expression(where: Where) -> str:
    """`where` as a Milvus boolean expression; every value is a literal."""
    def condition(c: Condition) -> str:
        values = [fold(v) if c.field in FOLDED_FIELDS else v for v in c.values]
        if c.op == "in":
            if not values:
                return "id < 0"  # ids are rows, never negative: matches nothing
            return f"{c.field} in [{', '.join(literal(v) for v in values)}]"
        return f'({c.field} != "" and {c.field} {c.op} {literal(values[0])})'

    return " and ".join("(" + " or ".join(condition(c) for c in clause) + ")" for clause in where)


class MilvusStore:
    def __init__(self, client, collection: str, dim: int, kind: str, version: int) -> None:
        self.client, self.collection, self.dim, self.kind = client, collection, dim, kind
        self.version = version  # the committed version this store reads
        self._writing = False

    # -- reading ----------------------------------------------------------
    @property
    def _visible(self) -> str:
        """The rows this store shows: the committed version's, and a writer's own changes."""
        seen = self.version + 1 if self._writing else self.version
        return f"gen <= {seen} and (gone == 0 or gone > {seen})"

    @property
    def size(self) -> int:
        found = self.client.query(self.collection, filter=self._visible, output_fields=["count(*)"])
        return int(found[0]["count(*)"])

    @property
    def current_kind(self) -> str:
        return self.kind

    def ids(self) -> np.ndarray:
        """Read by ranges of ids (a generation's ids are its rows, 0..n-1), so
        no query iterator is needed (Milvus Lite lacks what it asks the server for)."""
        total, out, low = self.size, [], 0
        while len(out) < total:
            if low > 64 * (total + LIST_IDS):  # ids far apart: walk the collection instead
                return self._all_ids()
            rows = self.client.query(self.collection, filter=f"{self._visible} and id >= {low} and id < {low + LIST_IDS}",
                                     output_fields=["id"], limit=LIST_IDS)
            out.extend(row["id"] for row in rows)
            low += LIST_IDS
        return np.asarray(sorted(out), dtype=np.int64)

    def _all_ids(self) -> np.ndarray:
        out: list[int] = []
        iterator = self.client.query_iterator(self.collection, batch_size=LIST_IDS, filter=self._visible,
                                              output_fields=["id"])
        try:
            while batch := iterator.next():
                out.extend(row["id"] for row in batch)
        finally:
            iterator.close()
        return np.asarray(sorted(out), dtype=np.int64)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = [int(i) for i in ids]
        found: dict[int, Any] = {}
        for start in range(0, len(ids), LIST_IDS):
            part = ids[start:start + LIST_IDS]
            rows = self.client.query(self.collection, filter=f"{self._visible} and id in {part}",
                                     output_fields=["id", "vec"], limit=len(part))
            found.update((row["id"], row["vec"]) for row in rows)
        missing = [i for i in ids if i not in found]
        if missing:
            raise KeyError(f"ids not in the store: {missing[:5]}")
        return np.asarray([found[i] for i in ids], dtype=np.float32).reshape(len(ids), self.dim)

    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None,
               where: Where | None = None) -> list[tuple[int, float]]:
        """Top-k (id, inner product). `where` is evaluated by Milvus; without
        it a `mask` becomes the list of the ids it allows."""
        if k <= 0:
            return []
        filters = [self._visible]
        if where is not None:
            filters.append(expression(where))
        elif mask is not None:
            allowed = np.flatnonzero(mask)
            if not len(allowed):
                return []
            filters.append(f"id in {allowed.tolist()}")
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        params = {"metric_type": "IP", "params": {"ef": max(HNSW_EF, k)} if self.kind == "hnsw" else {}}
        found = self.client.search(self.collection, data=[vector], anns_field="vec", limit=min(k, LIST_IDS),
                                   filter=" and ".join(f"({f})" for f in filters), output_fields=["id"],
                                   search_params=params)
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    # -- writing ----------------------------------------------------------
    def _begin(self) -> None:
        """Before the first change: undo what a writer killed before its commit left."""
        if self._writing:
            return
        pending = f"gen > {self.version}"
        self.client.delete(self.collection, filter=pending)
        marked = self.client.query(self.collection, filter=f"gone > {self.version}", output_fields=["id"])
        self._set_gone([row["id"] for row in marked], 0)
        self._writing = True

    def _set_gone(self, ids: list[int], version: int) -> None:
        for start in range(0, len(ids), BATCH):
            rows = [{"id": int(i), "gone": version} for i in ids[start:start + BATCH]]
            self.client.upsert(self.collection, rows, partial_update=True)

    def add(self, ids: np.ndarray, vectors: np.ndarray, fields: Sequence[Mapping[str, Any]] | None = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim})")
        self._begin()
        ids = np.asarray(ids, dtype=np.int64)
        for start in range(0, len(ids), BATCH):
            rows = []
            for n in range(start, min(start + BATCH, len(ids))):
                given = fields[n] if fields is not None else {}
                row = {name: stored(name, given.get(name)) for name in TEXT_FIELDS}
                row.update({"id": int(ids[n]), "vec": vectors[n].tolist(), "gen": self.version + 1, "gone": 0})
                rows.append(row)
            self.client.insert(self.collection, rows)

    def remove(self, ids: np.ndarray) -> None:
        ids = [int(i) for i in np.asarray(ids, dtype=np.int64)]
        if not ids:
            return
        self._begin()
        live = []
        for start in range(0, len(ids), LIST_IDS):
            part = ids[start:start + LIST_IDS]
            live += [row["id"] for row in self.client.query(
                self.collection, filter=f"{self._visible} and id in {part}", output_fields=["id"], limit=len(part))]
        self._set_gone(live, self.version + 1)
        # Rows added since the last commit are not seen by anyone yet: delete them outright.
        self.client.delete(self.collection, filter=f"gen > {self.version} and id in {ids}")

    def commit(self) -> None:
        if not self._writing:
            return
        self.client.flush(self.collection)
        self._switch(self.version + 1)
        self.version += 1
        self._writing = False
        # What the new version no longer shows; readers already skip it.
        self.client.delete(self.collection, filter=f"gone != 0 and gone <= {self.version}")

    def _switch(self, version: int) -> None:
        """The one write that makes a version current."""
        _set_version(self.client, self.collection, version)

    def close(self) -> None:
        """Nothing held per store (the backend holds the client)."""


def stored(name: str, value: Any) -> str:
    """A filter field as kept: "" when absent, folded where compared folded."""
    text = "" if value is None else str(value)
    return (fold(text) if name in FOLDED_FIELDS else text)[:MAX_TEXT]


def _ensure_versions(client) -> None:
    if client.has_collection(VERSIONS):
        client.load_collection(VERSIONS)  # a collection is "released" when its server starts
        return
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("name", DataType.VARCHAR, is_primary=True, max_length=255)
    schema.add_field("version", DataType.INT64)
    schema.add_field("dim", DataType.INT64)
    schema.add_field("kind", DataType.VARCHAR, max_length=16)
    schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    index = client.prepare_index_params()
    index.add_index("pad", index_type="FLAT", metric_type="L2")
    client.create_collection(VERSIONS, schema=schema, index_params=index)


def _set_version(client, collection: str, version: int, dim: int | None = None, kind: str | None = None) -> None:
    if dim is None:
        current = _record(client, collection)
        dim, kind = current["dim"], current["kind"]
    client.upsert(VERSIONS, [{"name": collection, "version": version, "dim": dim, "kind": kind, "pad": [0.0, 0.0]}])
    client.flush(VERSIONS)


def _record(client, collection: str) -> dict[str, Any]:
    found = client.query(VERSIONS, filter=f"name == {literal(collection)}", output_fields=["version", "dim", "kind"])
    if not found:
        raise IndexStateError(f"Milvus holds no store {collection}; re-ingest to rebuild the index")
    return found[0]


def index_name(folder: Path) -> str:
    """An index's name in Milvus: its folder's name (page servers sharing an
    index through Milvus use folders of the same name; index/shared.py)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", Path(folder).resolve().name)


def generation_prefix(generation: Path) -> str:
    """What the names of a generation's collections begin with."""
    return f"safecite_{index_name(Path(generation).parent)}_{Path(generation).name.replace('-', '_')}_"


class MilvusBackend:
    """Stores as Milvus collections named after the index folder's name, the
    generation and the dense list (the manifest's "collection"); dropping a
    generation drops every collection of its name."""

    name = "milvus"

    def __init__(self, uri: str, token: str = "") -> None:
        self.uri = uri
        if _embedded(uri):
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        self.client = _connect(uri, token)
        _ensure_versions(self.client)

    @classmethod
    def get(cls, uri: str, token: str = "") -> "MilvusBackend":
        """This process's backend for `uri`, connected once."""
        with _backends_lock:
            if uri not in _backends:
                _backends[uri] = cls(uri, token)
            return _backends[uri]

    @staticmethod
    def _prefix(generation: Path) -> str:
        return generation_prefix(generation)

    def create(self, generation: Path, file: str, dim: int, kind: str = "auto") -> MilvusStore:
        from pymilvus import DataType

        if kind not in ("auto", "flat", "hnsw"):
            raise ValueError("a Milvus store's kind is one of auto, flat, hnsw")
        kind = AUTO_KIND if kind == "auto" else kind
        name = self._prefix(generation) + Path(file).stem.replace("-", "_")
        if self.client.has_collection(name):
            self.client.drop_collection(name)  # left by an ingest that did not finish
        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("gone", DataType.INT64)
        for field in TEXT_FIELDS:
            schema.add_field(field, DataType.VARCHAR, max_length=MAX_TEXT)
        index = self.client.prepare_index_params()
        if kind == "hnsw":
            index.add_index("vec", index_type="HNSW", metric_type="IP",
                            params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
        else:
            index.add_index("vec", index_type="FLAT", metric_type="IP")
        self.client.create_collection(name, schema=schema, index_params=index)
        _set_version(self.client, name, 0, dim, kind)
        return MilvusStore(self.client, name, dim, kind, 0)

    def entry(self, store: MilvusStore) -> dict[str, Any]:
        return {"backend": "milvus", "uri": self.uri, "collection": store.collection}

    def open(self, generation: Path, entry: Mapping[str, Any]) -> MilvusStore:
        name = entry["collection"]
        if not self.client.has_collection(name):
            raise IndexStateError(f"{generation}: its vectors ({name}) are not in Milvus at {self.uri}; "
                                  f"re-ingest to rebuild the index")
        record = _record(self.client, name)
        self.client.load_collection(name)
        return MilvusStore(self.client, name, int(record["dim"]), record["kind"], int(record["version"]))

    def drop_generation(self, generation: Path) -> None:
        prefix = self._prefix(generation)
        for name in self.client.list_collections():
            if name.startswith(prefix):
                self.client.drop_collection(name)
                self.client.delete(VERSIONS, filter=f"name == {literal(name)}")

    def close(self) -> None:
        """Disconnect (every store opened through this backend with it)."""
        with _backends_lock:
            if _backends.get(self.uri) is self:
                del _backends[self.uri]
        self.client.close()
        if _embedded(self.uri):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)  # the folder is free for another process

    def __repr__(self) -> str:
        return f"milvus:{self.uri}"
