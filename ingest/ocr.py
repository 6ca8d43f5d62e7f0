"""Text from page images (scanned PDF pages, photos) with Tesseract.

Each page is read in the language its script asks for: Tesseract's script
detection (OSD) says Han or Latin, and a Han page is read with Chinese and
English together (Chinese regulations carry Latin numbers and abbreviations),
a Latin page with English alone (the Chinese model costs English words). OSD
also gives the page's rotation in quarter turns, which is undone first; small
skews are Tesseract's own business.

Limits (limits.py): pixels per image (a larger one is refused, not shrunk: its
text would be too small to read), pages per file, and seconds per page, which
are added to the file's wall-clock limit in a parser process.
"""
from __future__ import annotations

import os

from core.errors import LoadError

from . import limits

ENGINE = "tesseract"
LANG_BY_SCRIPT = {"Han": "chi_sim+eng", "Latin": "eng"}
DEFAULT_LANG = "chi_sim+eng"
RENDER_DPI = 300


def _tesseract():
    try:
        import pytesseract
    except ImportError as exc:  # the package is in requirements.txt; the binary comes from Debian
        raise LoadError("ocr", "OCR needs the package pytesseract") from exc
    return pytesseract


def _script_and_rotation(pytesseract, image) -> tuple[str, int]:
    """('Han' | 'Latin' | '', degrees to rotate clockwise) from Tesseract's OSD;
    ('', 0) when the page has too little text for it to tell."""
    try:
        osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT, config="--psm 0")
    except pytesseract.TesseractError:
        return "", 0
    return str(osd.get("script", "")), int(osd.get("rotate", 0) or 0)


def read_image(image, source: str, page: int) -> str:
    """The text of one page image. Raises LoadError naming the file, and the
    page, when the image is too large or Tesseract fails or overruns."""
    caps = limits.current()
    pixels = image.width * image.height
    if pixels > caps.ocr_pixels:
        raise LoadError(source, f"page {page} image has {pixels:,} pixels, more than {caps.ocr_pixels:,} for OCR")
    pytesseract = _tesseract()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per parser process: Tesseract's own threads only contend
    image = image.convert("L")
    try:
        script, rotate = _script_and_rotation(pytesseract, image)
        if rotate:
            image = image.rotate(-rotate, expand=True, fillcolor=255)
        lang = LANG_BY_SCRIPT.get(script, DEFAULT_LANG)
        return pytesseract.image_to_string(image, lang=lang, timeout=caps.ocr_page_s)
    except RuntimeError as exc:  # pytesseract's timeout
        raise LoadError(source, f"OCR of page {page} took more than {caps.ocr_page_s:g} s") from exc
    except pytesseract.TesseractNotFoundError as exc:
        raise LoadError(source, "OCR needs Tesseract (Debian: tesseract-ocr, tesseract-ocr-chi-sim)") from exc
    except pytesseract.TesseractError as exc:
        raise LoadError(source, f"OCR of page {page} failed ({exc})") from exc


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
            return page.render(scale=scale, grayscale=True).to_pil()
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
