"""A record's cited clause, resolved to the indexed article (answer/clauses.py)."""
from __future__ import annotations

import pytest
from support import FakeEmbedder, write_text

from answer.clauses import references, resolve
from index.build import ingest
from index.search import Index


@pytest.mark.parametrize("text, expected", [
    ("《粉尘防爆安全规定》第十五条", [("粉尘防爆安全规定", "第十五条")]),
    ("《粉尘防爆安全规定》第15条第二款", [("粉尘防爆安全规定", "第十五条")]),
    ("《江苏省安全生产条例》第二十一条；《中华人民共和国安全生产法》第二十八条",
     [("江苏省安全生产条例", "第二十一条"), ("中华人民共和国安全生产法", "第二十八条")]),
    ("Metallurgical Gas Safety Rules, Article 21", [("Metallurgical Gas Safety Rules", "Article 21")]),
    ("Article 9 of the Molten Metal Ladle Inspection Rules", [("Molten Metal Ladle Inspection Rules", "Article 9")]),
    ("29 CFR § 1910.272(c)", [("", "§ 1910.272(c)")]),
    ("SC/T 0102-2024, clause 5.3.1", [("SC/T 0102-2024", "5.3.1")]),
    ("第四十条", []),
    ("see the rules", []),
])
def test_references(text, expected):
    assert references(text) == expected


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("clauses")
    corpus = root / "corpus"
    write_text(corpus / "gas-2019.md", "---\ntitle: Gas Rules\n---\n# Gas Rules\n\nArticle 1 Old wording of the first article.\n\n"
               "Article 2 Old second article on gas alarms.\n")
    write_text(corpus / "gas-2023.md", "---\ntitle: Gas Rules\n---\n# Gas Rules\n\nArticle 1 New wording of the first article.\n\n"
               "Article 2 New second article on carbon monoxide detectors.\n")
    write_text(corpus / "dust.md", "---\ntitle: 粉尘防爆安全规定\n---\n# 粉尘防爆安全规定\n\n第一条 为了防止粉尘爆炸，制定本规定。\n\n"
               "第二条 除尘系统应当按规定设置泄爆装置。\n")
    write_text(corpus / "ladle.md", "---\ntitle: Molten Metal Ladle Inspection Rules\n---\n# Ladle Rules\n\n"
               "Article 9 Ladles shall be inspected before every use.\n")
    embedder = FakeEmbedder()
    ingest([corpus], root / "index", embedder=embedder)
    opened = Index.open(root / "index", embedder)
    yield opened
    opened.close()


def test_resolves_to_the_named_article(index):
    chunk = resolve(index, "《粉尘防爆安全规定》第2条")
    assert (chunk.title, chunk.locator) == ("粉尘防爆安全规定", "第二条") and "泄爆" in chunk.text
    chunk = resolve(index, "Article 9 of the Molten Metal Ladle Inspection Rules")
    assert chunk.locator == "Article 9" and "before every use" in chunk.text


def test_an_unknown_or_unnamed_clause_resolves_to_nothing(index):
    assert resolve(index, "《粉尘防爆安全规定》第九条") is None  # no such article
    assert resolve(index, "《有限空间作业安全规定》第二条") is None  # no such document
    assert resolve(index, "Article 9") is None  # no document named


def test_two_versions_resolve_only_by_their_year(index):
    # Both versions have an Article 2 that says different things.
    assert resolve(index, "Gas Rules, Article 2") is None
    assert "carbon monoxide" in resolve(index, "Gas Rules (2023), Article 2").text
    assert "gas alarms" in resolve(index, "Gas Rules (2019), Article 2").text
