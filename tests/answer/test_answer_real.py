"""The answerer over the project's own corpus, indexed with the real bundled
model (the session fixture `real_corpus_index` in conftest.py: one build shared
by every module that asks for it). Nothing here changes the index.

The question sets below were written against corpus/: every "unanswerable"
question asks for something (a unit, a named standard or body, a named
quantity, a fee) that no file of corpus/ contains; every "answerable" one has
its answer in a named document (noted beside it)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import PROJECT_ROOT, quoted_in

from answer.extractive import Answerer
from answer.llm import LLMConfig
from answer.models import REFUSAL, Answer
from answer.service import answer_question
from answer.verify import check_answer, statements
from core.text import CJK, lang_of
from index.search import Index

from fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.corpus

DUST_EN = "regulations-en/dust-explosion-prevention-rules.md"
RIVERTON_PLAN = "plans/riverton-special-rectification-campaign-plan-2024.md"
JIANGCHUAN_PLAN = "plans/jiangchuan-yejin-gongmao-anquan-zhuanxiang-zhengzhi-fangan-2025.md"
FINDINGS_2024 = "records/inspection-findings-2024.csv"

BRIEF_EN = "How do I inspect dust explosion risks in a polishing workshop?"
BRIEF_ZH = "如何检查抛光车间的粉尘爆炸风险？"
ALUMINIUM = "How do I inspect dust explosion risks in an aluminium polishing shop?"
ALUMINIUM_ZH = "如何检查铝粉抛光车间的粉尘爆炸风险？"

# A finding in my own words, like F2024-013, F2024-025 and F2024-034 of the 2024
# register ("The water level switch of the wet collector is disconnected, so the
# N polishing machines do not stop when the water level drops.").
WET_SWITCH = ("The wet scrubber's water level switch had been unplugged, so the polishing machines "
              "kept running after the water dropped")
WET_SWITCH_IDS = {"F2024-013", "F2024-025", "F2024-034"}  # Eastbridge, Lakeport, Eastbridge
WET_SWITCH_ZH = "湿式除尘器水位联锁被断开，水位下降后抛光机仍然继续运转，没有自动停机"

RECORD_KEYS = ("enterprise", "city", "date", "hazard_category", "status", "deadline")
JSON_KEYS = {"question", "resolved_question", "mode", "grounded", "answer", "citations", "records", "generator",
             "timings_ms"}
CITATION_KEYS = {"n", "chunk_id", "source", "title", "doc_type", "locator", "page", "quote", "text", "score"}

_ENDS_WITH_MARKER = re.compile(r"\[\d+\]$")

# Unanswerable but on topic. Checked absent from every file of corpus/ (the
# extracted text of the PDF, DOCX, CSV and XLSX files included): mg/m3 and 毫克,
# mA and 毫安, N·m and 牛·米, kilograms and 公斤, NFPA, ATEX, EN 14491, GB 15577,
# GB 3836, the National Fire Protection Association, 《工贸企业重大事故隐患判定标准》,
# noise, heat index, wind speed, fees and insurance premiums.
UNANSWERABLE = [
    "What is the occupational exposure limit for airborne aluminium dust in mg/m3?",
    "How many milliamps should the residual current device of a power tool used inside a confined space trip at?",
    "What torque in N·m should the bolts of a dust collector explosion vent panel be tightened to?",
    "How many kilograms of Class D extinguishing agent must be kept at each polishing station?",
    "How often does NFPA 484 require dust collectors for metal dust to be inspected?",
    "Which ATEX category must fans on the dirty side of a metal dust collector meet?",
    "What does EN 14491 require for the sizing of explosion vent panels?",
    "Does the National Fire Protection Association require spark detection on aluminium dust ducts?",
    "At what noise level must workers in the ladle repair shop wear hearing protection?",
    "At what heat index does work on the casting floor have to stop?",
    "At what wind speed must the lifting of molten metal ladles stop?",
    "What percentage of the inspection fee does the enterprise pay for the calibration of CO detectors?",
    "人体接触多少毫安的电流时，有限空间内的漏电保护器必须动作？",
    "除尘器泄爆板的固定螺栓拧紧力矩应为多少牛·米？",
    "铝粉尘的职业接触限值是多少毫克每立方米？",
    "每个抛光工位应当配备多少公斤D类灭火剂？",
    "根据GB 15577，粉尘爆炸危险区域应当如何划分？",
    "粉尘爆炸危险场所的防爆电气设备应当符合GB 3836的哪一部分？",
    "《工贸企业重大事故隐患判定标准》对湿式除尘器有哪些规定？",
    "NFPA 652要求粉尘危害分析多久更新一次？",
    "深井铸造企业安全生产责任保险的保费费率是百分之多少？",
]

# Unanswerable because what is asked is of another act, unit or body than the
# evidence states: a period for something else (almost every passage states some
# period), a unit absent from the corpus (millijoules, lux), a body named in
# Chinese without 《》. The last six were written after the check was built.
UNANSWERABLE_OTHER_SUBJECT = [
    "How long is the special equipment operator certificate of a metallurgical crane driver valid?",
    "How many years must the alarm history of fixed CO detectors be archived after the plant closes?",
    "How often must the explosion vent panels be replaced, in years?",
    "What is the minimum ignition energy of aluminium dust in millijoules?",
    "How many lux of lighting are required at the bottom of a casting pit?",
    "煤气防护站的救护车辆使用多少年后必须报废更新？",
    "有限空间作业监护人员的培训证书有效期几年？",
    "铝镁粉尘除尘器滤袋的更换周期是几个月？",
    "国家矿山安全监察局对粉尘涉爆企业有什么要求？",
    "How many years is the gas operation permit valid?",  # valid for one shift
    "有限空间作业监护人员的上岗证书多少年需要复审？",
    "除尘器滤袋多久更换一次？",
    "What is the minimum ignition temperature of magnesium dust in degrees Celsius?",
    "国家消防救援局对铝粉抛光车间有什么要求？",
    "How many months may a casting pit interlock bypass authorisation remain valid?",  # valid for one cast
]

ANSWERABLE = [
    "How often must fixed carbon monoxide detectors be calibrated?",  # gas rules Art. 21: every 6 months
    "What is the minimum design air velocity in ducts carrying metal dust?",  # dust rules Art. 17: 23 m/s
    "How long must dust explosion prevention training records be kept?",  # dust rules Art. 9: 3 years
    "How many polishing stations may be connected to one dry dust collector?",  # dust rules Art. 23(2): 10
    "How far from the workshop wall must a dry dust collector installed outdoors be?",  # dust rules Art. 16: 6 m
    "How quickly must the emergency shut-off stop the flow of molten aluminium into the moulds?",  # casting Art. 28
    "What free height must be left between the metal surface and the rim of a ladle lifted by a crane?",  # Art. 19
    "What oxygen and carbon monoxide readings are required before workers may enter a confined space?",  # guidance 4.3
    "What is the CO alarm set point in the Metallurgical Gas Safety Rules?",  # gas rules Art. 19: 24 / 160 ppm
    "What does SC/T 0102 require for the capture velocity at polishing hoods?",  # SC/T 0102 5.1.1: 1.0 m/s
    "How often must ladle trunnions be tested?",  # ladle rules Art. 11: once a year
    "What is the maximum dust layer thickness allowed in a dust explosion hazard location?",  # Art. 29: 1 mm
    "How often must the earthing resistance of dust collection systems be measured?",  # Art. 21: once a year
    "一氧化碳检测报警装置的一级报警值设定为多少？",  # 煤气规定第十五条: 24ppm
    "粉尘爆炸危险场所的积尘厚度不得超过多少？",  # 粉尘规定第二十六条: 一毫米
    "湿式除尘器的低水位报警装置多久测试一次？",  # 粉尘规定第十七条: 每周
    "有限空间作业审批表的有效期是多长？",  # 有限空间规定第十条: 一个班次
    "铸造井不铸造时防护栏杆的高度不得低于多少？",  # 高温熔融金属规定第二十四条: 一点二米
    "发生有限空间作业事故后应当在多长时间内向应急管理部门报告？",  # 有限空间规定第二十九条: 一小时
    "煤气防护站应当配备多少套空气呼吸器？",  # 煤气规定第三十二条: 六套
    "新上岗的粉尘作业人员初次培训不得少于多少学时？",  # 粉尘规定第九条: 二十四学时
    "盲板抽堵作业时管道内压力应当控制在多少？",  # 煤气规定第二十一条: 二百帕至一千五百帕
    "SC/T 0103对铸造井盖板的承载能力有什么要求？",  # SC/T 0103 3.1.2: 5千牛每平方米
    "违反粉尘防爆安全规定第十五条会被罚款多少？",  # 粉尘规定第三十一条: 一万元以上五万元以下
    # Written after the period check was built:
    "How long must the records of dust collector inspection, testing and cleaning be kept?",  # SC/T 0102 8.3.1
    "Within how many hours must a faulty CO detector be repaired or replaced?",  # gas rules: 24 hours
    "煤气作业票的有效期是多长？",  # 煤气规定: 不超过一个班次
    "How many days does an enterprise have to report a major hidden hazard?",  # dust rules: 5 working days
    "清扫记录要保存几年？",  # 粉尘规定第二十六条: 不少于一年
]


@dataclass
class Real:
    folder: Path
    index: Index
    answerer: Answerer


@pytest.fixture(scope="module")
def real(real_corpus_index) -> Real:
    folder, index = real_corpus_index
    return Real(folder, index, Answerer(index))


def retrieved(index: Index, answer: Answer, k: int = 8, filters=None) -> dict:
    """chunk_id -> chunk of everything the answerer's search returned (each hit
    with the other parts of its article), searched again the same way."""
    hits = Answerer(index).retrieve(answer.resolved_question, answer.mode, k, filters)
    return {c.chunk_id: c for hit in hits for c in hit.chunks}


def assert_well_cited(index: Index, answer: Answer, filters=None) -> None:
    """The invariants of a grounded extractive answer."""
    assert answer.grounded and answer.answer and answer.citations, answer.notice
    assert answer.nearest == ()
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert check_answer(answer.answer, list(answer.citations)) == []
    found = statements(answer.answer)
    assert found and all(s.markers for s in found)
    used = {n for s in found for n in s.markers}
    assert used == {c.n for c in answer.citations}, "every citation is used, every marker has a citation"
    chunks = retrieved(index, answer, filters=filters)
    by_n = {c.n: c for c in answer.citations}
    articles = []
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.text
        chunk = chunks.get(citation.chunk_id)
        assert chunk is not None, f"[{citation.n}] cites {citation.chunk_id}, which the search did not return"
        assert (citation.source, citation.title, citation.doc_type, citation.locator) == (
            chunk.source, chunk.title, chunk.doc_type, chunk.locator)
        # An article indexed in parts is cited once: the parts cited, in the document's order.
        parts = sorted((c for c in chunks.values() if (c.doc_id, c.locator) == (chunk.doc_id, chunk.locator)
                        and c.doc_type != "record" and c.text in citation.text), key=lambda c: c.start)
        # ... each after a line break, or a line of "…" where a part between them is not cited.
        assert chunk in parts and len(citation.text) <= sum(len(p.text) + len("\n…\n") for p in parts), citation.n
        assert citation.text == chunk.text or len(parts) > 1
        assert citation.page == min((p.page_start for p in parts if p.page_start is not None), default=None)
        articles.append((chunk.doc_id, chunk.chunk_id if chunk.doc_type == "record" else chunk.locator))
    assert len(set(articles)) == len(articles), "one number per article"
    for line in answer.answer.splitlines():
        # A label ("#### Riverton Dust Hazard Inspection Checklist › 2 Inspection
        # items", "#### Deadline") states nothing; every other line ends in its markers.
        assert line.startswith("#### ") or _ENDS_WITH_MARKER.search(line), line
    for statement in found:  # each a verbatim quote of the passage its first marker names
        assert quoted_in(statement.text, by_n[statement.markers[0]].text), statement.raw


def cjk_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(bool(CJK.match(ch)) for ch in letters) / max(1, len(letters))


# --- the brief's example --------------------------------------------------------

def test_the_example_question_in_english(real):
    answer = real.answerer.answer(BRIEF_EN)
    assert (answer.mode, answer.lang, answer.resolved_question) == ("howto", "en", BRIEF_EN)
    assert_well_cited(real.index, answer)
    lines = [line for line in answer.answer.splitlines() if not line.startswith("#### ")]
    assert len(lines) >= 4 and all(line.startswith(("- ", "  - ")) for line in lines), answer.answer  # a checklist
    assert DUST_EN in {c.source for c in answer.citations}
    assert "polishing" in answer.answer
    assert set(answer.timings_ms) >= {"search", "total"}


def test_the_example_question_in_chinese(real):
    answer = real.answerer.answer(BRIEF_ZH)
    assert (answer.mode, answer.lang) == ("howto", "zh")
    assert_well_cited(real.index, answer)
    lines = answer.answer.splitlines()
    assert all(line.startswith(("- ", "  - ", "#### ")) for line in lines)
    # Chinese passages first; English ones after them, under a label saying so.
    chunks = retrieved(real.index, answer)
    langs = [chunks[c.chunk_id].lang for c in answer.citations]
    assert langs[0] == "zh" and langs == sorted(langs, key=lambda lang: lang != "zh"), langs
    first_english = next(i for i, line in enumerate(lines) if "原文（英文）" in line)
    assert cjk_share("\n".join(lines[:first_english])) > 0.5, answer.answer
    labels = [line for line in lines if line.startswith("#### ")]
    english = {c.title for c in answer.citations if chunks[c.chunk_id].lang == "en"}
    assert all(any(title in label and "原文（英文）" in label for label in labels) for title in english), labels


# --- rectification ----------------------------------------------------------------

def test_rectification_deadline_in_english(real):
    # Riverton plan, III (3): "15 days for carbon monoxide alarm defects, including detectors out of calibration ..."
    answer = real.answerer.answer("What are the rectification deadlines for carbon monoxide alarm defects "
                                  "found in the Riverton campaign?")
    assert answer.mode == "rectify"
    assert_well_cited(real.index, answer)
    stated = [s for s in statements(answer.answer) if "15 days" in s.text and "carbon monoxide" in s.text]
    assert stated, answer.answer
    assert RIVERTON_PLAN in {c.source for c in answer.citations if c.n in stated[0].markers}


def test_rectification_deadline_in_chinese(real):
    # 江川方案 三（三）2："一氧化碳检测报警装置失效、超期未校准……等隐患，整改期限为15日"
    answer = real.answerer.answer("一氧化碳检测报警装置失效的隐患整改期限是多少天？")
    assert (answer.mode, answer.lang) == ("rectify", "zh")
    assert_well_cited(real.index, answer)
    stated = [s for s in statements(answer.answer) if "15日" in s.text and "一氧化碳" in s.text]
    assert stated, answer.answer
    assert JIANGCHUAN_PLAN in {c.source for c in answer.citations if c.n in stated[0].markers}


# --- similar findings -------------------------------------------------------------

def assert_records_are_citations(answer: Answer) -> None:
    assert answer.mode == "similar" and answer.grounded and answer.records
    assert check_answer(answer.answer, list(answer.citations)) == []
    by_n = {c.n: c for c in answer.citations}
    assert len(by_n) == len(answer.citations)
    for record in answer.records:
        citation = by_n[record["n"]]
        assert citation.doc_type == "record"
        assert (record["source"], record["locator"]) == (citation.source, citation.locator)
        assert record["finding"] == citation.quote and citation.quote in citation.text
        for key in RECORD_KEYS:
            assert record[key] and record[key] == citation.fields[key], key
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", record[key]) for key in ("date", "deadline"))
    # Every citation is a record shown or the clause one of them cites.
    clauses = {r["clause"]["n"] for r in answer.records if r["clause"]}
    assert {r["n"] for r in answer.records} | clauses == set(by_n)


def assert_cited_clauses_resolve(answer: Answer) -> None:
    """Each record's cited clause is the indexed article its reference names."""
    by_n = {c.n: c for c in answer.citations}
    resolved = [r for r in answer.records if r["clause"]]
    assert resolved, "no record's cited clause was found in the index"
    for record in resolved:
        clause = by_n[record["clause"]["n"]]
        assert clause.doc_type == "regulation" and clause.quote in clause.text
        assert (clause.title, clause.locator) == (record["clause"]["title"], record["clause"]["locator"])
        reference = record["regulation_cited"]
        assert clause.locator in reference and (clause.title in reference or reference.startswith(clause.title))
        # The statement naming the clause quotes the record's line and cites both.
        line = next(line for line in answer.answer.splitlines() if line.endswith(f"[{record['n']}][{clause.n}]"))
        assert reference in line and line[2:line.rindex(" [")] in by_n[record["n"]].text


