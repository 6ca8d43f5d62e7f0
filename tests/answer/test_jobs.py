"""The parts of the checklist and rectification jobs that need no index: the
kinds of clause (kinds.py), checklist items (checklist.items), the article
numbers a penalty clause names (rectify.article_numbers), the structured
layout (layout.render) and the citation check over it, periods of work
cycles, follow-ups that ask a question of their own, and the answerability
model's dense signal read per embedding model."""
from __future__ import annotations

import math

import pytest

from answer import answerability, checklist, kinds, rectify
from answer.answerability import Model, Signals
from answer.grounding import states_a_period, subject_weights
from answer.layout import Entry, Quote, Section, render
from answer.question import asked_for, follow_up_question, job_of, resolve_follow_up
from answer.verify import check_answer, statements
from core.text import lang_of
from index.lexicon import Lexicon
from ingest.models import Chunk


def chunk(text: str, *, doc: str = "d1", locator: str = "Article 1", heading=(), lang: str = "en", start: int = 0,
          title: str = "Rules", doc_type: str = "regulation") -> Chunk:
    return Chunk(chunk_id=f"{doc}-{locator}-{start}", doc_id=doc, source=f"{doc}.md", title=title, doc_type=doc_type,
                 lang=lang, heading_path=tuple(heading), locator=locator, page_start=None, page_end=None,
                 start=start, end=start + len(text), text=text)


# --- kinds of clause ---------------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "Article 2 These Rules apply to foundries and die-casting shops in the city.",
    "1.2 This standard applies to new and modified ladle lines.",
    "第二条 本市铸造企业的安全管理，适用本规定。",
    "本标准适用于新建的熔炼车间。",
    "Article 1 These Rules are formulated to prevent burns from molten metal.",
    "第一条 为了防止熔融金属喷溅事故，制定本规定。",
    '(2) "hot work" means any work producing sparks or flames;',
    "3.2 Casting pit: a pit below a casting machine into which the ingot is lowered.",
    "（三）铸造井，是指铸造机下方用于承接铸锭的井。",
    "Article 40 These Rules shall come into force on 1 March 2024.",
    "第四十条 本规定自2024年3月1日起施行。",
])
def test_scope_purpose_definitions_and_entry_into_force_are_framing(sentence):
    assert kinds.is_scope_or_frame(sentence)


@pytest.mark.parametrize("sentence", [
    "Article 12 The enterprise shall measure the lining of every ladle before use.",
    "第十二条 企业应当在每次使用前检查钢包内衬。",
    "(3) the pit shall be fenced at a height of at least 1.2 m;",
])
def test_requirements_are_not_framing(sentence):
    assert not kinds.is_scope_or_frame(sentence)
    assert not kinds.is_authority_duty(sentence)


def test_a_whole_heading_of_definitions_is_framing():
    assert kinds.is_scope_or_frame("3.1 Ladle: a vessel for molten metal.", ("3 Terms and definitions",))
    assert kinds.is_scope_or_frame("Any text at all.", ("1 Scope",))
    assert not kinds.is_scope_or_frame("Any text at all.", ("5 Ladle inspection",))


@pytest.mark.parametrize("sentence, duty", [
    ("Article 5 The emergency management departments of county governments shall supervise foundries "
     "within their jurisdiction.", True),
    ("第五条 县级以上应急管理部门对本行政区域内铸造企业实施监督管理。", True),
    # What the inspectors check is a checklist's business, not a general duty.
    ("Article 30 When inspecting foundries, emergency management departments shall check at least the ladle "
     "records, the pit covers and the crane brakes.", False),
    ("第三十条 应急管理部门开展监督检查时，应当重点检查钢包检查记录、铸造井盖板和起重机制动器等情况。", False),
    # The authority only named inside a sentence about the enterprise's duty.
    ("第九条 企业安全管理人员发现隐患时，应当报告负责人，负责人不处理的，可以向负有安全生产监督管理职责的部门报告。", False),
])
def test_the_authoritys_general_duties(sentence, duty):
    assert kinds.is_authority_duty(sentence) is duty


@pytest.mark.parametrize("sentence, penalty", [
    ("Article 31 Where an enterprise violates Article 12, the department shall order rectification within a "
     "time limit and may impose a fine of not more than 20,000 yuan.", True),
    ("第三十一条 违反本规定第十二条的，责令限期改正，可以处二万元以下的罚款。", True),
    ("Overdue findings twice in a row lead to a fine under the applicable rules.", True),
    ("第十二条 企业应当在每次使用前检查钢包内衬。", False),
    ("初次违法且危害后果轻微并及时改正的，可以不予行政处罚。", False),  # procedure, not a fine
])
def test_penalty_clauses(sentence, penalty):
    assert kinds.is_penalty(sentence) is penalty


