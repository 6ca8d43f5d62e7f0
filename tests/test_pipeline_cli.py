"""ingest.run and `python -m ingest`: one bad file never stops a batch, and the
index folder keeps what earlier runs wrote."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, make_docx, make_pdf, write_text

from ingest import run
from ingest.writer import CHUNKS_FILE, DOCUMENTS_FILE, read_chunks, write_chunks

JSON_KEYS = {"chunk_id", "doc_id", "source", "title", "doc_type", "lang", "heading_path", "locator", "page", "text"}


def _good_files(folder: Path, tag: str = "a") -> dict[str, int]:
    """A few good files; returns source -> expected chunk count."""
    write_text(folder / "regulations" / f"rules-{tag}.md",
               f"# Rules {tag}\n\nArticle 1 Collectors shall be grounded.\n\nArticle 2 Dust shall be removed.\n")
    write_text(folder / "records" / f"findings-{tag}.csv",
               "Company,Date,Finding\nAcme,2024-01-02,Dust on beams\nBeta,2024-01-03,Gas leak\nGamma,2024-01-04,No permit\n")
    make_pdf(folder / "guidance" / f"guide-{tag}.pdf", ["Guide\nArticle 1 Keep doors shut.", "Article 2 Test alarms weekly."])
    make_docx(folder / "plans" / f"plan-{tag}.docx", [("h1", "Goals"), ("p", "Reduce dust."), ("h1", "Tasks"), ("p", "Inspect.")])
    return {f"regulations/rules-{tag}.md": 2, f"records/findings-{tag}.csv": 3,
            f"guidance/guide-{tag}.pdf": 3, f"plans/plan-{tag}.docx": 2}


def _truncated_pdf(path: Path) -> Path:
    whole_path = make_pdf(path.with_name("whole.pdf"), ["Article 1 Text that will be cut off."])
    whole = whole_path.read_bytes()
    whole_path.unlink()
    path.write_bytes(whole[: len(whole) // 3])
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("SAFECITE_INDEX", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_run_skips_bad_files_and_keeps_the_rest(tmp_path):
    expected = _good_files(tmp_path)
    _truncated_pdf(tmp_path / "regulations" / "broken.pdf")
    write_text(tmp_path / "notes" / "photo.png", "not really an image")
    write_text(tmp_path / "README.md", "# About this folder\n")
    write_text(tmp_path / ".hidden.md", "# Hidden\n\nArticle 1 Not ingested.\n")

    result = run([tmp_path])
    counts: dict[str, int] = {}
    for chunk in result.chunks:
        counts[chunk.source] = counts.get(chunk.source, 0) + 1
    assert counts == expected
    skipped = {s.source: s.reason for s in result.skipped}
    assert set(skipped) == {"regulations/broken.pdf", "notes/photo.png", "README.md"}
    assert skipped["regulations/broken.pdf"].startswith("not a readable PDF")
    assert "unsupported file type '.png'" in skipped["notes/photo.png"]
    assert "describes the corpus" in skipped["README.md"]
    assert result.files == 6  # README is not counted as a source file
    assert len(result.documents) == 4
    assert all(d.content_hash and len(d.content_hash) == 64 for d in result.documents)
    assert "regulations/broken.pdf" in result.summary()


def test_run_names_a_missing_path():
    result = run(["/definitely/not/here"])
    assert [(s.source, s.reason) for s in result.skipped] == [("/definitely/not/here", "no such file or folder")]


def test_run_on_a_single_file_uses_its_name(tmp_path):
    path = write_text(tmp_path / "sub" / "rules.md", "# Rules\n\nArticle 1 Text.\n")
    result = run([path])
    assert [c.source for c in result.chunks] == ["rules.md"]


def test_cli_writes_the_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    expected = _good_files(corpus)
    _truncated_pdf(corpus / "regulations" / "broken.pdf")
    proc = _cli(str(corpus), "--index", str(index), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "regulations/broken.pdf" in proc.stderr  # the skipped file is named
    rows = [json.loads(line) for line in (index / CHUNKS_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == sum(expected.values())
    assert {r["source"] for r in rows} == set(expected)
    docs = [json.loads(line) for line in (index / DOCUMENTS_FILE).read_text(encoding="utf-8").splitlines()]
    assert {d["source"] for d in docs} == set(expected)
    assert not list(index.glob("*.tmp"))


def test_cli_exits_2_when_nothing_could_be_ingested(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _truncated_pdf(corpus / "broken.pdf")
    write_text(corpus / "empty.md", "")
    write_text(corpus / "fake.docx", "plain text")
    proc = _cli(str(corpus), "--index", str(index), "--quiet", cwd=tmp_path)
    assert proc.returncode == 2
    for name in ("broken.pdf", "empty.md", "fake.docx"):
        assert name in proc.stderr
    assert not index.exists()


def test_cli_dry_run_json_prints_chunks_and_writes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    expected = _good_files(corpus)
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


def test_cli_default_index_comes_from_the_environment(tmp_path):
    corpus = tmp_path / "corpus"
    write_text(corpus / "rules.md", "# Rules\n\nArticle 1 Text.\n")
    env_index = tmp_path / "from-env"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "SAFECITE_INDEX": str(env_index)}
    proc = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--quiet"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (env_index / CHUNKS_FILE).exists()


def test_cli_ingests_into_one_index_incrementally(tmp_path):
    index = tmp_path / "index"
    a_expected = _good_files(tmp_path / "A", "a")
    b_expected = _good_files(tmp_path / "B", "b")

    assert _cli(str(tmp_path / "A"), "--index", str(index), "--quiet", cwd=tmp_path).returncode == 0
    first = read_chunks(index)
    assert {c.source for c in first} == set(a_expected)

    assert _cli(str(tmp_path / "B"), "--index", str(index), "--quiet", cwd=tmp_path).returncode == 0
    both = read_chunks(index)
    assert {c.source for c in both} == set(a_expected) | set(b_expected)
    assert [c for c in both if c.source in a_expected] == first  # A's chunks kept as they were

    # Re-ingesting A replaces its chunks: no duplicates, even after an edit.
    write_text(tmp_path / "A" / "regulations" / "rules-a.md", "# Rules a\n\nArticle 1 Collectors shall be grounded.\n")
    assert _cli(str(tmp_path / "A"), "--index", str(index), "--quiet", cwd=tmp_path).returncode == 0
    again = read_chunks(index)
    ids = [c.chunk_id for c in again]
    assert len(ids) == len(set(ids))
    assert len(again) == sum(a_expected.values()) - 1 + sum(b_expected.values())
    assert [c.locator for c in again if c.source == "regulations/rules-a.md"] == ["Article 1"]
    docs = [json.loads(line) for line in (index / DOCUMENTS_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(docs) == len({d["source"] for d in docs}) == 8


def test_writer_round_trip(tmp_path):
    _good_files(tmp_path / "c")
    result = run([tmp_path / "c"])
    write_chunks(tmp_path / "index", result)
    assert read_chunks(tmp_path / "index") == result.chunks


@pytest.mark.parametrize("max_tokens", ["60", "400"])
def test_cli_max_tokens(tmp_path, max_tokens):
    body = "\n".join(f"({i}) The employer shall inspect collectors and ducts and record every defect found." for i in range(1, 13))
    write_text(tmp_path / "c" / "rules.md", f"# Rules\n\nArticle 1 The employer shall:\n{body}\n")
    proc = _cli(str(tmp_path / "c"), "--dry-run", "--json", "--quiet", "--max-tokens", max_tokens, cwd=tmp_path)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(r["locator"] == "Article 1" for r in rows)
    assert (len(rows) > 2) if max_tokens == "60" else (len(rows) == 1)
