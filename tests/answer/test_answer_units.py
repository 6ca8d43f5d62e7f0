"""The answerer's parts that need no index: reading a question (mode,
follow-up, what it asks for), sentence boundaries, and the citation check."""
from __future__ import annotations

import re

import pytest
from support import PROJECT_ROOT

from answer import grounding
from answer.extractive import Sentence
from answer.grounding import specifics, states_what_is_asked
from answer.models import Citation
from answer.question import PERIOD_ACTS, UNITS, asked_for, detect_mode, resolve_follow_up
from answer.verify import check_answer, statements, supported
from core.text import sentence_spans, split_sentences
from ingest.models import Chunk

ALUMINIUM = "How do I inspect dust explosion risks in an aluminium polishing shop?"
ALUMINIUM_ZH = "如何检查铝粉抛光车间的粉尘爆炸风险？"


# --- detect_mode ----------------------------------------------------------------

@pytest.mark.parametrize("question, mode", [
    (ALUMINIUM, "howto"),
    ("How should inspectors check the wet collector interlocks?", "howto"),
    ("如何检查粉尘涉爆企业的除尘系统？", "howto"),
    ("What are the rectification requirements and deadlines for overdue gas alarm findings?", "rectify"),
    ("What fines apply when the blind plate register is missing?", "rectify"),
    ("发现除尘器未设置泄爆装置应当如何整改？", "rectify"),
    ("逾期未整改的隐患怎么办？", "rectify"),
    # An event described, not asked about: find similar records.
    ("A worker fell through a skylight while cleaning dust from the roof of the polishing workshop last night",
     "similar"),
    ("铸造间隙铸造井口敞开，没有盖板也没有设置防护栏杆，夜班人员险些坠落", "similar"),
    ("Find past findings similar to this one: the water level switch of the wet collector was disconnected.",
     "similar"),
    ("找出类似的隐患记录", "similar"),
    ("What is the design air velocity in ducts carrying metal dust?", "lookup"),
    ("一氧化碳二级报警值是多少？", "lookup"),
    ("What is SC/T 0102?", "lookup"),
])
def test_detect_mode(question, mode):
    assert detect_mode(question) == mode


@pytest.mark.parametrize("question, mode", [
    # "fine" and "fix" are words, not parts of "confined", "defined" or "prefix".
    ("What gas readings are required before workers may enter a confined space?", "lookup"),
    ("Who signs the entry permit for a confined space?", "lookup"),
    ("What is defined as a dust explosion hazard location?", "lookup"),
    ("What does the prefix of a ladle number mean?", "lookup"),
    ("What fine applies to a missing confined space register?", "rectify"),
    ("How must the defect be fixed?", "rectify"),
    # "do" is a word: "what must be done before ..." asks a procedure, not a rectification.
    ("What must be done before workers enter a confined space?", "lookup"),
    ("What must the company do about the missing guardrail?", "rectify"),
])
def test_rectify_words_are_whole_words(question, mode):
    assert detect_mode(question) == mode


# --- resolve_follow_up ------------------------------------------------------------

def test_an_english_follow_up_carries_the_previous_question():
    resolved = resolve_follow_up("and for magnesium dust?", ALUMINIUM)
    assert resolved != "and for magnesium dust?"
    assert "aluminium polishing shop" in resolved and "magnesium dust" in resolved
    assert detect_mode(resolved) == "howto"


def test_a_chinese_follow_up_carries_the_previous_question():
    resolved = resolve_follow_up("那镁粉呢？", ALUMINIUM_ZH)
    assert "铝粉抛光车间" in resolved and "镁粉" in resolved
    # Still a question: without its question mark it would read as a finding to match.
    assert detect_mode(resolved) == "howto"
    assert detect_mode(resolve_follow_up("那镁粉呢", ALUMINIUM_ZH)) == "howto"


def test_a_word_before_the_asking_words_that_names_no_quantity_is_no_term():
    assert asked_for("每个车间配备多少名安全员？").terms == []
    assert asked_for("焊工证书多少钱？").terms == []