def test_similar_findings(real):
    answer = real.answerer.answer(WET_SWITCH)
    assert_records_are_citations(answer)
    # Each register is searched on its own: the English register's three
    # records of this defect lead its records, the first of them first of all,
    # and the Chinese register's records of the same defect are listed too.
    english = [r for r in answer.records if r["source"] == FINDINGS_2024]
    assert {r["record_id"] for r in english[:3]} == WET_SWITCH_IDS, [r["record_id"] for r in answer.records]
    assert all("water level switch" in r["finding"] for r in english[:3])
    assert answer.records[0]["source"] == FINDINGS_2024
    assert any(r["record_id"].startswith("YH2025-") and "水位" in r["finding"] for r in answer.records)
    assert_cited_clauses_resolve(answer)


def test_similar_findings_in_chinese(real):
    answer = real.answerer.answer(WET_SWITCH_ZH)
    assert answer.lang == "zh"
    assert_records_are_citations(answer)
    chinese = [r for r in answer.records if r["record_id"].startswith("YH2025-")]
    assert answer.records[0] in chinese and all("水位" in r["finding"] for r in chinese[:3]), answer.records
    assert_cited_clauses_resolve(answer)
    assert "粉尘爆炸" in answer.answer and "整改期限" in answer.answer


@pytest.mark.parametrize("filters, keep", [
    ({"city": "Eastbridge"}, lambda r: r["city"] == "Eastbridge"),
    ({"status": "Overdue"}, lambda r: r["status"] in ("Overdue", "逾期未整改")),
    ({"date_from": "2024-06-01", "date_to": "2024-12-31"}, lambda r: "2024-06-01" <= r["date"] <= "2024-12-31"),
    ({"city": "Eastbridge", "status": "Overdue"}, lambda r: r["city"] == "Eastbridge" and r["status"] == "Overdue"),
    ({"city": "eastbridge", "status": ["overdue", "In progress"]},
     lambda r: r["city"] == "Eastbridge" and r["status"] in ("Overdue", "In progress")),
])
def test_filters_restrict_the_similar_findings(real, filters, keep):
    unfiltered = real.answerer.answer(WET_SWITCH)
    answer = real.answerer.answer(WET_SWITCH, filters=filters)
    assert_records_are_citations(answer)
    assert all(keep(r) for r in answer.records), answer.records
    # The best matches that pass the filter are still found; those that do not are gone.
    expected = {r["record_id"] for r in [r for r in unfiltered.records if keep(r)][:2]}
    got = {r["record_id"] for r in answer.records}
    assert expected and expected <= got
    assert not {r["record_id"] for r in unfiltered.records if not keep(r)} & got


