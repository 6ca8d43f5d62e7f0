"""The sample corpus's PDF, DOCX and XLSX files against their sources in corpus-src/:
scripts/make_sample_corpus.py must rebuild every committed file byte for byte, so
the sources and the files cannot drift, and every finding in the two registers
must cite an article that exists. What the files give once ingested is
tests/e2e/test_corpus.py's business."""
from __future__ import annotations

import importlib.util

import pytest
from support import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
BUILT_SUFFIXES = {".pdf", ".docx", ".xlsx"}


def _builder():
    path = PROJECT_ROOT / "scripts" / "make_sample_corpus.py"
    spec = importlib.util.spec_from_file_location("make_sample_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _builder()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    builder.build(out)
    return out


def test_every_built_format_in_the_corpus_has_a_source():
    committed = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix in BUILT_SUFFIXES}
    assert committed == set(builder.sources())


@pytest.mark.parametrize("rel", sorted(builder.sources()))
def test_the_sources_build_the_committed_bytes(built, rel):
    same = (built / rel).read_bytes() == (CORPUS / rel).read_bytes()
    assert same, f"corpus/{rel} is not what corpus-src/ builds: run scripts/make_sample_corpus.py and commit both"


def test_every_finding_cites_an_article_in_the_corpus():
    assert builder.citation_problems() == []


def test_the_citation_check_names_each_bad_citation(tmp_path, monkeypatch):
    register = tmp_path / "register.csv"
    register.write_text(
        "id,cite\n"
        "A,\"Molten Metal Ladle Inspection Rules, Article 21\"\n"
        "B,\"Molten Metal Ladle Inspection Rules, Article 211\"\n"
        "C,《粉尘防爆安全规定》第三十五条\n"
        "D,《粉尘防爆安全规定》第九十九条\n"
        "E,\"Unknown Rules, Article 1\"\n"
        "F,see the rules\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(builder, "REGISTERS", {register: "cite"})
    problems = builder.citation_problems()
    assert [p.split(":")[0] for p in problems] == ["register.csv B", "register.csv D", "register.csv E", "register.csv F"]
