"""The major-hazard judgement with a language model (answer/hazard_llm.py): a
real HTTP server on 127.0.0.1 (tests/fake_llm_server.py) plays the model; its
verdict is kept only when it holds against the item it quotes, over the sample
criteria document of corpus/."""
from __future__ import annotations

import json

import pytest
from fake_llm_server import FakeLLMServer, Reply
from support import PROJECT_ROOT, FakeEmbedder, indexed

from answer.hazard import judge
from answer.hazard_llm import judge_with_llm, messages
from answer.llm import LLMConfig

SAMPLE = PROJECT_ROOT / "corpus" / "regulations-zh" / "shili-zhongda-shigu-yinhuan-panding-biaozhun.md"
# Everyday words the extractive reading cannot tell from ("炉子前面那个坑" for 应急排放坑).
FINDING = "中频炉前面原来那个坑填平了，现在没地方接铁水，也没准备多余的铁水包。"
ITEM = "第三条第（二）项"


def _reply(**data) -> Reply:
    return Reply(text=json.dumps(data, ensure_ascii=False))


REPLIES = {
    "major": _reply(major=True, item=ITEM, met=["熔炼炉未设置应急排放坑或者备用铁水包"]),
    "fenced": Reply(text="```json\n" + json.dumps({"major": True, "item": ITEM, "met": ["备用铁水包"]},
                                                  ensure_ascii=False) + "\n```"),
    "invented-words": _reply(major=True, item=ITEM, met=["炉前没有应急坑"]),
    "other-item": _reply(major=True, item="第九条第（一）项", met=["熔炼炉"]),
    "cannot-tell": _reply(major=None, item=ITEM, missing="炉前是否另有应急排放坑"),
    "cannot-tell-silent": _reply(major=None, item=ITEM),
    "prose": Reply(text="This is a major hazard."),
    "broken": Reply(status=500, body=b'{"error": {"message": "overloaded"}}'),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    embedder = FakeEmbedder()
    with indexed(tmp_path_factory.mktemp("hazard-llm"), (SAMPLE,), embedder, embedder=embedder) as opened:
        yield opened


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer(REPLIES) as s:
        yield s


def _judged(index, server, model: str):
    extractive = judge(index, FINDING)
    assert ITEM in [it.locator for it in extractive.ranked[:3]]  # the item is among those sent
    return extractive, judge_with_llm(extractive, LLMConfig(url=server.url, model=model, stream=False, timeout_s=2))


@pytest.mark.parametrize("model", ["major", "fenced"])
def test_a_verdict_quoting_the_items_own_words_is_kept(index, server, model):
    _, judged = _judged(index, server, model)
    assert (judged.major, judged.item.locator, judged.reason) == (True, ITEM, "language model")
    assert judged.ranked[0].locator == ITEM and judged.citations()[0]["locator"] == ITEM
    assert all(c.met and c.text in judged.item.text for c in judged.conditions)


@pytest.mark.parametrize("model, why", [
    ("invented-words", "not the item's own words"),
    ("other-item", "no item it was given"),
    ("cannot-tell-silent", "names no deciding fact"),
    ("prose", "not the JSON asked for"),
    ("broken", "failed"),
])
def test_a_verdict_that_does_not_hold_leaves_the_extractive_one(index, server, model, why):
    extractive, judged = _judged(index, server, model)
    assert (judged.major, judged.item) == (extractive.major, extractive.item)
    assert why in judged.reason


def test_cannot_tell_names_the_fact_that_would_decide(index, server):
    _, judged = _judged(index, server, "cannot-tell")
    assert judged.major is None and judged.conditions[0].text == "炉前是否另有应急排放坑"


def test_the_model_sees_the_finding_and_the_first_items_quoted(index, server):
    extractive = judge(index, FINDING)
    sent = messages(extractive)[1]["content"]
    assert FINDING in sent
    assert all(f"[{it.locator}]" in sent and it.text in sent for it in extractive.ranked[:3])
    assert extractive.ranked[3].text not in sent


def test_the_service_judges_with_the_configured_model_and_records_it(index, server, tmp_path):
    from service.api import SafeCite

    fake = FakeEmbedder()
    config = LLMConfig(url=server.url, model="major", stream=False, timeout_s=2)
    service = SafeCite(index.folder, audit=tmp_path / "audit.sqlite", llm=config, embedders={fake.name: fake})
    judged = service.judge_hazard(FINDING)
    assert (judged.major, judged.item.locator, judged.reason) == (True, ITEM, "language model")
    assert any(r.body["model"] == "major" and FINDING in r.body["messages"][1]["content"] for r in server.requests)