# Descriptions of nothing any register records (an office, a canteen), in our own words.
UNLIKE_ANY_FINDING = ["The canteen coffee machine leaks water onto the floor near the cashier",
                      "办公室打印机卡纸，墨盒用完了，审计期间无法打印"]


@pytest.mark.parametrize("question", UNLIKE_ANY_FINDING)
def test_a_description_like_no_finding_is_refused(real, question):
    answer = real.answerer.answer(question, mode="similar")
    assert (answer.mode, answer.grounded, answer.records) == ("similar", False, ())
    assert answer.answer == REFUSAL[lang_of(question)] and answer.notice
    assert answer.nearest and all(c.doc_type == "record" for c in answer.nearest)  # shown as not similar


def test_similar_findings_are_cut_off_and_counted(real):
    answer = real.answerer.answer(WET_SWITCH)
    ids = [r["record_id"] for r in answer.records]
    # The similar ones only: every record listed is about the water level's
    # interlock or alarm, none about the collector's other defects.
    assert WET_SWITCH_IDS <= set(ids) and len(ids) <= 8, ids
    assert all("water level" in r["finding"] or "水位" in r["finding"] for r in answer.records), answer.records
    assert [r["rank"] for r in answer.records] == list(range(1, len(ids) + 1))
    assert all(r["locator"] == r["record_id"] for r in answer.records)  # cited by their own ids
    states = {"Overdue": "overdue", "Rectified": "closed", "In progress": "open",
              "逾期未整改": "overdue", "已整改": "closed", "整改中": "open"}
    expected = {state: sum(1 for r in answer.records if states[r["status"]] == state) for state in states.values()}
    assert {k: answer.summary[k] for k in expected} == expected and answer.summary["found"] == len(ids)
    head = answer.answer.splitlines()[0]
    assert head.startswith(f"### {len(ids)} similar past findings: ")
    assert all(f"{n} {word}" in head for n, word in ((expected["overdue"], "overdue"),
                                                     (expected["closed"], "rectified")) if n)


