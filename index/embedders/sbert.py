"""sentence-transformers on torch: the embedder ingest uses, and the reference
the ONNX export is checked against."""
from __future__ import annotations

import os

import numpy as np


from core.errors import ConfigError

from . import DEFAULT_MODEL, default_model_path


class SentenceTransformerEmbedder:
    def __init__(self, model: str | None = None, batch_size: int = 32, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = model or DEFAULT_MODEL
        self.path = default_model_path() if self.name == DEFAULT_MODEL else self.name
        try:
            self.model = SentenceTransformer(self.path, device="cpu")
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
