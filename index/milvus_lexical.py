"""Keyword search answered by Milvus's own BM25, for an index shared through
Milvus (index/shared.py): the same `search(tokens, k, mask, where)` as
LexicalIndex (bm25s, lexical.py), over the same tokens.

A generation's published chunk collection (`<generation>_catalog`) keeps each
chunk's own tokens (tokenize.py: stems, jieba words, Chinese bigrams) in
`words`, joined by single spaces, analysed by a tokenizer that only splits
them apart; Milvus's BM25 function turns them into the sparse vector `sparse`,
indexed with bm25s's k1 and b. A question is searched with its tokens joined
the same way, filtered by the same expression as the dense search
(stores/milvus_store.py `expression`), so filters apply inside Milvus.

Milvus splits `words` on whitespace ({"tokenizer": "whitespace"}); Milvus
Lite, which knows only "standard" (`\\w+`, lower-cased) and "jieba", with
"standard". So each token is written in a form both keep whole and
unchanged: a character that is not a lower-case word character becomes
`_<hex code>_` ("1910.272" -> "1910_2e_272").

Not here: the idf the answerer reads (bm25s in the index folder, lexical.py),
and the dense lists (stores/).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from core.errors import IndexStateError

from .stores.base import TEXT_FIELDS, Where
from .stores.milvus_store import LIST_IDS, MAX_TEXT as MAX_FIELD, expression, generation_prefix, stored
from .tokenize import tokenize

# bm25s's Lucene BM25 (lexical.py). Milvus multiplies every score by k1 + 1
# (Lucene dropped that constant); scores are divided by it, so both agree.
K1, B = 1.5, 0.75
WORDS, SPARSE = "words", "sparse"
MAX_WORDS = 65_535  # Milvus's longest VARCHAR, in bytes
WHITESPACE = {"tokenizer": "whitespace"}  # Milvus 2.5 and later
LITE = {"tokenizer": "standard"}  # Milvus Lite's `\w+`, lower-cased (it has no whitespace tokenizer)


def term(token: str) -> str:
    """A token as written in `words`: lower-case word characters kept, any
    other character (and "_", the escape) as `_<hex>_`; distinct tokens stay distinct."""
    return "".join(c if c.isalnum() and c.lower() == c else f"_{ord(c):x}_" for c in token)


def words(tokens: list[str]) -> str:
    """What `words` holds for these tokens."""
    return " ".join(term(t) for t in tokens)


def create(client, name: str, fields: list[tuple[str, int]]) -> None:
    """The chunk collection `name`: id, the VARCHAR `fields` given, the filter
    fields (stores/base.py TEXT_FIELDS), `words` and its BM25 vector."""
    from pymilvus import DataType, Function, FunctionType

    lite = str(client.get_server_version()).startswith("milvus_lite")
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    for field, length in fields:
        schema.add_field(field, DataType.VARCHAR, max_length=length)
    for field in TEXT_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=MAX_FIELD)
    schema.add_field(WORDS, DataType.VARCHAR, max_length=MAX_WORDS, enable_analyzer=True,
                     analyzer_params=LITE if lite else WHITESPACE)
    schema.add_field(SPARSE, DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name=f"{SPARSE}_bm25", function_type=FunctionType.BM25,
                                 input_field_names=[WORDS], output_field_names=[SPARSE]))
    index = client.prepare_index_params()
    index.add_index(SPARSE, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": K1, "bm25_b": B})
    client.create_collection(name, schema=schema, index_params=index)


class MilvusLexical:
    """BM25 over a published chunk collection; row i is catalog row i."""

    def __init__(self, client, collection: str) -> None:
        self.client, self.collection = client, collection

    @classmethod
    def open(cls, client, generation: Path) -> "MilvusLexical | None":
        """The keyword search of a generation published to Milvus; None when
        its chunk collection has no BM25 field (published before it had one)."""
        name = generation_prefix(generation) + "catalog"
        if not client.has_collection(name):
            return None
        described = client.describe_collection(name)
        if SPARSE not in {f["name"] for f in described.get("fields", [])}:
            return None
        client.load_collection(name)
        return cls(client, name)

    def search(self, query: str | list[str], k: int, mask: np.ndarray | None = None,
               where: Where | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score) with a positive score, best first. `where` is
        evaluated by Milvus; without it a `mask` becomes the list of the rows it allows."""
        tokens = tokenize(query, query=True) if isinstance(query, str) else query
        if k <= 0 or not tokens:
            return []
        expr = ""
        if where is not None:
            expr = expression(where)
        elif mask is not None:
            allowed = np.flatnonzero(mask)
            if not len(allowed):
                return []
            expr = f"id in {allowed.tolist()}"
        found = self.client.search(self.collection, data=[words(tokens)], anns_field=SPARSE,
                                   limit=min(k, LIST_IDS), filter=expr, output_fields=["id"],
                                   search_params={"metric_type": "BM25", "params": {}})
        # Milvus Lite gives -score as the distance, Milvus the score: the order is best first in both.
        return [(int(hit["id"]), abs(float(hit["distance"])) / (K1 + 1)) for hit in found[0]
                if hit["distance"] != 0]


def row(fields: Mapping[str, Any], tokens: list[str]) -> dict[str, Any]:
    """The keyword and filter fields of a chunk's row (`fields`: stores/base.py
    TEXT_FIELDS, kept as a vector store keeps them)."""
    text = words(tokens)
    if len(text.encode("utf-8")) > MAX_WORDS:
        raise IndexStateError(f"a chunk of {len(tokens):,} tokens is longer than Milvus keeps ({MAX_WORDS:,} bytes)")
    return {**{name: stored(name, fields.get(name)) for name in TEXT_FIELDS}, WORDS: text}