@pytest.mark.parametrize("question", [
    "What is the second-level carbon monoxide alarm set point?",
    "How often must trunnions be tested by ultrasonic methods, and who keeps the report on file?",
    "一氧化碳二级报警值是多少？",
])
def test_a_standalone_question_is_left_alone(question):
    assert resolve_follow_up(question, ALUMINIUM) == question
    assert resolve_follow_up(question, None) == question


def test_a_follow_up_without_a_previous_question_is_left_alone():
    assert resolve_follow_up("and for magnesium dust?", None) == "and for magnesium dust?"
    assert resolve_follow_up("and for magnesium dust?", "") == "and for magnesium dust?"


# --- asked_for --------------------------------------------------------------------

@pytest.mark.parametrize("question, unit", [
    ("有限空间内漏电保护器的动作电流应为多少毫安？", "ma"),
    ("How many milliamps should the residual current device trip at?", "ma"),
    ("What is the trip current in mA?", "ma"),
    ("泄爆板螺栓拧紧力矩应为多少牛·米？", "n·m"),
    ("What torque in N·m should the vent panel bolts be tightened to?", "n·m"),
    ("What is the CO alarm set point in ppm?", "ppm"),
    ("铝粉尘的职业接触限值是多少毫克每立方米？", "mg/m3"),
    ("How many kilograms of Class D agent must be kept at each station?", "kg"),
    ("What incident energy in cal/cm2 requires arc-rated clothing?", "cal/cm2"),
])
def test_asked_for_units(question, unit):
    assert asked_for(question).units == [unit]


@pytest.mark.parametrize("question", [
    "How long must training records be kept?",
    "How often must fixed carbon monoxide detectors be calibrated?",
    "How many days does the enterprise have to rectify a missing warning sign?",
    "培训记录保存多久？",
    "特种作业操作证几年复审一次？",
    "检测报告有效期多少年？",
])
def test_asked_for_periods(question):
    asked = asked_for(question)
    assert asked.period and not asked.units and not asked.share


@pytest.mark.parametrize("question", [
    "冷库停用了十几个月，重新启用前要做什么？",  # ten-odd months: the question states a period
    "好几年没校验的压力表还能用吗？",  # several years
    "车间里有二十几个人同时作业，要设几个安全出口？",  # 二十几个人 states; 几个 asks a number, not a period
])
def test_an_approximate_number_is_stated_not_asked(question):
    asked = asked_for(question)
    assert not asked.period and not asked.period_unit


def test_at_what_point_asks_when_not_a_quantity():
    assert asked_for("At what point must the employer report a hearing loss?").terms == []
    assert asked_for("At what stage must the permit be closed?").terms == []
    assert asked_for("At what noise level must hearing protection be worn?").terms == ["noise level"]


@pytest.mark.parametrize("question, act", [
    ("How long must training records be kept?", "kept"),  # the passive voice
    ("How long do we have to keep the training records?", "keep"),  # the act next to the period, not train
    ("How often should the shift supervisor test the CO alarms?", "test"),
    ("How often must the rigger examine the hoist ropes?", "examine"),
    ("培训证书有效期几年？", "有效期"),
])
def test_the_act_whose_period_is_asked(question, act):
    """A sentence gives the period of this act (or a word of its group) to answer."""
    asked = asked_for(question)
    assert act in asked.period_acts and asked.period_acts[0] == next(g for g in PERIOD_ACTS if act in g)[0]


@pytest.mark.parametrize("question", [
    "What percentage of general hidden hazards must be rectified within their deadlines?",
    "What share of the findings may remain overdue?",
    "专职安全管理人员至少占从业人员的多少？",
    "一般事故隐患整改率不低于多少比例？",
])
def test_asked_for_proportions(question):
    assert asked_for(question).share


