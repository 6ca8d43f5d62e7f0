"""Vector stores behind one small interface (base.py), one file per backend,
chosen by factory.py; FAISS is the embedded default."""
from .base import Backend, Condition, VectorStore, Where
from .factory import backend, backend_of
from .faiss_store import FaissBackend, FaissStore

__all__ = ["Backend", "Condition", "FaissBackend", "FaissStore", "VectorStore", "Where", "backend", "backend_of"]
