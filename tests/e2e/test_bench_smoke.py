"""The benchmark code on tiny sizes (no timing is checked): a scaled index built
from a small ingested corpus opens through Index.open and answers; the
perturbation is deterministic; the report renders from partial results; the
API part counts every failed request, and a few seconds of it over the real
corpus index serve both endpoints without one."""
from __future__ import annotations

import json

import numpy as np
import pytest
from support import FakeEmbedder, make_small_corpus

from bench import scale
from bench.report import write_report
from index.build import ingest
from index.search import Index

QUESTIONS = ("How often must fixed carbon monoxide detectors be calibrated?", "粉尘爆炸危险场所应当多久清扫一次？",
             "What torque in N·m should the bolts of a dust collector explosion vent panel be tightened to?")


def test_scaled_index_opens_and_searches(tmp_path):
    make_small_corpus(tmp_path / "corpus")
    report = ingest([tmp_path / "corpus"], tmp_path / "index", embedder=FakeEmbedder())
    size = report.chunks * 3 + 2
    record = scale.build(tmp_path / "index", size, tmp_path / "scaled")
    assert record["size"] == size and record["copies"] == 4 and not record["cached"]
    index = Index.open(tmp_path / "scaled", FakeEmbedder())
    assert index.size == size
    assert len(index.catalog.documents()) == record["documents"]
    assert index.search("dust explosion", 5)
    vectors = np.load(tmp_path / "scaled" / "vectors.npy")
    assert vectors.shape == (size, FakeEmbedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)  # copy 0 comes from the float16 store
    assert scale.build(tmp_path / "index", size, tmp_path / "scaled")["cached"]


def test_perturbation_is_deterministic():
    text = "Employers shall keep dust below the limit. 粉尘爆炸危险场所应当定期清扫。"
    one = scale.perturb_text(text * 5, np.random.default_rng([7, 1]))
    two = scale.perturb_text(text * 5, np.random.default_rng([7, 1]))
    assert one == two and len(one) < len(text * 5)
    assert abs(scale.noise_scale(384) - 0.0247) < 1e-3


def test_report_renders_partial_results(tmp_path):
    out = tmp_path / "performance.md"
    write_report({"machine": {"cpu": "test", "cores": 2, "memory_mib": 1024, "versions": {}}}, out)
    text = out.read_text(encoding="utf-8")
    assert "## The bars" in text and "not measured" in text
    json.dumps({})


def test_the_api_load_counts_every_failure_and_the_report_fails_its_bar(tmp_path):
    import os

    from bench import api_bench

    calls = []

    def flaky(url, key):
        def call(question):
            calls.append(question)
            if len(calls) % 2:
                raise RuntimeError("HTTP 500: boom")
            return question == "refused?"

        return call, lambda: None

    result = api_bench.load(flaky, "", "", ["q", "refused?"], clients=1, seconds=0.2, pid=os.getpid())
    assert result["answers"] + result["errors"] == len(calls) and result["errors"] == (len(calls) + 1) // 2
    assert result["error_examples"] == ["RuntimeError: HTTP 500: boom"] and result["refused"] == result["answers"]
    out = tmp_path / "performance.md"
    write_report({"machine": {}, "api": {"clients": 1, "seconds": 0.2, "questions": 2, "ready_s": 1.0,
                                         "first_answer_s": 1.0, "ask": result}}, out)
    text = out.read_text(encoding="utf-8")
    assert "| HTTP API errors, `/v1/ask`, 1 clients for 0.2 s |" in text and "| **fail** |" in text
    assert "- `RuntimeError: HTTP 500: boom`" in text


@pytest.mark.corpus
def test_the_api_part_serves_both_endpoints_to_clients_at_once(real_corpus_index, tmp_path):
    """A few seconds of the api part over the real corpus index, as `make bench` runs it, shorter."""
    from bench import api_bench

    folder, _ = real_corpus_index
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps({"question": q}, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8")
    result = api_bench.run(folder, questions, seconds=3, clients=2, work=tmp_path / "api")
    for name in ("ask", "chat"):
        m = result[name]
        assert m["errors"] == 0 and m["answers"] >= 2, m
        assert m["latency_ms"]["p50"] > 0 and m["answers_per_s"] > 0 and m["server_cpu_ms_per_answer"] > 0, m
    out = tmp_path / "performance.md"
    write_report({"machine": {}, "api": result}, out)
    text = out.read_text(encoding="utf-8")
    assert "## The HTTP API under concurrent clients" in text and "| `/v1/chat/completions` | 2 |" in text
    assert "| HTTP API errors, `/v1/ask`, 2 clients for 3 s | 0 | 0 | pass |" in text
