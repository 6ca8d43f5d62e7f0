"""Signing in on the real page, in headless Chromium as in test_browser.py
(its `browser` fixture and helpers), with an accounts file holding a reader
and an editor: one page process for this module, over a copy of the corpus
index, with SAFECITE_ACCOUNTS naming that file.

- The reader signs in with name and password: the page names them and their
  role, and shows no uploader and no removal panel; signing out brings the
  sign-in form back.
- The editor signs in and uploads a Markdown file through the page's
  uploader; the page reports it added and counts one document more.

Screenshots go to var/screenshots/signin-*.png."""
from __future__ import annotations

import re
import shutil

import pytest
from test_browser import WAIT_S, _idle, _require_chromium, _shot, browser, serve_page  # noqa: F401  (fixture)

pytestmark = pytest.mark.corpus

READER, EDITOR = ("rita", "reader", "rita's pass phrase"), ("eddie", "editor", "eddie's pass phrase")
UPLOAD_NAME = "hoist-brake-rules.md"
UPLOAD = """---
title: Hoist Brake Inspection Rules
doc_type: regulation
language: en
---

# Hoist Brake Inspection Rules

Article 1 The working brake of every electric hoist shall be tested under the rated load before each shift.
"""


@pytest.fixture(scope="module")
def signin_page(real_corpus_index, tmp_path_factory) -> str:
    """The page served with accounts (a reader and an editor, each with a password): its URL."""
    _require_chromium()
    from service.accounts import Accounts

    folder, _ = real_corpus_index
    base = tmp_path_factory.mktemp("browser-signin")
    shutil.copytree(folder, base / "index")  # the editor's upload changes it
    accounts = Accounts(base / "accounts.sqlite")
    for name, role, password in (READER, EDITOR):
        accounts.add_user(name, role, password=password)
    env = {"SAFECITE_INDEX": str(base / "index"), "SAFECITE_AUDIT_LOG": str(base / "audit.sqlite"),
           "SAFECITE_UPLOADS": str(base / "uploads"), "SAFECITE_ACCOUNTS": str(base / "accounts.sqlite")}
    with serve_page(base, env) as url:
        yield url


def _sidebar(driver):
    return driver.find_element("css selector", "[data-testid='stSidebar']")


def _send_form(driver, wait, name: str, password: str) -> None:
    """Fill the sign-in form (once the page's run has drawn it) and send it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-signin-password input"))
    _idle(driver, wait)
    assert "Sign in" in driver.find_element(By.TAG_NAME, "h1").text
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")  # nothing before it
    for key, value in (("signin-name", name), ("signin-password", password)):
        field = driver.find_element(By.CSS_SELECTOR, f".st-key-{key} input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE, value)  # what an earlier try left is replaced
    driver.find_element(By.CSS_SELECTOR, "[data-testid='stFormSubmitButton'] button").click()


def _sign_in(driver, wait, name: str, password: str):
    """Sign in; returns the sidebar once it names the user and the page is drawn."""
    from selenium.webdriver.common.by import By

    _send_form(driver, wait, name, password)
    wait.until(lambda d: f"Signed in as {name}" in _sidebar(d).text)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    _idle(driver, wait)
    return _sidebar(driver)


def _documents(sidebar) -> int:
    return int(re.search(r"(\d+) documents, ", sidebar.text).group(1))


def test_a_reader_sees_no_upload_and_an_editor_uploads_a_file(signin_page, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{signin_page}/?lang=en")
    wait = WebDriverWait(browser, WAIT_S)
    # A wrong password is refused, and the form stays.
    _send_form(browser, wait, READER[0], "not the pass phrase")
    wait.until(lambda d: "do not match an account" in d.find_element(By.TAG_NAME, "body").text)
    _shot(browser, "signin-form.png")
    sidebar = _sign_in(browser, wait, READER[0], READER[2])
    assert "Signed in as rita (reader)" in sidebar.text
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid='stFileUploader']")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[type='file']")
    assert "Remove a document" not in sidebar.text and not sidebar.find_elements(By.CSS_SELECTOR, ".st-key-remove-panel")
    _shot(browser, "signin-reader.png")
    browser.find_element(By.CSS_SELECTOR, ".st-key-signout button").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stForm']"))
    _idle(browser, wait)  # the signed-in page's elements go once the run is over
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")
    assert "Signed in as" not in browser.find_element(By.TAG_NAME, "body").text
    # The editor, in the same browser: the uploader and the removal panel are there.
    sidebar = _sign_in(browser, wait, EDITOR[0], EDITOR[2])
    assert "Signed in as eddie (editor)" in sidebar.text and "Remove a document" in sidebar.text
    before = _documents(sidebar)
    upload = tmp_path / UPLOAD_NAME
    upload.write_text(UPLOAD, encoding="utf-8")
    chooser = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stFileUploader'] input[type='file']"))
    chooser[0].send_keys(str(upload))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-ingest button"))[0].click()
    wait.until(lambda d: f"Added: {UPLOAD_NAME}" in _sidebar(d).text)
    _idle(browser, wait)
    assert _documents(_sidebar(browser)) == before + 1
    assert "Signed in as eddie (editor)" in _sidebar(browser).text  # the upload's rerun kept the sign-in
    _shot(browser, "signin-editor-upload.png")