def test_a_filter_that_matches_nothing_refuses(real):
    answer = real.answerer.answer(WET_SWITCH, filters={"city": "Atlantis"})
    assert (answer.mode, answer.grounded, answer.answer) == ("similar", False, REFUSAL["en"])
    assert answer.records == () and answer.citations == ()


# --- refusals ---------------------------------------------------------------------

def assert_refusal(answer: Answer, question: str) -> None:
    lang = lang_of(question)
    assert answer.lang == lang
    assert answer.answer == REFUSAL[lang]
    assert answer.citations == () and answer.records == ()
    assert answer.notice  # why it was refused
    # The nearest passages are shown, labelled as such (not as citations).
    assert answer.nearest
    for passage in answer.nearest:
        assert passage.title and passage.locator and passage.quote and passage.quote in passage.text


def test_unanswerable_questions_are_refused(real):
    refused, answered = [], []
    for question in UNANSWERABLE:
        answer = real.answerer.answer(question)
        if answer.grounded:
            answered.append(f"{question} -> {answer.answer[:120]!r}")
        else:
            assert_refusal(answer, question)
            refused.append(question)
    rate = len(refused) / len(UNANSWERABLE)
    print(f"\nunanswerable refused: {len(refused)}/{len(UNANSWERABLE)} = {rate:.0%}")
    assert rate >= 0.9, "answered although the corpus does not answer:\n" + "\n".join(answered)
    assert {lang_of(q) for q in refused} == {"en", "zh"}


