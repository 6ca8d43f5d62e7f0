"""The checklist and rectification jobs, the refusals and the periods of work
cycles over the project's own corpus, indexed with the real bundled model
(the session fixture `real_corpus_index`). The questions are written in our
own words; what each must find is noted beside it from the corpus's files."""
from __future__ import annotations

import re

import pytest
from support import quoted_in

from answer.extractive import Answerer
from answer.models import REFUSAL, Answer
from answer.verify import check_answer, statements
from core.text import lang_of

pytestmark = pytest.mark.corpus

CHECKLIST = "plans/riverton-dust-hazard-inspection-checklist.docx"
DUST_EN = "regulations-en/dust-explosion-prevention-rules.md"
DUST_ZH = "regulations-zh/fenchen-fangbao-anquan-guiding.md"
LADLE = "regulations-en/molten-metal-ladle-inspection-rules.pdf"
PLANS = ("plans/riverton-special-rectification-campaign-plan-2024.md",
         "plans/jiangchuan-yejin-gongmao-anquan-zhuanxiang-zhengzhi-fangan-2025.md", CHECKLIST)
ITEM = re.compile(r"^- (\d+)\. ([^|]+?) \|")
CHECKLIST_EN = "How should an inspector check a dust-involved polishing workshop?"
CHECKLIST_ZH = "粉尘涉爆企业的抛光车间应该查哪些方面？"
RECTIFY_EN = ("A wet dust collector has no interlock with the polishing machines: what has to be fixed, by whom, "
              "by when, and what fine applies?")
RECTIFY_ZH = "湿式除尘器没有和抛光机联锁，要怎么整改、谁负责、多少天内完成、不整改罚多少？"


@pytest.fixture(scope="module")
def answerer(real_corpus_index) -> Answerer:
    return Answerer(real_corpus_index[1])


def assert_cited(answerer: Answerer, answer: Answer) -> None:
    """A grounded answer: every statement a verbatim quote of a passage the
    search returned, ending in its marker; labels state nothing."""
    assert answer.grounded and answer.citations, answer.notice
    assert check_answer(answer.answer, list(answer.citations)) == []
    returned = {c.chunk_id for hit in answerer.retrieve(answer.resolved_question, answer.mode) for c in hit.chunks}
    assert {c.chunk_id for c in answer.citations} <= returned
    by_n = {c.n: c for c in answer.citations}
    for statement in statements(answer.answer):
        assert statement.markers and quoted_in(statement.text, by_n[statement.markers[0]].text), statement.raw
    for line in answer.answer.splitlines():
        assert line.startswith("#### ") or re.search(r"\[\d+\]$", line), line


def sections(answer: Answer) -> dict[str, list[str]]:
    """Label -> the lines under it."""
    out: dict[str, list[str]] = {}
    label = ""
    for line in answer.answer.splitlines():
        if line.startswith("#### "):
            label = line[5:]
            out[label] = []
        else:
            out.setdefault(label, []).append(line)
    return out


def sources_of(answer: Answer, line: str) -> set[str]:
    by_n = {c.n: c for c in answer.citations}
    return {by_n[int(n)].source for n in re.findall(r"\[(\d+)\]", line)}


ITEMS_TABLE = "Riverton Dust Hazard Inspection Checklist › 2 Inspection items › "


def checklist_groups(answer: Answer) -> list[tuple[str, list[int]]]:
    """The checklist document's items as the answer lists them: (the equipment
    or area they are grouped under, their numbers), in the answer's order."""
    groups = []
    for label, lines in sections(answer).items():
        if not label.startswith(ITEMS_TABLE):
            continue
        numbers = []
        for line in lines:
            match = ITEM.match(line)
            assert match, line
            assert sources_of(answer, line) == {CHECKLIST}
            assert line.count(" | ") == 3, line  # the item, its requirement, its basis and the inspector's method
            numbers.append(int(match.group(1)))
        groups.append((label[len(ITEMS_TABLE):].split(" · ")[0], numbers))
    return groups