@pytest.mark.parametrize("question, name", [
    ("Does NFPA 70E apply to arc flash in electrical rooms?", "NFPA 70E"),
    ("How often does NFPA 484 require collectors to be inspected?", "NFPA 484"),
    ("GB 15577 对粉尘爆炸危险场所有什么要求？", "GB 15577"),
    # A designation touching Chinese text, where \b sees no word boundary.
    ("根据GB 15577，粉尘爆炸危险区域应当如何划分？", "GB 15577"),
    ("NFPA 652要求粉尘危害分析多久更新一次？", "NFPA 652"),
    ("SC/T 0102对除尘器滤料有什么要求？", "SC/T 0102"),
    ("《工贸企业粉尘防爆安全规定》对清扫有什么要求？", "工贸企业粉尘防爆安全规定"),
    ("Does the National Fire Protection Association require spark detection?", "National Fire Protection Association"),
])
def test_asked_for_named_standards_and_bodies(question, name):
    assert name in asked_for(question).names


@pytest.mark.parametrize("question, term", [
    ("At what heat index does work on the casting floor have to stop?", "heat index"),
    ("At what noise level must hearing protection be worn?", "noise level"),
    ("What is the recommended weight limit for a two-handed lift?", "recommended weight limit"),
    # Documents say "the design air velocity ... not less than": the quantity is
    # named without its minimum / maximum.
    ("What is the minimum design air velocity in ducts carrying metal dust?", "design air velocity"),
    ("铸造井防护栏杆的高度不得低于多少？", "高度"),
    # Without a 的: the word before the asking words, when it names a quantity.
    ("企业所得税税率是多少？", "税率"),
    ("除尘风管风速应为多少？", "风速"),
])
def test_asked_for_the_named_quantity(question, term):
    assert asked_for(question).terms == [term]


@pytest.mark.parametrize("question", [
    ALUMINIUM,
    "如何检查粉尘涉爆企业的除尘系统？",
    "What is the maximum load of the crane?",
    "CO报警值应当设定为多少？",
    "CO2灭火器能否用于金属粉尘火灾？",  # a formula, not a standard's designation
])
def test_asked_for_nothing_specific(question):
    asked = asked_for(question)
    assert (asked.units, asked.period, asked.share, asked.names) == ([], False, False, [])


def test_common_acronyms_are_not_names():
    assert asked_for("What PPE does OSHA require at 5 PM?").names == []


# --- grounding: does the evidence state what is asked? --------------------------

@pytest.mark.parametrize("text, question, states", [
    ("trips at 30 mA within 0.1 s", "How many milliamps should it trip at?", True),
    ("动作电流不大于三十毫安", "动作电流应为多少毫安？", True),
    # A number followed by a word that merely starts like the unit is no quantity.
    ("Effective: 1 May 2024", "How many milliamps should it trip at?", False),
    ("the 10 machines stop", "What is the trip current in mA?", False),
    ("alarm at 24ppm，", "What is the set point in ppm?", True),
    ("Records are kept for 3 years.", "How long are records kept?", True),
    ("Records are kept on file.", "How long are records kept?", False),
    ("not less than 95% of general hidden hazards", "What percentage of hazards must be rectified?", True),
])
def test_states_what_is_asked(text, question, states):
    assert states_what_is_asked(text, asked_for(question)) is states


@pytest.mark.parametrize("question, payment", [
    ("举报重大事故隐患经查实的，最多能得到多少奖励？", "reward"),
    ("逾期未整改的，罚款是多少？", "fine"),
    ("How much is the penalty for a willful violation?", "fine"),
    ("How much compensation does a worker injured on the job receive?", "compensation"),
])
def test_an_amount_asked_is_read_with_the_payment_it_is_of(question, payment):
    asked = asked_for(question)
    assert asked.amount_of[0] == payment and "an amount of " + payment in asked.describe()


@pytest.mark.parametrize("question", [
    "What is the penalty for failing to rectify?",  # a penalty may be no sum at all
    "How much dust may settle on the beams?",
    "举报重大事故隐患有奖励吗？",
])
def test_no_amount_is_asked_without_asking_how_much(question):
    assert asked_for(question).amount_of == []


