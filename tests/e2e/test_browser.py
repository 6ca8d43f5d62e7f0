"""The real page in a real browser: `python -m streamlit run app.py` (the
command `make run` uses) on a free port of 127.0.0.1, over an index of
corpus/ built as `make run` builds it (the default embedder plan) with one
more document carrying HTML and a script, driven in headless Chromium
through Selenium.

Without chromium and chromedriver the tests skip, except under CI=true, where
they fail: `make test` installs both (Debian `chromium`, `chromium-driver`).
Screenshots go to var/screenshots/ (ignored by git)."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import PROJECT_ROOT, write_text

pytestmark = pytest.mark.corpus

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
WAIT_S = 240  # the first question loads the model in the server: slow on two busy cores
CO_QUESTION = "How often must fixed carbon monoxide detectors be calibrated?"
XSS_QUESTION = "How many air changes per hour must a forklift battery charging room have?"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>document.title='pwned';window.__xss=1</script>"
HOSTILE = f"""---
title: Forklift Battery Charging Rules
doc_type: regulation
language: en
---

# Forklift Battery Charging Rules

Article 1 Traction batteries of forklifts shall be charged only in a charging room ventilated at four air changes per hour, and the sign {IMG} on its door shall be kept legible.

Article 2 Smoking and open flames are prohibited within five metres of a charging station; a notice {SCRIPT} shall be posted there.
"""


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    message = f"chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are needed; `make test` installs them"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_page(base: Path, env: dict[str, str]):
    """`streamlit run app.py` (as `make run` runs it) on a free port of
    127.0.0.1, with `env` over this process's environment and no language
    model; yields its URL once it answers, and stops it afterwards. Its
    output goes to base/server.log."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    env.pop("SAFECITE_LLM_URL", None)
    log = open(base / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                                "--server.port", str(port)], cwd=PROJECT_ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {(base / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def served(served_corpus_index, tmp_path_factory):
    """The page served over the corpus index (the default embedder plan, as
    `make run` builds it) plus the hostile document: (its URL, the audit
    log's path)."""
    _require_chromium()
    from index.build import ingest

    folder, index = served_corpus_index
    base = tmp_path_factory.mktemp("browser")
    index_dir = base / "index"
    shutil.copytree(folder, index_dir)
    write_text(base / "hostile" / "forklift-rules.md", HOSTILE)
    report = ingest([base / "hostile"], index_dir,
                    embedder={route.model: index.embedder_for(route.model) for route in index.plan})
    assert report.added == ["forklift-rules.md"], report.summary()
    env = {"SAFECITE_INDEX": str(index_dir), "SAFECITE_AUDIT_LOG": str(base / "audit.sqlite"),
           "SAFECITE_ACCOUNTS": str(base / "no-accounts.sqlite")}  # a one-person page, whatever var/ holds
    with serve_page(base, env) as url:
        yield url, base / "audit.sqlite"


@pytest.fixture
def server(served) -> str:
    return served[0]


@pytest.fixture
def browser(tmp_path):
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1800", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"  # what the page's download buttons save
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _ask(driver, url: str, question: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait = WebDriverWait(driver, WAIT_S)
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    return wait


def _open_citation(driver, wait, label_part: str, *more_parts: str):
    """Click the citation whose label contains `label_part` (and `more_parts`); returns its expander."""
    from selenium.webdriver.common.by import By

    def find(d):
        for expander in d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage'] [data-testid='stExpander']"):
            summary = expander.find_element(By.TAG_NAME, "summary")
            if all(part in summary.text for part in (label_part, *more_parts)):
                return expander, summary
        return False

    expander, summary = wait.until(find)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
    summary.click()
    return expander


def test_a_question_in_the_browser_and_its_citation_opened(server, browser):
    wait = _ask(browser, server, CO_QUESTION)
    expander = _open_citation(browser, wait, "Article 21")
    passage = "calibrated at least once every 6 months"
    wait.until(lambda d: passage in expander.text and expander.find_element("css selector", "[data-testid='stExpanderDetails']").is_displayed())
    wait.until(lambda d: "Show the whole document" in expander.text)  # the expander has finished drawing
    answer = browser.find_elements("css selector", "[data-testid='stChatMessage']")[-1].text
    assert "[1]" in answer and "Metallurgical Gas Safety Rules" in answer
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "browser-citation.png"
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", expander)
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    # The whole document, from the passage on: the next article follows it.
    expander.find_element("css selector", "[data-testid='stCheckbox'] label").click()
    wait.until(lambda d: "Earlier text of the document" in expander.text and "Article 22 Signals" in expander.text)
    assert "Download the source file" in expander.text
    browser.save_screenshot(str(SCREENSHOTS / "browser-source.png"))


def test_a_period_in_work_cycles_and_an_english_follow_up_are_answered(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    # A follow-up in English that asks a question of its own, answered by a
    # period counted in shifts (the dust rules' wet collector article).
    wait = _ask(browser, f"{server}/?lang=en", "How should a wet dust collector be checked?")
    _answered(browser, wait)
    box = browser.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")
    box.send_keys("and how often must the sludge be removed?")
    box.send_keys(Keys.ENTER)
    follow_up = _answered(browser, wait, messages=4)
    assert "Not answered by the indexed documents" not in follow_up.text
    assert re.search(r"Read as: .*wet dust collector", follow_up.text), follow_up.text
    assert "once per shift" in follow_up.text or "every shift" in follow_up.text, follow_up.text
    _screenshot(browser, follow_up, "browser-follow-up-period.png")
    # A period counted in heats, asked in Chinese, found in the English PDF and labelled as English.
    wait = _ask(browser, f"{server}/?lang=zh", "钢包工作层内衬的残余厚度要多久测量一次？")
    answer = _answered(browser, wait)
    assert "已索引的文件没有回答这个问题" not in answer.text
    assert "every 10 heats" in answer.text and "原文（英文）" in answer.text, answer.text
    _screenshot(browser, answer, "browser-period-in-heats-zh.png")


def test_html_and_script_in_a_document_are_shown_as_text(server, browser):
    from selenium.common.exceptions import NoAlertPresentException

    wait = _ask(browser, server, XSS_QUESTION)
    expander = _open_citation(browser, wait, "Forklift Battery Charging Rules")
    wait.until(lambda d: IMG in expander.text)
    # The answer or a citation brings the other article's script text too, when asked for it.
    browser.find_element("css selector", "[data-testid='stChatInputTextArea']").send_keys(
        "Within what distance of a forklift charging station are smoking and open flames prohibited?\n")
    script_shown = wait.until(lambda d: next((m for m in d.find_elements("css selector", "[data-testid='stChatMessage']")
                                              if "five metres" in m.text), False))
    _open_citation(browser, wait, "Article 2")
    wait.until(lambda d: SCRIPT in d.find_element("tag name", "body").text)
    assert script_shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "browser-hostile-document.png"))
    # Nothing ran: no alert, the title and the window are untouched.
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.title == "SafeCite"
    assert browser.execute_script("return window.__xss === undefined")
    assert not browser.find_elements("css selector", "[data-testid='stChatMessage'] img[src='x']")
    assert not browser.find_elements("css selector", "[data-testid='stChatMessage'] script")


# -- the page's own words in one language, rendering, refresh, upload -----------

# The visible text of the page: text nodes shown on screen (not icon ligatures,
# not visually hidden helpers) and the placeholders of visible fields.
VISIBLE_TEXT = """
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let node;
while ((node = walker.nextNode())) {
  const el = node.parentElement;
  if (!el || el.closest('[data-testid="stIconMaterial"], [translate="no"], script, style, noscript')) continue;
  if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
  const box = el.getBoundingClientRect();
  if (box.width <= 1 || box.height <= 1) continue;
  const text = node.textContent.trim();
  if (text) out.push(text);
}
for (const field of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
  if (field.checkVisibility() && field.placeholder) out.push(field.placeholder);
}
return out;
"""
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’.\-/_]*(?:[ ,;:()&]+[A-Za-z0-9][A-Za-z0-9'’.\-/_]*)*")
# Names that stay as they are on a Chinese page: the product, file formats and
# units, OCR, the name of the English language in English (the language switch),
# and the date fields' format hint (yyyy-mm-dd, drawn by Streamlit, not settable).
IDS = {"SafeCite", "PDF", "DOCX", "MD", "TXT", "HTML", "CSV", "XLSX", "PNG", "JPEG", "OCR", "MB", "KB", "UTC",
       "Markdown", "English", "yyyy", "mm", "dd"}
GENERATION = re.compile(r"gen-\d+")


@pytest.fixture(scope="module")
def document_words(served_corpus_index) -> str:
    """Everything documents say: titles, sources, locators, metadata and text of
    the indexed corpus (as the source view reads it) and the hostile document,
    whitespace collapsed. Latin text on a Chinese page must come from here."""
    from ingest import run

    _, index = served_corpus_index
    parts = [HOSTILE]
    for d in index.catalog.documents():
        parts += [d.title, d.source, *(str(v) for v in d.metadata.values())]
    for chunk in index.catalog.chunks(list(range(index.catalog.count()))):
        parts += [chunk.text, chunk.locator, chunk.title]
    parts += [doc.text for doc in run([PROJECT_ROOT / "corpus"]).documents]
    return " ".join(" ".join(parts).split())


def untranslated(texts, document_words: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The runs of Latin text in `texts` that are neither an id nor words of a document."""
    out = []
    for text in texts:
        for allowed_text in allowed:
            text = text.replace(allowed_text, " ")
        for run in LATIN_RUN.findall(text):
            run = run.strip(" ,;:()&.")
            if len(run) < 2 or run in IDS or GENERATION.fullmatch(run):
                continue
            if " ".join(run.split()) not in document_words:
                out.append(run)
    return out


def _idle(driver, wait) -> None:
    """Wait until the page has finished its run (Streamlit's running indicator gone)."""
    from selenium.webdriver.common.by import By

    time.sleep(0.5)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))
    time.sleep(0.5)


def _click(driver, element, wait=None) -> None:
    """Scroll `element` into view and click it, once it takes clicks (an
    expander that is still opening does not)."""
    from selenium.common.exceptions import ElementClickInterceptedException, ElementNotInteractableException
    from selenium.webdriver.support.ui import WebDriverWait

    def clicked(d) -> bool:
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
        except (ElementNotInteractableException, ElementClickInterceptedException):
            return False
        return True

    (wait or WebDriverWait(driver, 10)).until(clicked)


def _toggle(driver, wait, expander):
    """Turn on the (displayed) switch inside `expander`: "Show the whole
    document". A click that lands while the page is still finishing a run can
    be lost in that run's redraw, so the switch is clicked again until its
    box reads on."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def on(d) -> bool:
        label = next((t for t in expander.find_elements(By.CSS_SELECTOR, "[data-testid='stCheckbox'] label")
                      if t.is_displayed()), None)
        if label is None:
            return False
        if label.find_element(By.TAG_NAME, "input").is_selected():
            return True
        _click(d, label, wait)
        return False  # read again at the next poll, once the click has been drawn

    WebDriverWait(driver, WAIT_S, poll_frequency=3, ignored_exceptions=(StaleElementReferenceException,)).until(on)


def _choose(driver, wait, typed: str, option: str, seen: list[str] | None = None) -> None:
    """In the sidebar's removal panel, choose the document whose option holds
    `option` (typing `typed` to find it); `seen` gets the panel's text first."""
    from selenium.webdriver.common.by import By

    sidebar = driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']")
    _click(driver, sidebar.find_element(By.CSS_SELECTOR, "[data-testid='stExpander'] summary"), wait)
    select = wait.until(lambda d: next((i for i in sidebar.find_elements(
        By.CSS_SELECTOR, "[data-testid='stSelectbox'] input") if i.is_displayed()), False))
    _idle(driver, wait)
    if seen is not None:
        seen += _visible(driver)  # the empty choice's placeholder
    _click(driver, select, wait)
    select.send_keys(typed)
    choice = wait.until(lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role='option']")
                                        if option in o.text), False))
    _click(driver, choice, wait)
    _idle(driver, wait)