def test_answerable_questions_are_answered(real):
    refused = []
    for question in ANSWERABLE:
        answer = real.answerer.answer(question)
        if not answer.grounded:
            refused.append(f"{question} -> {answer.notice}")
            assert_refusal(answer, question)
        else:
            assert_well_cited(real.index, answer)
            assert answer.lang == lang_of(question)
    rate = len(refused) / len(ANSWERABLE)
    print(f"\nanswerable wrongly refused: {len(refused)}/{len(ANSWERABLE)} = {rate:.0%}")
    assert rate <= 0.1, "refused although the corpus answers:\n" + "\n".join(refused)


# Questions the corpus answers, asked again of a region none of its files
# covers (a province or state: index.lexicon.regions): the question asks for
# that region's rules, which a passage that never mentions the region does not
# give. (region asked, the question without it, answered above.)
ELSEWHERE = [
    ("How often must fixed carbon monoxide detectors be calibrated at a steel plant in Quebec?", "Quebec",
     ANSWERABLE[0]),
    ("In New South Wales, how long must dust explosion prevention training records be kept?", "New South Wales",
     ANSWERABLE[2]),
    ("魁北克省的工厂，湿式除尘器的低水位报警装置多久测试一次？", "魁北克", ANSWERABLE[15]),
    ("在巴伐利亚州，有限空间作业审批表的有效期是多长？", "巴伐利亚", ANSWERABLE[16]),
    # A province of China, whose national rules corpus/ holds: none of them
    # names the province, so they are shown as the nearest passages, not as its rules.
    ("江苏的企业，有限空间作业审批表的有效期是多长？", "江苏", ANSWERABLE[16]),
]