@pytest.mark.parametrize("text, states", [
    ("经查实的，给予最高10万元奖励。", True),
    ("按照罚没款金额的百分之十五给予奖励。", True),  # a share of a base
    ("对举报有功的人员给予奖励。", False),  # the reward named, no amount
    ("处二万元以上五万元以下的罚款。", False),  # an amount, of a fine
])
def test_an_amount_answers_only_in_a_sentence_naming_its_payment(text, states):
    question = "举报经查实的，奖金是多少？"
    assert states_what_is_asked(text, asked_for(question)) is states
    chunk = _sentence(text).chunk
    checks = specifics(question, asked_for(question), [chunk], [chunk.title])
    assert all(ok for _, ok, _ in checks) is states
    assert states or ("kind", False, "the passages found state no amount of reward") in checks


def _sentence(text: str, title: str = "Metallurgical Gas Safety Rules") -> Sentence:
    chunk = Chunk(chunk_id="c1", doc_id="d1", source="regulations-en/gas.md", title=title, doc_type="regulation",
                  lang="en", heading_path=(), locator="Article 19", page_start=None, page_end=None, start=0,
                  end=len(text), text=text)
    return Sentence(chunk, 0, 0, len(text), 1.0)


SET_POINT = "The first-level carbon monoxide alarm shall be set at 24 ppm."


@pytest.mark.parametrize("question, grounded", [
    ("What is the carbon monoxide alarm set point?", True),
    # The named document is the cited one: its clauses do not repeat its title.
    ("Which carbon monoxide alarm set point do the Metallurgical Gas Safety Rules give?", True),
    ("Which carbon monoxide alarm set point does NFPA 72 give?", False),
    ("Which carbon monoxide alarm set point do the Dust Explosion Prevention Rules give?", False),
    ("How many milliamps does the carbon monoxide alarm draw?", False),
    ("At what heat index does the carbon monoxide alarm sound?", False),
])
def test_specifics_are_found_in_the_passage_or_named_missing(question, grounded):
    chunk = _sentence(SET_POINT).chunk
    checks = specifics(question, asked_for(question), [chunk], [chunk.title])
    assert all(ok for _, ok, _ in checks) is grounded, checks
    assert all(why.startswith("the passages found") for _, ok, why in checks if not ok)



def test_a_name_is_found_in_the_other_language_through_its_glossary_translation():
    """A question naming a law in English is answered by the law's Chinese
    text, which names it in Chinese: the glossary's spelling counts."""
    from index.lexicon import default_lexicon

    question = "Under the Fire Protection Law, who must keep the fire lanes clear?"
    text = "机关、团体、企业、事业等单位应当保障疏散通道、安全出口、消防车通道畅通。"
    chunk = Chunk(chunk_id="c1", doc_id="d1", source="laws-zh/xiaofang.md", title="中华人民共和国消防法",
                  doc_type="regulation", lang="zh", heading_path=(), locator="第十六条", page_start=None,
                  page_end=None, start=0, end=len(text), text=text)
    asked = asked_for(question)
    assert asked.names == ["Fire Protection Law"]
    spellings = {name: default_lexicon().translate(name) for name in asked.names}
    assert ("names", True, "the passages found do not mention Fire Protection Law") in \
        specifics(question, asked, [chunk], [chunk.title], spellings)
    # Without the translation the Chinese law does not name it, and a law the
    # glossary translates otherwise is not taken for it.
    assert ("names", False, "the passages found do not mention Fire Protection Law") in \
        specifics(question, asked, [chunk], [chunk.title])
    other = Chunk(**{**chunk.__dict__, "title": "中华人民共和国安全生产法"})
    assert ("names", False, "the passages found do not mention Fire Protection Law") in \
        specifics(question, asked, [other], [other.title], spellings)


# --- sentence_spans ---------------------------------------------------------------

def test_sentence_spans_are_exact_trimmed_offsets():
    text = "  Stop the fan. Clean the hood!\nCheck the vent?  "
    spans = sentence_spans(text)
    assert spans == [(2, 15), (16, 31), (32, 47)]
    assert [text[a:b] for a, b in spans] == ["Stop the fan.", "Clean the hood!", "Check the vent?"]