def _visible(driver) -> list[str]:
    return driver.execute_script(VISIBLE_TEXT)


def _shot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000
    return path


def _answered(driver, wait, messages: int = 2, words: tuple[str, ...] = ("Download this answer", "下载此回答")):
    """The last assistant message once there are `messages` and it is drawn
    whole (its download button is its last part)."""
    from selenium.webdriver.common.by import By

    def done(d):
        shown = d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")
        return shown[-1] if len(shown) >= messages and any(w in shown[-1].text for w in words) else False

    message = wait.until(done)
    _idle(driver, wait)
    return message


def test_a_chinese_page_shows_no_english_words_of_its_own(served, browser, document_words):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, audit = served
    browser.get(f"{url}/?lang=zh")
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    _idle(browser, wait)
    seen = _visible(browser)
    # The job's example: a cited answer; its first citation, then the whole document.
    browser.find_element(By.CSS_SELECTOR, ".st-key-example-auto button").click()
    message = _answered(browser, wait)
    expander = message.find_elements(By.CSS_SELECTOR, "[data-testid='stExpander']")[0]
    _click(browser, expander.find_element(By.TAG_NAME, "summary"))
    _toggle(browser, wait, expander)
    wait.until(lambda d: "下载原文件" in expander.text)
    _idle(browser, wait)
    seen += _visible(browser)
    _shot(browser, "browser-zh-answer-and-document.png")
    # A question the documents do not answer: the refusal and its reason.
    box = browser.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")
    box.send_keys("除尘器泄爆板的螺栓拧紧力矩应为多少牛·米？")
    box.send_keys(Keys.ENTER)
    refusal = _answered(browser, wait, messages=4)
    assert "已索引的文件没有回答这个问题" in refusal.text
    seen += _visible(browser)
    # A question near the documents' subjects that they do not answer: refused,
    # or shown as the closest passages under the caution, never under the
    # job's own sections as if they were what must be done.
    box = browser.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")
    box.send_keys("含水镁合金废屑应当如何处理？")
    box.send_keys(Keys.ENTER)
    near = _answered(browser, wait, messages=6)
    if "已索引的文件没有回答这个问题" not in near.text:
        assert "可能没有直接回答这个问题" in near.text and "检索到的最接近的条文" in near.text, near.text
        # One label over the passages (shown in bold), none of the jobs' own sections.
        from answer.rectify import LABELS

        lines = near.text.split("\n")
        assert any(line.startswith("检索到的最接近的条文") for line in lines), lines
        assert not set(LABELS["zh"]) & set(lines), lines
    _shot(browser, "browser-zh-not-answered-closest.png")
    seen += _visible(browser)
    # The sidebar's removal panel up to its question, then cancelled.
    _choose(browser, wait, "粉尘防爆", "粉尘防爆", seen)
    _click(browser, wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".st-key-remove button")), wait)
    wait.until(lambda d: "确定从索引中删除" in d.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']").text)
    seen += _visible(browser)
    browser.find_element(By.CSS_SELECTOR, ".st-key-remove-no button").click()
    _idle(browser, wait)
    # The similar-findings job with its filters open.
    browser.find_elements(By.CSS_SELECTOR, "[data-testid='stButtonGroup'] button")[3].click()
    _idle(browser, wait)
    filters = browser.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] [data-testid='stExpander'] summary")
    next(f for f in filters if "类似隐患筛选" in f.text).click()
    _idle(browser, wait)
    seen += _visible(browser)
    # The documents and the audit trail.
    for tab in browser.find_elements(By.CSS_SELECTOR, "[data-testid='stTab']")[1:]:
        tab.click()
        _idle(browser, wait)
        seen += _visible(browser)
    _shot(browser, "browser-zh-audit-trail.png")
    offending = untranslated(seen, document_words, allowed=(str(audit),))
    assert not offending, sorted(set(offending))
    # The checks above can fail: the same walk's English words are caught.
    assert untranslated(["下载此回答 Download", "原文 Show the whole document"], document_words) == [
        "Download", "Show the whole document"]


