"""The checklist and rectification jobs on the real page, in English and in
Chinese, over the sample corpus: the page served and driven in headless
Chromium as in test_browser.py (its `server` and `browser` fixtures).

- Checklist: the Riverton inspection checklist's items, each with its
  requirement, basis and method, in the checklist document's order; in
  Chinese, after the Chinese articles and labelled 原文（英文）.
- Rectification: what must be rectified, who, the deadline (30 days for an
  interlock defect) and the penalty (the fine for breaking the wet collector
  article), each cited, the penalty's citation opening the penalty article.
- In both jobs an article indexed in parts is cited under one number; on the
  Chinese page no Latin text shows but the documents' own.

A screenshot per job per language goes to var/screenshots/jobs-<job>-<lang>.png."""
from __future__ import annotations

import re

import pytest
from test_browser import (SCREENSHOTS, WAIT_S, _visible, browser, document_words,  # noqa: F401
                          served, server, untranslated)

from ui.i18n import text

pytestmark = pytest.mark.corpus

QUESTIONS = {
    ("howto", "en"): "How should an inspector check a dust-involved polishing workshop?",
    ("howto", "zh"): "粉尘涉爆企业的抛光车间应该查哪些方面？",
    ("rectify", "en"): "A wet dust collector has no interlock with the polishing machines: what has to be fixed, "
                       "by whom, by when, and what fine applies?",
    ("rectify", "zh"): "湿式除尘器没有和抛光机联锁，要怎么整改、谁负责、多少天内完成、不整改罚多少？",
}
CHECKLIST = "Riverton Dust Hazard Inspection Checklist › 2 Inspection items"
ITEM = re.compile(r"^(\d+)\. ([^|\n]+?) \| [^|\n]+ \| [^|\n]+ \| [^|\n]+\[\d+\]$")
MARKER = re.compile(r"\[\d+\]$")


def _answer(driver, url: str, job: str, lang: str):
    """Ask the job's question on a fresh page in `lang`, with the job chosen;
    returns (the wait, the answer's chat message)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait = WebDriverWait(driver, WAIT_S)
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    if lang != "en":
        choice = wait.until(lambda d: next((e for e in d.find_elements(
            By.CSS_SELECTOR, "[data-testid='stSidebar'] [data-testid='stRadio'] label") if e.text.strip() == "中文"), False))
        choice.click()
        wait.until(lambda d: text(lang, "mode") in d.find_element(By.TAG_NAME, "body").text)
    label = text(lang, f"mode.{job}")
    button = wait.until(lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip() == label),
                                       False))
    button.click()
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    box.send_keys(QUESTIONS[job, lang])
    box.send_keys(Keys.ENTER)

    def answered(d):
        messages = d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")
        last = messages[-1] if len(messages) >= 2 else None
        return last if last is not None and "[1]" in last.text and text(lang, "citations") in last.text else False

    return wait, wait.until(answered)


def _lines(message) -> list[str]:
    """The answer's visible lines (labels and items), without the citations list."""
    body = message.text.split("\n")
    return [line.strip() for line in body if line.strip()]


def _sections(lines: list[str], labels: list[str]) -> dict[str, list[str]]:
    found, current = {}, None
    for line in lines:
        if line in labels:
            current = line
            found[current] = []
        elif current is not None and MARKER.search(line):
            found[current].append(line)
        elif current is not None and found[current]:
            current = None  # past the section's items: citations, buttons
    return found


def _checklist_items(lines: list[str], label: str) -> list[int]:
    start = lines.index(label)
    numbers = []
    for line in lines[start + 1:]:
        # On a Chinese page each English quote also carries its 原文（英文） badge.
        match = ITEM.match(re.sub(r"^原文（英文）\s*", "", line))
        if not match:
            break
        numbers.append(int(match.group(1)))
    return numbers


