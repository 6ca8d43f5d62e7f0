"""Ingestion: files -> Documents -> citable Chunks.

Public entry points: `load_file` (one file to Documents), `chunk_document`
(one Document to Chunks), `run` (paths to a Result with chunks and skipped files).
"""
from core.errors import LoadError, SafeCiteError

from .chunking import chunk_document, estimate_tokens
from .loaders import load_file
from .models import Block, Chunk, Document
from .pipeline import Result, run

__all__ = ["Block", "Chunk", "Document", "LoadError", "Result", "SafeCiteError", "chunk_document", "estimate_tokens", "load_file", "run"]