def checklist_items(answer: Answer) -> list[int]:
    """The numbers of the checklist document's items, grouped by area, each
    group in the document's order and the groups in the order of their first
    item; the area names are the answer's language's."""
    from answer.areas import default_areas

    groups = checklist_groups(answer)
    names = {area.label(answer.lang) for area in default_areas()}
    assert groups and all(area in names for area, _ in groups), groups
    assert all(numbers == sorted(numbers) for _, numbers in groups), groups
    assert [numbers[0] for _, numbers in groups] == sorted(numbers[0] for _, numbers in groups), groups
    return [n for _, numbers in groups for n in numbers]


# --- the checklist job -------------------------------------------------------------

def test_the_checklist_lists_the_checklist_documents_items_in_its_order(answerer):
    answer = answerer.answer(CHECKLIST_EN)
    assert answer.mode == "howto"
    assert_cited(answerer, answer)
    numbers = checklist_items(answer)
    assert len(numbers) >= 4 and len(numbers) == len(set(numbers)), numbers
    # Grouped by the equipment each item is about: the wet collector's interlock
    # under the dust collection system.
    assert any(area == "Dust collection system" and 3 in numbers for area, numbers in checklist_groups(answer))
    # The checklist comes first; then the articles that bear on it, each once.
    assert answer.answer.startswith("#### Riverton Dust Hazard Inspection Checklist")
    entries = [line for line in answer.answer.splitlines() if line.startswith("- ")]
    heads = [(sources_of(answer, line), re.match(r"- (Article \d+|第.+?条)", line)) for line in entries]
    articles = [(tuple(s), m.group(1)) for s, m in heads if m]
    assert articles and len(articles) == len(set(articles)), articles
    # What inspectors check is there; scope, definitions and the authority's general duties are not.
    assert "Article 37" in answer.answer
    for left_out in ("Article 2 These Rules apply", "Article 3 For the purposes", "Article 5 The emergency management",
                     "This checklist is used by", "3.4 Wet dust collector:"):
        assert left_out not in answer.answer


def test_a_chinese_checklist_lists_chinese_articles_then_the_english_checklist_labelled(answerer):
    answer = answerer.answer(CHECKLIST_ZH)
    assert (answer.mode, answer.lang) == ("howto", "zh")
    assert_cited(answerer, answer)
    labels = list(sections(answer))
    assert labels[0].startswith("粉尘防爆安全规定")
    english = [label for label in labels if label.startswith(("Riverton", "Dust Explosion"))]
    assert english and all(label.endswith("原文（英文）") for label in english)
    assert labels.index(english[0]) > labels.index(labels[0])
    numbers = checklist_items(answer)
    assert len(numbers) >= 4 and len(numbers) == len(set(numbers)), numbers
    assert "适用本规定" not in answer.answer and "是指" not in answer.answer


# --- the rectification job ---------------------------------------------------------

def test_a_rectification_answer_states_what_who_deadline_and_penalty_each_cited(answerer):
    answer = answerer.answer(RECTIFY_EN)
    assert answer.mode == "rectify"
    assert_cited(answerer, answer)
    found = sections(answer)
    assert list(found) == ["What must be rectified", "Who is responsible", "Deadline", "Penalty"]
    assert any("interlock" in line for line in found["What must be rectified"])
    assert any("responsib" in line for line in found["Who is responsible"])
    # The plans' deadline for interlocks: 30 days.
    deadline = [line for line in found["Deadline"] if "30 days for interlocks" in line or
                ("30 days" in line and "interlocks" in line)]
    assert deadline and sources_of(answer, deadline[0]) <= set(PLANS), found["Deadline"]
    # The fine for breaking Article 18 (the wet collector's interlock), from the same rules.
    penalty = [line for line in found["Penalty"] if "fine" in line and "Article 18" in line]
    assert penalty and sources_of(answer, penalty[0]) == {DUST_EN}, found["Penalty"]
    # A campaign's focus list is not a requirement.
    assert "Key Rectification Areas" not in {c.locator.split(" › ")[0] for c in answer.citations}