@pytest.mark.parametrize("question, region, without", ELSEWHERE, ids=[r for _, r, _ in ELSEWHERE])
def test_a_question_on_a_region_no_document_covers_is_refused_naming_it(real, question, region, without):
    assert real.answerer.answer(without).grounded
    answer = real.answerer.answer(question)
    assert_refusal(answer, question)
    assert region in answer.notice


def test_a_refusal_shows_the_nearest_passages_labelled_as_not_answering(real, capsys):
    from service.cli.answer import _print

    answer = real.answerer.answer(UNANSWERABLE[4])
    assert not answer.grounded
    _print(answer, as_json=False)
    out = capsys.readouterr().out
    assert REFUSAL["en"] in out.splitlines() and "NFPA 484" in out  # the refusal, and why
    assert "Nearest passages (not answering):" in out
    assert all(f"{c.title} — {c.locator}" in out for c in answer.nearest)
    assert not re.search(r"^\[\d+\]", out, re.M)  # nothing is listed as a citation


def test_refusals_tie_what_is_asked_to_its_subject(real):
    answered = [q for q in UNANSWERABLE_OTHER_SUBJECT if real.answerer.answer(q).grounded]
    rate = 1 - len(answered) / len(UNANSWERABLE_OTHER_SUBJECT)
    print(f"\nperiod/unit/body unanswerables refused: {len(UNANSWERABLE_OTHER_SUBJECT) - len(answered)}/{len(UNANSWERABLE_OTHER_SUBJECT)}")
    assert rate >= 0.9, "answered although the corpus does not answer:\n" + "\n".join(answered)


# --- follow-ups -------------------------------------------------------------------

def test_a_follow_up_is_answered_with_the_previous_question(real):
    answer = real.answerer.answer("and for magnesium dust?", previous=ALUMINIUM)
    assert answer.question == "and for magnesium dust?"
    assert answer.resolved_question != answer.question
    assert "aluminium polishing shop" in answer.resolved_question and "magnesium dust" in answer.resolved_question
    assert answer.mode == "howto"
    assert_well_cited(real.index, answer)
    assert "magnesium" in answer.answer


