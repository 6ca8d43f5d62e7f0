"""Parser processes and limits: a timeout, the memory cap and the caps on
pages, characters and rows each skip the file with its reason, and the batch
goes on with a fresh parser process; limits come from arguments, environment
variables or defaults, in that order."""
from __future__ import annotations

import signal

import pytest
from support import PROJECT_ROOT, make_pdf, write_text

from hostile import big_xlsx

from core.errors import ConfigError
from core.settings import ENV
from core.settings import reload as reload_settings
from ingest import run
from service.cli.ingest import main as ingest_main
from ingest.isolation import _death_reason
from ingest.limits import Limits, from_env

CACHE = PROJECT_ROOT / "var" / "test-cache"


def test_limits_come_from_arguments_then_environment_then_defaults(monkeypatch):
    for name in ENV.values():
        monkeypatch.delenv(name, raising=False)
    reload_settings()
    assert from_env() == Limits()
    monkeypatch.setenv("SAFECITE_PARSE_TIMEOUT", "7.5")
    monkeypatch.setenv("SAFECITE_MAX_ROWS", "10")
    reload_settings()
    assert (from_env().timeout_s, from_env().max_rows) == (7.5, 10)
    assert from_env(max_rows=20, timeout_s=None).max_rows == 20
    monkeypatch.setenv("SAFECITE_PARSE_MEMORY_MIB", "lots")
    with pytest.raises(ConfigError, match="SAFECITE_PARSE_MEMORY_MIB must be a number"):
        reload_settings()
    with pytest.raises(ConfigError, match="max_pages must be greater than 0"):
        Limits(max_pages=0)


def test_a_slow_file_times_out_and_the_next_file_gets_a_new_parser(tmp_path):
    folder = tmp_path / "docs"
    write_text(folder / "a.md", "# A\n\nArticle 1 Vents shall face outdoors.\n")
    # openpyxl reads a whole sheet without <dimension> before the first row: far past 1 s.
    (folder / "b.xlsx").write_bytes(big_xlsx(CACHE / "rows-no-dimension.xlsx", 300_000, dimension=False).read_bytes())
    write_text(folder / "c.md", "# C\n\nArticle 1 Alarms shall be tested.\n")
    result = run([folder], limits=Limits(timeout_s=1, workers=1))
    assert {s.source: s.reason for s in result.skipped} == {"b.xlsx": "timed out after 1 s"}
    assert sorted(d.source for d in result.documents) == ["a.md", "c.md"]
    stats = {s.source: s for s in result.stats}
    assert 1 <= stats["b.xlsx"].seconds < 2.5 and stats["b.xlsx"].peak_mib is None


def test_a_file_over_the_memory_limit_is_skipped(tmp_path):
    folder = tmp_path / "docs"
    write_text(folder / "big.txt", ("Article 1 Vent panels shall be inspected. " * 24 + "\n") * 120_000)  # 120 MB
    write_text(folder / "small.md", "# Small\n\nArticle 1 Doors shall be kept shut.\n")
    result = run([folder], limits=Limits(memory_mib=400, max_chars=10**9, workers=1))
    assert {s.source: s.reason for s in result.skipped} == {"big.txt": "memory limit 400 MiB exceeded"}
    assert [d.source for d in result.documents] == ["small.md"]
    assert all(s.peak_mib < 400 for s in result.stats)


def test_caps_on_pages_characters_and_rows(tmp_path):
    folder = tmp_path / "docs"
    make_pdf(folder / "three-pages.pdf", ["Article 1 One.", "Article 2 Two.", "Article 3 Three."])
    write_text(folder / "long.md", "# Long\n\n" + "Article 1 " + "dust " * 400 + "\n")
    write_text(folder / "rows.csv", "Record ID,Finding\n" + "".join(f"R{i},Finding {i}\n" for i in range(40)))
    write_text(folder / "fine.md", "# Fine\n\nArticle 1 Short.\n")
    result = run([folder], limits=Limits(max_pages=2, max_chars=1000, max_rows=25))
    assert {s.source: s.reason for s in result.skipped} == {
        "three-pages.pdf": "more than 2 pages (3)",
        "long.md": "more than 1,000 characters of text",
        "rows.csv": "more than 25 rows",
    }
    assert [d.source for d in result.documents] == ["fine.md"]


def test_cli_limit_flags_and_environment(tmp_path, monkeypatch, capsys):
    make_pdf(tmp_path / "docs" / "two-pages.pdf", ["Article 1 One.", "Article 2 Two."])
    assert ingest_main([str(tmp_path / "docs"), "--dry-run", "--quiet", "--max-pages", "1"]) == 2
    assert "two-pages.pdf: more than 1 pages (2)" in capsys.readouterr().err
    monkeypatch.setenv("SAFECITE_MAX_PAGES", "1")
    reload_settings()
    assert ingest_main([str(tmp_path / "docs"), "--dry-run", "--quiet"]) == 2
    assert "more than 1 pages" in capsys.readouterr().err
    assert ingest_main([str(tmp_path / "docs"), "--dry-run", "--quiet", "--max-pages", "5"]) == 0  # the flag wins
    with pytest.raises(SystemExit):
        ingest_main([str(tmp_path / "docs"), "--dry-run", "--timeout", "0"])
    assert "timeout_s must be greater than 0" in capsys.readouterr().err


def test_a_parser_that_dies_is_reported_by_signal():
    limits = Limits(memory_mib=512)
    assert _death_reason(-signal.SIGSEGV, limits) == "the parser crashed (SIGSEGV; it probably ran out of memory, limit 512 MiB)"
    assert _death_reason(3, limits) == "the parser exited unexpectedly (status 3)"


def test_parsers_use_hardened_xml():
    """openpyxl parses with defusedxml; python-docx never resolves entities."""
    import openpyxl.xml
    from docx.oxml.parser import oxml_parser

    from lxml import etree

    assert openpyxl.xml.DEFUSEDXML

    xml = b'<!DOCTYPE d [<!ENTITY e "expanded">]><d>&e;</d>'
    assert etree.fromstring(xml, oxml_parser).text != "expanded"
