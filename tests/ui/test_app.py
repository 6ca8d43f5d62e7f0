"""The page, driven headless with streamlit.testing.v1.AppTest over the shared
real index of corpus/ (conftest.py: real_corpus_index). Every test asserts on
what the page renders: the answer's text and markers, the citations' labels,
the highlighted passage, the refusal, the records table, the language.
The upload test works on a copy of the index, so the shared one stays as built."""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from support import PROJECT_ROOT
from streamlit.testing.v1 import AppTest

from core.settings import reload as reload_settings
from core.text import CJK
from ui.i18n import text as ui_text
from ui.markdown import plain

pytestmark = pytest.mark.corpus

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT = 300  # the first run loads the model and checks the index (tens of seconds on two busy cores)
CO_QUESTION = "How often must fixed carbon monoxide detectors be calibrated?"
REFUSED = "What torque in N·m should the bolts of a dust collector explosion vent panel be tightened to?"


@pytest.fixture
def page(real_corpus_index, tmp_path, monkeypatch):
    folder, _ = real_corpus_index

    def start(index_dir: Path = folder, accounts: Path | None = None) -> AppTest:
        # No accounts unless a test brings its own, whatever var/ holds.
        monkeypatch.setenv("SAFECITE_ACCOUNTS", str(accounts or tmp_path / "no-accounts.sqlite"))
        monkeypatch.setenv("SAFECITE_INDEX", str(index_dir))
        monkeypatch.setenv("SAFECITE_AUDIT_LOG", str(tmp_path / "audit.sqlite"))
        monkeypatch.setenv("SAFECITE_UPLOADS", str(tmp_path / "uploads"))
        monkeypatch.delenv("SAFECITE_LLM_URL", raising=False)
        reload_settings()
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.run()
        assert not at.exception, at.exception
        return at

    return start


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, at.exception
    return at


def main_markdown(at: AppTest) -> list[str]:
    return [plain(m.value) for m in at.main.markdown]


def answer_text(at: AppTest) -> str:
    """The last assistant message's answer (the Markdown right after its question)."""
    messages = at.main.chat_message
    assert messages, "no chat message rendered"
    return "\n".join(plain(m.value) for m in messages[-1].markdown)


def citation_labels(at: AppTest) -> list[str]:
    return [plain(e.label) for e in at.main.chat_message[-1].expander if e.label.startswith("\\[")]


def test_a_question_gets_a_cited_answer_and_the_citation_opens_its_passage(page, tmp_path):
    at = ask(page(), CO_QUESTION)
    text = answer_text(at)
    assert "calibrated at least once every 6 months" in text
    assert re.search(r"6 months.*\[1\]", text)
    labels = citation_labels(at)
    assert labels[0].startswith("[1] Metallurgical Gas Safety Rules — Article 21")
    assert labels[0].endswith("· _regulation_")  # doc_type, in italics
    # The passage is shown with the quoted sentence highlighted.
    first = at.main.expander[0]
    assert ":orange-background[**Article 21 Fixed carbon monoxide detectors shall be calibrated" in first.markdown[0].value
    assert "regulations-en/metallurgical-gas-safety-rules.md" in plain(first.caption[0].value)
    # Opening the whole document puts the passage at the top of the view, highlighted.
    first.toggle[0].set_value(True)
    at.run()
    shown = [m.value for m in at.main.expander[0].markdown]
    assert any(v.startswith(":orange-background[**Article 21") and "Article 22" in v for v in shown), shown[-1][:200]
    assert at.main.expander[0].toggle(key="before-0-c1").label.startswith("Earlier text of the document")
    # The question is in the audit trail with the index generation it was answered from.
    db = sqlite3.connect(tmp_path / "audit.sqlite")
    rows = db.execute("SELECT question, grounded, generation, citations FROM entries").fetchall()
    assert rows[0][:2] == (CO_QUESTION, 1)
    assert rows[0][2].startswith("gen-")
    assert "Article 21" in rows[0][3]