def test_a_chinese_rectification_answer_cites_the_30_day_deadline_and_the_fine(answerer):
    answer = answerer.answer(RECTIFY_ZH)
    assert (answer.mode, answer.lang) == ("rectify", "zh")
    assert_cited(answerer, answer)
    found = sections(answer)
    assert set(found) == {"整改要求", "责任主体", "整改期限", "处罚"}
    deadline = [line for line in found["整改期限"] if "联锁" in line and "30日" in line]
    assert deadline and sources_of(answer, deadline[0]) == {PLANS[1]}, found["整改期限"]
    penalty = [line for line in found["处罚"] if "罚款" in line and "第十七条" in line]
    assert penalty and sources_of(answer, penalty[0]) == {DUST_ZH}, found["处罚"]
    assert any("负主体责任" in line for line in found["责任主体"])
    assert "重点整治" not in answer.answer  # the campaign's focus list


def test_a_question_about_the_deadline_alone_has_it_first(answerer):
    answer = answerer.answer("By when must a disabled carbon monoxide alarm found in the Riverton campaign be put right?")
    assert answer.mode == "rectify"
    assert_cited(answerer, answer)
    first_label, first_lines = next(iter(sections(answer).items()))
    assert first_label == "Deadline" and any("15 days" in line for line in first_lines), answer.answer


@pytest.mark.parametrize("question, label, deadline, plan", [
    # The campaign plans give each kind of finding its period: 7 days for a
    # missing sign, up to 60 for work that rebuilds the dust collection.
    ("The warning sign at a dust collector is missing: how must it be rectified and by when?", "Deadline",
     "7 days for missing warning signs", "plans/riverton-special-rectification-campaign-plan-2024.md"),
    ("两个防火分区的除尘系统互相连通，要怎么整改，多少天内完成？", "整改期限", "整改期限最长为60日",
     "plans/jiangchuan-yejin-gongmao-anquan-zhuanxiang-zhengzhi-fangan-2025.md"),
])
def test_the_deadline_is_the_plans_period_for_the_kind_of_finding(answerer, question, label, deadline, plan):
    answer = answerer.answer(question, mode="rectify")
    assert_cited(answerer, answer)
    lines = sections(answer)[label]
    assert deadline in lines[0], lines
    n = int(re.search(r"\[(\d+)\]$", lines[0]).group(1))
    assert answer.citations[n - 1].source.endswith(plan)


@pytest.mark.parametrize("question, label", [
    ("What fines apply when a hazard is not rectified on time?", "Penalty"),
    ("隐患逾期未整改的，罚款多少？", "处罚"),
])
def test_a_question_about_the_penalty_alone_is_answered_by_the_fines(answerer, question, label):
    """Nothing found states a requirement or deadline of its own words, but
    it asks only for the penalty, which the rules' fines state."""
    answer = answerer.answer(question)
    assert answer.mode == "rectify"
    assert_cited(answerer, answer)
    first_label, first_lines = next(iter(sections(answer).items()))
    assert first_label == label and first_lines, answer.answer
    fines = [line for line in first_lines if line.startswith("- ")]  # each with what follows it as "  - "
    assert fines and all(re.search(r"\bfines?\b|罚款", line) for line in fines), first_lines


def test_a_rectification_question_asking_the_fines_amount_among_others_is_answered(answerer):
    """The job finds the fines beyond the passages the answerability decision
    weighs: an amount asked of the fine is not required of those."""
    answer = answerer.answer("A wet dust collector has no interlock with the polishing machines: what has to be "
                             "fixed, by whom, by when, and how much is the fine?")
    assert answer.mode == "rectify"
    assert_cited(answerer, answer)
    assert any(re.search(r"\bfine\b", line) for line in sections(answer)["Penalty"])


def test_a_rectification_question_the_documents_do_not_cover_is_refused(answerer):
    answer = answerer.answer("镁合金切削屑受潮后应当怎样处置？")
    assert not answer.grounded and answer.answer == REFUSAL["zh"] and answer.nearest


# --- answers that answer -----------------------------------------------------------

