"""An index shared through Milvus: several page servers, each with its own
index folder, serve the same index when SAFECITE_STORE names one Milvus.

An ingest in Milvus mode writes its generation as usual (persist.py: catalog,
BM25, manifest in the folder; the dense vectors in Milvus, stores/) and then
publishes what a search needs besides the vectors: every chunk with its BM25
tokens and embed key (`<generation>_catalog`), every document
(`<generation>_documents`), and last, in one upserted row of
`safecite_indexes`, the index's current generation with its manifest: the
switch every server sees. Any server then `sync`s: when the shared generation
is not its own, it writes it into its folder from Milvus (the catalog and BM25
rebuilt from those rows, the manifest checked again) and makes it current.
So nothing a search needs lives only on one server's disk.

An index is named in Milvus by its folder's name (`var/index` -> "index"):
page servers sharing an index use folders of the same name; two indexes in
one Milvus use different names. A killed ingest leaves the shared pointer on
the previous generation. One ingest runs at a time per index across servers
(lease.py); the chunks' rows also carry what Milvus's own BM25 searches
(milvus_lexical.py), so a server's keyword lists are answered by Milvus and
its local bm25s only gives the answerer its idf. Deliberately not here:
uploaded files themselves (each server keeps its uploads folder; the page's
source view of an upload made elsewhere shows the indexed text).
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from core.errors import IndexStateError
from core.settings import settings
from ingest.models import Chunk

from . import lease, milvus_lexical, persist
from .catalog import Catalog, DocumentRow, create as create_catalog
from .lexical import LexicalIndex
from .stores.base import store_fields
from .stores.milvus_store import generation_prefix, index_name

INDEXES = "safecite_indexes"
MAX_TEXT = 65_535  # Milvus's longest VARCHAR, in bytes
BATCH = 1000
READ = 16_384
SYNC_EVERY = 1.0  # seconds: a page reads the shared pointer at most this often
_synced: dict[str, float] = {}
_sync_lock = threading.Lock()


def spec_of(store: str | None = None) -> str | None:
    """The Milvus spec when the index is shared through Milvus, else None."""
    spec = (store if store is not None else settings().store).strip()
    return spec if spec.startswith("milvus:") else None


def _client(spec: str):
    from .stores import backend

    client = backend(spec).client
    _ensure(client, INDEXES, primary=("name", 255), fields=[("generation", 64), ("manifest", MAX_TEXT)])
    return client


def _ensure(client, name: str, primary, fields) -> None:
    if client.has_collection(name):
        client.load_collection(name)
        return
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    if primary == "id":
        schema.add_field("id", DataType.INT64, is_primary=True)
    else:
        schema.add_field(primary[0], DataType.VARCHAR, is_primary=True, max_length=primary[1])
    for field, length in fields:
        schema.add_field(field, DataType.VARCHAR, max_length=length)
    schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    index = client.prepare_index_params()
    index.add_index("pad", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


def _text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_TEXT:
        raise IndexStateError(f"a catalog row of {len(text):,} characters is longer than Milvus keeps ({MAX_TEXT:,} bytes)")
    return text


def publish(folder: Path, generation: Path, spec: str) -> None:
    """Write the generation's catalog and documents to Milvus, then switch the
    shared pointer to it (the last write)."""
    client = _client(spec)
    prefix = generation_prefix(generation)
    chunks, documents = prefix + "catalog", prefix + "documents"
    for name in (chunks, documents):
        if client.has_collection(name):
            client.drop_collection(name)  # left by an ingest that did not finish
    milvus_lexical.create(client, chunks, [("chunk", MAX_TEXT), ("tokens", MAX_TEXT), ("embed_key", 64)])
    _ensure(client, documents, "id", [("document", MAX_TEXT)])
    catalog = Catalog(generation / persist.CATALOG)
    try:
        docs = catalog.documents()
        rows = catalog.chunks_of(d.doc_id for d in docs)
    finally:
        catalog.close()
    for start in range(0, len(rows), BATCH):
        client.insert(chunks, [{"id": row, "chunk": _text(chunk.to_dict()), "tokens": _text(tokens), "embed_key": key,
                                **milvus_lexical.row(store_fields(chunk), tokens)}
                               for chunk, tokens, key, row in rows[start:start + BATCH]])
    for start in range(0, len(docs), BATCH):
        client.insert(documents, [{"id": n, "document": _text(dataclasses.asdict(d)), "pad": [0.0, 0.0]}
                                  for n, d in enumerate(docs[start:start + BATCH], start)])
    client.flush(chunks)
    client.flush(documents)
    manifest = persist.read_manifest(generation, verify=False)
    lease.check(folder, spec)  # an ingest whose lease lapsed must not move the pointer
    _switch(client, index_name(folder), generation.name, {k: v for k, v in manifest.items() if k != "files"})


def _switch(client, name: str, generation: str, manifest: dict) -> None:
    """The one write that makes a generation the shared current one."""
    client.upsert(INDEXES, [{"name": name, "generation": generation, "manifest": _text(manifest), "pad": [0.0, 0.0]}])
    client.flush(INDEXES)


def shared_current(folder: Path, spec: str) -> tuple[str, dict] | None:
    """(generation name, manifest without file checksums) that Milvus names current."""
    found = _client(spec).query(INDEXES, filter=f"name == {json.dumps(index_name(folder))}",
                                output_fields=["generation", "manifest"])
    return (found[0]["generation"], json.loads(found[0]["manifest"])) if found else None


def sync(folder: str | Path, store: str | None = None, *, force: bool = False) -> None:
    """Make the shared current generation this folder's current one, writing
    it from Milvus when the folder lacks it. Nothing to do outside Milvus mode."""
    spec = spec_of(store)
    if spec is None:
        return
    folder = Path(folder)
    key = str(folder.resolve())
    with _sync_lock:
        if not force and time.monotonic() - _synced.get(key, -SYNC_EVERY) < SYNC_EVERY:
            return
        _synced[key] = time.monotonic()
    shared = shared_current(folder, spec)
    if shared is None:
        return
    name, manifest = shared
    try:
        local = persist.current(folder)
    except IndexStateError:
        local = None
    if local is not None and local.name == name:
        return
    target = folder / name
    try:
        persist.read_manifest(target, verify=False)  # written here, or fetched before
    except IndexStateError:
        _fetch(folder, name, manifest, spec)
    persist.switch(folder, target)


def _fetch(folder: Path, name: str, manifest: dict, spec: str) -> None:
    """Write generation `name` into the folder from Milvus (to a temporary
    folder first, renamed when whole)."""
    client = _client(spec)
    prefix = generation_prefix(folder / name)
    for collection in (prefix + "catalog", prefix + "documents"):
        if not client.has_collection(collection):
            raise IndexStateError(f"Milvus names {name} current for {index_name(folder)} but holds no {collection}; "
                                  f"re-ingest to rebuild the index")
        client.load_collection(collection)
    docs = [DocumentRow(**json.loads(r["document"])) for r in _all(client, prefix + "documents", ["document"])]
    rows = [(Chunk.from_dict(json.loads(r["chunk"])), json.loads(r["tokens"]), r["embed_key"])
            for r in _all(client, prefix + "catalog", ["chunk", "tokens", "embed_key"])]
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".fetch-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    create_catalog(tmp / persist.CATALOG, docs, rows)
    LexicalIndex.from_tokens([t for _, t, _ in rows]).save(tmp / persist.BM25)
    persist.write_manifest(tmp, manifest)
    shutil.rmtree(folder / name, ignore_errors=True)
    tmp.rename(folder / name)



def _all(client, collection: str, fields: list[str]) -> list[dict]:
    """Every row, in id order (ids are 0..n-1)."""
    total = int(client.query(collection, filter="id >= 0", output_fields=["count(*)"])[0]["count(*)"])
    rows: list[dict] = []
    low = 0
    while len(rows) < total:
        rows += client.query(collection, filter=f"id >= {low} and id < {low + READ}", output_fields=["id", *fields],
                             limit=READ)
        low += READ
    return sorted(rows, key=lambda r: r["id"])
