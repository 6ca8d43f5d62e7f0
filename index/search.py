"""Hybrid search over one index generation: BM25 and dense candidates fused by
weighted reciprocal rank fusion, de-duplicated per article, filtered inside
the search so that k results still come back.

An index has one dense list per route of its embedder plan (embedders/plan.py).
With the default plan a question is searched by BM25 (and the glossary
translation of its domain terms, a second keyword list), by the dense list of
its own language (MiniLM over English chunks, e5 over Chinese ones) and by
USE-m3 over all chunks. What the other language's documents bring is decided
per question: their passages in those lists are fused as lists of their own,
weighted by the other language's share, read from how much closer USE-m3 finds
the other language than the question's own and from the places and names the
question uses (`_other_language`, `name_cue`); when that share is high the
other language's own model searches too, with the question and with the
glossary translation of its domain terms. Weights and share
were fitted on the dev set's `tune` split (docs/quality.md).

An index of one model over every chunk (`--model`, and indexes from before
plans) keeps the fusion it was tuned with: weights by question language
(`WEIGHTS`), the glossary lists, and the other language's best hit given a
place when the glossary covers most of the question.
"""
from __future__ import annotations

import itertools
import logging
import math
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

import numpy as np

from core.errors import IndexStateError, QueryError
from core.text import CJK, lang_of
from ingest.models import DOC_TYPES, LANGS, Chunk

from . import persist, shared
from .catalog import DATE_FIELDS, FILTER_FIELDS, Catalog
from .embedders import Embedder, embed_query, loaded, make_embedder
from .embedders import plan as plans
from .fusion import weighted_rrf
from .lexical import LexicalIndex
from .lexicon import Lexicon, default_lexicon
from .stores import Condition, VectorStore, Where, backend_of
from .stores.base import fold
from .tokenize import place_names, tokenize
from .values import Vocabulary, default_vocabulary

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
# Candidate chunks an open index keeps decoded (`_Read`): about 1.8 KiB each (55 MiB),
# some 70 searches' worth of candidates at 100,000 chunks (docs/performance.md).
ROWS_KEPT = 30_000

# Weight of each ranked list in the fusion, by question language (set on the
# dev set; see docs/quality.md). bm25_xl / dense_xl search the glossary
# translation of the question's domain terms.
WEIGHTS: dict[str, dict[str, float]] = {
    "en": {"bm25": 1.0, "dense": 1.0, "named": 1.0, "bm25_xl": 0.3, "dense_xl": 0.0},
    # Dense is near random on Chinese with the default model: it is not searched
    # unless the other lists find fewer than k articles (FILL_WEIGHT).
    "zh": {"bm25": 1.0, "dense": 0.0, "named": 1.0, "bm25_xl": 0.3, "dense_xl": 0.5},
}
# The same for an index of several dense lists (embedders/plan.py): MiniLM over
# English chunks (dense_en), e5 over English chunks as well (dense_en2), e5
# over Chinese chunks (dense_zh), USE-m3 over all (dense_all, the only list
# that crosses languages). Fitted on the dev set's
# `tune` split (docs/quality.md). A question is not embedded by the model of
# the other language's chunks: e5 and MiniLM do not cross languages.
ROUTED_WEIGHTS: dict[str, dict[str, float]] = {
    "en": {"bm25": 0.5, "named": 0.5, "dense_en": 1.0, "dense_en2": 1.5, "dense_all": 0.75, "bm25_xl": 1.0},
    "zh": {"bm25": 0.5, "named": 0.5, "dense_zh": 1.0, "dense_all": 0.75, "bm25_xl": 1.0},
}
# The other language's share of a question: the passages of the other language
# in the cross-lingual list, BM25 and the glossary list are fused as lists of
# their own ("<list>_other"), weighted OTHER_WEIGHTS x share, and so is the
# other language's own lists (CROSS_LISTS), searched only when the share
# reaches MIN_SHARE, with the question itself ("cross") and with the glossary
# translation of its domain terms ("glossary_dense"). The share is
# a logistic function of how much closer USE-m3 finds the best passage of the
# other language than the best of the question's own: on `tune`, questions
# answered only in the other language have that gap above 0 (most between 0.02
# and 0.1), the others below (most under -0.05). OTHER_WIDTH is its softness.
# The names the question uses can raise it (NAME_MIN_CHUNKS below). All set on
# `tune` (docs/quality.md).
OTHER_WEIGHTS = {"dense_all": 3.0, "bm25_xl": 2.0, "bm25": 0.0, "cross": 2.0, "glossary_dense": 2.0}
OTHER_WIDTH = 0.03
# By question language: (the lists that may search the question itself, the
# first the index has; the list for its glossary translation). e5 reads both
# languages, so an English question searches the Chinese chunks' e5 list; a
# Chinese question the English chunks' e5 list (dense_en2), not MiniLM's, which
# reads no Chinese: on `tune` cross-lingual MRR@10 0.520 -> 0.627, hit@5
# unchanged, and e5's vector of the question is the one its own list used (no
# second embedding). The glossary's English translation goes to MiniLM (e5 there:
# the same hit@5 and MRR@10).
CROSS_LISTS = {"en": (("dense_zh",), "dense_zh"), "zh": (("dense_en2", "dense_en"), "dense_en")}
# The other language's model starts once the cross-lingual list is in (it
# needs the share) and adds one or two embeddings to the question's CPU time:
# only from a share of one half (the other language closer than the
# question's own). On `tune` every threshold
# from 0.05 to 0.5 gave the same hits; at 0.5 it runs for 20 of 103 questions
# instead of 56.
MIN_SHARE = 0.5
CROSS_LIST = "dense_all"
# The names a question uses also tell which language's documents it is about:
# a Chinese province or city named in English, the United States or a US
# agency's abbreviation named in Chinese (index/places.tsv, and Latin words in
# a Chinese question). A name whose spellings stand in the other language's
# documents (at this many chunks or more) far more often than in the
# question's own raises the share to that proportion (`Index.name_cue`): on
# `tune` 12 of the 16 questions answered only in the other language name one,
# none of the other 103 does.
NAME_MIN_CHUNKS = 3
# Two lists that find the other language by different means, USE-m3's meaning
# and BM25 over the glossary translation, agreeing on the same passage as their
# first in the other language raise the share to MIN_SHARE (`lists_agree`).
# `tune` cannot test it (all 16 of its questions answered only in the other
# language already reach MIN_SHARE); it moved no `tune` hit@5 and MRR@10
# 0.607 to 0.606 (docs/quality.md).
XL_LISTS = (CROSS_LIST, "bm25_xl")
# Unless the question's own keywords and USE-m3 agree as well on their first
# passage in its own language: where the other language's documents translate
# its own (corpus/'s rules are in both), the two lists always agree on the
# translation of the passage that answers, which says nothing about where the
# answer is. On `tune` the same hits at 5 and 10 (docs/quality.md).
OWN_LISTS = ("bm25", CROSS_LIST)
# A dense list weighted 0 is searched only when the other lists find fewer than
# k articles; it then joins with this weight, below anything they found
# (0.01 / (10 + 1) < 0.3 / (10 + 100)), so its candidates only fill the places left.
FILL_WEIGHT = 0.01
# How the cost of a model's question embedding, remembered to order the dense
# lists, fades at each call that found the vector already made.
EMBEDDING_COST_DECAY = 0.9