def test_a_pdf_citation_opens_the_cited_page_of_the_file(page, tmp_path, monkeypatch):
    from ui import static

    monkeypatch.setattr(static, "STATIC_DIR", tmp_path / "static")
    at = ask(page(), "How often must ladle trunnions be tested?")
    n = next(i for i, label in enumerate(citation_labels(at)) if "Ladle" in label and "p. " in label)
    expander = at.main.chat_message[-1].expander[n]
    page_no = int(re.search(r"p\. (\d+)", plain(expander.label)).group(1))
    expander.toggle[0].set_value(True)
    at.run()
    links = [m.value for m in at.main.chat_message[-1].expander[n].markdown if "app/static/" in m.value]
    assert len(links) == 1, links
    match = re.search(r"\(app/static/([0-9a-f]{64})\.pdf#page=(\d+)\)", links[0])
    assert match and int(match.group(2)) == page_no
    served = tmp_path / "static" / f"{match.group(1)}.pdf"
    assert served.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("mode, expected, source", [
    ("howto", "dust", "dust-explosion-prevention-rules.md"),
    ("rectify", "earthed", "dust-explosion-prevention-rules.md"),
])
def test_each_job_has_an_example_that_is_answered(page, mode, expected, source):
    at = page()
    at.segmented_control(key="mode").set_value(mode).run()
    at.button(key=f"example-{mode}").click().run()
    assert not at.exception, at.exception
    text = answer_text(at)
    # A checklist or a rectification answer: items under labels (documents, sections).
    assert any(line.startswith("- ") for line in text.splitlines()) and expected in text.lower() and "[1]" in text
    assert at.main.expander, "no citations"
    sources = [plain(c.value) for e in at.main.expander for c in e.caption]
    assert any(source in s for s in sources), sources


def test_similar_findings_are_a_table_and_filters_apply(page):
    at = page()
    at.segmented_control(key="mode").set_value("similar").run()
    at.button(key="example-similar").click().run()
    assert not at.exception, at.exception
    table = at.main.chat_message[-1].dataframe[0].value
    assert list(table.columns) == ["Rank", "Record", "Finding", "Status", "Deadline", "Rectification required",
                                   "Cited clause", "#", "Enterprise", "City", "Date", "Hazard"]
    assert "The water level switch of the wet collector is disconnected" in table["Finding"].iloc[0]
    assert list(table["Rank"]) == list(range(1, len(table) + 1)) and len(table) <= 8
    # The cut-off: records of this defect (the water level's interlock or alarm)
    # from both registers, none of the collector's other defects.
    assert all("water level" in f or "水位" in f for f in table["Finding"]), list(table["Finding"])
    assert {r[:2] for r in table["Record"]} == {"F2", "YH"}, list(table["Record"])
    assert all(re.fullmatch(r"(F2024|YH2025)-\d{3}", r) for r in table["Record"])  # their own ids, not "row N"
    assert all(table["Rectification required"])
    # The cited clause is the indexed article, number and text.
    assert any(re.search(r"Article 18 \[\d+\] Article 18 ", c) for c in table["Cited clause"]), list(table["Cited clause"])
    assert len(set(table["City"])) > 1
    # Only Eastbridge, asked again: the filters are shown with the answer.
    at.multiselect(key="filter-city").set_value(["Eastbridge"]).run()
    at.button(key="example-similar").click().run()
    table = at.main.chat_message[-1].dataframe[0].value
    assert set(table["City"]) == {"Eastbridge"}
    assert len(table) >= 2
    captions = [plain(c.value) for c in at.main.chat_message[-1].caption]
    assert "Filters: City: Eastbridge" in captions, captions


def test_records_asked_for_by_city_and_status_are_listed_with_the_filters_in_the_pages_language(page):
    at = page()
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    ask(at, "江川市有哪些逾期未整改的隐患？")
    message = at.main.chat_message[-1]
    table = message.dataframe[0].value
    assert len(table) >= 2 and set(table["城市"]) <= {"江川市", "Jiangchuan"}, table
    assert set(table["状态"]) <= {"逾期未整改", "Overdue"}, table
    captions = [plain(c.value) for c in message.caption]
    assert any("江川市" in c and "逾期未整改" in c for c in captions), captions
    assert not any("Jiangchuan" in c or "Overdue" in c for c in captions), captions


