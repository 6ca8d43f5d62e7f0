"""Hybrid search over one index generation: BM25 and dense candidates fused by
weighted reciprocal rank fusion, de-duplicated per article, filtered inside
the search so that k results still come back.

The default model is English-only (dense hit@5 on Chinese questions is near
random), so the fusion weights depend on the question's language: English
questions trust both retrievers, Chinese questions are won by the keyword side.
Cross-lingual questions go through the bilingual glossary: the question's
domain terms are translated and searched as a second keyword list (and, for a
Chinese question, embedded as an English one).
"""
from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ingest.errors import IndexStateError
from ingest.models import DOC_TYPES, LANGS, Chunk

from . import persist
from .catalog import DATE_FIELDS, FILTER_FIELDS, Catalog
from .embedders import Embedder, make_embedder
from .fusion import weighted_rrf
from .lexical import LexicalIndex
from .lexicon import Lexicon, default_lexicon
from .stores import FaissStore
from .tokenize import place_names, tokenize

CANDIDATES = 100  # per retriever, before fusion
# When the glossary translates at least this share of a question's words, the
# best hit in the other language takes place XL_PLACE if none is above it: the
# answer may exist only in the other language's documents.
XL_COVERAGE = 0.5
XL_PLACE = 5
FILTER_KEYS = ("doc_type", "lang", "folder", "source", "doc_id", *FILTER_FIELDS, "date_from", "date_to")
MODES = ("hybrid", "dense", "bm25")
COPY_MIN_CHARS = 20  # shorter texts ("1. General") are not taken for copies of one another
MASKS_KEPT = 32  # filters whose rows an open index keeps (a bool per chunk each)

# Weight of each ranked list in the fusion, by question language (set on the
# dev set; see docs/quality.md). bm25_xl / dense_xl search the glossary
# translation of the question's domain terms.
WEIGHTS: dict[str, dict[str, float]] = {
    "en": {"bm25": 1.0, "dense": 1.0, "named": 1.0, "bm25_xl": 0.3, "dense_xl": 0.0},
    # Dense is near random on Chinese with the default model: it is not searched
    # unless the other lists find fewer than k articles (FILL_WEIGHT).
    "zh": {"bm25": 1.0, "dense": 0.0, "named": 1.0, "bm25_xl": 0.3, "dense_xl": 0.5},
}
# A dense list weighted 0 is searched only when the other lists find fewer than
# k articles; it then joins with this weight, below anything they found
# (0.01 / (10 + 1) < 0.3 / (10 + 100)), so its candidates only fill the places left.
FILL_WEIGHT = 0.01

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def fusion_weights(lang: str, target: Any = None) -> dict[str, float]:
    """The fusion weights for a question in `lang`. When a filter keeps only
    documents in the other language, the glossary translation is the question
    that can match them, so its lists lead."""
    if target in LANGS and target != lang:
        return {"bm25_xl": 1.0, "named": 1.0, "bm25": 0.3, "dense": WEIGHTS[target]["dense"],
                "dense_xl": 1.0 if target == "en" else 0.0}
    return WEIGHTS[lang]


def question_lang(text: str) -> str:
    return "zh" if len(_CJK.findall(text)) >= max(1, len(_LATIN_WORD.findall(text))) else "en"


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk with its citation fields, the fused score,
    and each retriever's rank (1-based; absent when it did not find the chunk)."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    row: int = -1
    # Other retrieved parts of the same article (best first): one hit per
    # article, and nothing found about it is thrown away.
    parts: tuple[Chunk, ...] = ()

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return (self.chunk, *self.parts)

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        data = {
            "chunk_id": c.chunk_id, "source": c.source, "title": c.title, "doc_type": c.doc_type,
            "lang": c.lang, "locator": c.locator, "page": c.page_start, "page_end": c.page_end,
            "heading_path": list(c.heading_path), "score": round(self.score, 6), "ranks": self.ranks,
            "text": c.text,
        }
        if c.fields:
            data["fields"] = c.fields
            data.update({k: v for k, v in c.fields.items() if k not in data})
        if self.parts:
            data["parts"] = [{"chunk_id": p.chunk_id, "locator": p.locator, "page": p.page_start, "text": p.text}
                             for p in self.parts]
        return data