def test_an_answer_the_model_is_least_sure_of_carries_a_caution_in_its_language(answerer, monkeypatch):
    """Between the refusal threshold and the model's `caution`, the passages
    are shown under a caution that they may not answer directly, in both
    layouts (a lookup's sentences, a rectification's sections), and under
    the caution's one label instead of the job's sections, which would say
    that the lines are what must be rectified."""
    from dataclasses import replace

    from answer import answerability
    from answer.rectify import LABELS

    model = answerability.load()
    questions = {"en": "At what interval is the remaining thickness of a ladle's working lining measured?",
                 "zh": "湿式除尘器的泥浆清理不及时，应当如何整改？"}
    monkeypatch.setattr(answerability, "load", lambda: replace(model, caution=1.0))  # every answer in the band
    for lang, question in questions.items():
        answer = answerer.answer(question)
        assert answer.grounded and answer.lang == lang, answer.answer
        assert answer.notice.startswith(answerability.CAUTION[lang].split("（")[0].split(" (")[0]), answer.notice
        assert answer.answer.startswith(f"#### {answerability.CLOSEST[lang]}\n"), answer.answer
        assert answer.answer.count("#### ") == 1 and answer.citations
        assert all(f"[{c.n}]" in answer.answer for c in answer.citations)
    cautioned = answerer.answer(questions["zh"])
    assert cautioned.mode == "rectify" and not any(f"#### {label}" in cautioned.answer for label in LABELS["zh"])
    monkeypatch.setattr(answerability, "load", lambda: replace(model, caution=0.0))  # no band
    sure = [answerer.answer(q) for q in questions.values()]
    assert all(a.notice == "" and answerability.CLOSEST[a.lang] not in a.answer for a in sure)
    assert f"#### {LABELS['zh'][0]}" in sure[1].answer



def test_a_question_off_the_corpus_subject_is_refused_with_the_nearest_passages(answerer):
    answer = answerer.answer("What is the value-added tax rate on software licences?")
    assert not answer.grounded and answer.answer == REFUSAL["en"]
    assert answer.citations == () and answer.nearest and answer.notice


def test_a_word_cut_in_several_tokens_counts_once_in_what_a_passage_holds(answerer):
    # Only the alarm is the corpus's (carbon monoxide alarms); no passage mentions
    # the elevator car. Counted token by token, 报警装置 (four tokens) stood for
    # nearly half the question (0.46); counted by word, for about a fifth.
    question = "电梯轿厢里必须装什么报警装置？"
    hits, scores = answerer.retrieval(question, "lookup")
    assert answerer.signals(question, lang_of(question), hits, scores).values["holds"] < 0.3


def test_every_statement_of_a_lookup_holds_the_questions_subject(answerer):
    answer = answerer.answer("At what interval is the remaining thickness of a ladle's working lining measured?")
    assert answer.mode == "lookup"
    assert_cited(answerer, answer)
    assert answer.citations[0].source == LADLE and answer.citations[0].locator == "Article 9"
    assert "every 10 heats" in answer.answer
    for statement in statements(answer.answer):
        assert re.search(r"lining|ladle|thickness|包|衬|厚度", statement.text, re.I), statement.raw


@pytest.mark.parametrize("question, period", [
    ("钢包工作层内衬的残余厚度要多久测量一次？", "every 10 heats"),  # Ladle Inspection Rules Art. 9, in English
    ("How often must work positions in a dust hazard location be cleaned?", "once per shift"),  # dust rules Art. 29
    ("湿式除尘器的泥浆多长时间要清理一次？", "每班"),  # 粉尘规定第十七条
])
def test_a_period_in_work_cycles_answers_how_often(answerer, question, period):
    answer = answerer.answer(question)
    assert_cited(answerer, answer)
    assert period in answer.answer, answer.answer


def test_an_english_follow_up_that_asks_its_own_question(answerer):
    previous = "How should a wet dust collector be checked?"
    follow_up = "and how frequently does the sludge in the tank have to be cleared out?"
    answer = answerer.answer(follow_up, previous=previous)
    assert answer.resolved_question != follow_up and "wet dust collector" in answer.resolved_question
    assert answer.mode == "lookup"
    assert_cited(answerer, answer)
    assert "once per shift" in answer.answer or "every shift" in answer.answer, answer.answer