def test_abbreviations_do_not_end_a_sentence():
    text = "The collector stopped at 5 p.m. on Friday. Units built in the U.S. need a permit. See No. 4 for details."
    assert split_sentences(text) == [
        "The collector stopped at 5 p.m. on Friday.",
        "Units built in the U.S. need a permit.",
        "See No. 4 for details.",
    ]
    for a, b in sentence_spans(text):
        assert text[a:b] == text[a:b].strip() and text[a:b]


def test_an_abbreviation_ends_no_sentence_however_long_the_sentence():
    long = "Dust collectors, ducts, hoods, fans, filter bags, ash hoppers and every other part of the system " * 3
    text = f"{long}are inspected by 5 p.m. each day. Then the log is signed."
    assert split_sentences(text) == [f"{long}are inspected by 5 p.m. each day.", "Then the log is signed."]


def test_chinese_sentences_end_at_full_stops_and_semicolons():
    text = "第一条除尘器应当接地。第二条不得使用压缩空气吹扫；第三条每班清扫！是否合格？"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["第一条除尘器应当接地。", "第二条不得使用压缩空气吹扫；", "第三条每班清扫！", "是否合格？"]
    assert spans[0] == (0, 11) and spans[-1][1] == len(text)
    # Contiguous: nothing between Chinese sentences is lost.
    assert all(a == b for (_, b), (a, _) in zip(spans, spans[1:]))


def test_lines_end_sentences_and_empty_text_has_none():
    assert split_sentences("(1) fan\n(2) filter bags\n\n(3) ash hopper") == [
        "(1) fan", "(2) filter bags", "(3) ash hopper"]
    assert sentence_spans("") == [] and sentence_spans(" \n ") == []


def test_an_items_number_at_the_start_of_a_line_ends_no_sentence():
    assert split_sentences("Check:\n1. The fan. Then the hood.\n2.3. The filter bags\nSee item 2. It is short.") == [
        "Check:", "1. The fan.", "Then the hood.", "2.3. The filter bags", "See item 2.", "It is short."]


def test_a_paragraph_wrapped_at_the_page_width_is_one_sentence():
    english = ("Article 4 Each launder shall be preheated with a gas burner or\n"
               "an electric heater for at least 20 minutes before the first pour, and after\n"
               "30 minutes without metal.\nArticle 5 Records\nThe operator signs:\n"
               "(a) the start time;\ntable_name: pours\ncolumn_name: start")
    assert split_sentences(english) == [
        "Article 4 Each launder shall be preheated with a gas burner or\nan electric heater for at least 20 minutes "
        "before the first pour, and after\n30 minutes without metal.",
        "Article 5 Records", "The operator signs:", "(a) the start time;", "table_name: pours", "column_name: start"]
    chinese = ("第三章 流槽\n第十二条 流槽在首次浇注前应当使用燃气烧嘴或者电加热器预热，预热时间\n"
               "不少于二十分钟。\n第十三条 记录\n操作人员应当记录以下内容，并在交班时签字确认，记录保存\n"
               "（一）开始时间；")
    assert split_sentences(chinese) == [
        "第三章 流槽", "第十二条 流槽在首次浇注前应当使用燃气烧嘴或者电加热器预热，预热时间\n不少于二十分钟。",
        "第十三条 记录", "操作人员应当记录以下内容，并在交班时签字确认，记录保存", "（一）开始时间；"]


# --- verify: statements and check_answer -----------------------------------------

PASSAGE = ("Article 29 Work positions and equipment surfaces shall be cleaned at least once per shift. "
           "Dust layers in dust explosion hazard locations shall not exceed 1 mm in thickness at any time, "
           "and cleaning records shall be kept for at least 1 year.")
QUOTE = "Dust layers in dust explosion hazard locations shall not exceed 1 mm in thickness at any time"


def cite(n: int = 1, text: str = PASSAGE, quote: str = QUOTE) -> Citation:
    return Citation(n=n, chunk_id=f"c{n}", source="regulations-en/dust.md", title="Dust Rules", doc_type="regulation",
                    locator="Article 29", page=None, quote=quote, text=text)


