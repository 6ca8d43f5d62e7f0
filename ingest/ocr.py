"""Text from page images (scanned PDF pages, photos) with Tesseract.

Each page is read first with Tesseract's Chinese model alone, which also reads
the Latin numbers and abbreviations Chinese regulations carry ("24ppm"); a
page that turns out English (core.text.lang_of: the Chinese model reads an
English page as Latin text with a few wrong letters) is read again with
English alone. The two models together (chi_sim+eng, used before) read Chinese
pages worse and at half the speed: they turned some Chinese lines into Latin
garbage ("SHAD YN ERR RA") and lost those lines' articles; on three clean
300 dpi pages of our sample regulations 97.8, 98.8 and 95.9 % of characters
against 98.1, 99.5 and 99.0 % for Chinese alone, on four turned and speckled
ones 0.4 to 3.1 points less. The cost: English sentences on a page that is
mostly Chinese are read by the Chinese model, with more wrong letters than the
English model would make. Tesseract's script detection is not
used for the language: on Chinese pages its script guess is often unsure and
sometimes Latin. Its orientation detection (OSD) turns a page scanned sideways
or upside down, when it is sure; small skews are Tesseract's own business.

Tesseract is always told the image's resolution. Left to estimate it (a PNG
or JPEG that states none; it said 377 dpi for a 200 dpi page), or told a
screen default of 72 or 96 dpi, it loses most characters of a Chinese page:
the OCR bench's clean 200 dpi Chinese pages (12 pt text, no resolution
stated) were read at 16.6 % of their characters and turned, speckled ones at
68.2 %; told a resolution, at 99.0 % and 95.9 % (300 dpi pages: 97.1 % before,
98.3 % after; English pages 99-100 % of words after; these with both models
together, as pages were read then). A stated resolution above
SCREEN_DPI is used; otherwise RENDER_DPI, the resolution scans are usually
made at (told anything from 120 to 450 dpi, a page read the same; told
nothing, 72 or 96, it did not). Why Tesseract's own estimate fails was not
found out.

With both models together, pages turned 1.5 degrees and speckled read at
about 95 % of their Chinese characters. Straightening them first (the angle
found by a projection profile) or a 3-pixel median filter were tried on three
such pages: each helped one page and cost another, so neither is done. With
the Chinese model alone they read at 97-98 % (docs/performance.md, OCR).

Limits (limits.py): pixels per image (a larger one is refused, not shrunk: its
text would be too small to read), pages per file, and seconds per page, which
are added to the file's wall-clock limit in a parser process.
"""
from __future__ import annotations

import os
import re

from core.errors import LoadError
from core.text import CJK_RANGE, lang_of

from . import limits

_CJK_OR_MARK = f"[{CJK_RANGE}\u3000-\u303f\uff00-\uffef]"
_CJK_GAP = re.compile(f"(?<={_CJK_OR_MARK})[ \t]+(?={_CJK_OR_MARK})")

ENGINE = "tesseract"
CHINESE, ENGLISH = "chi_sim", "eng"
RENDER_DPI = 300
SURE_ORIENTATION = 2.0  # OSD's orientation confidence above which a page is turned
SCREEN_DPI = 100  # a stated resolution at or below this is a software default (72, 96), not a scan's


def _tesseract():
    try:
        import pytesseract
    except ImportError as exc:  # the package is in requirements.txt; the binary comes from Debian
        raise LoadError("ocr", "OCR needs the package pytesseract") from exc
    return pytesseract


def resolution(image) -> int:
    """The dots per inch to tell Tesseract: the image's own when it states a
    scan's, else RENDER_DPI (see the module's note)."""
    try:
        stated = float((image.info.get("dpi") or (0,))[0])
    except (TypeError, ValueError, IndexError):
        stated = 0.0
    return round(stated) if stated > SCREEN_DPI else RENDER_DPI


def _rotation(pytesseract, image, dpi: int) -> int:
    """Degrees to turn the page clockwise, from Tesseract's OSD; 0 when it is
    unsure or the page has too little text for it to tell."""
    try:
        osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT, config=f"--psm 0 --dpi {dpi}")
    except pytesseract.TesseractError:
        return 0
    return int(osd.get("rotate", 0) or 0) if float(osd.get("orientation_conf", 0) or 0) >= SURE_ORIENTATION else 0


def read_image(image, source: str, page: int) -> str:
    """The text of one page image. Raises LoadError naming the file, and the
    page, when the image is too large or Tesseract fails or overruns."""
    caps = limits.current()
    pixels = image.width * image.height
    if pixels > caps.ocr_pixels:
        raise LoadError(source, f"page {page} image has {pixels:,} pixels, more than {caps.ocr_pixels:,} for OCR")
    pytesseract = _tesseract()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per parser process: Tesseract's own threads only contend
    dpi = resolution(image)
    config = f"--dpi {dpi}"
    image = image.convert("L")
    try:
        rotate = _rotation(pytesseract, image, dpi)
        if rotate:
            image = image.rotate(-rotate, expand=True, fillcolor=255)
        text = pytesseract.image_to_string(image, lang=CHINESE, config=config, timeout=caps.ocr_page_s)
        if lang_of(text) == "en":
            text = pytesseract.image_to_string(image, lang=ENGLISH, config=config, timeout=caps.ocr_page_s)
        return _joined(text)
    except RuntimeError as exc:  # pytesseract's timeout
        raise LoadError(source, f"OCR of page {page} took more than {caps.ocr_page_s:g} s") from exc
    except pytesseract.TesseractNotFoundError as exc:
        raise LoadError(source, "OCR needs Tesseract (Debian: tesseract-ocr, tesseract-ocr-chi-sim)") from exc
    except pytesseract.TesseractError as exc:
        raise LoadError(source, f"OCR of page {page} failed ({exc})") from exc


def _joined(text: str) -> str:
    """Tesseract sets a space between Chinese characters, and between a Chinese
    character and Chinese punctuation: a reader sees none, and 第十条 must stay
    one word for the article to be recognised."""
    return _CJK_GAP.sub("", text)


def render_pdf_page(path, index: int, source: str):
    """Page `index` (0-based) of the PDF at `path` as a grey image at RENDER_DPI."""
    import pypdfium2

    caps = limits.current()
    limits.allow_more_time(caps.ocr_page_s)  # before the slow part: rendering and reading the page
    try:
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            page = pdf[index]
            width, height = page.get_size()
            scale = RENDER_DPI / 72
            if width * scale * height * scale > caps.ocr_pixels:
                raise LoadError(source, f"page {index + 1} is too large to read by OCR at {RENDER_DPI} dpi")
            image = page.render(scale=scale, grayscale=True).to_pil()
            image.info["dpi"] = (RENDER_DPI, RENDER_DPI)
            return image
        finally:
            pdf.close()
    except pypdfium2.PdfiumError as exc:
        raise LoadError(source, f"page {index + 1} could not be rendered for OCR ({exc})") from exc


def page_png(path, page: int, dpi: int = 110) -> bytes:
    """Page `page` (1-based) of a scanned PDF, or a photo, as PNG bytes for
    display beside its recognised text (an indexed file whose hash still
    matches: it was read under the limits before)."""
    import io

    from PIL import Image, ImageOps

    path_str = str(path)
    if path_str.lower().endswith(".pdf"):
        import pypdfium2

        pdf = pypdfium2.PdfDocument(path_str)
        try:
            image = pdf[page - 1].render(scale=dpi / 72).to_pil()
        finally:
            pdf.close()
    else:
        with Image.open(path_str) as opened:
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((int(8.27 * dpi), int(11.69 * dpi)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