def article_key(chunk: Chunk) -> tuple[str, str]:
    """Parts of one article share a key: '第十二条' split in two, or '§ 1904.39(b)'
    and '§ 1904.39(a)(2)' of '§ 1904.39'. Records are each their own."""
    if chunk.doc_type == "record":
        return chunk.doc_id, chunk.chunk_id
    return chunk.doc_id, re.sub(r"(\([a-zA-Z0-9]+\))+$", "", chunk.locator)


class Index:
    """An open index generation. Load once per process and share (read-only)."""

    def __init__(self, folder: Path, generation: Path, manifest: dict, catalog: Catalog,
                 store: FaissStore, lexical: LexicalIndex, embedder: Embedder | None, lexicon: Lexicon,
                 serving: bool = False, warnings: list[str] | None = None) -> None:
        self.folder, self.generation, self.manifest = folder, generation, manifest
        self.serving = serving  # embed questions and search FAISS on one thread each
        self.warnings = list(warnings or [])  # e.g. fell back to the previous generation
        self.catalog, self.store, self.lexical = catalog, store, lexical
        self._embedder = embedder
        self.lexicon = lexicon
        self.size = int(manifest["chunks"])
        self._doc_sizes: dict[str, int] | None = None
        self._titles: dict[str, str] | None = None
        self._cities: list[str] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._masks: dict[tuple[str, tuple], np.ndarray] = {}  # filter -> rows, least recently used first
        self._masks_lock = threading.Lock()

    @classmethod
    def open(cls, folder: str | Path, embedder: Embedder | None = None, *, model: str | None = None,
             verify: bool = True, serving: bool = False, lexicon: Lexicon | None = None) -> "Index":
        """Open the current generation, checking manifest, checksums and counts.
        `serving` embeds questions on one thread (with the ONNX export when there
        is one) and pins FAISS to one thread: steady single-query latency."""
        folder = Path(folder)
        generation, manifest, warnings = persist.usable_generation(folder, verify=verify)
        if generation is None:
            raise IndexStateError(f"no index in {folder}; run: python -m ingest PATH --index {folder}")
        for warning in warnings:
            logging.getLogger("safecite").warning(warning)
        wanted = embedder.name if embedder is not None else model
        if wanted and wanted != manifest["model"]:
            raise IndexStateError(
                f"{folder} was built with the embedding model {manifest['model']!r} "
                f"({manifest['dim']} dimensions), not {wanted!r}; open it with that model or re-ingest")
        if embedder is not None and embedder.dim != manifest["dim"]:
            raise IndexStateError(f"{folder} holds {manifest['dim']}-dimensional vectors, the embedder gives {embedder.dim}")
        catalog = Catalog(generation / persist.CATALOG)
        store = FaissStore.load(generation / persist.VECTORS)
        lexical = LexicalIndex.load(generation / persist.BM25)
        counts = {"catalog": catalog.count(), "vectors": store.size, "bm25": lexical.size}
        if len(set(counts.values())) != 1 or counts["catalog"] != manifest["chunks"] or catalog.max_row() != manifest["chunks"] - 1:
            catalog.close()
            raise IndexStateError(f"{generation}: counts disagree ({counts}, manifest {manifest['chunks']}); re-ingest to rebuild the index")
        if serving:
            import faiss

            faiss.omp_set_num_threads(1)
            store.split_scan()
        return cls(folder, generation, manifest, catalog, store, lexical, embedder, lexicon or default_lexicon(),
                   serving, warnings)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.manifest["model"], serving=self.serving)
        return self._embedder

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.store.close()
        self.catalog.close()

    # -- filters --------------------------------------------------------
    def mask(self, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        """Rows allowed by `filters` (None: all). A filter that matches nothing
        gives an all-False mask, so the search returns nothing."""
        if not filters:
            return None
        unknown = set(filters) - set(FILTER_KEYS)
        if unknown:
            raise ValueError(f"unknown filter {', '.join(sorted(unknown))}; filters are: {', '.join(FILTER_KEYS)}")
        clauses, params = [], []
        for key, value in filters.items():
            if value in (None, "", [], ()):
                continue
            values = list(value) if isinstance(value, (list, tuple, set)) else [value]
            if key == "doc_type" and set(values) - set(DOC_TYPES):
                raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}")
            if key == "lang" and set(values) - set(LANGS):
                raise ValueError(f"lang must be one of {', '.join(LANGS)}")
            if key == "date_from":
                clauses.append("date >= ?")
                params.append(str(value))
            elif key == "date_to":
                clauses.append("date <= ?")
                params.append(str(value))
            elif key == "folder":
                clauses.append("(" + " OR ".join("source LIKE ? ESCAPE '\\'" for _ in values) + ")")
                params.extend(_like_prefix(v) for v in values)
            elif key in ("doc_type", "lang"):
                # Checked above against the stored spellings, so the index on
                # (doc_type, lang) answers (COLLATE NOCASE would scan every chunk).
                clauses.append(f"{key} IN ({','.join('?' * len(values))})")
                params.extend(values)
            else:
                # "riverton" finds Riverton (SQLite folds ASCII letters only).
                clauses.append(f"{key} COLLATE NOCASE IN ({','.join('?' * len(values))})")
                params.extend(str(v) for v in values)
        if not clauses:
            return None
        # A generation never changes, so a filter's rows are read once: every
        # "similar findings" question filters to the records, and at a million
        # chunks reading those rows takes longer than the search.
        where = " AND ".join(clauses)
        key = (where, tuple(params))
        with self._masks_lock:  # the page's sessions share one index
            mask = self._masks.pop(key, None)
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[self.catalog.rows_where(where, params)] = True
            mask.flags.writeable = False
        with self._masks_lock:
            self._masks[key] = mask
            while len(self._masks) > MASKS_KEPT:
                self._masks.pop(next(iter(self._masks)))
        return mask

    def named_mask(self, query: str, mask: np.ndarray | None) -> np.ndarray | None:
        """Rows of the documents a question names by place ("在河南" -> the Henan
        regulation; "Riverton" -> its plan and the findings recorded there)."""
        names = place_names(query) if question_lang(query) == "zh" else _capitalised(query)
        if not names:
            return None
        # Names are matched against the few titles and cities in Python, then rows
        # are read through the doc_id and city indexes: a LIKE over the chunks
        # table would read every chunk's text (seconds at a million chunks).
        lowered = [name.lower() for name in names]
        docs = [d for d, title in self.titles.items() if any(n in title for n in lowered)]
        cities = [c for c in self.cities if any(n in c.lower() for n in lowered)]
        clauses, params = [], []
        if docs:
            clauses.append(f"doc_id IN ({','.join('?' * len(docs))})")
            params += docs
        if cities:
            clauses.append(f"city IN ({','.join('?' * len(cities))})")
            params += cities
        if not clauses or len(params) > 30_000:
            return None  # names nothing, or too many documents to be specific
        rows = self.catalog.rows_where(" OR ".join(clauses), params)
        if not len(rows) or len(rows) > self.size // 2:
            return None  # names nothing, or nothing specific
        named = np.zeros(self.size, dtype=bool)
        named[rows] = True
        return named & mask if mask is not None else named

    @property
    def titles(self) -> dict[str, str]:
        """doc_id -> lower-cased title (a generation never changes: read once)."""
        if self._titles is None:
            self._titles = {d.doc_id: d.title.lower() for d in self.catalog.documents()}
        return self._titles

    @property
    def cities(self) -> list[str]:
        if self._cities is None:
            self._cities = self.catalog.cities()
        return self._cities

    # -- retrieval ------------------------------------------------------
    def _dense(self, text: str, k: int, mask: np.ndarray | None) -> list[int]:
        vector = self.embedder.embed([text])[0]
        return [row for row, _ in self.store.search(vector, k, mask)]

    def ranked_lists(self, query: str, mask: np.ndarray | None, mode: str = "hybrid",
                     depth: int = CANDIDATES, weights: Mapping[str, float] | None = None,
                     while_dense: Callable[[dict[str, list[int]]], None] | None = None) -> dict[str, list[int]]:
        """The retrievers' ranked rows. With `weights`, a list the fusion gives
        no weight is not computed (for a Chinese question, the dense list of the
        English-only model).

        The dense lists (embedding the question, then FAISS; both release the
        GIL) run in a worker thread while this thread computes the keyword lists
        and then calls `while_dense(keyword lists)` (search reads their chunks):
        on two cores the keyword side costs no wall time."""
        lang = question_lang(query)

        def wanted(name: str) -> bool:
            return weights is None or weights.get(name, 0.0) > 0

        translated = self.lexicon.translate(query) if mode == "hybrid" else []
        dense: dict[str, Future] = {}
        if mode in ("hybrid", "dense") and (mode == "dense" or wanted("dense")):
            dense["dense"] = self._workers.submit(self._dense, query, depth, mask)
        english = [t for t in translated if not _CJK.search(t)]
        if lang == "zh" and english and WEIGHTS[lang].get("dense_xl") and wanted("dense_xl"):
            dense["dense_xl"] = self._workers.submit(self._dense, " ".join(english), depth, mask)
        try:
            lexical: dict[str, list[int]] = {}
            if mode in ("hybrid", "bm25"):
                tokens = tokenize(query, query=True)
                extra = tokenize(" ".join(self.lexicon.expand_synonyms(query)), query=True)
                tokens += [t for t in dict.fromkeys(extra) if t not in tokens]
                lexical["bm25"] = [r for r, _ in self.lexical.search(tokens, depth, mask)]
                named = self.named_mask(query, mask) if wanted("named") else None
                if named is not None:
                    lexical["named"] = [r for r, _ in self.lexical.search(tokens, depth, named)]
            if translated:
                lexical["bm25_xl"] = [r for r, _ in self.lexical.search(tokenize(" ".join(translated), query=True), depth, mask)]
            if while_dense is not None and dense:
                while_dense(lexical)
        finally:
            found = {name: job.result() for name, job in dense.items()}
        return _in_fusion_order({**lexical, **found})

    @property
    def _workers(self) -> ThreadPoolExecutor:
        if self._executor is None:
            import faiss

            # OpenMP's thread count is per thread: the worker pins FAISS to one too.
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safecite-dense",
                                                initializer=faiss.omp_set_num_threads if self.serving else None,
                                                initargs=(1,) if self.serving else ())
        return self._executor

    def search(self, query: str, k: int = 10, filters: Mapping[str, Any] | None = None, *,
               mode: str = "hybrid", dedupe: bool = True, weights: Mapping[str, float] | None = None) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        query = query.strip()
        if not query or k <= 0:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        if mode != "hybrid":
            weights = {mode: 1.0}
        weights = weights or fusion_weights(question_lang(query), (filters or {}).get("lang"))
        candidates = _Candidates(self.catalog)
        lists = self.ranked_lists(query, mask, mode, weights=weights,
                                  while_dense=lambda lexical: candidates.rows([r for rows in lexical.values() for r in rows]))
        hits = self._hits(query, k, lists, weights, dedupe, mode, candidates)
        if len(hits) < k and mode == "hybrid" and not weights.get("dense"):
            # Fewer than k articles: the dense list fills the places left (the
            # other lists and the chunks already read are kept).
            lists = _in_fusion_order({**lists, "dense": self._dense(query, CANDIDATES, mask)})
            hits = self._hits(query, k, lists, {**weights, "dense": FILL_WEIGHT}, dedupe, mode, candidates)
        return hits

    def _hits(self, query: str, k: int, lists: dict[str, list[int]], weights: Mapping[str, float], dedupe: bool,
              mode: str, candidates: "_Candidates") -> list[Hit]:
        """Fuse the ranked lists, read the chunks not read yet, one hit per article."""
        fused = weighted_rrf(lists, weights)
        candidates.rows([row for row, _, _ in fused])
        chunks, flats = candidates.chunks, candidates.flats
        groups: dict[tuple[str, str], Hit] = {}
        for row, score, ranks in fused:
            chunk = chunks[row]
            key = article_key(chunk) if dedupe else (chunk.doc_id, chunk.chunk_id)
            first = groups.get(key)
            if first is None:
                groups[key] = Hit(chunk, score, ranks, row)
            else:
                groups[key] = Hit(first.chunk, first.score, first.ranks, first.row, first.parts + (chunk,))
        hits = self._collapse_copies(list(groups.values()), k, flats)
        if mode == "hybrid" and lists.get("bm25_xl") and k > 1:
            hits = self._make_room_for_other_language(query, hits, lists["bm25_xl"], groups, chunks, flats)
        return hits

    def _collapse_copies(self, groups: list[Hit], k: int, flats: dict[int, str]) -> list[Hit]:
        """The same clause often stands in two documents (a regulation and a
        collection quoting it). Such hits become one, led by the passage from the
        larger document (where it has its context), the copy riding along."""
        out: list[Hit] = []
        keys: list[list[str]] = []  # the texts of each hit in `out` long enough to compare
        for hit in groups:
            key = flats[hit.row]
            match = _copy_of(key, keys) if len(key) >= COPY_MIN_CHARS else None
            if match is None:
                if len(out) < k:
                    out.append(hit)
                    keys.append([key] if len(key) >= COPY_MIN_CHARS else [])
                continue
            first = out[match]
            if self.doc_sizes.get(hit.chunk.doc_id, 0) > self.doc_sizes.get(first.chunk.doc_id, 0):
                lead, rest = hit.chunk, first.chunks + hit.parts
            else:
                lead, rest = first.chunk, first.parts + hit.chunks
            out[match] = Hit(lead, first.score, {**hit.ranks, **first.ranks}, first.row, rest)
            keys[match].append(key)
        return out

    @property
    def doc_sizes(self) -> dict[str, int]:
        if self._doc_sizes is None:
            self._doc_sizes = {d.doc_id: d.chunks for d in self.catalog.documents()}
        return self._doc_sizes

    def _make_room_for_other_language(self, query, hits, xl_rows, groups, chunks, flats) -> list[Hit]:
        """When the glossary translates most of the question and none of the first
        XL_PLACE hits is in the other language, the best other-language hit takes
        that place (the rest move down)."""
        lang = question_lang(query)
        if any(h.chunk.lang != lang for h in hits[:XL_PLACE]) or self.lexicon.coverage(query) < XL_COVERAGE:
            return hits
        row = next((r for r in xl_rows if chunks[r].lang != lang), None)
        if row is None:
            return hits
        other = groups[article_key(chunks[row])]
        rest = [h for h in hits if other.chunk not in h.chunks]
        # The same clause may stand in a second document of that language: bring it along.
        merged = self._collapse_copies([other] + [g for g in groups.values() if g is not other], 1, flats)[0]
        place = min(len(rest), XL_PLACE - 1)
        return (rest[:place] + [merged] + rest[place:])[:len(hits)]

