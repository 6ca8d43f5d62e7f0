"""The keyword index: bm25s over our bilingual tokens, saved beside the vectors
and loaded once (never rebuilt per query). Row i of the index is chunk row i
of the catalog."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .tokenize import tokenize, tokenize_many


class LexicalIndex:
    def __init__(self, retriever) -> None:
        self.retriever = retriever
        self.vocab = retriever.vocab_dict

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        return cls.from_tokens(tokenize_many(texts))

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25()  # Lucene BM25, k1=1.5, b=0.75
        retriever.index(tokens or [[]], show_progress=False)
        return cls(retriever)

    def save(self, folder: str | Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: str | Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=False, show_progress=False))

    @property
    def size(self) -> int:
        return int(self.retriever.scores["num_docs"])

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 idf of each token (a token the index never saw gets the highest)."""
        import math

        indptr = self.retriever.scores["indptr"]
        n = self.size
        out = {}
        for token in tokens:
            i = self.vocab.get(token)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            out[token] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def rows_with(self, terms: list[str]) -> np.ndarray:
        """Rows holding any of `terms` (each term: every one of its tokens),
        read from the index's postings: no scoring, no text."""
        postings = self.retriever.scores
        found: list[np.ndarray] = []
        for term in terms:
            rows = None
            for token in dict.fromkeys(tokenize(term, query=True)):
                i = self.vocab.get(token)
                posting = (postings["indices"][postings["indptr"][i]:postings["indptr"][i + 1]]
                           if i is not None else np.zeros(0, dtype=np.int64))
                rows = posting if rows is None else np.intersect1d(rows, posting, assume_unique=True)
            if rows is not None:
                found.append(rows)
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for these tokens (unknown tokens ignored)."""
        known = [t for t in query_tokens if t in self.vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return self.retriever.get_scores(known)

    def search(self, query: str | list[str], k: int, mask: np.ndarray | None = None,
               where=None) -> list[tuple[int, float]]:
        """Top-k (row, score) pairs with a positive score; `mask` (bool per row)
        filters (`where`, the same filter as conditions, is for keyword searches
        in a store: milvus_lexical.py). `query` is a text or its tokens."""
        scores = self.scores(tokenize(query, query=True) if isinstance(query, str) else query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