def fusion_weights(lang: str, target: Any = None) -> dict[str, float]:
    """The fusion weights for a question in `lang`. When a filter keeps only
    documents in the other language, the glossary translation is the question
    that can match them, so its lists lead."""
    if target in LANGS and target != lang:
        return {"bm25_xl": 1.0, "named": 1.0, "bm25": 0.3, "dense": WEIGHTS[target]["dense"],
                "dense_xl": 1.0 if target == "en" else 0.0}
    return WEIGHTS[lang]


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
                 stores: dict[str, VectorStore], lexical: LexicalIndex, embedders: Mapping[str, Embedder],
                 lexicon: Lexicon, serving: bool = False, warnings: list[str] | None = None,
                 keywords: Keywords | None = None) -> None:
        self.folder, self.generation, self.manifest = folder, generation, manifest
        self.serving = serving  # embed questions and search FAISS on one thread each
        self.warnings = list(warnings or [])  # e.g. fell back to the previous generation
        self.plan = plans.from_manifest(manifest)
        self.routes = {route.list: route for route in self.plan}
        self.catalog, self.stores, self.lexical = catalog, stores, lexical
        # What answers the keyword lists: Milvus's BM25 for an index published
        # to Milvus, else bm25s (`lexical`, which also gives the answerer its idf).
        self.keywords: Keywords = keywords or lexical
        self.store = stores[self.plan[0].list]  # the first dense list (the only one in a one-model index)
        self._embedders = dict(embedders)  # model name -> embedder, made when first needed
        self._embedders_lock = threading.Lock()
        self.lexicon = lexicon
        self.size = int(manifest["chunks"])
        self._doc_sizes: dict[str, int] | None = None
        self._titles: dict[str, str] | None = None
        self._cities: list[str] | None = None
        self._stored: dict[str, list[str]] = {}  # record field -> its distinct values (read once)
        self.vocabulary: Vocabulary = default_vocabulary()
        self._executor: ThreadPoolExecutor | None = None
        self._masks: dict[tuple[str, tuple], np.ndarray] = {}  # filter -> rows, least recently used first
        self._masks_lock = threading.Lock()
        self._embedding_cost: dict[str, float] = {}  # model -> seconds a question takes (the dense lists' order)
        self._read = _Read(catalog, ROWS_KEPT)

    @classmethod
    def open(cls, folder: str | Path, embedder: Embedder | Mapping[str, Embedder] | None = None, *,
             model: str | None = None, embedders: str | None = None, verify: bool = True, serving: bool = False,
             lexicon: Lexicon | None = None) -> "Index":
        """Open the current generation, checking manifest, checksums and counts.
        The index is searched with the embedders that built it (its manifest);
        an `embedder`, a `model` or an embedder plan that differs (argument or
        environment, see embedders/plan.py) is an error naming the command that
        re-embeds. `embedder` may also map model names to embedders already
        loaded (the page shares them between index generations).
        `serving` embeds questions on one thread (with the ONNX export when there
        is one) and pins FAISS to one thread: steady single-query latency."""
        folder = Path(folder)
        shared.sync(folder)  # in Milvus mode, the generation every server serves
        generation, manifest, warnings = persist.usable_generation(folder, verify=verify)
        if generation is None:
            raise IndexStateError(f"no index in {folder}; run: python -m ingest PATH --index {folder}")
        for warning in warnings:
            logging.getLogger("safecite").warning(warning)
        one, given = loaded(embedder)
        built = plans.from_manifest(manifest)
        asked = plans.configured(embedders, model or one) or built
        why = plans.mismatch(manifest, asked)
        if why:
            raise IndexStateError(f"{folder}: {why}; re-embed it with: {plans.reembed_command(folder, asked)}")
        entries = {e["list"]: e for e in manifest.get("embedders", [])}
        for route in built:
            dim = entries.get(route.list, {}).get("dim", manifest["dim"])
            if route.model in given and given[route.model].dim != dim:
                raise IndexStateError(f"{folder} holds {dim}-dimensional vectors in {route.list}, "
                                      f"the embedder gives {given[route.model].dim}")
        catalog = Catalog(generation / persist.CATALOG)
        stores = {}
        for route in built:
            entry = persist.store_entry(manifest, route)
            stores[route.list] = backend_of(entry).open(generation, entry)
        lexical = LexicalIndex.load(generation / persist.BM25)
        chunks = manifest["chunks"]
        short = [name for name, store in stores.items() if store.size != entries.get(name, {}).get("vectors", chunks)]
        if short or catalog.count() != chunks or lexical.size != chunks or catalog.max_row() != chunks - 1:
            counts = {"catalog": catalog.count(), "bm25": lexical.size, **{n: s.size for n, s in stores.items()}}
            catalog.close()
            raise IndexStateError(f"{generation}: counts disagree ({counts}, manifest {chunks}); re-ingest to rebuild the index")
        if serving:
            import faiss

            faiss.omp_set_num_threads(1)
            for store in stores.values():
                if hasattr(store, "split_scan"):  # FAISS's own way of using both cores
                    store.split_scan()
        return cls(folder, generation, manifest, catalog, stores, lexical, given, lexicon or default_lexicon(),
                   serving, warnings, _milvus_keywords(generation, manifest))

    def embedder_for(self, model: str) -> Embedder:
        """The embedder of `model`, loaded once (questions of several sessions share it)."""
        with self._embedders_lock:
            if model not in self._embedders:
                self._embedders[model] = make_embedder(model, serving=self.serving)
            return self._embedders[model]

    @property
    def embedder(self) -> Embedder:
        """The first dense list's embedder (the only one in a one-model index)."""
        return self.embedder_for(self.plan[0].model)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        for store in self.stores.values():
            store.close()
        self.catalog.close()

    # -- filters --------------------------------------------------------
    def mask(self, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        """Rows allowed by `filters` (None: all). A filter that matches nothing
        gives an all-False mask, so the search returns nothing."""
        if not filters:
            return None
        unknown = set(filters) - set(FILTER_KEYS)
        if unknown:
            raise QueryError(f"unknown filter {', '.join(sorted(unknown))}; filters are: {', '.join(FILTER_KEYS)}")
        clauses, params = [], []
        for key, value in filters.items():
            if value in (None, "", [], ()):
                continue
            values = list(value) if isinstance(value, (list, tuple, set)) else [value]
            if key == "doc_type" and set(values) - set(DOC_TYPES):
                raise QueryError(f"doc_type must be one of {', '.join(DOC_TYPES)}")
            if key == "lang" and set(values) - set(LANGS):
                raise QueryError(f"lang must be one of {', '.join(LANGS)}")
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
                # "riverton" finds Riverton (SQLite folds ASCII letters only);
                # "Overdue" finds 逾期未整改 too, "Jiangchuan" 江川市 (values.tsv).
                if key in FILTER_FIELDS:
                    values = self.vocabulary.equivalents(key, values, self.stored_values(key))
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

    def where(self, filters: Mapping[str, Any] | None) -> Where | None:
        """The rows `mask` allows, as conditions on the fields a store keeps
        beside each vector (stores/base.py), for stores that filter by themselves.
        Call `mask` first: it checks the filters."""
        clauses: list[tuple[Condition, ...]] = []
        for key, value in (filters or {}).items():
            if value in (None, "", [], ()):
                continue
            values = tuple(str(v) for v in (value if isinstance(value, (list, tuple, set)) else [value]))
            if key == "date_from":
                clauses.append((Condition("date", ">=", (str(value),)),))
            elif key == "date_to":
                clauses.append((Condition("date", "<=", (str(value),)),))
            elif key == "folder":
                # The documents under the folder, read from the catalog's few documents.
                prefixes = [fold(v.strip("/")) + "/" for v in values]
                sources = sorted({d.source for d in self.catalog.documents()
                                  if any(fold(d.source).startswith(p) for p in prefixes)})
                clauses.append((Condition("source", "in", tuple(sources)),))
            else:
                if key in FILTER_FIELDS:  # the same value groups as `mask` (values.tsv)
                    values = tuple(str(v) for v in self.vocabulary.equivalents(key, list(values),
                                                                                self.stored_values(key)))
                clauses.append((Condition(key, "in", values),))
        return tuple(clauses) or None

    def _named(self, query: str) -> tuple[list[str], list[str]]:
        """(doc_ids, cities) a question names by place. Names are matched
        against the few titles and cities in Python, then rows are read through
        the doc_id and city indexes: a LIKE over the chunks table would read
        every chunk's text (seconds at a million chunks)."""
        names = place_names(query) if lang_of(query) == "zh" else _capitalised(query)
        if not names:
            return [], []
        lowered = [name.lower() for name in names]
        docs = [d for d, title in self.titles.items() if any(n in title for n in lowered)]
        cities = [c for c in self.cities if any(n in c.lower() for n in lowered)]
        return docs, cities

    def named_where(self, query: str, where: Where | None) -> Where:
        """`named_mask` as conditions: `where` and the documents or cities the question names."""
        docs, cities = self._named(query)
        named = (Condition("doc_id", "in", tuple(docs)),) if docs else ()
        named += (Condition("city", "in", tuple(cities)),) if cities else ()
        return (*(where or ()), named or (Condition("doc_id", "in", ()),))

    def named_mask(self, query: str, mask: np.ndarray | None) -> np.ndarray | None:
        """Rows of the documents a question names by place ("在河南" -> the Henan
        regulation; "Riverton" -> its plan and the findings recorded there)."""
        docs, cities = self._named(query)
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

    def stored_values(self, name: str) -> list[str]:
        """The distinct values of record field `name` (one of FILTER_FIELDS or
        DATE_FIELDS), sorted; read once per generation."""
        if name not in FILTER_FIELDS + DATE_FIELDS:
            raise QueryError(f"field must be one of {', '.join(FILTER_FIELDS + DATE_FIELDS)}, got {name!r}")
        if name not in self._stored:
            rows = self.catalog.db.execute(f"SELECT DISTINCT {name} FROM chunks WHERE {name} IS NOT NULL "
                                           f"AND {name} != '' ORDER BY {name}")
            self._stored[name] = [str(r[0]) for r in rows]
        return self._stored[name]

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
    def fusion_weights(self, lang: str, target: Any = None) -> dict[str, float]:
        """The fusion weights for a question in `lang` over this index's lists."""
        if "dense" in self.routes:  # one model over every chunk: the fusion it was tuned with
            return fusion_weights(lang, target)
        if target in LANGS and target != lang:
            return {**ROUTED_WEIGHTS[target], "bm25_xl": 1.0, "bm25": 0.3}
        return ROUTED_WEIGHTS[lang]

    def _dense(self, name: str, text: str, k: int, mask: np.ndarray | None,
               where: Where | None = None) -> list[tuple[int, float]]:
        route = self.routes[name]
        started = time.perf_counter()
        vector = embed_query(self.embedder_for(route.model), text)
        # A question's vector kept from another list costs nothing: the
        # decaying maximum keeps the model's cost when it does embed.
        spent = time.perf_counter() - started
        self._embedding_cost[route.model] = max(spent, EMBEDDING_COST_DECAY * self._embedding_cost.get(route.model, 0.0))
        return self.stores[name].search(vector, k, mask, where)

    def _dense_order(self) -> list[str]:
        """The dense lists in the order their searches start: the cross-lingual
        list first, then by their model's question embedding cost, slowest first."""
        cost = self._embedding_cost
        return sorted(self.routes, key=lambda name: (name != CROSS_LIST, -cost.get(self.routes[name].model, 0.0)))

    def ranked_lists(self, query: str, mask: np.ndarray | None, mode: str = "hybrid",
                     depth: int = CANDIDATES, weights: Mapping[str, float] | None = None,
                     arrived: Callable[[str, Mapping[str, list[tuple[int, float]]]], None] | None = None,
                     scores: dict[str, list[float]] | None = None, where: Where | None = None) -> dict[str, list[int]]:
        """The retrievers' ranked rows. With `weights`, a list the fusion gives
        no weight is not computed (for a Chinese question, the list of English
        chunks embedded by an English-only model). `scores`, when given, is
        filled with each list's scores (cosine for dense lists, BM25 for keyword
        lists), best first: the answerability check reads them.

        The dense lists (embedding the question, then FAISS; both release the
        GIL) run in worker threads (`_dense_order`: on two workers the slowest
        starts at once) while this thread computes the keyword lists.
        `arrived(name, lists so far)` is called on this thread for each list as
        it is ready, the keyword lists first, then each dense list as its
        worker finishes: search reads their chunks, and starts the other
        language's searches when the cross-lingual list is in, while the slower
        lists still run."""
        lang = lang_of(query)

        def wanted(name: str) -> bool:
            return weights is None or weights.get(name, 0.0) > 0

        translated = self.lexicon.translate(query) if mode == "hybrid" else []
        dense: dict[str, Future] = {}
        for name in self._dense_order():
            if mode == name or (mode in ("hybrid", "dense") and (mode == "dense" or wanted(name))):
                dense[name] = self._workers.submit(self._dense, name, query, depth, mask, where)
        english = [t for t in translated if not CJK.search(t)]
        if (lang == "zh" and english and "dense" in self.routes and WEIGHTS[lang].get("dense_xl")
                and wanted("dense_xl")):
            dense["dense_xl"] = self._workers.submit(self._dense, "dense", " ".join(english), depth, mask, where)
        lexical: dict[str, list[tuple[int, float]]] = {}
        try:
            if mode in ("hybrid", "bm25"):
                tokens = tokenize(query, query=True)
                extra = tokenize(" ".join(self.lexicon.expand_synonyms(query)), query=True)
                tokens += [t for t in dict.fromkeys(extra) if t not in tokens]
                lexical["bm25"] = self.keywords.search(tokens, depth, mask, where)
                named = self.named_mask(query, mask) if wanted("named") else None
                if named is not None:
                    # Milvus filters by `where` when there is one, else by the mask's rows.
                    by_where = self.keywords is not self.lexical and (where is not None or mask is None)
                    lexical["named"] = self.keywords.search(tokens, depth, named,
                                                            self.named_where(query, where) if by_where else None)
            if translated:
                lexical["bm25_xl"] = self.keywords.search(tokenize(" ".join(translated), query=True), depth, mask,
                                                          where)
        except BaseException:
            wait(dense.values())  # no search is left running behind the error
            raise
        arrived = arrived or (lambda name, found: None)
        found = dict(lexical)
        for name in lexical:
            arrived(name, found)
        names = {job: name for name, job in dense.items()}
        for job in as_completed(names):
            found[names[job]] = job.result()
            arrived(names[job], found)
        if scores is not None:
            scores.update({name: [float(v) for _, v in pairs] for name, pairs in found.items()})
        return _in_fusion_order({name: [r for r, _ in pairs] for name, pairs in found.items()})

    @property
    def _workers(self) -> ThreadPoolExecutor:
        if self._executor is None:
            import faiss

            # One worker per dense list a question uses (a Chinese and an English
            # model never both serve one question): their embeddings overlap.
            # OpenMP's thread count is per thread: the workers pin FAISS to one too.
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="safecite-dense",
                                                initializer=faiss.omp_set_num_threads if self.serving else None,
                                                initargs=(1,) if self.serving else ())
        return self._executor

    @property
    def modes(self) -> tuple[str, ...]:
        """What `search(mode=...)` takes: the fusion, every dense list together,
        BM25, or one dense list alone."""
        return (*MODES, *(name for name in self.routes if name != "dense"))

    def search(self, query: str, k: int = 10, filters: Mapping[str, Any] | None = None, *,
               mode: str = "hybrid", dedupe: bool = True, weights: Mapping[str, float] | None = None) -> list[Hit]:
        return self.retrieve(query, k, filters, mode=mode, dedupe=dedupe, weights=weights).hits

    def retrieve(self, query: str, k: int = 10, filters: Mapping[str, Any] | None = None, *,
                 mode: str = "hybrid", dedupe: bool = True, weights: Mapping[str, float] | None = None) -> "Retrieval":
        """The hits and each list's scores (what `search` returns, and the
        evidence the answerability check weighs)."""
        if mode not in self.modes:
            raise QueryError(f"mode must be one of {', '.join(self.modes)}")
        query = query.strip()
        if not query or k <= 0:
            return Retrieval([], {})
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return Retrieval([], {})
        where = self.where(filters)
        if mode == "dense":
            weights = {name: 1.0 for name in self.routes}
        elif mode != "hybrid":
            weights = {mode: 1.0}
        weights = weights or self.fusion_weights(lang_of(query), (filters or {}).get("lang"))
        candidates = _Candidates(self._read)
        scores: dict[str, list[float]] = {}
        target = (filters or {}).get("lang")
        other: dict[str, Any] = {}  # the other language's share and searches, once the cross-lingual list is in

        def arrived(name: str, found: Mapping[str, list[tuple[int, float]]]) -> None:
            candidates.rows([row for row, _ in found[name]])
            if name == CROSS_LIST and mode == "hybrid":
                rows = {listed: [row for row, _ in pairs] for listed, pairs in found.items()}
                other["share"] = share = self._share(query, rows, {name: [v for _, v in found[name]]}, target)
                other["searches"] = self._cross_searches(query, mask, where) if share >= MIN_SHARE else {}

        lists = self.ranked_lists(query, mask, mode, weights=weights, scores=scores, where=where, arrived=arrived)
        if mode == "hybrid" and CROSS_LIST in self.routes:
            lists, weights = self._other_language(query, lists, scores, weights, mask, target, where, **other)
        hits = self._hits(query, k, lists, weights, dedupe, mode, candidates)
        if len(hits) < k and mode == "hybrid" and "dense" in self.routes and not weights.get("dense"):
            # Fewer than k articles: the dense list fills the places left (the
            # other lists and the chunks already read are kept).
            found = self._dense("dense", query, CANDIDATES, mask, where)
            scores["dense"] = [v for _, v in found]
            lists = _in_fusion_order({**lists, "dense": [r for r, _ in found]})
            hits = self._hits(query, k, lists, {**weights, "dense": FILL_WEIGHT}, dedupe, mode, candidates)
        return Retrieval(hits, scores)

    def _share(self, query: str, lists: Mapping[str, list[int]], scores: Mapping[str, list[float]],
               target: Any) -> float:
        """The other language's share of a question, from 0 to 1 (OTHER_WEIGHTS):
        1 when a filter keeps only the other language's documents."""
        lang = lang_of(query)
        if target in LANGS and target != lang:
            return 1.0
        own = self.mask({"lang": lang})
        return max(other_language_share(lists.get(CROSS_LIST, []), scores.get(CROSS_LIST, []), own, OTHER_WIDTH),
                   self.name_cue(query), lists_agree(lists, own, lambda row: self._read.get([row])[row][2]))

    def _cross_searches(self, query: str, mask: np.ndarray | None, where: Where | None) -> dict[str, Future]:
        """The other language's own model searching, on the workers: with the
        question (the list named in CROSS_LISTS) and with the glossary
        translation of its domain terms ("glossary_dense")."""
        lang = lang_of(query)
        crosses, glossary = CROSS_LISTS[lang]
        cross = next((name for name in crosses if name in self.routes), None)
        if cross is None:
            return {}
        searches = {}
        translated = [t for t in self.lexicon.translate(query) if bool(CJK.search(t)) == (lang == "en")]
        if translated:  # first: its embedding is new, the question's is made or under way
            searches["glossary_dense"] = self._workers.submit(
                self._dense, glossary if glossary in self.routes else cross,
                ("" if lang == "en" else " ").join(translated), CANDIDATES, mask, where)
        searches[cross] = self._workers.submit(self._dense, cross, query, CANDIDATES, mask, where)
        return searches

    def _other_language(self, query: str, lists: dict[str, list[int]], scores: dict[str, list[float]],
                        weights: Mapping[str, float], mask: np.ndarray | None,
                        target: Any, where: Where | None = None, share: float | None = None,
                        searches: Mapping[str, Future] | None = None) -> tuple[dict[str, list[int]], dict[str, float]]:
        """The lists split by the passages' language, the other language weighted
        by its share for this question (OTHER_WEIGHTS), and the other language's
        own model searched when the share is large enough. `share` and
        `searches`, when given, were started as soon as the cross-lingual list
        was in (search's `arrived`)."""
        lang = lang_of(query)
        own = self.mask({"lang": lang})
        if share is None:
            share = self._share(query, lists, scores, target)
            searches = self._cross_searches(query, mask, where) if share >= MIN_SHARE else {}
        split: dict[str, list[int]] = {}
        weights = dict(weights)
        for name, rows in lists.items():
            if name in OTHER_WEIGHTS:
                split[name] = [r for r in rows if own[r]]
                split[f"{name}_other"] = [r for r in rows if not own[r]]
                weights[f"{name}_other"] = OTHER_WEIGHTS[name] * share
            else:
                split[name] = rows
        for name, search in (searches or {}).items():
            found = search.result()
            split[name] = [r for r, _ in found]
            if name == "glossary_dense":
                weights[name] = OTHER_WEIGHTS["glossary_dense"] * share
            else:
                scores[name] = [v for _, v in found]
                weights[name] = OTHER_WEIGHTS["cross"] * share
        return _in_fusion_order(split), weights

    def name_cue(self, query: str) -> float:
        """How surely the names a question uses point at the other language's
        documents, from 0 to 1: for each name, its rate of mention in the other
        language's chunks (its spellings there) against that and the rate in the
        question's own (its spellings in the question's language); the largest."""
        lang = lang_of(query)
        names = self.lexicon.names(query)
        if not names:
            return 0.0
        own, other = self.mask({"lang": lang}), self.mask({"lang": "zh" if lang == "en" else "en"})
        own_size, other_size = max(1, int(own.sum())), max(1, int(other.sum()))
        best = 0.0
        for name in names:
            in_own = int(own[self.lexical.rows_with(list(name.same))].sum())
            in_other = int(other[self.lexical.rows_with(list(name.other))].sum())
            if in_other >= NAME_MIN_CHUNKS:
                rate_own, rate_other = in_own / own_size, in_other / other_size
                best = max(best, rate_other / (rate_own + rate_other))
        return best

    def _hits(self, query: str, k: int, lists: dict[str, list[int]], weights: Mapping[str, float], dedupe: bool,
              mode: str, candidates: "_Candidates") -> list[Hit]:
        """Fuse the ranked lists, read the chunks not read yet, one hit per article."""
        fused = weighted_rrf(lists, weights)
        candidates.rows([row for row, _, _ in fused])
        chunks, flats, articles = candidates.chunks, candidates.flats, candidates.articles

        def key_of(row: int) -> tuple[str, str]:  # one hit per article, or per chunk
            return articles[row] if dedupe else (chunks[row].doc_id, chunks[row].chunk_id)

        groups: dict[tuple[str, str], list] = {}  # key -> [first row, its score, its ranks, other rows ...]
        for row, score, ranks in fused:
            key = key_of(row)
            group = groups.get(key)
            if group is None:
                groups[key] = [row, score, ranks]
            else:
                group.append(row)
        hits = self._collapse_copies(list(groups.values()), k, chunks, flats)
        if mode == "hybrid" and lists.get("bm25_xl") and k > 1 and CROSS_LIST not in self.routes:
            hits = self._make_room_for_other_language(query, hits, lists["bm25_xl"], groups, chunks, flats, key_of)
        return hits

    def _collapse_copies(self, groups: list[list], k: int, chunks: Mapping[int, Chunk],
                         flats: Mapping[int, str]) -> list[Hit]:
        """The same clause often stands in two documents (a regulation and a
        collection quoting it). Such hits become one, led by the passage from the
        larger document (where it has its context), the copy riding along.
        `groups` are the articles found, best first, each as [first row, its
        score, its ranks, other rows ...]: a Hit is made only of those kept."""
        out: list[Hit] = []
        keys: list[list[str]] = []  # the texts of each hit in `out` long enough to compare
        for group in groups:
            key = flats[group[0]]
            match = _copy_of(key, keys) if len(key) >= COPY_MIN_CHARS else None
            if match is None:
                if len(out) < k:
                    out.append(_group_hit(group, chunks))
                    keys.append([key] if len(key) >= COPY_MIN_CHARS else [])
                continue
            hit, first = _group_hit(group, chunks), out[match]
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

    def _make_room_for_other_language(self, query, hits, xl_rows, groups, chunks, flats, key_of) -> list[Hit]:
        """When the glossary translates most of the question and none of the first
        XL_PLACE hits is in the other language, the best other-language hit takes
        that place (the rest move down). `key_of(row)`: the key of its group."""
        lang = lang_of(query)
        if any(h.chunk.lang != lang for h in hits[:XL_PLACE]) or self.lexicon.coverage(query) < XL_COVERAGE:
            return hits
        row = next((r for r in xl_rows if chunks[r].lang != lang), None)
        if row is None:
            return hits
        other = groups[key_of(row)]
        lead = chunks[other[0]]
        rest = [h for h in hits if lead not in h.chunks]
        # The same clause may stand in a second document of that language: bring it along.
        merged = self._collapse_copies([other] + [g for g in groups.values() if g is not other], 1, chunks, flats)[0]
        place = min(len(rest), XL_PLACE - 1)
        return (rest[:place] + [merged] + rest[place:])[:len(hits)]

