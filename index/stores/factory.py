"""The store backend named by a config string (argument > SAFECITE_STORE > "faiss").

    faiss                      FAISS files in each index generation folder (the default)
    milvus:var/milvus.db       Milvus Lite, embedded in this process, data in that folder
    milvus:http://host:19530   a Milvus server or cluster (token: SAFECITE_MILVUS_TOKEN)

An index records in its manifest which backend holds each dense list, so it
is opened with the backend that wrote it, whatever the variable says now;
the variable decides where the next ingest writes.
"""
from __future__ import annotations

from typing import Any, Mapping

from core.errors import ConfigError
from core.settings import settings

from .base import Backend
from .faiss_store import FaissBackend

FORMS = "faiss, milvus:PATH.db or milvus:http://HOST:PORT"


def backend(spec: str | None = None) -> Backend:
    """The backend `spec` names (default: the SAFECITE_STORE setting)."""
    spec = (spec if spec is not None else settings().store).strip() or "faiss"
    if spec == "faiss":
        return FaissBackend()
    kind, _, uri = spec.partition(":")
    if kind == "milvus" and uri:
        from .milvus_store import MilvusBackend

        return MilvusBackend.get(uri, settings().milvus_token)
    raise ConfigError(f"SAFECITE_STORE must be one of {FORMS}, not {spec!r}")


def backend_of(entry: Mapping[str, Any]) -> Backend:
    """The backend holding the dense list a manifest entry describes (entries
    written before backends were recorded are FAISS files)."""
    if entry.get("backend", "faiss") == "faiss":
        return FaissBackend()
    configured = settings().store.strip()
    # The configured server wins: another page server may reach it by another name.
    return backend(configured if configured.startswith("milvus:") else f"milvus:{entry['uri']}")