def test_a_follow_up_shows_the_question_it_was_read_as(page):
    at = ask(page(), "How do I inspect dust explosion risks in an aluminium polishing shop?")
    ask(at, "and for magnesium dust?")
    captions = [plain(c.value) for c in at.main.chat_message[-1].caption]
    assert any(c.startswith("Read as: How do I inspect dust explosion risks in an aluminium polishing shop — for magnesium dust?")
               for c in captions), captions
    assert "[1]" in answer_text(at)
    assert len(at.main.chat_message) == 4  # two questions, two answers, in order
    assert plain(at.main.chat_message[2].markdown[0].value) == "and for magnesium dust?"


def test_a_refusal_is_prominent_and_lists_the_nearest_passages(page):
    at = ask(page(), REFUSED)
    errors = [plain(e.value) for e in at.main.error]
    assert errors and errors[0].startswith("Not answered by the indexed documents")
    assert "The indexed documents do not answer this." in errors[0]
    assert "Nearest passages (not answering):" in main_markdown(at)
    near = [plain(e.label) for e in at.main.expander]
    assert near and not any(n.startswith("[") for n in near)  # listed, not numbered as citations
    assert "Citations" not in main_markdown(at)


def test_language_switch_and_the_questions_language(page):
    at = page()
    assert at.title[0].value == "SafeCite"
    assert at.segmented_control(key="mode").options == ["Ask", "Inspection checklist", "Rectification requirements",
                                                        "Similar findings", "Major hazard?"]
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    assert at.segmented_control(key="mode").options == ["提问", "检查清单", "整改要求", "类似隐患", "重大隐患判定"]
    assert "每句话都注明出处" in at.caption[0].value or any("每句话都注明出处" in c.value for c in at.main.caption)
    ask(at, "一氧化碳检测报警装置的一级报警值设定为多少？")
    assert "24" in answer_text(at) and "[1]" in answer_text(at)
    assert any(plain(m.value) == "引用" for m in at.main.markdown)
    # Back to English: the page's words change, the Chinese answer stays Chinese.
    at.sidebar.radio(key="ui_lang").set_value("en").run()
    assert any(plain(m.value) == "Citations" for m in at.main.markdown)
    assert "报警" in answer_text(at)


def test_without_a_browser_language_the_page_follows_the_question(page):
    at = ask(page(), "如何检查抛光车间的粉尘爆炸风险？")
    assert at.sidebar.radio(key="ui_lang").value == "zh"
    assert at.segmented_control(key="mode").options[0] == "提问"


FORKLIFT = """---
title: Forklift Battery Charging Rules
doc_type: regulation
language: en
---

# Forklift Battery Charging Rules

Article 1 Traction batteries of forklifts shall be charged only in a charging room ventilated at four air changes per hour.

Article 2 Smoking and open flames are prohibited within five metres of a charging station.
"""


def documents_count(at: AppTest) -> int:
    """The document count the sidebar states ("38 documents, …" / "38份文件，…")."""
    caption = next(plain(c.value) for c in at.sidebar.caption if re.match(r"\d+ ?(documents|份文件)", plain(c.value)))
    return int(re.match(r"\d+", caption).group(0))


def remove_select(at: AppTest, name: str):
    box = next(s for s in at.sidebar.selectbox if s.key and s.key.startswith("remove-doc"))
    return box.select_index(next(i for i, o in enumerate(box.options) if name in o)).run()


def remove(at: AppTest, name: str) -> AppTest:
    """Remove the document `name` from the documents panel, confirming when asked."""
    remove_select(at, name)
    at.sidebar.button(key="remove").click().run()
    return at.sidebar.button(key="remove-yes").click().run()