@pytest.mark.parametrize("sentence, context, deadline", [
    ("14 days for missing pit covers and broken fences;", "Standard rectification deadlines are:", True),
    ("铸造井盖板缺失的隐患，整改期限为14日；", "", True),
    ("The alarm history shall be kept for at least 90 days.", "", False),
    ("（三）集中检查阶段（2025年6月1日至9月30日）", "整改期限", False),  # a date, not a period
    ("the department shall order rectification within a time limit", "", False),  # names a deadline, states none
])
def test_deadlines_state_a_period_of_rectification(sentence, context, deadline):
    assert kinds.is_deadline(sentence, context) is deadline


def test_focus_lists_and_objectives():
    assert kinds.is_focus("Pit covers, fences and crane brakes.", ("II. Key Rectification Areas", "(1) Casting"))
    assert kinds.is_focus("重点整治铸造井无盖板、起重机制动器失效等问题。")
    assert kinds.is_focus("By the end of the campaign there shall be no open casting pits.")
    assert not kinds.is_focus("Article 12 The enterprise shall measure the lining.", ("Chapter II Ladles",))


# --- checklist items ---------------------------------------------------------------

def test_checklist_items_are_rows_and_check_boxes_without_the_header():
    text = ("Tick each item.\n\nItem | Requirement | Method\n"
            "1. Pit cover | Cover fitted; fence at least 1.2 m. | Look; measure the fence.\n"
            "2. Ladle lining | Measured every 10 heats. | Read the lining record.\n"
            "[ ] The crane brakes were tested this shift.\n"
            "- [ ] The ladle is dry.")
    c = chunk(text, locator="2 Items")
    found = [text[a:b] for a, b in checklist.items(c)]
    assert found == ["1. Pit cover | Cover fitted; fence at least 1.2 m. | Look; measure the fence.",
                     "2. Ladle lining | Measured every 10 heats. | Read the lining record.",
                     "The crane brakes were tested this shift.", "The ladle is dry."]
    assert kinds.is_header_row("Item | Requirement | Method")
    assert kinds.is_header_row("| No. | Task | Lead department | Deadline |")
    assert not kinds.is_header_row("1. Pit cover | Cover fitted; fence at least 1.2 m. | Look")


def test_a_section_of_two_items_or_more_is_a_checklist():
    from index.search import Hit

    rows = "1. Pit cover | Cover fitted. | Look.\n2. Ladle | Dry. | Touch."
    assert checklist.is_checklist(Hit(chunk(rows), 1.0))
    assert not checklist.is_checklist(Hit(chunk("Article 3 The ladle shall be dry. The pit shall be covered."), 1.0))


def test_checklist_items_keep_the_documents_order_under_its_headings():
    from index.search import Hit

    rows = ("1. Pit cover | Cover fitted over the casting pit. | Look.\n"
            "2. Crane brakes | Two brakes on the hoist. | Test.\n"
            "3. Ladle lining | Lining of the ladle measured every 10 heats. | Read the record.")
    items = chunk(rows, doc="list", locator="2 Items", heading=("2 Items",), title="Foundry Checklist",
                  doc_type="plan")
    article = chunk("Article 9 The working lining of the ladle shall be measured every 10 heats.", doc="rules",
                    locator="Article 9", heading=("Chapter II Ladles",))
    hits = [Hit(article, 1.0), Hit(items, 0.5)]
    weights = {"ladl": 2.0, "line": 1.5, "pit": 1.0, "cover": 1.0, "measur": 1.0}
    found_items, articles = checklist.select(*checklist.entries(hits, weights, weights))
    ordered = checklist.sections(found_items, articles, "en")
    # The checklist first, its items as the document lists them under the area
    # they are about (the pit and the ladle: molten metal); then the article.
    assert [s.label for s in ordered] == ["Foundry Checklist › 2 Items › Molten metal and casting",
                                          "Rules › Chapter II Ladles"]
    texts = [e.quotes[0].text.split(" |")[0] for e in ordered[0].entries]
    assert texts == sorted(texts) and "3. Ladle lining" in texts
    body, citations = render(ordered)
    assert check_answer(body, list(citations)) == []


