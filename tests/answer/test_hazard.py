"""The major-hazard job (answer/criteria.py, answer/hazard.py) on the sample
criteria document of corpus/, and on the shared dev findings when they exist."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import PROJECT_ROOT, FakeEmbedder, indexed

from answer import hazard
from answer.criteria import criteria_items
from answer.hazard import _prepared, by_meaning, conditions, judge, read_condition
from answer.hazard_scope import (enterprise_kind, enterprise_kinds, enterprises, gapped, kinds, other_than, same_kind,
                                 sibling)
from answer.hazard_text import explain

SAMPLE = PROJECT_ROOT / "corpus" / "regulations-zh" / "shili-zhongda-shigu-yinhuan-panding-biaozhun.md"
OTHER = PROJECT_ROOT / "corpus" / "regulations-zh" / "fenchen-fangbao-anquan-guiding.md"
SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    embedder = FakeEmbedder()
    with indexed(tmp_path_factory.mktemp("hazard"), (SAMPLE, OTHER), embedder, embedder=embedder) as opened:
        yield opened


def test_items_are_read_from_the_document(index):
    items = criteria_items(index)
    locators = [it.locator for it in items]
    assert locators[:3] == ["第二条第（一）项", "第二条第（二）项", "第三条第（一）项"]
    assert "第六条" in locators and "第一条" not in locators  # a purpose article is no item
    item = items[locators.index("第五条第（一）项")]
    assert item.sector == "涉氨制冷企业" and item.text == "速冻间内同时作业人员超过8人的"
    assert all(it.source.endswith("shili-zhongda-shigu-yinhuan-panding-biaozhun.md") for it in items)


def test_conditions_split_on_alternatives_only(index):
    items = {it.locator: it for it in criteria_items(index)}
    assert conditions(items["第四条第（一）项"]) == ["干式除尘器未设置泄爆口", "泄爆口被封堵"]
    assert conditions(items["第三条第（二）项"]) == ["熔炼炉未设置应急排放坑或者备用铁水包"]


@pytest.mark.parametrize("finding, major, locator", [
    ("铸造车间的中频炉前没有应急排放坑，也没有备用铁水包。", True, "第三条第（二）项"),
    ("倾动式电炉前没有应急排放坑。", False, "第三条第（二）项"),  # the item's exception
    ("速冻间里有10个人在装盘。", True, "第五条第（一）项"),
    ("速冻间里有6个人在装盘。", False, "第五条第（一）项"),  # within the limit
    ("The dry dust collector has no explosion vent.", True, "第四条第（一）项"),
    # "not" belongs to the second statement: the vent is there and open.
    ("The dry dust collector's explosion vent is in place and not blocked.", False, "第四条第（一）项"),
    ("打磨工位的电气设备用的是普通电机，不是防爆的。", True, "第四条第（四）项"),
    ("打磨工位的电气设备都是防爆型的，有合格证。", False, "第四条第（四）项"),  # names the kind 非防爆 excludes
])
def test_verdicts(index, finding, major, locator):
    judgement = judge(index, finding)
    assert (judgement.major, judgement.item.locator) == (major, locator)
    assert judgement.citations()[0]["locator"] == locator and judgement.citations()[0]["text"]


def test_an_item_scoped_by_a_kind_is_not_met_by_a_sibling_kind():
    item = "黄酒发酵车间未设置通风设施的"
    assert kinds(item) == ["黄酒"]
    assert sibling(item, "葡萄酒厂发酵车间没有通风。") == ("葡萄酒", "黄酒")
    assert sibling(item, "黄酒厂发酵车间没有通风。") is None  # the item's own kind
    assert sibling(item, "发酵车间没有通风。") is None  # no kind named
    # A listed kind qualifies nothing: a furnace of another name is not a sibling.
    assert kinds("熔炼炉未设置应急排放坑或者备用铁水包的") == []
    assert kinds("转炉、电弧炉等炼钢炉的水冷元件未设置报警装置的") == []


def test_a_condition_on_any_kind_but_one_is_met_by_a_sibling_kind():
    condition = "起重机卷扬系统选用非钢芯钢丝绳"
    assert other_than(condition, "起重机的钢丝绳拆开一看是纤维芯的。") == ("纤维芯", "钢芯")
    assert other_than(condition, "起重机的钢丝绳是钢芯的。") is None  # the kind itself
    # "非X" of the subject ("使用非水性漆的调漆间") is not the condition: not met by a sibling.
    assert other_than("使用非水性漆的调漆间未设置报警装置", "调漆间用的是油性漆，没有报警装置。") is None


def test_the_explanation_names_the_sibling_kind_that_meets_a_condition(index):
    from dataclasses import replace

    judgement = judge(index, "打磨工位的电气设备用的是普通电机，不是防爆的。")
    met = replace(judgement.conditions[0], met=True, why="kind: 纤维芯|钢芯")
    assert "描述所说的是“纤维芯”，不是“钢芯”" in explain(replace(judgement, conditions=(met,)))


def test_a_thing_named_with_words_inserted_into_the_items_name_is_another_thing():
    item = "电工、焊工等特种作业人员未取得相应资格证书上岗作业的"
    assert gapped(item, "叉车司机没有特种设备作业人员证。") == ("特种设备作业人员", "特种作业人员")
    assert gapped(item, "焊工没有特种设备作业人员证。") is None  # names one of the item's own
    assert gapped(item, "特种作业人员没有证。") is None
    assert gapped(item, "特种的作业人员没有证。") is None  # a particle, not another word
    assert gapped("涂料调配、灌装场所未设置可燃气体报警装置", "涂料厂调配间没有报警仪。") is None  # the works' own
    assert gapped("粉尘爆炸危险场所设置在非框架结构的多层建筑内", "粉尘爆炸危险场所在三层砖楼里") is None


@pytest.mark.parametrize("finding, major", [
    ("叉车司机没有特种设备作业人员证，说在老家开过几年。", False),
    ("焊工没有取得特种作业操作证就上岗焊接。", True),
])
def test_verdict_on_another_thing_named_like_the_items(index, finding, major):
    judgement = judge(index, finding)
    assert (judgement.major, judgement.item.locator) == (major, "第二条第（二）项")
    if not major:
        assert judgement.reason == "other scope: 特种设备作业人员|特种作业人员"


@pytest.mark.parametrize("finding, major", [
    ("木粉打磨工位的除尘系统采用正压吹送。", False),  # another powder than the item's
    ("铝粉打磨工位的除尘系统采用正压吹送。", True),
    ("镁铝粉打磨工位的除尘系统采用正压吹送。", True),  # shares the item's modifier
])
def test_verdict_on_a_sibling_kind(index, finding, major):
    judgement = judge(index, finding)
    assert (judgement.major, judgement.item.locator) == (major, "第四条第（二）项")
    if not major:
        assert judgement.reason == "other scope: 木粉|铝粉"
        assert "描述所说的是“木粉”，该项针对的是“铝粉”" in explain(judgement)


def test_an_absence_whose_words_are_said_as_much_there_as_missing_is_not_met():
    # "消防" is said in a clause saying a thing there and in one saying a thing
    # missing (a hose): the equipment the condition asks for is not said missing.
    clauses = [("消防通道畅通", {"消防", "通道", "畅通"}, "present"), ("没配消防水带", {"消防", "水带"}, "missing")]
    assert read_condition("未配备消防器材", "", clauses, {"消防": 2.5}).met is False
    # Said missing more than there, it is met.
    clauses[1] = ("没配消防器材", {"消防", "器材"}, "missing")
    assert read_condition("未配备消防器材", "", clauses, {"消防": 2.5}).met is True


def test_a_finding_about_nothing_of_the_criteria_is_not_major_and_says_so(index):
    judgement = judge(index, "食堂的灶台上油污较多，排烟罩也很久没有清洗。")
    assert (judgement.major, judgement.reason) == (False, "not mentioned")
    text = explain(judgement)
    assert "描述几乎没有说到这一最接近条款的条件，也没有符合其他条款" in text
    assert "需要说明的事实" not in text  # no fact of the nearest item would make it major


def test_explanation_quotes_the_item_and_the_words(index):
    text = explain(judge(index, "铸造车间的中频炉前没有应急排放坑，也没有备用铁水包。"))
    assert text.startswith("**重大事故隐患**")
    assert "> 熔炼炉未设置应急排放坑或者备用铁水包的（倾动式电炉除外）" in text and "应急" in text


def test_no_criteria_document_cannot_tell(tmp_path):
    embedder = FakeEmbedder()
    with indexed(tmp_path, (OTHER,), embedder, embedder=embedder) as opened:
        assert judge(opened, "除尘器没有泄爆口").major is None


class _Meaning(FakeEmbedder):
    """The Chinese list's model for the meaning tests: the hashed vectors, except
    that every text holding one of `SAME` gets one vector (they mean the same)."""

    SAME = ("应急排放坑", "没处放")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def vector(self, text: str) -> np.ndarray:
        if any(s in text for s in self.SAME):
            return super().vector("同一个意思")
        return super().vector(text)


@pytest.fixture
def zh_index(tmp_path_factory, monkeypatch):
    """The sample criteria indexed with a list of its own for Chinese, as the
    default plan has (e5 over Chinese), its model given a threshold."""
    monkeypatch.setitem(hazard.MEANING, "fake-zh", 0.9)
    made = {name: _Meaning(name) for name in ("fake-zh", "fake-all")}
    with indexed(tmp_path_factory.mktemp("hazard-zh"), (SAMPLE,), made, embedders="zh=fake-zh,all=fake-all",
                 embedder_factory=made.__getitem__) as opened:
        yield opened


def test_by_meaning_reads_only_clauses_saying_a_thing_missing(zh_index):
    cache = _prepared(zh_index)
    texts = ["熔炼炉未设置应急排放坑或者备用铁水包", "炉前地坑在生产期间存在积水"]
    # "没处放" says missing and means the first condition; the second is far.
    close = by_meaning(zh_index, cache, texts, "两台中频炉，出了事铁水没处放。")
    assert close[0][0] > 0.99 and close[1][0] < 0.9
    assert close[0][1] in ("出了事铁水没处放", "两台中频炉，出了事铁水没处放")
    # The same words said present, or in English, are not read by meaning.
    assert by_meaning(zh_index, cache, texts, "炉前有应急排放坑。") == [(0.0, "")] * 2
    assert by_meaning(zh_index, cache, texts, "There is no 应急排放坑 at the furnace.") == [(0.0, "")] * 2


def test_an_absence_said_in_other_words_is_met_by_meaning(zh_index, monkeypatch):
    finding = "中频炉前出了事钢水没处放。"
    judgement = judge(zh_index, finding)
    assert (judgement.major, judgement.item.locator) == (True, "第三条第（二）项")
    assert "描述中意思相同的一句: " in explain(judgement) and "没处放" in explain(judgement)
    # By its words alone the finding does not meet the item; nor by meaning
    # when the model has no threshold measured for it.
    monkeypatch.setitem(hazard.MEANING, "fake-zh", 1.01)
    assert judge(zh_index, finding).major is not True
    monkeypatch.delitem(hazard.MEANING, "fake-zh")
    assert by_meaning(zh_index, _prepared(zh_index), ["熔炼炉未设置应急排放坑"], finding) == [(0.0, "")]
    assert judge(zh_index, finding).major is not True


def test_the_kinds_of_enterprise_of_the_items_and_the_enterprises_a_finding_names():
    assert enterprise_kind("金属冶炼企业主要负责人未经考核合格的") == "金属冶炼企业"
    assert enterprise_kind("纸浆制造、造纸企业使用明火加热的") == "纸浆制造、造纸企业"
    # A kind opening one alternative only is no kind of the whole item.
    assert enterprise_kind("风管未设置阻火器，或者木制品加工企业未设置火花探测装置的") == ""
    assert enterprise_kinds(["风管未设置阻火器，或者木制品加工企业未设置火花探测装置的",
                             "金属冶炼企业主要负责人未经考核合格的", "金属冶炼企业未设置应急水源的"]) \
        == ["木制品加工企业", "金属冶炼企业"]
    assert same_kind("日用玻璃制造企业", "日用玻璃、陶瓷制造企业") and same_kind("金属冶炼企业", "金属冶炼企业")
    assert not same_kind("食品制造企业", "金属冶炼企业")
    assert enterprises("面包厂的安全员没有考核。") == ["面包厂"]
    assert enterprises("这家钢厂的检修包给了一家检修公司。") == ["钢厂", "检修公司"]
    assert enterprises("车间主任没有考核。") == []


class _Kinds(FakeEmbedder):
    """The Chinese list's model for the enterprise tests: a name (a few
    characters) of a food or a metal works gets that trade's one vector (they
    mean the same); a longer text is hashed as usual."""

    TRADES = {"食品": ("食品", "面包"), "冶炼": ("冶炼", "钢厂")}

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def vector(self, text: str) -> np.ndarray:
        name = text.removeprefix("query: ")
        trade = next((t for t, words in self.TRADES.items() if len(name) <= 8 and any(w in name for w in words)), None)
        return super().vector(trade) if trade else super().vector(text)


KINDS_CRITERIA = """---
title: 示例工贸企业重大事故隐患判定标准（分行业）
doc_type: regulation
language: zh
---