def test_upload_ingests_with_a_summary_and_the_document_answers(page, real_corpus_index, tmp_path):
    folder, _ = real_corpus_index
    index_dir = tmp_path / "index"
    shutil.copytree(folder, index_dir)
    at = page(index_dir)
    before = documents_count(at)
    at.sidebar.file_uploader[0].set_value([("forklift-rules.md", FORKLIFT.encode(), "text/markdown"),
                                           ("empty.txt", b"", "text/plain")])
    at.run()
    at.sidebar.button(key="ingest").click().run()
    assert not at.exception, at.exception
    successes = [plain(s.value) for s in at.sidebar.success]
    assert "Added: forklift-rules.md" in successes
    warnings = [plain(w.value) for w in at.sidebar.warning]
    assert "Skipped empty.txt: empty file" in warnings
    stored = sorted(p.name for p in (tmp_path / "uploads").iterdir() if not p.name.startswith("."))
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{64}\.md", stored[0])  # by content hash, not by name
    # The counts are those of the new index at once, and the uploader is empty again.
    assert documents_count(at) == before + 1
    assert not at.sidebar.file_uploader[0].value and not at.sidebar.get("progress")
    ask(at, "How many air changes per hour must a forklift battery charging room have?")
    assert "four air changes per hour" in answer_text(at)
    assert citation_labels(at)[0].startswith("[1] Forklift Battery Charging Rules — Article 1")
    assert "forklift-rules.md" in [plain(c.value) for c in at.main.chat_message[-1].expander[0].caption]
    assert not at.sidebar.success  # the upload's messages are gone once a question is asked
    # The documents panel lists it, and removing it takes it out of the index.
    remove(at, "forklift-rules.md")
    assert not at.exception, at.exception
    assert "Removed: forklift-rules.md" in [plain(s.value) for s in at.sidebar.success]
    assert documents_count(at) == before
    assert not [p for p in (tmp_path / "uploads").iterdir() if not p.name.startswith(".")]
    ask(at, "How many air changes per hour must a forklift battery charging room have?")
    assert not any("Forklift" in label for label in citation_labels(at))
    # The earlier answer still shows its quote; its document view says the passage has gone.
    at.toggle(key="open-0-c1").set_value(True).run()
    assert any("no longer in the index" in w.value for w in at.main.warning)


def test_a_language_model_answer_streams_then_the_verified_answer_replaces_it(page, monkeypatch, tmp_path, no_proxy):
    from fake_llm_server import FakeLLMServer, Reply

    reply = ("Fixed carbon monoxide detectors shall be calibrated at least once every 6 months [1]. "
             "The plant is safe and needs no inspection [1].")
    with FakeLLMServer({"page-model": Reply(text=reply)}) as server:
        at = page()
        monkeypatch.setenv("SAFECITE_LLM_URL", server.url)
        monkeypatch.setenv("SAFECITE_LLM_MODEL", "page-model")
        reload_settings()
        ask(at, CO_QUESTION)
        assert len(server.requests) == 1 and server.requests[0].body["stream"] is True
    text = answer_text(at)
    # Only the statement the passage supports is shown, and the page says one was removed.
    assert "calibrated at least once every 6 months [1]" in text
    assert "The plant is safe" not in text
    assert any("1 of 2 statements" in plain(i.value) for i in at.main.chat_message[-1].info)
    assert not any("language model is writing" in plain(c.value) for c in at.main.caption)  # streamed text replaced
    db = sqlite3.connect(tmp_path / "audit.sqlite")
    assert db.execute("SELECT generator FROM entries").fetchone()[0] == "llm:page-model"


def test_with_a_language_model_an_english_quote_shows_its_chinese_gloss_under_the_passage(page, monkeypatch,
                                                                                          no_proxy):
    from fake_llm_server import FakeLLMServer, Reply

    def reply(body: dict) -> Reply:
        system, user = (m["content"] for m in body["messages"])
        if not system.startswith("You translate"):
            return Reply(text="无法核对的回答。")  # no markers: the extractive answer is shown
        # Each passage "translated" into Chinese words that keep its numbers.
        passages = re.findall(r"<passage n=(\d+)>\n(.*?)\n</passage>", user, re.S)
        lines = [f"[{n}] 第{n}段译文，数字：" + "、".join(re.findall(r"\d+(?:\.\d+)?", p)) for n, p in passages]
        return Reply(text="\n".join(lines) + "\n[END]")

    with FakeLLMServer({"page-model": reply}) as server:
        at = page()
        monkeypatch.setenv("SAFECITE_LLM_URL", server.url)
        monkeypatch.setenv("SAFECITE_LLM_MODEL", "page-model")
        reload_settings()
        ask(at, "钢包工作层内衬的残余厚度要多久测量一次？")
        assert [r.body["stream"] for r in server.requests] == [True, False]  # the answer, then the glosses
    message = at.main.chat_message[-1]
    assert "every 10 heats" in answer_text(at)
    english = next(e for e in message.expander if "Molten Metal Ladle Inspection Rules — Article 9" in plain(e.label))
    captions = [plain(c.value) for c in english.caption]
    assert captions[:2] == ["原文（英文）", "译文（语言模型翻译，以原文为准）"], captions
    # The passage is shown as quoted, its quote highlighted; the gloss under it, with the quote's numbers.
    assert ":orange-background[**Article 9 The remaining thickness" in english.markdown[0].value
    assert re.fullmatch(r"第\d段译文，数字：9、10、80", plain(english.markdown[1].value)), english.markdown[1].value
    # A Chinese passage has neither label nor gloss.
    chinese = next(e for e in message.expander if "高温熔融金属作业安全规定" in e.label)
    assert not any("译文" in plain(c.value) for c in chinese.caption) and len(chinese.markdown) == 1


