"""The benchmark code on tiny sizes (no timing is checked): a scaled index built
from a small ingested corpus opens through Index.open and answers; the
perturbation is deterministic; the report renders from partial results."""
from __future__ import annotations

import json

import numpy as np
from support import FakeEmbedder, make_small_corpus

from bench import scale
from bench.report import write_report
from index.build import ingest
from index.search import Index


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