@pytest.mark.parametrize("lang, labels", [
    ("en", ["Dust collection system", "Electrical equipment and earthing", ""]),
    ("zh", ["除尘系统", "电气设备与接地", ""]),
])
def test_a_checklist_tables_items_are_grouped_by_the_equipment_they_name(lang, labels):
    """Areas in the order of their first item, each in the document's order;
    an item that names no area stays under the table's own heading."""
    from index.search import Hit

    rows = ("1. Collector vents | Explosion vents of the dry collector unobstructed. | Look.\n"
            "2. Sockets | No ordinary sockets or portable lamps in the zone. | Look.\n"
            "3. Wet collector interlock | Machines stop when the water level falls. | Test.\n"
            "4. Visitors | Visitors signed in at the gate. | Read.")
    items = chunk(rows, doc="list", locator="2 Items", heading=("2 Items",), title="Dust Checklist", doc_type="plan")
    weights = {"collector": 1.0, "socket": 1.0, "visitor": 1.0, "dust": 1.0}
    found_items, articles = checklist.select(*checklist.entries([Hit(items, 1.0)], weights, weights))
    ordered = checklist.sections(found_items, articles, lang)
    heads = [s.label.split(" · ")[0].split(" › ")[2] if s.label.count(" › ") == 2 else "" for s in ordered]
    numbers = [[e.quotes[0].text.split(".")[0] for e in s.entries] for s in ordered]
    assert heads == labels and numbers == [["1", "3"], ["2"], ["4"]], (heads, numbers)


# --- penalty clauses name their articles -------------------------------------------

@pytest.mark.parametrize("text, numbers", [
    ("Where an enterprise violates Article 15, Article 16 or Article 18 of these Rules", {15, 16, 18}),
    ("violates Articles 27 and 28, or fails to implement Article 29", {27, 28, 29}),
    ("违反本规定第十七条、第十八条规定的", {17, 18}),
    ("违反本条例第二十一条规定", {21}),
    ("no article named", set()),
])
def test_article_numbers(text, numbers):
    assert rectify.article_numbers(text) == numbers


# --- layout --------------------------------------------------------------------------

def test_render_labels_entries_nested_quotes_and_copies():
    a = chunk("Article 9 The lining shall be measured. It shall be recorded.", locator="Article 9")
    b = chunk("Article 31 A fine of not more than 20,000 yuan.", locator="Article 31")
    copy = chunk("The lining shall be measured.", doc="collection", locator="9")
    cut = a.text.index(" It")
    lead = Quote(a, 0, cut, 1.0, also=(Quote(copy, 0, len(copy.text)),))
    more = Quote(a, cut + 1, len(a.text), 0.5)
    sections = [Section("What must be rectified", [Entry([lead, more])]), Section("Who", []),
                Section("Penalty", [Entry([Quote(b, 0, len(b.text))])])]
    body, citations = render(sections)
    assert body.splitlines() == [
        "#### What must be rectified",
        "- Article 9 The lining shall be measured. [1][3]",
        "  - It shall be recorded. [1]",
        "#### Penalty",  # an empty section is left out
        "- Article 31 A fine of not more than 20,000 yuan. [2]",
    ]
    # The passages quoted are numbered in reading order, the copy after them.
    assert [c.chunk_id for c in citations] == [a.chunk_id, b.chunk_id, copy.chunk_id]
    assert check_answer(body, list(citations)) == []


def test_the_same_words_are_said_once():
    a = chunk("The pit shall be covered.", doc="a")
    b = chunk("The pit  shall be covered.", doc="b")
    body, citations = render([Section("", [Entry([Quote(a, 0, len(a.text))]), Entry([Quote(b, 0, len(b.text))])])])
    assert body == "- The pit shall be covered. [1]" and len(citations) == 1