class _Candidates:
    """The chunks one search has read from the catalog, each read once, with the
    text compared to spot copies (`_flat`)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.chunks: dict[int, Chunk] = {}
        self.flats: dict[int, str] = {}

    def rows(self, rows: list[int]) -> None:
        rows = [row for row in dict.fromkeys(rows) if row not in self.chunks]
        self.chunks.update(zip(rows, self.catalog.chunks(rows)))
        self.flats.update((row, _flat(self.chunks[row].text)) for row in rows)


def _copy_of(key: str, keys: list[list[str]]) -> int | None:
    """The first hit one of whose texts contains `key` or is contained in it."""
    for i, texts in enumerate(keys):
        for other in texts:
            if key in other or other in key:
                return i
    return None


def _in_fusion_order(lists: dict[str, list[int]]) -> dict[str, list[int]]:
    """The fusion breaks ties by first appearance: one order of lists, whichever finished first."""
    return {name: lists[name] for name in ("bm25", "named", "dense", "bm25_xl", "dense_xl") if name in lists}


class _WordCharacters(dict):
    """str.translate table keeping letters and digits (what `[^\\W_]` keeps) and
    dropping everything else; filled as characters are met. Twice as fast as
    re.sub over a few hundred candidate texts per search."""

    def __missing__(self, code: int) -> int | None:
        self[code] = code if chr(code).isalnum() else None
        return self[code]


_WORD_CHARACTERS = _WordCharacters()


def _flat(text: str) -> str:
    """Text without spaces and punctuation, to spot the same clause in two places."""
    return text.translate(_WORD_CHARACTERS).lower()


def _capitalised(text: str) -> list[str]:
    """Capitalised words inside an English question (not its first word): candidate names."""
    words = re.findall(r"(?<=\s)[A-Z][a-z]{3,}", text)
    return list(dict.fromkeys(w for w in words if w.lower() not in _COMMON_CAPITALISED))


_COMMON_CAPITALISED = frozenset("osha what when where which how does must chapter article section part".split())


def _like_prefix(folder: str) -> str:
    folder = folder.strip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folder + "/%"