def test_a_refreshed_page_gets_its_sessions_answers_back(page):
    at = ask(page(), CO_QUESTION)
    session = at.session_state["sid"]
    assert at.query_params["session"] == [session] or at.query_params["session"] == session
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["session"] = session
    again.run()
    assert not again.exception, again.exception
    assert plain(again.main.chat_message[0].markdown[0].value) == CO_QUESTION
    assert "calibrated at least once every 6 months" in answer_text(again)
    assert citation_labels(again)[0].startswith("[1] Metallurgical Gas Safety Rules — Article 21")
    other = AppTest.from_file(APP, default_timeout=TIMEOUT)
    other.run()
    assert not other.main.chat_message  # a new session starts empty


def test_removing_a_document_asks_first_and_can_be_cancelled(page, real_corpus_index, tmp_path):
    folder, _ = real_corpus_index
    index_dir = tmp_path / "index"
    shutil.copytree(folder, index_dir)
    at = page(index_dir)
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    before = documents_count(at)
    # An upload with no title of its own is listed under the name it was uploaded under.
    at.sidebar.file_uploader[0].set_value([("叉车充电间规定.txt", "叉车蓄电池应当在通风良好的充电间内充电。".encode(), "text/plain")])
    at.run()
    at.sidebar.button(key="ingest").click().run()
    assert not at.exception, at.exception
    assert "已添加：叉车充电间规定.txt" in [plain(s.value) for s in at.sidebar.success]
    assert documents_count(at) == before + 1
    box = next(s for s in at.sidebar.selectbox if s.key.startswith("remove-doc"))
    assert "叉车充电间规定 (叉车充电间规定.txt)" in box.options
    remove_select(at, "叉车充电间规定.txt")
    at.sidebar.button(key="remove").click().run()
    # Asked first: nothing removed yet, the question names the document.
    assert any("叉车充电间规定" in plain(w.value) and "上传的文件将被删除" in plain(w.value) for w in at.sidebar.warning)
    assert documents_count(at) == before + 1
    at.sidebar.button(key="remove-no").click().run()
    assert "没有删除任何文件。" in [plain(i.value) for i in at.sidebar.info]
    assert documents_count(at) == before + 1 and not at.sidebar.warning
    remove(at, "叉车充电间规定.txt")
    assert "已删除：叉车充电间规定.txt" in [plain(s.value) for s in at.sidebar.success]
    assert documents_count(at) == before
    assert not [p for p in (tmp_path / "uploads").iterdir() if not p.name.startswith(".")]


def chinese_page_words(at: AppTest) -> list[str]:
    """The page's own words in the sidebar and around the answers: labels,
    captions, headers, table columns (what is not a document's or a user's text)."""
    words = [at.sidebar.radio(key="ui_lang").label, *(h.value for h in at.sidebar.header)]
    words += [c.value for c in at.sidebar.caption] + [m.value for m in at.sidebar.markdown]
    words += [e.label for e in at.sidebar.expander] + [b.label for b in at.sidebar.button]
    words += [b.proto.label for b in at.get("download_button")]
    words += [t.label for t in at.tabs] + [c.value for t in at.tabs[1:] for c in t.caption]
    for tab in at.tabs[1:]:
        words += [str(v) for frame in tab.dataframe for column in ("类型", "语言", "是否作答", "任务", "作答方式")
                  if column in frame.value.columns for v in frame.value[column]]
    words += [at.segmented_control(key="mode").label, *at.segmented_control(key="mode").options]
    return [plain(str(w)) for w in words]