@dataclass(frozen=True)
class Retrieval:
    """One search: its hits, and each ranked list's scores, best first."""

    hits: list[Hit]
    scores: dict[str, list[float]]


class _Read:
    """Candidate chunks read from the catalog and decoded, with the text compared
    to spot copies (`_flat`) and their article's key, kept across searches up
    to `kept` rows, the oldest read going first. Questions on one corpus share
    many candidates, and reading and decoding a few hundred chunks a search
    holds the GIL the embedding threads need (docs/performance.md). A
    generation never changes, so what is kept stays true; searches on several
    threads share it."""

    def __init__(self, catalog: Catalog, kept: int) -> None:
        self.catalog, self.kept = catalog, kept
        self._rows: dict[int, tuple[Chunk, str, tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, rows: list[int]) -> dict[int, tuple[Chunk, str, tuple[str, str]]]:
        found, missing = {}, []
        for row in rows:
            kept = self._rows.get(row)
            if kept is None:
                missing.append(row)
            else:
                found[row] = kept
        if missing:
            fresh = {row: (chunk, _flat(chunk.text), article_key(chunk))
                     for row, chunk in zip(missing, self.catalog.chunks(missing))}
            found.update(fresh)
            with self._lock:
                self._rows.update(fresh)
                for row in list(itertools.islice(self._rows, max(0, len(self._rows) - self.kept))):
                    del self._rows[row]
        return found


class _Candidates:
    """The chunks one search has read, each read once, with the text compared to
    spot copies (`_flat`) and their article's key."""

    def __init__(self, read: _Read) -> None:
        self.read = read
        self.chunks: dict[int, Chunk] = {}
        self.flats: dict[int, str] = {}
        self.articles: dict[int, tuple[str, str]] = {}

    def rows(self, rows: list[int]) -> None:
        rows = [row for row in dict.fromkeys(rows) if row not in self.chunks]
        for row, (chunk, flat, article) in self.read.get(rows).items():
            self.chunks[row], self.flats[row], self.articles[row] = chunk, flat, article


def _group_hit(group: list, chunks: Mapping[int, Chunk]) -> Hit:
    """The hit of one article found: [first row, its score, its ranks, other rows ...]."""
    return Hit(chunks[group[0]], group[1], group[2], group[0], tuple(chunks[row] for row in group[3:]))


def _copy_of(key: str, keys: list[list[str]]) -> int | None:
    """The first hit one of whose texts contains `key` or is contained in it."""
    for i, texts in enumerate(keys):
        for other in texts:
            if key in other or other in key:
                return i
    return None


FUSION_ORDER = ("bm25", "named", "dense", "dense_en", "dense_en2", "dense_zh", "dense_all", "bm25_xl", "dense_xl",
                "dense_all_other", "bm25_xl_other", "bm25_other", "glossary_dense")


def other_language_share(rows: list[int], scores: list[float], own: np.ndarray, width: float) -> float:
    """How much a question's answer may lie in the other language, from 0 to 1:
    a logistic function of the best cross-lingual cosine of a passage in the
    other language minus the best of one in the question's language."""
    best_own = next((v for r, v in zip(rows, scores) if own[r]), 0.0)
    best_other = next((v for r, v in zip(rows, scores) if not own[r]), 0.0)
    if not rows:
        return 0.0
    return 1.0 / (1.0 + math.exp(-(best_other - best_own) / width))


def lists_agree(lists: Mapping[str, list[int]], own: np.ndarray,
                article: Callable[[int], Any] = lambda row: row) -> float:
    """MIN_SHARE when every list of XL_LISTS has the same first passage in the
    other language and the lists of OWN_LISTS do not agree on theirs in the
    question's own language, else 0. `article`: a row's article (two parts
    of one article are the same passage)."""
    def firsts(names: tuple[str, ...], in_own: bool) -> set:
        found = (next((r for r in lists.get(name, []) if bool(own[r]) == in_own), None) for name in names)
        return {None if row is None else article(row) for row in found}

    other, mine = firsts(XL_LISTS, False), firsts(OWN_LISTS, True)
    agreed = len(other) == 1 and None not in other
    return MIN_SHARE if agreed and not (len(mine) == 1 and None not in mine) else 0.0


class Keywords(Protocol):
    """What answers a keyword list: LexicalIndex (bm25s) or MilvusLexical."""

    def search(self, query: str | list[str], k: int, mask: np.ndarray | None = None,
               where: Where | None = None) -> list[tuple[int, float]]: ...


def _milvus_keywords(generation: Path, manifest: Mapping[str, Any]) -> Keywords | None:
    """Milvus's BM25 over the generation's published chunks, when its dense
    lists are in Milvus and it was published with a BM25 field; else None."""
    entry = (manifest.get("embedders") or [{}])[0]
    if entry.get("backend", "faiss") != "milvus":
        return None
    from .milvus_lexical import MilvusLexical

    return MilvusLexical.open(backend_of(entry).client, generation)


def _in_fusion_order(lists: dict[str, list[int]]) -> dict[str, list[int]]:
    """The fusion breaks ties by first appearance: one order of lists, whichever finished first."""
    return {name: lists[name] for name in FUSION_ORDER if name in lists}


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
