"""One number per article (answer/articles.py): the parts of an article split
into several chunks, cited under several numbers, become one citation holding
the whole article; the answer's markers and its records are renumbered."""
from __future__ import annotations

from support import FakeEmbedder, write_text

from answer.articles import one_per_article
from answer.extractive import citation_for
from answer.verify import check_answer
from index.build import ingest
from index.search import Index

RULES = """---
title: Grinding Rules
doc_type: regulation
language: en
---

# Grinding Rules

Article 1 These rules apply to grinding and polishing of light metals.

Article 2 Grinding shops shall meet the following requirements:
(1) each grinding station shall have a local exhaust hood verified every quarter for its capture velocity at the opening;
(2) no more than ten stations shall share one dry dust collector, and stations in different rooms shall never share one;
(3) the collector shall start before the grinders and stop no earlier than ten minutes after the last grinder stops;
(4) workers shall wear anti-static clothing and no spark-producing iron tools shall be kept at the stations at any time;
(5) floors, machines and hoods shall be cleaned at the end of every shift by wet methods or explosion-proof vacuum cleaners;
(6) collected dust shall be removed from the shop daily and kept in closed metal containers away from heat.

Article 3 Cleaning records shall be kept for one year.
"""


def test_the_parts_of_one_article_are_cited_once(tmp_path):
    write_text(tmp_path / "corpus" / "grinding.md", RULES)
    ingest([tmp_path / "corpus"], tmp_path / "index", embedder=FakeEmbedder(), max_tokens=80)
    index = Index.open(tmp_path / "index", FakeEmbedder())
    chunks = index.catalog.chunks(list(range(index.catalog.count())))
    parts = sorted((c for c in chunks if c.locator == "Article 2"), key=lambda c: c.start)
    other = next(c for c in chunks if c.locator == "Article 3")
    assert len(parts) >= 2
    early, late = parts[0], parts[-1]
    quote_early = next(line for line in early.text.split("\n") if line.startswith("("))
    quote_late = late.text.split("\n")[-1]
    citations = (citation_for(1, late, quote_late, 0.9), citation_for(2, other, other.text, 0.5),
                 citation_for(3, early, quote_early, 0.7))
    answer = f"- {quote_late} [1]\n- {other.text} [2]\n- {quote_early} [3][1]"
    result = one_per_article({"answer": answer, "citations": citations, "records": ({"n": 3, "clause": {"n": 1}},)},
                             index)
    merged = result["citations"]
    assert [(c.n, c.locator) for c in merged] == [(1, "Article 2"), (2, "Article 3")]
    assert result["answer"] == f"- {quote_late} [1]\n- {other.text} [2]\n- {quote_early} [1]"
    whole = merged[0]
    assert whole.chunk_id == late.chunk_id and whole.quote == quote_late  # the first cited part leads
    assert whole.text.startswith("Article 2 Grinding shops") and all(p.text in whole.text for p in parts)
    assert check_answer(result["answer"], list(merged)) == []  # every statement still finds its words
    assert result["records"] == ({"n": 1, "clause": {"n": 1}},)
    # An answer citing each article once is left as it was.
    single = {"answer": f"- {other.text} [1]", "citations": (citation_for(1, other, other.text, 0.5),)}
    assert one_per_article(single, index) is single
    index.close()
