"""The ONNX Runtime export that serving uses to embed questions: it must give
sentence-transformers' vectors, be refused when stale or damaged (serving then
falls back to sentence-transformers), and keep torch out of a serving process.

One real export (about 30 s) is shared by the module."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT_ROOT

from core.errors import ConfigError
from core.settings import reload as reload_settings
from index.embedders import DEFAULT_MODEL, make_embedder
from index.embedders.onnx_runtime import EXPORT_FILE, ONNX_FILE, OnnxEmbedder, export, export_folder, load_export
from index.search import Index

QUESTIONS = [
    "How often must fixed carbon monoxide detectors be calibrated?",
    "What must be done before entering a confined space?",
    "铝镁粉尘除尘系统有哪些要求？",
    "江川市专项整治的整改期限是什么时候？",
    "Find findings similar to: dust collector without explosion venting",
    "GB 15577-2018 第5.3条",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    record = export(DEFAULT_MODEL, root=root)
    return root, record


@pytest.fixture(scope="module")
def reference():
    return make_embedder(DEFAULT_MODEL)  # sentence-transformers on torch


def _copy_export(root: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "models"
    shutil.copytree(root, target)
    return target


def test_export_is_checked_and_recorded(exported):
    root, record = exported
    assert record["exported"] is True
    assert record["max_abs_diff"] <= 1e-4
    folder = export_folder(DEFAULT_MODEL, root)
    assert (folder / ONNX_FILE).stat().st_size == record["onnx_bytes"]
    assert json.loads((folder / EXPORT_FILE).read_text(encoding="utf-8"))["model"] == DEFAULT_MODEL
    # A second export finds it up to date and leaves it alone.
    again = export(DEFAULT_MODEL, root=root)
    assert again["exported"] is False and again["fingerprint"] == record["fingerprint"]


def test_onnx_vectors_equal_sentence_transformers(exported, reference):
    root, _ = exported
    onnx = load_export(DEFAULT_MODEL, root=root)
    assert isinstance(onnx, OnnxEmbedder) and onnx.dim == reference.dim and onnx.name == reference.name
    corpus = sorted((PROJECT_ROOT / "corpus").rglob("*.md"))
    passages = [p.read_text(encoding="utf-8")[i:i + 1200] for p in corpus for i in (0, 1500)]
    texts = QUESTIONS + passages + ["", "   ", "x"]
    ours, theirs = onnx.embed(texts), reference.embed(texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert float(np.abs(ours - theirs).max()) < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # one at a time (how questions are embedded) equals the batch
    singles = np.vstack([onnx.embed([t]) for t in QUESTIONS])
    assert float(np.abs(singles - ours[:len(QUESTIONS)]).max()) < 1e-5
    assert onnx.embed([]).shape == (0, reference.dim)


def test_search_with_the_export_gives_the_same_hits(exported, real_corpus_index):
    root, _ = exported
    folder, index = real_corpus_index
    served = Index.open(folder, load_export(DEFAULT_MODEL, root=root), serving=True)
    try:
        for question in QUESTIONS:
            ours = [(h.chunk.chunk_id, [c.chunk_id for c in h.parts]) for h in served.search(question, 10)]
            theirs = [(h.chunk.chunk_id, [c.chunk_id for c in h.parts]) for h in index.search(question, 10)]
            assert ours == theirs, question
    finally:
        served.close()


def test_no_export_means_sentence_transformers(tmp_path, monkeypatch):
    assert load_export(DEFAULT_MODEL, root=tmp_path) is None
    monkeypatch.setenv("SAFECITE_MODEL_CACHE", str(tmp_path))
    reload_settings()
    embedder = make_embedder(DEFAULT_MODEL, serving=True)
    assert type(embedder).__name__ == "SentenceTransformerEmbedder"


def test_switched_off_by_environment(exported, monkeypatch):
    root, _ = exported
    monkeypatch.setenv("SAFECITE_ONNX", "0")
    reload_settings()
    assert load_export(DEFAULT_MODEL, root=root) is None


def test_export_of_other_model_files_is_refused(exported, tmp_path, monkeypatch, caplog):
    root = _copy_export(exported[0], tmp_path)
    record_file = export_folder(DEFAULT_MODEL, root) / EXPORT_FILE
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["fingerprint"]["model.safetensors"][0] += 1  # as if the weights had been replaced since
    record_file.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ConfigError, match="other files"):
        load_export(DEFAULT_MODEL, root=root)
    monkeypatch.setenv("SAFECITE_MODEL_CACHE", str(root))
    reload_settings()
    with caplog.at_level(logging.WARNING, logger="safecite"):
        embedder = make_embedder(DEFAULT_MODEL, serving=True)
    assert type(embedder).__name__ == "SentenceTransformerEmbedder"
    assert "re-export" in caplog.text and "sentence-transformers" in caplog.text


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_damaged_export_is_refused(exported, tmp_path, damage):
    root = _copy_export(exported[0], tmp_path)
    onnx_file = export_folder(DEFAULT_MODEL, root) / ONNX_FILE
    size = onnx_file.stat().st_size
    if damage == "truncated":
        with open(onnx_file, "r+b") as handle:
            handle.truncate(size // 2)
    elif damage == "garbage":  # same size, not a model
        onnx_file.write_bytes(os.urandom(1024) * (size // 1024) + b"\0" * (size % 1024))
    else:
        onnx_file.unlink()
    with pytest.raises(ConfigError, match=ONNX_FILE.split(".")[0]):
        load_export(DEFAULT_MODEL, root=root)


def test_export_refuses_other_pooling(tmp_path):
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]), encoding="utf-8")
    (model / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}), encoding="utf-8")
    with pytest.raises(ConfigError, match="only mean pooling"):
        export(str(model), root=tmp_path / "models")
    assert not (tmp_path / "models").exists()
    with pytest.raises(ConfigError, match="not a local"):
        export("some-org/some-hub-model", root=tmp_path / "models")


def test_serving_process_does_not_import_torch(exported, real_corpus_index):
    """A CLI question in a new process: answered, with torch never imported."""
    root, _ = exported
    folder, _ = real_corpus_index
    code = ("import sys, json; from answer.service import answer_question; from index.search import Index; "
            "i = Index.open(sys.argv[1], serving=True); a = answer_question(i, sys.argv[2]); "
            "print(json.dumps({'embedder': type(i.embedder).__name__, 'torch': 'torch' in sys.modules, "
            "'sentence_transformers': 'sentence_transformers' in sys.modules, 'citations': len(a.citations)}))")
    env = {**os.environ, "SAFECITE_MODEL_CACHE": str(root), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(folder), QUESTIONS[0]], capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == {"embedder": "OnnxEmbedder", "torch": False, "sentence_transformers": False,
                    "citations": seen["citations"]}
    assert seen["citations"] > 0


def test_export_cli_reports_up_to_date(exported):
    root, _ = exported
    env = {**os.environ, "SAFECITE_MODEL_CACHE": str(root), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run([sys.executable, "-m", "index", "export-model"], capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "all-MiniLM-L6-v2: up to date" in proc.stdout