def test_the_language_survives_a_refresh(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(lambda d: "Questions and answers" in d.find_element(By.TAG_NAME, "body").text)
    options = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebar'] [data-testid='stRadioOption']"))
    next(o for o in options if o.text == "中文").click()
    wait.until(lambda d: "问答" in d.find_element(By.TAG_NAME, "body").text and "lang=zh" in d.current_url)
    browser.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    _idle(browser, wait)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "问答" in body and "已索引的文件" in body and "Questions and answers" not in body
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']").get_attribute(
        "placeholder").startswith("询问")
    _shot(browser, "browser-zh-after-refresh.png")


def test_adjacent_markers_and_record_labels_render(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/?lang=en")
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stButtonGroup'] button"))
    browser.find_elements(By.CSS_SELECTOR, "[data-testid='stButtonGroup'] button")[3].click()
    _idle(browser, wait)
    browser.find_element(By.CSS_SELECTOR, ".st-key-example-similar button").click()
    message = _answered(browser, wait)
    answer = message.find_element(By.CSS_SELECTOR, "[data-testid='stMarkdownContainer']")
    assert "****" not in answer.text and "**" not in answer.text
    bold = [b.text for b in answer.find_elements(By.TAG_NAME, "strong")]
    assert any(re.fullmatch(r"(\[\d+\]){2,}", b) for b in bold), bold  # [1][2] as one bold run
    # Record labels are paragraphs of their own, never inside the bullet before them.
    labels = [b for b in answer.find_elements(By.CSS_SELECTOR, "p > strong") if " · " in b.text]
    assert len(labels) >= 2
    assert not [li.text for li in answer.find_elements(By.TAG_NAME, "li") if " · " in li.text]
    _shot(browser, "browser-similar-markers-and-labels.png")


def test_the_whole_document_starts_at_the_article_and_keeps_its_items(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    wait = _ask(browser, f"{server}/?lang=en",
                "What methods may be used to clean dust off floors and hoods in a polishing room at shift end?")
    _answered(browser, wait)
    expander = _open_citation(browser, wait, "Article 23")
    _toggle(browser, wait, expander)
    wait.until(lambda d: "Download the source file" in expander.text)
    _idle(browser, WebDriverWait(browser, WAIT_S))
    lines = expander.find_element("css selector", "[data-testid='stVerticalBlockBorderWrapper'], "
                                                  "[data-testid='stVerticalBlock']").text.split("\n")
    # The cited parts are quoted above the document; the items are looked for
    # after the article's start in the document (its last occurrence).
    start = max(i for i, line in enumerate(lines) if line.startswith("Article 23 Enterprises conducting"))
    items = [next(i for i, line in enumerate(lines) if i > start and line.startswith(f"({n}) ")) for n in range(1, 9)]
    assert start < items[0] and items == sorted(items) and len(set(items)) == 8  # the article whole, each item a line
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", expander)
    _shot(browser, "browser-whole-article.png")


def test_a_pdf_is_shown_in_paragraphs(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    wait = _ask(browser, f"{server}/?lang=en", "How often must ladle trunnions be tested?")
    _answered(browser, wait)
    expander = _open_citation(browser, wait, "Ladle")
    _toggle(browser, wait, expander)
    wait.until(lambda d: "Open page" in expander.text)
    _idle(browser, WebDriverWait(browser, WAIT_S))
    text = expander.text
    # A sentence the PDF wraps over two lines is one line here.
    wrapped = [line for line in text.split("\n") if len(line) > 120]
    assert wrapped, "no paragraph longer than a PDF line"
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", expander)
    _shot(browser, "browser-pdf-paragraphs.png")


# A rule on a subject no document of corpus/ covers: the question about it is
# refused before the upload, answered from the upload, and refused again once
# the upload is removed (nothing of it stays in the index).
UPLOAD_NAME = "食堂液化气瓶间规定.txt"
UPLOAD_TEXT = "食堂使用的液化石油气钢瓶应当存放在独立的气瓶间内，气瓶间应当通风良好并设置可燃气体报警装置。"
UPLOAD_QUESTION = "食堂的液化石油气钢瓶应当放在哪里？"


def test_an_upload_by_its_name_counts_at_once_and_removal_asks_first(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/?lang=zh")
    wait = WebDriverWait(browser, WAIT_S)
    sidebar = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']"))
    wait.until(lambda d: re.search(r"(\d+)份文件", sidebar.text))
    asked = 0

    def ask() -> str:
        """The answer to UPLOAD_QUESTION asked in the page as it is now."""
        nonlocal asked
        asked += 1
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
        box.send_keys(UPLOAD_QUESTION + Keys.ENTER)
        return _answered(browser, wait, messages=2 * asked).text

    def count() -> int:
        return int(re.search(r"(\d+)份文件，", sidebar.text).group(1))

    refused = ask()
    assert "已索引的文件没有回答这个问题" in refused and "独立的气瓶间" not in refused, refused
    before = count()
    upload = tmp_path / UPLOAD_NAME
    upload.write_text(UPLOAD_TEXT, encoding="utf-8")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzoneInput']"))[0].send_keys(
        str(upload))
    button = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-ingest button"))[0]
    button.click()
    wait.until(lambda d: f"已添加：{UPLOAD_NAME}" in sidebar.text)
    _idle(browser, wait)
    assert count() == before + 1  # at once, without another click
    assert "正在导入" not in sidebar.text  # no progress bar left behind
    _shot(browser, "browser-upload-added.png")
    answered = ask()  # from the upload, cited by its own name
    assert "已索引的文件没有回答这个问题" not in answered and "独立的气瓶间" in answered, answered
    assert "食堂液化气瓶间规定" in answered, answered
    _screenshot(browser, browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")[-1],
                "browser-upload-answers.png")
    # Removal names the document by its uploaded name and asks first.
    _choose(browser, wait, "食堂液化气瓶间规定", UPLOAD_NAME)
    _click(browser, wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".st-key-remove button")), wait)
    wait.until(lambda d: "确定从索引中删除" in sidebar.text)
    assert f"食堂液化气瓶间规定 ({UPLOAD_NAME})" in sidebar.text and count() == before + 1
    _shot(browser, "browser-remove-confirm.png")
    _click(browser, sidebar.find_element(By.CSS_SELECTOR, ".st-key-remove-yes button"), wait)
    wait.until(lambda d: f"已删除：{UPLOAD_NAME}" in sidebar.text)
    _idle(browser, wait)
    assert count() == before and f"已添加：{UPLOAD_NAME}" not in sidebar.text  # the upload's message is gone
    refused = ask()  # nothing of the removed document is left to answer from
    assert "已索引的文件没有回答这个问题" in refused and "独立的气瓶间" not in refused, refused
    _screenshot(browser, browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")[-1],
                "browser-upload-removed-refused.png")


# --- similar findings ---------------------------------------------------------------
# Descriptions in our own words of findings in corpus/'s registers: the wet
# collector's water level interlock cut off (F2024-013/025/034, YH2025-022/034/037 ...).
WET_EN = "The water level interlock of the wet dust collector was disconnected and the polishing machines did not stop"
WET_ZH = "湿式除尘器水位联锁被断开，水位下降后抛光机仍然继续运转"
CANTEEN = "The canteen coffee machine leaks water onto the floor near the cashier"
RECORD_ID = r"(?:F2024|YH2025)-\d{3}"


def _patient(driver):
    """A wait that also outlasts elements redrawn by a rerun of the page."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))


def _click_labelled(driver, wait, css: str, label: str):
    """Click the element matching `css` whose text holds `label`."""
    from selenium.webdriver.common.by import By

    element = wait.until(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css)
                                         if label in e.text), False))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    return element


def _similar_job_with_filter(driver, wait, job: str, filters: str, widget: str, value: str) -> list[str]:
    """Choose the similar-findings job, open its filters and pick `value` in
    the multiselect labelled `widget`; returns the options that widget offered."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))  # page drawn
    _click_labelled(driver, wait, "[data-testid='stButtonGroup'] button", job)
    _click_labelled(driver, wait, "[data-testid='stExpander'] summary", filters)

    def select(d):
        return next((m for m in d.find_elements(By.CSS_SELECTOR, "[data-testid='stMultiSelect']")
                     if m.text.startswith(widget)), None)

    offered: list[str] = []

    def chosen(d) -> bool:
        """Chosen once the page has run again with it; until then open the list
        and click the option (again, if a rerun redrew the widget meanwhile)."""
        box = select(d)
        if box is None:
            return False
        if value in box.text.split("\n"):
            return True
        options = d.find_elements(By.CSS_SELECTOR, "[role='option']")
        offered[:] = offered or [o.text for o in options]
        match = next((o for o in options if o.text == value), None)
        (match or box.find_element(By.TAG_NAME, "input")).click()
        return False

    wait.until(chosen)
    select(driver).find_element(By.TAG_NAME, "input").send_keys(Keys.ESCAPE)  # close the list
    return offered


def _ask_here(driver, wait, question: str, expect: str):
    """Ask in the page as it is; returns the answer message once it shows `expect`."""
    from selenium.webdriver.common.by import By

    box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    box.send_keys(question + "\n")
    return wait.until(lambda d: next((m for m in d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")
                                      if expect in m.text and question not in m.text), False))


def _table_rows(message) -> list[list[str]]:
    """The records table's rows as its accessible grid gives them (the visible
    columns), once the grid is drawn: it renders after the message's text."""
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(_):
        grids = message.find_elements("css selector", "[data-testid='stDataFrame'] table[role='grid']")
        return grids and grids[0].find_elements("css selector", "tbody tr")

    rows = WebDriverWait(message.parent, WAIT_S).until(drawn)
    return [[c.get_attribute("textContent") for c in row.find_elements("css selector", "td")] for row in rows]


def _screenshot(driver, message, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / name
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", message)
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    return shot


def test_similar_findings_in_english_are_cut_off_counted_and_filtered(server, browser):
    import re

    browser.get(server)
    wait = _patient(browser)
    offered = _similar_job_with_filter(browser, wait, "Similar findings", "Filters for similar findings", "Status",
                                       "Overdue")
    # One value per group, in the page's language: Overdue stands for 逾期未整改 too.
    assert "Overdue" in offered and "逾期未整改" not in offered and "Rectified" in offered, offered
    message = _ask_here(browser, wait, WET_EN, "similar past finding")
    text = message.text
    summary = re.search(r"(\d+) similar past findings?: (.*)", text)
    assert summary, text
    found = int(summary.group(1))
    heads = re.findall(rf"(?:^|\s)(\d+)\. ({RECORD_ID}) · ", text)
    # The cut-off: only the records like the description, not the 8 retrieved.
    assert 1 <= found < 8 and [int(n) for n, _ in heads] == list(range(1, found + 1)), text
    assert summary.group(2).startswith(f"{found} overdue"), summary.group(0)
    assert "Filters: Status: Overdue" in text
    # Each register searched on its own: the Chinese register's like records too,
    # each with what it required, under its register's own label.
    ids = [record_id for _, record_id in heads]
    assert any(i.startswith("F2024-") for i in ids) and any(i.startswith("YH2025-") for i in ids), ids
    assert "row " not in text and text.count("Rectification Required: ") + text.count("整改要求: ") == found
    assert all(re.search(rf"{record_id} · .* · (Overdue|逾期未整改) · deadline", text) for _, record_id in heads)
    rows = _table_rows(message)
    assert [row[:2] for row in rows] == [[n, record_id] for n, record_id in heads], rows
    assert all(row[3] in ("Overdue", "逾期未整改") and row[5] for row in rows), rows  # status, rectification
    _screenshot(browser, message, "browser-similar-en.png")
    # A description like none of the findings is refused, not answered with whatever came first.
    refused = _ask_here(browser, wait, CANTEEN, "Not answered by the indexed documents")
    assert "no past finding is close enough to the description" in refused.text
    assert not refused.find_elements("css selector", "[data-testid='stDataFrame']")


def test_similar_findings_in_chinese_match_both_registers(server, browser):
    import re

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    browser.get(server)
    wait = _patient(browser)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    _click_labelled(browser, wait, "[data-testid='stSidebar'] [data-testid='stRadio'] label", "中文")
    wait.until(lambda d: "类似隐患" in d.find_element(By.CSS_SELECTOR, "[data-testid='stButtonGroup']").text)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))  # the rerun is over
    offered = _similar_job_with_filter(browser, wait, "类似隐患", "类似隐患筛选", "状态", "逾期未整改")
    assert "逾期未整改" in offered and not [o for o in offered if re.search("[A-Za-z]", o)], offered
    message = _ask_here(browser, wait, WET_ZH, "类似的既往隐患")
    text = message.text
    summary = re.search(r"类似的既往隐患(\d+)条：(.*)", text)
    assert summary, text
    found = int(summary.group(1))
    heads = re.findall(rf"(?:^|\s)(\d+)\. ({RECORD_ID}) · ", text)
    assert 1 <= found < 8 and len(heads) == found, text
    assert summary.group(2).startswith(f"逾期未整改{found}条"), summary.group(0)
    # The Chinese status matched the English register's "Overdue" as well.
    ids = [record_id for _, record_id in heads]
    assert any(i.startswith("YH2025-") for i in ids) and any(i.startswith("F2024-") for i in ids), ids
    assert "筛选条件：状态：逾期未整改" in text
    assert "整改要求: " in text and "row " not in text
    rows = _table_rows(message)
    assert [row[1] for row in rows] == ids and all(row[3] in ("Overdue", "逾期未整改") for row in rows), rows
    _screenshot(browser, message, "browser-similar-zh.png")