def test_a_chinese_follow_up(real):
    answer = real.answerer.answer("那镁粉呢？", previous=ALUMINIUM_ZH)
    assert answer.resolved_question != answer.question and "镁粉" in answer.resolved_question
    assert (answer.mode, answer.lang) == ("howto", "zh")
    assert_well_cited(real.index, answer)


@pytest.mark.parametrize("follow_up", ["and under NFPA 484?", "what about the ATEX zone?"])
def test_a_follow_up_the_corpus_does_not_answer_is_refused(real, follow_up):
    # The previous question is answered; its evidence does not answer the follow-up.
    assert real.answerer.answer(ALUMINIUM).grounded
    answer = real.answerer.answer(follow_up, previous=ALUMINIUM)
    assert answer.resolved_question != follow_up
    assert not answer.grounded
    assert_refusal(answer, follow_up)


# --- the optional LLM, against the fake server on 127.0.0.1 -----------------------

def test_llm_answer_through_the_service(real, no_proxy):
    hits = real.index.search(BRIEF_EN, 8)
    # The model answers with two sentences of the passage it was sent as [n], each with its marker.
    n, hit = next((n, h) for n, h in enumerate(hits, start=1) if h.chunk.source == DUST_EN)
    sentences = [s for s in re.split(r"(?<=[.;])\s+", hit.chunk.text) if len(s.split()) >= 6][:2]
    assert sentences
    reply = " ".join(f"{s.rstrip('.;')} [{n}]." for s in sentences)
    with FakeLLMServer({"corpus-model": Reply(text=reply)}) as server:
        config = LLMConfig(url=server.url, model="corpus-model", timeout_s=5.0, max_stream_s=10.0)
        tokens: list[str] = []
        answer = answer_question(real.index, BRIEF_EN, llm=config, on_token=tokens.append)
        assert len(server.requests) == 1
        sent = json.dumps(server.requests[0].body, ensure_ascii=False)
        assert hit.chunk.text.split("\n")[0][:60] in sent  # the passages went to the model
        # A refused question never reaches the model.
        refused = answer_question(real.index, UNANSWERABLE[4], llm=config)
        assert not refused.grounded and refused.generator == "extractive" and len(server.requests) == 1
    assert answer.generator == "llm:corpus-model" and answer.grounded and not answer.notice
    assert "".join(tokens) == reply  # streamed
    assert check_answer(answer.answer, list(answer.citations)) == []
    assert [c.n for c in answer.citations] == [n]
    assert answer.citations[0].chunk_id == hit.chunk.chunk_id and answer.citations[0].text == hit.chunk.text
    assert len(statements(answer.answer)) == len(sentences)
    assert "llm" in answer.timings_ms


def test_llm_failure_falls_back_to_the_extractive_answer(real, no_proxy):
    extractive = real.answerer.answer(BRIEF_EN)
    failing = {"broken": Reply(status=500, body=b'{"error": {"message": "model crashed"}}')}
    with FakeLLMServer(failing) as server:
        config = LLMConfig(url=server.url, model="broken", stream=False, timeout_s=5.0)
        answer = answer_question(real.index, BRIEF_EN, llm=config)
        assert len(server.requests) == 1
    assert answer.generator == "extractive"
    assert "did not answer" in answer.notice and "500" in answer.notice
    assert (answer.answer, answer.citations, answer.grounded) == (extractive.answer, extractive.citations, True)


# --- the CLI (two subprocesses: each loads the real model) -----------------------

CLI_BATCH = [
    {"id": "en-howto", "question": BRIEF_EN},
    {"id": "zh-rectify", "question": "一氧化碳检测报警装置失效的隐患整改期限是多少天？"},
    {"id": "similar", "question": WET_SWITCH},
    {"id": 7, "question": UNANSWERABLE[4]},
]


def _cli_env() -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for name in list(env):
        if name.startswith("SAFECITE_"):  # no index, model or LLM from the environment
            env.pop(name)
    return env


