"""Record field values that mean the same in both languages (index/values.py):
the vocabulary file, place names with and without their suffix, and the
filters and filter values built on them, on a small index with both registers."""
from __future__ import annotations

import pytest
from support import FakeEmbedder, write_text

from index.build import ingest
from index.library import field_groups, field_values
from index.search import Index
from index.values import HERE, STATES, Vocabulary, default_vocabulary, normalise

EN_REGISTER = """Record ID,Enterprise,City,Finding,Status
E-1,Acme Polishing,Jiangchuan,Wet collector water level switch disconnected,Overdue
E-2,Acme Polishing,Jiangchuan City,Explosion vent faces a walkway,Rectified
E-3,Beta Castings,Riverton,Water near the casting pit,In progress
"""
ZH_REGISTER = """记录编号,企业名称,所在城市,隐患描述,整改状态
Z-1,江川铝业制品有限公司,江川市,湿式除尘器水位联锁断开,逾期未整改
Z-2,青岚钢铁有限公司,青岚市,煤气区域未设置警示标志,已整改
Z-3,江川铝业制品有限公司,江川,除尘风管法兰未跨接,整改中
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    base = tmp_path_factory.mktemp("values")
    write_text(base / "corpus" / "records" / "findings-en.csv", EN_REGISTER)
    write_text(base / "corpus" / "records" / "findings-zh.csv", ZH_REGISTER)
    fake = FakeEmbedder()
    ingest([base / "corpus"], base / "index", embedder=fake)
    opened = Index.open(base / "index", fake)
    yield opened
    opened.close()


def ids(index: Index, filters: dict) -> set[str]:
    return {h.chunk.fields["record_id"] for h in index.search("collector", 20, filters)}


def test_the_vocabulary_file_loads_and_every_status_has_a_state():
    vocabulary = Vocabulary.load(HERE / "values.tsv")
    statuses = [g for g in vocabulary.groups if g.field == "status"]
    assert statuses and all(g.state in STATES for g in statuses)
    assert all(g.terms for g in vocabulary.groups)


@pytest.mark.parametrize("value, state", [
    ("Overdue", "overdue"), ("逾期未整改", "overdue"), ("overdue", "overdue"),
    ("Rectified", "closed"), ("已整改", "closed"),
    ("In progress", "open"), ("整改中", "open"),
    ("Waiting for the inspector", ""),
])
def test_a_status_counts_as_its_state_in_either_language(value, state):
    assert default_vocabulary().state(value) == state


@pytest.mark.parametrize("a, b", [
    ("江川市", "江川"), ("Riverton City", "Riverton"), ("riverton", "Riverton"), ("内蒙古自治区", "内蒙古"),
])
def test_a_place_is_the_same_with_or_without_its_suffix(a, b):
    assert normalise("city", a) == normalise("city", b)


def test_a_suffix_is_kept_when_it_is_the_name():
    # "市" alone, or a one-character stem, is not cut down to nothing.
    assert normalise("city", "沙市") == "沙市"
    assert normalise("status", "已整改") != normalise("status", "整改")  # only places lose a suffix


def test_a_vocabulary_row_joins_an_english_and_a_chinese_place(tmp_path):
    path = write_text(tmp_path / "values.tsv", "field\tstate\ten\tzh\n# comment\ncity\t\tHekou\t河口市\n")
    vocabulary = Vocabulary.load(path)
    assert vocabulary.key("city", "Hekou") == vocabulary.key("city", "河口") == vocabulary.key("city", "河口市")
    assert vocabulary.equivalents("city", ["hekou"], ["河口市", "Riverton", "Hekou City"]) == ["hekou", "河口市",
                                                                                              "Hekou City"]


def test_a_question_names_stored_values_by_any_spelling_of_their_group():
    vocabulary = default_vocabulary()
    cities = ["Jiangchuan", "江川市", "Riverton"]
    statuses = ["Overdue", "Rectified", "逾期未整改", "已整改", "现行有效"]
    groups, left = vocabulary.named("city", cities, "Which findings in Jiangchuan are overdue?")
    assert groups == [["Jiangchuan", "江川市"]] and "jiangchuan" not in left
    assert vocabulary.named("city", cities, "江川有哪些隐患")[0] == [["Jiangchuan", "江川市"]]  # without its suffix
    assert vocabulary.named("city", cities, "Findings in Riverton City?") == ([["Riverton"]], "findings in  ?")
    assert vocabulary.named("city", cities, "Rivertonia findings")[0] == []  # a word, not part of one
    # The longest spelling first: "逾期未整改" is overdue, not also "未整改" (open).
    assert vocabulary.named("status", statuses + ["未整改"], "逾期未整改的隐患")[0] == [["Overdue", "逾期未整改"]]
    assert vocabulary.named("status", statuses, "Which findings are overdue?")[0] == [["Overdue", "逾期未整改"]]
    # A one-word English status is an ordinary word in a question; a status
    # with no state in the vocabulary is not a rectification status.
    assert vocabulary.named("status", statuses, "similar findings and how they were rectified")[0] == []
    assert vocabulary.named("status", statuses, "已整改的隐患")[0] == [["Rectified", "已整改"]]
    assert vocabulary.named("status", statuses, "现行有效的规定有哪些")[0] == []


@pytest.mark.parametrize("line, message", [
    ("status\tdone\tDone\t完成", "state must be one of overdue, open, closed"),
    ("status\tclosed\tDone", "expected field, state, en, zh"),
])
def test_a_malformed_vocabulary_line_is_refused(tmp_path, line, message):
    path = write_text(tmp_path / "values.tsv", f"field\tstate\ten\tzh\n{line}\n")
    with pytest.raises(ValueError, match=message):
        Vocabulary.load(path)


def test_a_group_is_offered_in_the_page_language_in_its_fullest_spelling():
    vocabulary = default_vocabulary()
    group = ["Overdue", "逾期未整改"]
    assert [vocabulary.label("status", group, lang) for lang in ("en", "zh")] == ["Overdue", "逾期未整改"]
    assert vocabulary.label("city", ["Riverton"], "zh") == "Riverton"  # no Chinese spelling: its own
    assert vocabulary.label("city", ["江川", "江川市", "Jiangchuan"], "zh") == "江川市"


@pytest.mark.parametrize("filters, expected", [
    ({"status": "Overdue"}, {"E-1", "Z-1"}),
    ({"status": "逾期未整改"}, {"E-1", "Z-1"}),
    ({"status": ["rectified", "整改中"]}, {"E-2", "Z-2", "E-3", "Z-3"}),
    ({"city": "Jiangchuan"}, {"E-1", "E-2", "Z-1", "Z-3"}),
    ({"city": "江川市"}, {"E-1", "E-2", "Z-1", "Z-3"}),
    ({"city": "江川市", "status": "Overdue"}, {"E-1", "Z-1"}),
    ({"city": "Riverton"}, {"E-3"}),
    ({"city": "Atlantis"}, set()),
])
def test_a_filter_matches_both_registers_spellings(index, filters, expected):
    assert ids(index, filters) == expected


def test_filter_values_offer_one_value_per_group(index):
    assert field_values(index, "status", "en") == ["In progress", "Overdue", "Rectified"]
    assert field_values(index, "status", "zh") == ["已整改", "整改中", "逾期未整改"]
    cities_en, cities_zh = field_values(index, "city", "en"), field_values(index, "city", "zh")
    assert len(cities_en) == len(cities_zh) == 3  # Jiangchuan (four spellings), Riverton, 青岚市
    assert "Jiangchuan" in cities_en and "江川市" in cities_zh and "Riverton" in cities_zh
    groups = {frozenset(g) for g in field_groups(index, "city")}
    assert frozenset({"Jiangchuan", "Jiangchuan City", "江川", "江川市"}) in groups
    # Every value offered filters to its whole group.
    for value in field_values(index, "city", "zh"):
        assert ids(index, {"city": value})