def _cited_articles(message) -> list[str]:
    """The document and article of each citation of the answer ("Rules — Article 15"), in their order."""
    summaries = [e.find_element("tag name", "summary").text
                 for e in message.find_elements("css selector", "[data-testid='stExpander']")]
    found = (re.search(r"\[\d+\] (.+)", s) for s in summaries)  # after the expander's icon
    return [m.group(1).split(" · ")[0] for m in found if m]


def _in_the_pages_language(driver, lang: str, document_words: str) -> None:
    """On a Chinese page, no Latin text but the documents' own (their quotes, titles, ids)."""
    if lang == "zh":
        offending = untranslated(_visible(driver), document_words)
        assert not offending, sorted(set(offending))


def _shot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_checklist_job_lists_the_checklists_items_in_its_order(server, browser, lang, document_words):  # noqa: F811
    from answer.areas import default_areas

    wait, message = _answer(browser, server, "howto", lang)
    lines = _lines(message)
    # The table's items under the equipment or area each is about, in the
    # page's language: each group in the document's order, the groups in the
    # order of their first item.
    labels = [line for line in lines if line.startswith(CHECKLIST + " › ")]
    groups = [_checklist_items(lines, label) for label in labels]
    names = {area.label(lang) for area in default_areas()}
    assert labels and all(label[len(CHECKLIST + " › "):].split(" · ")[0] in names for label in labels), labels
    numbers = [n for group in groups for n in group]
    assert len(numbers) >= 4 and len(numbers) == len(set(numbers)), (numbers, lines)
    assert all(group == sorted(group) for group in groups), groups
    assert [group[0] for group in groups] == sorted(group[0] for group in groups), groups
    label = labels[0]
    if lang == "zh":
        assert all(label.endswith("原文（英文）") for label in labels)
        first_label = next(line for line in lines if "›" in line)
        assert first_label.startswith("粉尘防爆安全规定"), lines  # the Chinese articles first
        assert lines.index(first_label) < lines.index(label)
    else:
        assert next(line for line in lines if "›" in line).startswith("Riverton Dust Hazard Inspection Checklist")
        assert any(line.startswith("Article 37 When inspecting") for line in lines)
    # An article indexed in parts is cited under one number.
    articles = _cited_articles(message)
    assert len(articles) >= 4 and len(set(articles)) == len(articles), articles
    _in_the_pages_language(browser, lang, document_words)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", message)
    _shot(browser, f"jobs-checklist-{lang}.png")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_rectification_job_states_a_cited_deadline_and_penalty(server, browser, lang, document_words):  # noqa: F811
    wait, message = _answer(browser, server, "rectify", lang)
    lines = _lines(message)
    labels = {"en": ["What must be rectified", "Who is responsible", "Deadline", "Penalty"],
              "zh": ["整改要求", "责任主体", "整改期限", "处罚"]}[lang]
    found = _sections(lines, labels)
    assert list(found) == labels, lines
    assert all(found[label] for label in labels), found
    deadline = next(line for line in found[labels[2]] if ("30 days" in line and "interlocks" in line)
                    or ("30日" in line and "联锁" in line))
    penalty = next(line for line in found[labels[3]] if ("fine" in line and "Article 18" in line)
                   or ("罚款" in line and "第十七条" in line))
    assert MARKER.search(deadline) and MARKER.search(penalty)
    # The penalty's citation opens the penalty article of the same rules.
    n = int(re.search(r"\[(\d+)\]$", penalty).group(1))
    expander = wait.until(lambda d: next((e for e in message.find_elements("css selector", "[data-testid='stExpander']")
                                          if f"[{n}] " in e.find_element("tag name", "summary").text), False))
    summary = expander.find_element("tag name", "summary")
    assert ("Article 38" in summary.text) if lang == "en" else ("第三十二条" in summary.text), summary.text
    articles = _cited_articles(message)
    assert len(articles) >= 3 and len(set(articles)) == len(articles), articles
    _in_the_pages_language(browser, lang, document_words)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", message)
    _shot(browser, f"jobs-rectify-{lang}.png")