ENGLISH_UI = re.compile(r"\b(?:Documents|documents|chunks|regulation|standard|guidance|plan|record|note|English|"
                        r"Chinese|Title|Type|Language|File|Remove|Upload|Download|Audit|Question|Answered|Citations|"
                        r"row|Time|Job|yes|no|extractive)\b")


def test_a_chinese_page_has_no_english_words_of_its_own(page, tmp_path):
    at = page()
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    assert at.query_params["lang"] in (["zh"], "zh")
    ask(at, "除尘器泄爆板的螺栓拧紧力矩应为多少牛·米？")  # refused: the documents state no torque
    errors = [plain(e.value) for e in at.main.error]
    assert errors and errors[0].startswith("已索引的文件没有回答这个问题")
    reason = plain(at.main.chat_message[-1].caption[0].value)
    assert CJK.search(reason) and not re.search("[A-Za-z]{3,}", reason), reason
    ask(at, "一氧化碳检测报警装置的一级报警值设定为多少？")
    words = [w.replace(str(tmp_path), "") for w in chinese_page_words(at)]  # the audit log's path
    assert any("法规（中文）" in w for w in words), words  # document types and languages, in Chinese
    offending = [w for w in words if ENGLISH_UI.search(w)]
    assert not offending, offending
    # The tables are headed in Chinese: documents, then the audit trail.
    assert [t.label for t in at.tabs] == ["问答", "已索引的文件", "审计记录"]
    documents, audit = at.tabs[1].dataframe[0].value, at.tabs[2].dataframe[0].value
    assert list(documents.columns) == ["标题", "类型", "语言", "段落数", "文件", "导入时间"]
    assert set(documents["类型"]) == {"法规", "标准", "指南", "方案", "检查记录"} and set(documents["语言"]) == {"中文", "英文"}
    assert list(audit.columns) == ["时间", "问题", "是否作答", "任务", "引用", "作答方式", "索引版本"]
    assert list(audit["是否作答"]) == ["是", "否"] and list(audit["任务"]) == ["问答", "问答"]  # newest first
    labels = [plain(e.label) for e in at.main.chat_message[-1].expander]
    assert labels and all(re.search(r" · _(法规|标准|指南|方案|检查记录)_$", label) for label in labels), labels


def test_the_language_survives_a_refresh(page):
    at = page()
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    ask(at, CO_QUESTION)  # a question in English does not switch a chosen language
    assert at.sidebar.radio(key="ui_lang").value == "zh"
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["session"] = at.session_state["sid"]
    again.query_params["lang"] = "zh"
    again.run()
    assert not again.exception, again.exception
    assert again.sidebar.radio(key="ui_lang").value == "zh"
    assert again.segmented_control(key="mode").options[0] == "提问"
    assert plain(again.main.chat_message[0].markdown[0].value) == CO_QUESTION  # and its answers are back
    english = AppTest.from_file(APP, default_timeout=TIMEOUT)
    english.query_params["lang"] = "en"
    english.run()
    assert english.sidebar.radio(key="ui_lang").value == "en"


def test_adjacent_markers_and_record_labels_render_as_markup(page):
    at = page()
    at.segmented_control(key="mode").set_value("similar").run()
    at.button(key="example-similar").click().run()
    assert not at.exception, at.exception
    shown = at.main.chat_message[-1].markdown[0].value
    assert "****" not in shown and re.search(r"\*\*(\\\[\d+\\\]){2,}\*\*", shown), shown[:400]
    # Every record label is a paragraph of its own, after a blank line.
    lines = shown.split("\n")
    labels = [i for i, line in enumerate(lines) if line.startswith("**") and not line.startswith("**\\[")]
    assert len(labels) >= 2 and all(lines[i - 1] == "" for i in labels[1:])