def test_an_article_split_in_parts_is_cited_under_one_number():
    # One article indexed in two chunks (same document and locator, the second
    # overlapping the first by a word), a third chunk of another article between
    # them in the answer, and a record of the same locator kept apart.
    first = chunk("Article 15 The collector shall be interlocked.", locator="Article 15", start=0)
    second = chunk("interlocked. Its water level shall be monitored.", locator="Article 15", start=34)
    other = chunk("Article 16 The duct shall be cleaned.", locator="Article 16", start=90)
    sections = [Section("Requirements", [Entry([Quote(first, 0, len(first.text))]),
                                         Entry([Quote(other, 0, len(other.text))]),
                                         Entry([Quote(second, len("interlocked. "), len(second.text))])])]
    body, citations = render(sections)
    assert body.splitlines()[1:] == ["- Article 15 The collector shall be interlocked. [1]",
                                     "- Article 16 The duct shall be cleaned. [2]",
                                     "- Its water level shall be monitored. [1]"]
    assert [c.locator for c in citations] == ["Article 15", "Article 16"]
    # The one citation holds both parts once, in the document's order, and quotes the first.
    assert citations[0].text == "Article 15 The collector shall be interlocked. Its water level shall be monitored."
    assert citations[0].quote == first.text and citations[0].chunk_id == first.chunk_id
    assert check_answer(body, list(citations)) == []
    # Parts cited without the part between them: the gap is marked, not closed.
    later = chunk("Its sludge shall be removed every shift.", locator="Article 15", start=200)
    _, cited = render([Section("", [Entry([Quote(first, 0, len(first.text))]), Entry([Quote(later, 0, len(later.text))])])])
    assert cited[0].text == f"{first.text}\n…\n{later.text}"
    # Records are each their own, whatever their locator.
    a, b = (chunk(f"Finding {i}: no interlock.", doc="records", locator="row", start=i * 40, doc_type="record")
            for i in (1, 2))
    _, cited = render([Section("", [Entry([Quote(a, 0, len(a.text))]), Entry([Quote(b, 0, len(b.text))])])])
    assert len(cited) == 2


def test_a_table_row_is_one_statement_its_other_sentences_are_not():
    row = "3. Ladle lining | Measured every 10 heats; recorded. | Article 9 | Read the record; look. [1]"
    found = statements(f"#### Checklist\n- {row}\n- The pit is covered. The crane is tested. [2]")
    assert [s.markers for s in found] == [(1,), (), (2,)]
    assert found[0].text.startswith("3. Ladle lining |") and found[0].text.endswith("look.")


# --- periods and follow-ups -----------------------------------------------------------

@pytest.mark.parametrize("text, period", [
    ("The lining shall be measured at least every 10 heats.", True),
    ("Sludge shall be removed once per shift.", True),
    ("Work positions shall be cleaned each shift.", True),
    ("The brakes shall be checked before each heat.", True),
    ("The rescue kit shall be checked before each entry.", True),
    ("钢包内衬每10炉测量一次。", True),
    ("泥浆每班至少清理一次。", True),
    ("每次使用前检查包壳。", True),
    ("The heat exchanger shall be cleaned.", False),
    ("第三条 钢包应当干燥。", False),
])
def test_periods_in_work_cycles(text, period):
    assert states_a_period(text) is period


def test_a_period_asked_in_shifts_or_heats():
    assert asked_for("How many heats may a ladle run between lining measurements?").period_unit == "heats"
    assert asked_for("许可证有效几个班？").period_unit == "shifts"
    assert asked_for("How frequently must the lining be measured?").period


def test_the_words_that_ask_are_not_the_subject():
    asked = asked_for("How often must the ladle lining be measured?")
    assert "measure" in asked.asking and any("often" in w.lower() for w in asked.asking)
    lexicon = Lexicon()
    weights = {"often": 6.0, "ladl": 2.0, "line": 2.0, "measur": 3.0}
    assert subject_weights(lexicon, weights, asked) == {"ladl": 2.0, "line": 2.0}
    rectify_asked = asked_for("如何整改钢包内衬过薄的问题？")
    assert "整改" in rectify_asked.asking and "如何" in rectify_asked.asking


def test_a_questions_translated_asking_words_stand_for_its_subject_in_the_other_language():
    """When every glossary translation of a question is of its asking words,
    the passages of the other language can hold nothing else of it: those
    words stand for its subject there, as the whole question does when it has
    no subject left."""
    lexicon = Lexicon(translations={"fine": ("罚款",), "罚款": ("fine",)})
    asked = asked_for("What fines apply to a grinder left unguarded?")
    weights = {"fine": 4.0, "grinder": 3.0, "unguard": 3.0, "罚款": 4.0}
    assert subject_weights(lexicon, weights, asked) == {"grinder": 3.0, "unguard": 3.0, "罚款": 4.0}
    # A translated word of the subject: the asking words stay out in both languages.
    weights = {"fine": 4.0, "grinder": 3.0, "砂轮机": 3.0, "罚款": 4.0}
    assert subject_weights(lexicon, weights, asked) == {"grinder": 3.0, "砂轮机": 3.0}
    # Nothing but asking words: the whole question.
    weights = {"fine": 4.0, "罚款": 4.0}
    assert subject_weights(lexicon, weights, asked_for("What are the fines?")) == weights


