"""One ingest at a time per index shared through Milvus, whichever server or
process runs it: a lease, one row per index in `safecite_leases` (holder,
expiry), taken before an ingest reads the index and released when it ends.

Milvus has no compare-and-set, so a lease is taken in three steps: read the
row (another holder whose lease has not expired: IngestLockedError, as the
folder's own lock says it), write ours, wait SETTLE and read it back (two
takers that both read "free" both write; the later write wins and the earlier
taker sees it). A holder renews its lease every third of its length; one that
is killed stops renewing, so its lease lapses after LEASE_SECONDS. Before the
shared pointer moves, the holder checks the lease is still its own (`check`):
an ingest that lost it (stalled past its expiry) publishes nothing.
Expiries are wall-clock times: servers sharing an index keep their clocks
within a few seconds of each other (NTP).

Not here: the lock within one index folder (build.py `ingest_lock`, taken first).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from core.errors import IngestLockedError

from .stores.milvus_store import index_name, literal

LEASES = "safecite_leases"
LEASE_SECONDS = 60.0  # a killed ingest's lease lapses after this; a running one renews it
SETTLE = 1.0  # seconds between writing the lease and reading it back (far above one write's time)
_held: dict[tuple[str, str], str] = {}  # (Milvus URI, index name) -> this process's holder id


def _client(spec: str):
    """(client, URI) of the Milvus `spec` names, with the leases' collection."""
    from .stores import backend

    milvus = backend(spec)
    client = milvus.client
    if client.has_collection(LEASES):
        client.load_collection(LEASES)
        return client, milvus.uri
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("name", DataType.VARCHAR, is_primary=True, max_length=255)
    schema.add_field("holder", DataType.VARCHAR, max_length=255)
    schema.add_field("expires", DataType.DOUBLE)
    schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    index = client.prepare_index_params()
    index.add_index("pad", index_type="FLAT", metric_type="L2")
    client.create_collection(LEASES, schema=schema, index_params=index, consistency_level="Strong")
    return client, milvus.uri


def _read(client, name: str) -> dict | None:
    found = client.query(LEASES, filter=f"name == {literal(name)}", output_fields=["holder", "expires"],
                         consistency_level="Strong")
    return found[0] if found else None


def _write(client, name: str, holder: str, seconds: float) -> None:
    client.upsert(LEASES, [{"name": name, "holder": holder, "expires": time.time() + seconds, "pad": [0.0, 0.0]}])
    client.flush(LEASES)


def _busy(name: str, row: dict) -> IngestLockedError:
    return IngestLockedError(f"another ingest is running on the index {name} (shared through Milvus, by "
                             f"{row['holder']}); try again when it has finished")


def take(client, name: str, holder: str, seconds: float = LEASE_SECONDS) -> None:
    """Take the lease of index `name` for `holder`, or raise IngestLockedError."""
    row = _read(client, name)
    if row is not None and row["holder"] != holder and row["expires"] > time.time():
        raise _busy(name, row)
    _write(client, name, holder, seconds)
    time.sleep(SETTLE)
    row = _read(client, name)
    if row is None or row["holder"] != holder:
        raise _busy(name, row or {"holder": "another process"})


def _renew(client, name: str, holder: str, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        try:
            row = _read(client, name)
            if row is None or row["holder"] != holder:
                return  # lost: `check` says so before anything is published
            _write(client, name, holder, seconds)
        except Exception:  # Milvus unreachable for a moment: try again at the next turn
            continue


@contextmanager
def hold(folder: str | Path, spec: str | None, seconds: float | None = None) -> Iterator[None]:
    """Hold the lease of the index in `folder` while the block runs, for
    `seconds` (default LEASE_SECONDS) at a time (nothing to hold outside
    Milvus mode: `spec` None)."""
    if spec is None:
        yield
        return
    seconds = seconds or LEASE_SECONDS
    (client, uri), name = _client(spec), index_name(Path(folder))
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    take(client, name, holder, seconds)
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(client, name, holder, seconds, stop), daemon=True,
                               name="safecite-lease")
    renewer.start()
    _held[(uri, name)] = holder
    try:
        yield
    finally:
        _held.pop((uri, name), None)
        stop.set()
        renewer.join()
        try:
            client.delete(LEASES, filter=f"name == {literal(name)} and holder == {literal(holder)}")
            client.flush(LEASES)
        except Exception as exc:  # Milvus unreachable: the lease lapses by itself; keep the ingest's own outcome
            logging.getLogger("safecite").warning("could not release the ingest lease on %s: %s", name, exc)


def check(folder: str | Path, spec: str) -> None:
    """Before publishing: when this process holds the index's lease, it must
    still be its own."""
    (client, uri), name = _client(spec), index_name(Path(folder))
    holder = _held.get((uri, name))
    if holder is None:
        return
    row = _read(client, name)
    if row is None or row["holder"] != holder:
        raise IngestLockedError(f"this ingest's lease on the index {name} lapsed (held now by "
                                f"{(row or {}).get('holder', 'nobody')}); nothing was published: run it again")