CRANE_PAGES = [["Crane Hook Inspection Rules",
                "Article 1 Every crane hook shall carry a safety latch across its throat."],
               ["Article 2 A crane hook whose throat opening has grown by more than ten per cent shall be scrapped."]]


def test_a_scanned_pdf_citation_says_ocr_and_shows_the_page_beside_its_text(page, real_corpus_index, tmp_path):
    from bench.scans import scanned_pdf

    folder, _ = real_corpus_index
    index_dir = tmp_path / "index"
    shutil.copytree(folder, index_dir)
    at = page(index_dir)
    scan = scanned_pdf(tmp_path / "crane-hooks.pdf", CRANE_PAGES, dpi=200, rotate=1.0, noise=8)
    at.sidebar.file_uploader[0].set_value([("crane-hooks.pdf", scan.read_bytes(), "application/pdf")])
    at.run()
    at.sidebar.button(key="ingest").click().run()
    assert not at.exception, at.exception
    assert "Added: crane-hooks.pdf" in [plain(s.value) for s in at.sidebar.success]
    ask(at, "When must a crane hook be scrapped?")
    labels = citation_labels(at)
    n = next((i for i, label in enumerate(labels) if "Article 2" in label and "p. 2" in label), None)
    assert n is not None, labels
    assert "· OCR text ·" in labels[n]
    expander = at.main.chat_message[-1].expander[n]
    captions = [plain(c.value) for c in expander.caption]
    assert "crane-hooks.pdf" in captions and any("Recognised by OCR" in c for c in captions)
    expander.toggle[0].set_value(True)
    at.run()
    images = at.main.chat_message[-1].expander[n].get("image")
    assert len(images) == 1 and images[0].proto.imgs[0].caption == "Page 2 as scanned"
    shown = [m.value for m in at.main.chat_message[-1].expander[n].markdown]
    assert any("more than ten per cent" in v for v in shown)
    # The same citation on a Chinese page: its label and the page image's caption in Chinese.
    at.sidebar.radio(key="ui_lang").set_value("zh").run()
    zh = at.main.chat_message[-1].expander[n]
    assert "OCR识别文本" in plain(zh.label) and "第2页" in plain(zh.label)
    assert zh.get("image")[0].proto.imgs[0].caption == "扫描件第2页"


@pytest.mark.parametrize("lang, finding, verdict, locator", [
    ("zh", "铸造车间的中频炉前没有应急排放坑，也没有备用铁水包。", "重大事故隐患", "第三条第（二）项"),
    ("zh", "速冻间里有6个人在装盘。", "按判定标准不构成重大事故隐患", "第五条第（一）项"),
    ("en", "The dry dust collector of the sanding line has no explosion vent; the vent opening was welded shut.",
     "Major accident hazard", "第四条第（一）项"),
    ("en", "6 people work inside the quick-freeze room at a time.", "Not a major hazard under the criteria",
     "第五条第（一）项"),
])
def test_the_major_hazard_job_shows_verdict_item_and_conditions(page, lang, finding, verdict, locator):
    at = page()
    at.sidebar.radio(key="ui_lang").set_value(lang).run()
    at.segmented_control(key="mode").set_value("hazard").run()
    ask(at, finding)
    message = at.main.chat_message[-1]
    shown = [plain(e.value) for e in (*message.error, *message.success, *message.warning)]
    assert shown == [verdict]
    texts = [plain(m.value) for m in message.markdown]
    assert any(locator in t for t in texts), texts
    assert any(t.startswith("- ") or "符合" in t or "Condition" in t for t in texts), texts


@pytest.mark.parametrize("lang, scope, outside", [
    ("zh", "描述所说的是“木粉”，该项针对的是“铝粉”", "该项的条件（描述的字面与之相符，但不在该项的范围内）"),
    ("en", "The finding names 木粉; the item is about 铝粉", "Condition of the item (the finding's words match it"),
])
def test_a_finding_outside_the_items_scope_is_shown_so_and_not_as_a_condition_met(page, lang, scope, outside):
    at = page()
    at.sidebar.radio(key="ui_lang").set_value(lang).run()
    at.segmented_control(key="mode").set_value("hazard").run()
    ask(at, "木粉打磨工位的除尘系统采用正压吹送。")  # wood dust, where the item is about aluminium dust
    message = at.main.chat_message[-1]
    assert [plain(e.value) for e in message.success] == [ui_text(lang, "hazard.not_major")]
    texts = [plain(m.value) for m in message.markdown]
    assert f"- {scope}" in texts, texts
    assert any(t.startswith(f"- {outside}") for t in texts), texts
    assert not any(t.startswith("- " + ui_text(lang, "hazard.met", condition="")) for t in texts), texts