PREVIOUS = "How should a wet dust collector be checked?"


@pytest.mark.parametrize("follow_up, own", [
    ("and how frequently does the sludge in the tank have to be cleared out?",
     "how frequently does the sludge in the tank have to be cleared out?"),
    ("And who signs the hot work permit for the collector housing?", "who signs the hot work permit for the collector housing?"),
    ("那么积尘清扫记录要保存几年？", "积尘清扫记录要保存几年？"),
    ("and for magnesium dust?", None),  # names a new subject only
    ("那镁粉呢？", None),
])
def test_a_follow_up_that_asks_a_question_of_its_own(follow_up, own):
    assert follow_up_question(follow_up) == own
    resolved = resolve_follow_up(follow_up, PREVIOUS)
    assert resolved != follow_up and resolved.startswith(PREVIOUS.rstrip("?"))


def test_a_long_english_follow_up_is_read_with_the_previous_question_and_answered_in_its_own_job():
    follow_up = "and how frequently does the sludge in the tank have to be cleared out?"
    resolved = resolve_follow_up(follow_up, PREVIOUS)
    assert "wet dust collector" in resolved and "sludge" in resolved
    assert job_of(follow_up, resolved) == "lookup"  # a period asked, not a checklist
    assert job_of("and for magnesium dust?", resolve_follow_up("and for magnesium dust?", PREVIOUS)) == "howto"
    # Without a previous question nothing is a follow-up.
    assert resolve_follow_up(follow_up, None) == follow_up


# --- the dense signal, per embedding model -----------------------------------------

def _model() -> Model:
    features = answerability.FEATURES
    return Model(features, {**{f: 0.5 for f in features}, "dense": 0.0}, {**{f: 0.25 for f in features}, "dense": 1.0},
                 {f: 1.0 for f in features}, 0.0, 0.5, {"all-MiniLM-L6-v2": (0.55, 0.1)})


def test_the_dense_signal_is_read_by_the_model_that_made_the_list():
    from index.search import Hit

    hits = [Hit(chunk("Article 9 The working lining of the ladle shall be measured."), 1.0)]
    found = answerability.signals("How is the ladle lining measured?", "en", hits, {"dense": [0.7, 0.6]},
                                  {"ladl": 2.0, "line": 1.0}, {}, models={"dense": "all-MiniLM-L6-v2"})
    assert found.lists["dense"] == "all-MiniLM-L6-v2" and found.values["dense"] == 0.7
    assert _model().standardised(found)["dense"] == pytest.approx(1.5)
    # A list whose model the fit never saw counts for nothing.
    unseen = Signals(found.values, found.missing, {"dense": "some-other-model"})
    assert _model().standardised(unseen)["dense"] == 0.0


def test_a_question_far_from_every_passage_is_refused_whatever_its_words_share():
    near = Signals({"holds": 0.9, "names": 1.0, "kind": 1.0, "dense": 0.55}, lists={"dense": "all-MiniLM-L6-v2"})
    far = Signals({"holds": 0.9, "names": 1.0, "kind": 1.0, "dense": 0.2}, lists={"dense": "all-MiniLM-L6-v2"})
    model = _model()
    assert model.answers(near)[0]
    answered, confidence = model.answers(far)
    assert not answered and confidence > model.threshold  # refused by the floor, not by the probability
    assert "not close in meaning" in answerability.explain(model, far, "en")
    assert math.isclose(model.standardised(far)["dense"], -3.5)


@pytest.mark.parametrize("question, first", [
    ("企业逾期未整改的，如何处理？", "处罚"),
    ("违反本规定第十七条的企业怎么处理？", "处罚"),
    ("车间里积下的铝屑应当如何处理？", "整改要求"),
    ("What is the fine for not rectifying on time?", "Penalty"),
])
def test_how_to_handle_asks_for_the_penalty_only_after_a_breach(question, first):
    found = [Section(label, []) for label in rectify.LABELS[lang_of(question)]]
    assert rectify._in_asked_order(question, found)[0].label == first