@pytest.fixture(scope="module")
def cli_runs(real, tmp_path_factory):
    """The CLI runs, started together when the first CLI test asks (they come
    last in this module, so nothing else competes for the cores): each spends
    most of its ~13 s loading torch and the model, single-threaded, so side by
    side they take little longer than one. Output goes to files: a full pipe
    would stall the child."""
    folder = tmp_path_factory.mktemp("cli")
    batch = folder / "questions.jsonl"
    batch.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in CLI_BATCH) + "\n\n", encoding="utf-8")
    runs = {}
    filtered = ["--json", "--mode", "similar", "--city", "eastbridge", "--status", "Overdue", "--status", "In progress",
                WET_SWITCH]
    for name, args in (("json", ["--json", BRIEF_EN]), ("batch", ["--batch", str(batch)]), ("filtered", filtered)):
        out, err = folder / f"{name}.out", folder / f"{name}.err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "answer", "--index", str(real.folder), *args],
                                    cwd=folder, env=_cli_env(), stdout=stdout, stderr=stderr)
        runs[name] = (proc, out, err)
    yield runs
    for proc, _, _ in runs.values():
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _finished(run) -> str:
    proc, out, err = run
    assert proc.wait(timeout=300) == 0, err.read_text(encoding="utf-8")
    return out.read_text(encoding="utf-8")


def test_cli_json(real, cli_runs):
    data = json.loads(_finished(cli_runs["json"]))
    assert JSON_KEYS <= set(data)
    assert data["question"] == data["resolved_question"] == BRIEF_EN
    assert (data["mode"], data["grounded"], data["generator"]) == ("howto", True, "extractive")
    assert data["citations"] and data["records"] == []
    for citation in data["citations"]:
        assert CITATION_KEYS <= set(citation)
        assert citation["quote"] in citation["text"]
    assert {"search", "total"} <= set(data["timings_ms"])
    # The same answer as in-process.
    expected = real.answerer.answer(BRIEF_EN)
    assert data["answer"] == expected.answer
    assert [c["chunk_id"] for c in data["citations"]] == [c.chunk_id for c in expected.citations]


def test_cli_batch(cli_runs):
    lines = [json.loads(line) for line in _finished(cli_runs["batch"]).splitlines()]
    assert [line["id"] for line in lines] == ["en-howto", "zh-rectify", "similar", 7]
    for line, item in zip(lines, CLI_BATCH):
        assert JSON_KEYS <= set(line) and line["question"] == item["question"]
        assert line["generator"] == "extractive"
    assert [line["mode"] for line in lines] == ["howto", "rectify", "similar", "howto"]
    assert [line["grounded"] for line in lines] == [True, True, True, False]
    english = [r for r in lines[2]["records"] if r["record_id"].startswith("F2024-")]
    assert {r["record_id"] for r in english[:3]} == WET_SWITCH_IDS, lines[2]["records"]
    assert lines[3]["answer"] == REFUSAL["en"] and lines[3]["citations"] == [] and lines[3]["nearest"]


def test_cli_filters_similar_findings(cli_runs):
    data = json.loads(_finished(cli_runs["filtered"]))
    assert (data["mode"], data["grounded"]) == ("similar", True)
    assert data["records"]
    assert all(r["city"] == "Eastbridge" and r["status"] in ("Overdue", "In progress") for r in data["records"])


# --- the index as `make run` builds it (the default embedder plan) -------------------

def test_a_chinese_question_answered_by_the_chinese_rules_is_answered_from_them_in_the_lists_order(
        served_corpus_index):
    """corpus/'s gas rules are in both languages, so USE-m3 and the glossary
    keywords agree on the English article: with the Chinese keywords and USE-m3
    agreeing on the Chinese one, that is no reason to search the English rules
    first. The answer quotes the article's lead, then its items in their order."""
    _, index = served_corpus_index
    answer = Answerer(index).answer("一氧化碳检测报警装置的一级报警值设定为多少？")
    assert answer.grounded and answer.citations[0].source.startswith("regulations-zh/"), answer
    text = answer.answer
    assert "24ppm" in text and text.index("（一）") < text.index("（二）"), text
    assert text.count("（一）一级报警值") == 1


def test_an_english_checklist_quotes_the_english_rules_first_where_both_languages_have_them(served_corpus_index):
    """The search weighs the Chinese rules as the other language's share of the
    question; a checklist also reads the best passages in the question's own
    language and lists its own language's documents first."""
    _, index = served_corpus_index
    answer = Answerer(index).answer("How should dust explosion risks be inspected in an aluminium polishing shop?",
                                    mode="howto")
    labels = [line[5:] for line in answer.answer.splitlines() if line.startswith("#### ")]
    articles = [label for label in labels if "Checklist" not in label]
    assert articles and articles[0].startswith("Dust Explosion Prevention Rules"), labels
    english = [i for i, label in enumerate(articles) if "original in Chinese" not in label]
    assert english == list(range(len(english))), labels  # the English documents before the Chinese ones