def test_a_citation_quote_must_be_in_its_text():
    with pytest.raises(ValueError):
        cite(quote="Dust layers shall not exceed 5 mm")


def test_statements_split_sentences_and_list_items_with_their_markers():
    found = statements("- Clean every shift [1].\n2. Keep records [1][2].\n\n# Heading\nDust layers stay thin. [3]")
    assert [(s.text, s.markers) for s in found] == [
        ("Clean every shift", (1,)),
        ("Keep records", (1, 2)),
        ("Dust layers stay thin.", (3,)),
    ]


def test_each_sentence_needs_its_own_marker():
    found = statements("Dust layers shall stay thin. Cleaning records are kept. [1]")
    assert [(s.text, s.markers) for s in found] == [
        ("Dust layers shall stay thin.", ()),
        ("Cleaning records are kept.", (1,)),
    ]
    failures = check_answer("Dust layers shall stay thin. Cleaning records are kept. [1]", [cite()])
    assert [(s.text, why) for s, why in failures] == [("Dust layers shall stay thin.", "no citation marker")]


def test_a_verbatim_quote_with_its_marker_passes():
    assert check_answer(f"{QUOTE} [1].", [cite()]) == []
    assert check_answer(f"- {QUOTE} [1]\n- Cleaning records shall be kept for at least 1 year. [1]", [cite()]) == []


def test_an_unmarked_sentence_fails():
    failures = check_answer(QUOTE + ".", [cite()])
    assert len(failures) == 1 and failures[0][1] == "no citation marker"


def test_a_marker_for_a_passage_that_was_not_sent_fails():
    failures = check_answer(f"{QUOTE} [2].", [cite()])
    assert len(failures) == 1 and "[2]" in failures[0][1]
    ok, why = supported(statements(f"{QUOTE} [1][7].")[0], {1: cite()})
    assert not ok and "[7]" in why


def test_an_invented_number_fails():
    failures = check_answer("Dust layers in dust explosion hazard locations shall not exceed 5 mm in thickness [1].",
                            [cite()])
    assert len(failures) == 1 and "5" in failures[0][1]


def test_a_statement_the_passage_does_not_make_fails():
    failures = check_answer("Welding permits are issued by the fire brigade commander [1].", [cite()])
    assert len(failures) == 1 and "terms" in failures[0][1]


def test_every_failing_statement_is_listed():
    markdown = f"{QUOTE} [1]. Hot work needs a permit. Sparks are tested monthly [4]."
    failures = check_answer(markdown, [cite()])
    assert [why for _, why in failures] == ["no citation marker", "cites [4], which is not one of the passages"]



@pytest.mark.parametrize("text, states", [
    ("The hoist shall be inspected at least once a year.", True),
    ("Drills are held twice a year.", True),
    ("Readings are taken 4 times per shift.", True),
    ("The log is reviewed every quarter.", True),
    ("Results are reported quarterly.", True),
    ("Audiograms are repeated yearly.", True),
    ("Hourly readings are logged.", True),
    ("The permit is renewed biennially.", True),
    ("安全检查按季度进行。", True),
    ("Once the work is done, remove the locks.", False),
    ("Test the sling at twice the rated load.", False),
    ("A quarter of the shell was corroded.", False),
])
def test_a_period_is_recognised_in_the_ways_documents_state_one(text, states):
    assert grounding.states_a_period(text) is states


# --- the quick checks of grounding ------------------------------------------------