def test_the_fines_alone_answer_a_question_that_asks_only_for_the_penalty():
    """Found: two penalty clauses and no requirement or deadline bearing on
    the question. A question about the penalty alone is answered by them; a
    question about what to fix is not answered by fines alone."""
    from index.search import Hit

    fines = [chunk("第三十一条 违反本规定第十五条规定的，由应急管理部门责令限期改正，可以处一万元以上五万元以下的罚款；"
                   "逾期未改正的，责令停产整改。", locator="第三十一条", lang="zh"),
             chunk("第三十三条 违反本规定第二十六条规定的，责令限期改正，可以处三万元以下的罚款。", locator="第三十三条",
                   lang="zh")]
    hits = [Hit(c, 1.0 / (i + 1)) for i, c in enumerate(fines)]
    weights = {"fine": 4.0, "grinder": 3.0, "罚款": 4.0}
    subject = {"grinder": 3.0, "罚款": 4.0}
    found = rectify.sections("What fines apply to the grinder?", hits, weights, subject, "en")
    penalty = next(section for section in found if section.entries)
    assert penalty.label == "Penalty" and len(penalty.entries) == 2
    assert rectify.sections("How must the grinder be fixed?", hits, weights, subject, "en") == []


def test_a_records_enterprise_name_holds_no_subject_unless_the_question_names_it():
    record = Chunk(chunk_id="r1", doc_id="rec", source="findings.csv", title="findings", doc_type="record", lang="zh",
                   heading_path=(), locator="F-7", page_start=None, page_end=None, start=0, end=60,
                   text="企业名称: 南湖镁合金制品有限公司\n隐患描述: 配电箱门未关闭。",
                   fields={"enterprise": "南湖镁合金制品有限公司"})
    assert "镁合金" not in answerability.held_text(record, "镁合金废料应当怎样存放？")
    assert "南湖镁合金制品有限公司" in answerability.held_text(record, "南湖镁合金制品的隐患整改了吗？")
    assert "配电箱" in answerability.held_text(record, "镁合金废料应当怎样存放？")
    article = chunk("镁合金废屑应当存放在干燥的专用场所。", lang="zh")
    assert "镁合金" in answerability.held_text(article, "镁合金废料应当怎样存放？")


# --- a statement that opens a list ---------------------------------------------------

def test_a_statement_opening_a_list_brings_its_items_from_the_next_chunk():
    from answer.extractive import Sentence, _list_items
    from index.search import Hit

    first_text = ("(2) What must the report give? You must give the following information:\n"
                  "(i) The establishment name;\n(ii) The location of the incident;")
    first = chunk(first_text, locator="§ 4(b)(2)", start=100)
    second = chunk("(iii) The time of the incident;\n(iv) A brief description of the incident.\n"
                   "(3) Reports are made by telephone.", locator="§ 4(b)(2)(iii)", start=first.end + 1)
    elsewhere = chunk("(v) Not this list.", doc="d2", locator="§ 9", start=first.end + 1)
    opener_start = first_text.index("You must")
    opener = Sentence(first, 0, opener_start, first_text.index("(i)") - 1, 1.0)
    assert opener.text == "You must give the following information:"
    hit = Hit(first, 1.0, parts=(elsewhere, second))
    items = [s.text for s in _list_items(opener, [hit])]
    assert items == ["(i) The establishment name;", "(ii) The location of the incident;",
                     "(iii) The time of the incident;", "(iv) A brief description of the incident."]
    # a statement that opens no list, or a list whose next chunk the hit lacks, brings nothing more
    assert _list_items(Sentence(first, 0, 0, opener_start - 1, 1.0), [hit]) == []
    assert [s.text for s in _list_items(opener, [Hit(first, 1.0)])] == items[:2]
    chinese = chunk("第十条 除尘系统应当符合下列要求：（一）采用负压吸尘；（二）设置锁气卸灰装置；（三）定期清灰。"
                    "第十一条 其他。", lang="zh", locator="第十条")
    opener = Sentence(chinese, 0, 0, chinese.text.index("；") + 1, 1.0)   # the colon and the first item
    assert [s.text for s in _list_items(opener, [Hit(chinese, 1.0)])] == ["（二）设置锁气卸灰装置；", "（三）定期清灰。"]
    said = chunk("第十二条 本规定所称“粉尘”：是指可燃性粉尘。", lang="zh", locator="第十二条")
    assert _list_items(Sentence(said, 0, 0, len(said.text), 1.0), [Hit(said, 1.0)]) == []