# A finding in our own words like one of the English register's at Jiangchuan
# (F2024-066, compressed air blown at the machines' dust).
BLOWING_ZH = "工人在生产期间用压缩空气枪吹扫设备上的积尘"


def _downloaded(driver, button_label: str, suffix: str) -> Path:
    """Click the download button labelled `button_label`; the file it saved
    (ending in `suffix`) once Chromium has finished writing it."""
    from selenium.webdriver.support.ui import WebDriverWait

    before = set(driver.downloads.iterdir())
    button = _patient(driver).until(lambda d: next((b for b in d.find_elements("css selector", "button")
                                                    if b.text.strip() == button_label and b.is_displayed()), False))
    _click(driver, button)

    def saved(_):
        new = [f for f in driver.downloads.iterdir() if f not in before and f.name.endswith(suffix)]
        return new[0] if new and new[0].stat().st_size > 0 else False

    return WebDriverWait(driver, 60).until(saved)


def test_a_city_in_chinese_finds_the_english_registers_records_and_the_answer_and_audit_download(server, browser):
    """Issue: the city filter matches both registers' spellings (江川市 is
    Jiangchuan), the filters are shown with the answer and carried into its
    download, with the date and time and the clause quoted; the audit trail
    downloads as a CSV Excel opens in Chinese (UTF-8 with a BOM)."""
    import csv
    import io

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    browser.get(f"{server}/?lang=zh")
    wait = _patient(browser)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    offered = _similar_job_with_filter(browser, wait, "类似隐患", "类似隐患筛选", "城市", "江川市")
    # One value per city, in the page's language where the city has a Chinese name.
    assert "江川市" in offered and "Jiangchuan" not in offered, offered
    message = _ask_here(browser, wait, BLOWING_ZH, "类似的既往隐患")
    heads = re.findall(rf"(?:^|\s)\d+\. ({RECORD_ID}) · [^\n]*?· (Jiangchuan|江川市) · ", message.text)
    assert heads and any(i.startswith("F2024-") and city == "Jiangchuan" for i, city in heads), message.text
    assert "筛选条件：城市：江川市" in message.text
    _screenshot(browser, message, "browser-similar-city-zh.png")

    exported = _downloaded(browser, "下载此回答（Markdown）", ".md").read_text(encoding="utf-8")
    assert "城市：江川市" in exported, exported
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", exported), exported  # when it was asked
    assert all(record_id in exported for record_id, _ in heads), exported
    assert re.search(r"第[一二三四五六七八九十百]+条|Article \d+", exported), exported  # the clause it cites

    _click_labelled(browser, wait, "[data-testid='stTab']", "审计记录")
    raw = _downloaded(browser, "下载审计记录（CSV）", ".csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]  # the BOM: Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert not re.search("[A-Za-z]", " ".join(rows[0])), rows[0]  # the headers in the page's language
    assert any(BLOWING_ZH in " ".join(row) for row in rows[1:]), rows


# Our own short pages, as a scanner and a phone make them: a scanned PDF whose
# second page answers, and a photo turned a little, speckled, saved as JPEG.
SCAN_NAME, PHOTO_NAME = "crane-hook-rules-scan.pdf", "吊篮安全规定照片.jpg"
SCAN_PAGES = [["Crane Hook Inspection Rules",
               "Article 1 Every crane hook shall carry a safety latch across its throat."],
              ["Article 2 A crane hook whose throat opening has grown by more than ten per cent shall be scrapped."]]
PHOTO_LINES = ["高处作业吊篮安全规定",
               "第一条 吊篮安装完毕后，应当经检验合格方可投入使用。",
               "第二条 吊篮内作业人员不得超过两人，每人应当将安全带系挂在独立设置的安全绳上。"]


def _page_image_shown(expander):
    """The page image inside `expander`, once it has loaded, else False."""
    from selenium.webdriver.common.by import By

    return next((i for i in expander.find_elements(By.CSS_SELECTOR, "[data-testid='stImage'] img, img")
                 if i.is_displayed() and i.get_attribute("naturalWidth") not in (None, "0")), False)


def test_a_scanned_pdf_and_a_photo_uploaded_are_answered_with_pages_and_the_scan(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from bench.scans import photo, scanned_pdf

    scan = scanned_pdf(tmp_path / SCAN_NAME, SCAN_PAGES, dpi=200, rotate=1.0, noise=8)
    picture = photo(tmp_path / PHOTO_NAME, PHOTO_LINES, dpi=200, rotate=1.5, noise=10)
    browser.get(f"{server}/?lang=en")
    wait = WebDriverWait(browser, WAIT_S)
    sidebar = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzoneInput']"))[0].send_keys(
        f"{scan}\n{picture}")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-ingest button"))[0].click()
    wait.until(lambda d: "Added:" in sidebar.text and SCAN_NAME in sidebar.text and PHOTO_NAME in sidebar.text)
    assert "Skipped" not in sidebar.text
    # The scan: the second page's article, cited with its page and as OCR text.
    wait = _ask(browser, f"{server}/?lang=en", "When must a crane hook be scrapped?")
    message = _answered(browser, wait)
    assert "ten per cent" in message.text
    expander = _open_citation(browser, wait, "OCR text", "p. 2")
    label = expander.find_element(By.TAG_NAME, "summary").text
    assert "Article 2" in label, label
    wait.until(lambda d: SCAN_NAME in expander.text and "Recognised by OCR" in expander.text)
    _toggle(browser, wait, expander)
    wait.until(lambda d: "Page 2 as scanned" in expander.text and _page_image_shown(expander))
    _idle(browser, wait)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", expander)
    _shot(browser, "browser-ocr-scan-and-page.png")
    # The photo, asked on a Chinese page: page 1, labelled as OCR text in Chinese, the photo beside it.
    wait = _ask(browser, f"{server}/?lang=zh", "吊篮内作业人员最多可以有几个人？")
    message = _answered(browser, wait)
    assert "两人" in message.text
    expander = _open_citation(browser, wait, "OCR识别文本", "第二条")
    label = expander.find_element(By.TAG_NAME, "summary").text
    assert "第1页" in label, label
    wait.until(lambda d: PHOTO_NAME in expander.text and "请对照页面图像核对" in expander.text)
    _toggle(browser, wait, expander)
    wait.until(lambda d: "扫描件第1页" in expander.text and _page_image_shown(expander))
    _idle(browser, wait)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", expander)
    _shot(browser, "browser-ocr-photo-and-page.png")
