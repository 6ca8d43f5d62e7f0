"""Scanned PDFs and photos are read by OCR (Tesseract, Chinese and English),
cut by the same rules as text, with their pages; a citation of recognised text
says so; images too large are refused by name and the batch goes on."""
from __future__ import annotations

import re
import unicodedata

import pytest
from rapidfuzz.distance import Levenshtein
from support import load_one, write_text

from bench.scans import photo, render_page, scanned_pdf
from core.settings import reload as reload_settings
from ingest import run
from ingest.limits import Limits

ZH_PAGE = ["第一条 除尘器应当可靠接地，防止静电引燃粉尘云。",
           "第二条 泄爆口应当朝向室外安全区域，不得朝向人员通道。",
           "第三条 粉尘清扫应当每班进行，并做好清扫记录。"]
EN_PAGE = ["Article 7 Ladle linings shall be measured after every ten heats.",
           "Article 8 A ladle with a cracked trunnion shall be taken out of service at once."]


def _accuracy(expected: str, read: str) -> float:
    norm = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))  # noqa: E731
    return 1 - Levenshtein.distance(norm(expected), norm(read)) / len(norm(expected))


def test_a_scanned_pdf_is_read_page_by_page_and_cut_at_its_articles(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", [ZH_PAGE, EN_PAGE], dpi=300, rotate=1.0, noise=8)
    doc = load_one(pdf)
    assert doc.metadata["ocr_pages"] == "1,2" and doc.metadata["ocr"] == "tesseract"
    pages = {b.page: b.text for b in doc.blocks}
    assert _accuracy("".join(ZH_PAGE), pages[1]) >= 0.9
    assert _accuracy(" ".join(EN_PAGE), pages[2]) >= 0.9
    result = run([pdf])
    chunks = {c.locator: c for c in result.chunks}
    assert {"第二条", "Article 8"} <= set(chunks)
    assert chunks["第二条"].page_start == 1 and chunks["Article 8"].page_start == 2
    assert all(c.fields.get("ocr") == "tesseract" for c in result.chunks)


def test_a_photo_is_one_page_and_a_text_pdf_is_not_read_by_ocr(tmp_path):
    png = photo(tmp_path / "notice.png", EN_PAGE, dpi=200)
    doc = load_one(png)
    assert [b.page for b in doc.blocks] == [1] and _accuracy(" ".join(EN_PAGE), doc.blocks[0].text) >= 0.9
    write_text(tmp_path / "plain.md", "# Rules\n\nArticle 1 Vents shall face outdoors.\n")
    chunk = run([tmp_path / "plain.md"]).chunks[0]
    assert "ocr" not in chunk.fields


def test_images_too_large_and_files_that_are_not_images_are_named_and_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    photo(folder / "big.png", EN_PAGE, dpi=300)
    (folder / "fake.jpg").write_bytes(b"this is not a picture")
    write_text(folder / "ok.md", "# Rules\n\nArticle 1 Vents shall face outdoors.\n")
    monkeypatch.setenv("SAFECITE_OCR_MAX_PIXELS", "1000000")
    reload_settings()
    result = run([folder], limits=None)
    reasons = {s.source: s.reason for s in result.skipped}
    assert "more than 1,000,000 for OCR" in reasons["big.png"]
    assert "fake.jpg" in reasons and [d.source for d in result.documents] == ["ok.md"]


def test_ocr_pages_are_capped_and_add_time_to_the_files_limit(tmp_path):
    pdf = scanned_pdf(tmp_path / "docs" / "scan.pdf", [EN_PAGE, EN_PAGE], dpi=200)
    capped = run([pdf], limits=Limits(ocr_pages=1, workers=1))
    assert [s.reason for s in capped.skipped] == ["more than 1 pages without a text layer to read by OCR"]
    # Reading two pages takes longer than the file's half second (four Tesseract
    # runs); each page read by OCR adds its own time to the file's limit.
    slow = run([pdf], limits=Limits(timeout_s=0.5, ocr_page_s=60, workers=1))
    assert not slow.skipped and {p for c in slow.chunks for p in (c.page_start, c.page_end)} == {1, 2}
    assert slow.stats[0].seconds > 0.5


@pytest.mark.parametrize("dpi", [200, 300])
def test_rendered_pages_are_what_the_scan_maker_promises(dpi):
    image = render_page(ZH_PAGE, dpi=dpi)
    assert image.mode == "L" and image.width == int(8.27 * dpi)


def test_tesseract_is_told_a_resolution_a_screen_default_is_not_one():
    from PIL import Image

    from ingest.ocr import RENDER_DPI, resolution

    image = Image.new("L", (100, 100), 255)
    assert resolution(image) == RENDER_DPI  # none stated: Tesseract would assume 70 dpi
    for stated, told in (((72, 72), RENDER_DPI), ((96.0, 96.0), RENDER_DPI), ((200, 200), 200), ((599.9, 600), 600)):
        image.info["dpi"] = stated
        assert resolution(image) == told


def test_a_chinese_page_at_200_dpi_without_a_stated_resolution_is_read(tmp_path):
    # Told no resolution, Tesseract read 1 % of this page's characters (see ingest/ocr.py).
    from ingest.ocr import read_image

    lines = ZH_PAGE * 4
    assert _accuracy("".join(lines), read_image(render_page(lines, dpi=200), "page.png", 1)) >= 0.95