def test_with_accounts_the_page_asks_for_a_sign_in_and_hides_what_a_role_may_not_do(page, tmp_path):
    from service.accounts import Accounts

    path = tmp_path / "accounts.sqlite"
    accounts = Accounts(path)
    accounts.add_user("rita", "reader", password="reader pw")
    editor_key = accounts.add_user("eddie", "editor")
    at = page(accounts=path)
    assert not at.chat_input and at.title[0].value == "Sign in"  # nothing of the page before a sign-in
    at.text_input(key="signin-name").input("rita")
    at.text_input(key="signin-password").input("wrong").run()
    at.button[0].click().run()
    assert any("do not match" in e.value for e in at.error) and not at.chat_input
    at.text_input(key="signin-name").input("rita")
    at.text_input(key="signin-password").input("reader pw")
    at.button[0].click().run()
    assert not at.exception, at.exception
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "Signed in as rita (reader)" in sidebar, ([t.value for t in at.title], [e.value for e in at.error],
                                                     "user" in at.session_state and at.session_state["user"])
    assert not at.get("file_uploader") and not [e for e in at.sidebar.expander if e.label == "Remove a document"]
    assert at.chat_input  # a reader asks
    # An editor signs in with an API key alone, and may upload.
    at.session_state["user"] = None
    at.run()
    at.text_input(key="signin-password").input(editor_key)
    at.button[0].click().run()
    assert "Signed in as eddie (editor)" in " ".join(c.value for c in at.sidebar.caption)
    assert at.get("file_uploader")
    at.button(key="signout").click().run()
    assert not at.chat_input and at.title[0].value == "Sign in"


AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "a secret of the test",
        "client_id": "safecite", "client_secret": "another secret",
        "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}


def test_single_sign_on_is_offered_with_an_auth_section_and_maps_a_user_to_an_account(page, tmp_path):
    from service.accounts import Accounts

    path = tmp_path / "accounts.sqlite"
    Accounts(path).add_user("eddie@example.com", "editor")
    Accounts(path).add_user("rita", "reader", password="reader pw")
    at = page(accounts=path)
    assert at.title[0].value == "Sign in" and not [b for b in at.button if b.label.startswith("Sign in with")]
    # With [auth] in secrets.toml: the provider's button beside the form.
    at.secrets["auth"] = AUTH
    at.run()
    assert [b.label for b in at.button if b.label.startswith("Sign in with")] == ["Sign in with login.example.com"]
    assert at.text_input(key="signin-name")  # the password form stays
    # Back from the provider as someone with no account (a name of one does not count beside an email).
    at.user = {"is_logged_in": True, "email": "mallory@example.com", "name": "rita"}
    at.run()
    assert any("mallory@example.com" in plain(w.value) and "Ask an admin" in plain(w.value) for w in at.warning), at.warning
    assert not at.chat_input and at.title[0].value == "Sign in"
    # Back as the editor, by email in another case: signed in with the account's role.
    at.user = {"is_logged_in": True, "email": "Eddie@Example.com", "name": "Eddie"}
    at.run()
    assert not at.exception, at.exception
    assert "Signed in as eddie@example.com (editor)" in " ".join(c.value for c in at.sidebar.caption)
    assert at.chat_input and at.get("file_uploader")
    # Signing out signs out of the provider too (st.logout): the sign-in page, not signed in again.
    at.button(key="signout").click().run()
    assert not at.exception, at.exception
    assert not at.chat_input and at.title[0].value == "Sign in" and not at.user.get("is_logged_in")


def test_a_page_served_to_others_without_accounts_is_refused(page):
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = page()
    finally:
        config.set_option("server.address", before)
    assert not at.chat_input
    assert any("0.0.0.0" in e.value and "make user" in e.value for e in at.error), [e.value for e in at.error]