def test_quick_period_and_quantity_checks_agree_with_the_full_patterns():
    # states_a_period and _has_quantity look for a word first and run the full
    # pattern only where it occurs: they must decide as the full patterns do.
    corpus = PROJECT_ROOT / "corpus"
    sentences = [s for p in sorted(corpus.rglob("*.md")) for s in split_sentences(p.read_text(encoding="utf-8"))]
    sentences += ["每班清扫一次", "within 15 calendar days", "annually", "保存三年", "10 mA", "1 May", "25 m", "85 dB",
                  "不超过30毫克/立方米", "at 1.2 cal/cm2", "40 lb", "每季度检测", "two weeks", "两周内", "3个月", "5个工作日",
                  "at least once a year", "every quarter", "按季度检查", "biennially"]

    def full_quantity(text, unit):
        for spelling in UNITS[unit]:
            spelling = spelling.strip()
            end = r"s?(?![a-z])" if re.fullmatch(r"[a-z]{1,3}", spelling) else ""
            if re.search(grounding._NUMBER + r"\s*" + re.escape(spelling) + end, text, re.I):
                return True
        return False

    periods = [grounding.states_a_period(s) for s in sentences]
    assert periods == [bool(grounding._PERIOD.search(s)) for s in sentences]
    quantities = [grounding._has_quantity(s, unit) for s in sentences for unit in UNITS]
    assert quantities == [full_quantity(s, unit) for s in sentences for unit in UNITS]
    assert sum(periods) > 20 and sum(quantities) > 20  # not a comparison of two empty answers


def test_a_hit_ranked_high_by_any_list_of_embeddings_is_found_by_meaning():
    from answer.extractive import OPENING_DENSE_RANK, _found_by_meaning
    from index.search import Hit
    from ingest.models import Chunk

    text = "Article 1 Ladles are measured every ten heats."
    chunk = Chunk("c", "d", "s.md", "T", "regulation", "en", (), "Article 1", None, None, 0, len(text), text)
    for name in ("dense_en", "dense_all_other", "glossary_dense"):
        assert _found_by_meaning(Hit(chunk, 1.0, {name: 1, "bm25": 40}))
        assert not _found_by_meaning(Hit(chunk, 1.0, {name: OPENING_DENSE_RANK + 1}))
    assert not _found_by_meaning(Hit(chunk, 1.0, {"bm25": 1, "bm25_xl_other": 1}))


def test_a_top_hit_sharing_no_word_with_the_question_is_cited_by_its_first_sentence():
    """Found by the glossary translation alone (no dense list ranks it): the answer still keeps it."""
    from dataclasses import replace

    from answer.extractive import _opening_sentences
    from index.search import Hit

    text = "第九条 单位负责人接到报告后，应当于1小时内向县级以上人民政府报告。情况紧急时，可以越级上报。"
    chunk = Chunk("c", "d", "s.md", "T", "regulation", "zh", (), "第九条", None, None, 0, len(text), text)
    hit = Hit(chunk, 1.0, {"bm25_xl_other": 1})
    [opening] = _opening_sentences([hit], set())
    assert opening.text == "第九条 单位负责人接到报告后，应当于1小时内向县级以上人民政府报告。"
    assert _opening_sentences([hit], {0}) == []  # a hit with a sentence sharing the question's words is quoted by that
    assert _opening_sentences([Hit(replace(chunk, doc_type="record"), 1.0, {"dense_zh": 1})], set()) == []


def test_the_same_words_in_a_hit_are_quoted_from_the_hits_own_document_first():
    """A law's article led the hit; a collection quoting the article rode along
    in it (index.search collapses copies): the statement cites the law first."""
    from answer.extractive import Answerer, Sentence
    from index.search import Hit

    said = "生产经营单位不得关闭、破坏直接关系生产安全的监控、报警设备。"
    lead_text = "第三十六条 餐饮等行业的生产经营单位使用燃气的，应当安装可燃气体报警装置。"

    def chunk(chunk_id, doc_id, text):
        return Chunk(chunk_id, doc_id, f"{doc_id}.md", doc_id, "regulation", "zh", (), "第三十六条", None, None,
                     0, len(text), text)

    lead, copy, law_part = chunk("a0", "law", lead_text), chunk("b0", "collection", said), chunk("a1", "law", said)
    hits = [Hit(lead, 1.0, {"bm25": 1}, 0, (copy, law_part))]
    sentences = [Sentence(copy, 0, 0, len(said), 0.5, 1), Sentence(law_part, 0, 0, len(said), 0.5, 2)]
    [group] = Answerer._choose(None, sentences, "lookup", None, hits)
    assert [s.chunk.chunk_id for s in group] == ["a1", "b0"]
