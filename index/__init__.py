"""The index: embeddings, vector store, BM25, catalog and hybrid search.

Public entry points: `ingest` (paths into an index folder, incrementally),
`Index.open` and `Index.search` (hybrid search returning `Hit`s).
"""
from .build import IngestReport, ingest
from .search import Hit, Index

__all__ = ["Hit", "Index", "IngestReport", "ingest"]
