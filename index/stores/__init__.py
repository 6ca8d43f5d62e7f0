"""Vector stores behind one small interface; FAISS is the embedded default."""
from .faiss_store import FaissStore

__all__ = ["FaissStore"]