# 示例工贸企业重大事故隐患判定标准（分行业）

第一条为了判定工贸企业重大事故隐患，制定本标准。

第二条工贸企业有下列情形之一的，应当判定为重大事故隐患：（一）金属冶炼企业主要负责人未经安全生产知识考核合格的；（二）食品制造企业油炸设备未设置超温自动切断装置的。
"""


@pytest.mark.parametrize("finding, major", [
    ("面包厂的主要负责人没有经过安全生产知识考核。", False),  # a food works: the item is about metal works
    ("钢厂的主要负责人没有经过安全生产知识考核。", True),
    ("主要负责人没有经过安全生产知识考核。", True),  # no enterprise named: the item is read as before
])
def test_an_item_about_one_kind_of_enterprise_is_not_met_by_another(tmp_path, monkeypatch, finding, major):
    monkeypatch.setitem(hazard.MEANING, "fake-zh", 0.9)
    made = {name: _Kinds(name) for name in ("fake-zh", "fake-all")}
    (tmp_path / "built").mkdir()
    criteria = tmp_path / "kinds-criteria.md"
    criteria.write_text(KINDS_CRITERIA, encoding="utf-8")
    with indexed(tmp_path / "built", (criteria,), made, embedders="zh=fake-zh,all=fake-all",
                 embedder_factory=made.__getitem__) as opened:
        judgement = judge(opened, finding)
        assert (judgement.major, judgement.item.locator) == (major, "第二条第（一）项")
        if not major:
            assert judgement.reason == "other scope: 面包厂|金属冶炼企业"
            assert "描述所说的是“面包厂”，该项针对的是“金属冶炼企业”" in explain(judgement)
            # Its words meet the condition, but the item is not about it: not "符合的条件".
            assert "符合的条件" not in explain(judgement) and "不在该项的范围内" in explain(judgement)
        # Without a model of the criteria's language the kind is not read.
        monkeypatch.delitem(hazard.MEANING, "fake-zh")
        assert judge(opened, finding).major is True


def _shared_or_skip() -> Path:
    path = SHARED / "corpus" / "regulations-zh" / "departmental" / "gongmao-zhongda-shigu-yinhuan-panding-biaozhun_2023.md"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is needed under CI")
        pytest.skip("the shared corpus is not here")
    return path


def test_the_2023_criteria_read_completely(tmp_path):
    path = _shared_or_skip()
    embedder = FakeEmbedder()
    with indexed(tmp_path, (path,), embedder, embedder=embedder) as opened:
        items = criteria_items(opened)
    per_article: dict[int, int] = {}
    for it in items:
        per_article[it.article] = per_article.get(it.article, 0) + 1
    assert per_article == {3: 3, 4: 8, 5: 13, 6: 8, 7: 7, 8: 7, 9: 2, 10: 2, 11: 10, 12: 2, 13: 2, 14: 1}
    assert json.dumps([it.locator for it in items], ensure_ascii=False).count("第五条第（十三）项") == 1
    # Every gold item of the labelled findings is one parsed item, under its locator.
    findings = SHARED / "eval" / "hazard-judge.jsonl"
    by_locator = {it.locator: it.text for it in items}
    for line in findings.read_text(encoding="utf-8").splitlines():
        for gold in json.loads(line)["gold"] if line.strip() else []:
            assert gold["quote"] in by_locator[gold["locator"]], gold


def test_the_service_and_the_cli_judge_a_batch(tmp_path, monkeypatch, capsys):
    from service import SafeCite
    from service.cli import answer as cli

    fake = FakeEmbedder()
    (tmp_path / "corpus").mkdir()
    shutil.copy(SAMPLE, tmp_path / "corpus")
    service = SafeCite(tmp_path / "index", embedders={fake.name: fake})
    service.ingest([tmp_path / "corpus"], embedder=fake)
    with pytest.raises(ValueError, match="describe the finding"):
        service.judge_hazard("  ")
    batch = tmp_path / "findings.jsonl"
    batch.write_text(json.dumps({"id": "a", "finding": "倾动式电炉前没有应急排放坑。"}, ensure_ascii=False) + "\n"
                     + json.dumps({"id": "b", "finding": "速冻间里有10个人在装盘。"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    monkeypatch.setattr(cli.SafeCite, "open", classmethod(lambda cls, folder=None, **_: service))
    assert cli.main(["--job", "hazard", "--batch", str(batch), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["major"]) for r in lines] == [("a", False), ("b", True)]
    assert lines[1]["citations"][0]["locator"] == "第五条第（一）项"
    assert {"source", "text"} <= set(lines[1]["citations"][0])


def test_a_major_hazard_says_what_follows_and_a_near_miss_does_not(index):
    major = judge(index, "铸造车间的中频炉前没有应急排放坑，也没有备用铁水包。")
    assert major.follows and all("重大事故隐患" in f["quote"] and f["quote"] in f["text"] for f in major.follows)
    assert all(f["title"] == "粉尘防爆安全规定" for f in major.follows)  # never the criteria themselves
    assert judge(index, "速冻间里有6个人在装盘。").follows == ()
