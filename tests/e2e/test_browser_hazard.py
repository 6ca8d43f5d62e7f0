"""The major-hazard job on the real page, in English and in Chinese, over the
sample corpus (its criteria document, corpus/regulations-zh/
shili-zhongda-shigu-yinhuan-panding-biaozhun.md): the page served and driven
in headless Chromium as in test_browser.py (its `server` and `browser`
fixtures). For one major and one not-major finding in each language the
answer shows the verdict, the item it rests on (quoted from the document) and
the conditions met or not met; on the English page the Chinese item is
labelled as quoted in its own language.

A screenshot per verdict per language goes to var/screenshots/hazard-<lang>-<verdict>.png."""
from __future__ import annotations

import pytest
from test_browser import SCREENSHOTS, WAIT_S, browser, served, server  # noqa: F401  (fixtures)

from ui.i18n import text

pytestmark = pytest.mark.corpus

TITLE = "示例市工贸企业重大事故隐患判定标准"
# (page language, finding, major, the item's locator, its text as the document has it, a condition of it)
CASES = [
    ("en", "The dry dust collector has no explosion vent.", True, "第四条第（一）项",
     "干式除尘器未设置泄爆口，或者泄爆口被封堵的", "干式除尘器未设置泄爆口"),
    ("en", "All electrical equipment at the grinding stations is explosion-proof and certified.", False,
     "第四条第（四）项", "打磨工位使用非防爆电气设备的", None),
    ("zh", "铸造车间的中频炉前没有应急排放坑，也没有备用铁水包。", True, "第三条第（二）项",
     "熔炼炉未设置应急排放坑或者备用铁水包的（倾动式电炉除外）", "熔炼炉未设置应急排放坑或者备用铁水包"),
    ("zh", "速冻间里有6个人在装盘。", False, "第五条第（一）项", "速冻间内同时作业人员超过8人的",
     "速冻间内同时作业人员超过8人"),
]


def _judge(driver, url: str, lang: str, finding: str):
    """Choose the language and the major-hazard job on a fresh page, type the
    finding; returns the answer's chat message once its verdict shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait = WebDriverWait(driver, WAIT_S)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    if lang != "en":
        choice = wait.until(lambda d: next((e for e in d.find_elements(
            By.CSS_SELECTOR, "[data-testid='stSidebar'] [data-testid='stRadio'] label") if e.text.strip() == "中文"), False))
        choice.click()
        wait.until(lambda d: text(lang, "mode") in d.find_element(By.TAG_NAME, "body").text)
    label = text(lang, "mode.hazard")
    button = wait.until(lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip() == label),
                                       False))
    button.click()
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    box.send_keys(finding)
    box.send_keys(Keys.ENTER)
    verdicts = [text(lang, key) for key in ("hazard.major", "hazard.not_major", "hazard.unknown")]
    last_part = text(lang, "hazard.others")  # the expander drawn after everything else

    def judged(d):
        messages = d.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")
        last = messages[-1] if len(messages) >= 2 else None
        done = last is not None and any(v in last.text for v in verdicts) and last_part in last.text
        return last if done else False

    return wait.until(judged)


@pytest.mark.parametrize("lang, finding, major, locator, item, condition", CASES,
                         ids=[f"{c[0]}-{'major' if c[2] else 'not-major'}" for c in CASES])
def test_the_verdict_the_item_and_its_conditions_are_shown(server, browser, lang, finding, major, locator,  # noqa: F811
                                                           item, condition):
    message = _judge(browser, server, lang, finding)
    lines = [line.strip() for line in message.text.split("\n") if line.strip()]
    shown = text(lang, "hazard.major" if major else "hazard.not_major")
    other = text(lang, "hazard.not_major" if major else "hazard.major")
    assert shown in lines and other not in lines, lines
    head = text(lang, "hazard.item" if major else "hazard.nearest", locator=locator, title=TITLE)
    assert head in lines, lines
    assert item in lines, lines  # the item quoted whole, as the document has it
    assert (text(lang, "quote_other") in lines) == (lang == "en"), lines  # a Chinese item on an English page
    if condition is not None:
        said = text(lang, "hazard.met" if major else "hazard.unmet", condition=condition)
        assert any(line.startswith(said) for line in lines), lines
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", message)
    path = SCREENSHOTS / f"hazard-{lang}-{'major' if major else 'not-major'}.png"
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000
