"""ingest.run: one bad file never stops a batch; a missing path is named and a
single file is known by its name. (The command that runs it, `python -m
ingest`, is tested in tests/service/test_ingest_cli.py.)"""
from __future__ import annotations

from support import four_good_files, truncated_pdf, write_text

from ingest import run


def test_run_skips_bad_files_and_keeps_the_rest(tmp_path):
    expected = four_good_files(tmp_path)
    truncated_pdf(tmp_path / "regulations" / "broken.pdf")
    write_text(tmp_path / "notes" / "photo.png", "not really an image")  # named as a photo: refused by its content
    write_text(tmp_path / "README.md", "# About this folder\n")
    write_text(tmp_path / ".hidden.md", "# Hidden\n\nArticle 1 Not ingested.\n")

    result = run([tmp_path])
    counts: dict[str, int] = {}
    for chunk in result.chunks:
        counts[chunk.source] = counts.get(chunk.source, 0) + 1
    assert counts == expected
    skipped = {s.source: s.reason for s in result.skipped}
    assert set(skipped) == {"regulations/broken.pdf", "notes/photo.png", "README.md"}
    assert skipped["regulations/broken.pdf"] == "truncated PDF (no %%EOF marker at the end)"
    assert "content is not PNG" in skipped["notes/photo.png"]
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
