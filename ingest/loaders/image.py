"""A photo or scan of one page (PNG, JPEG): its text read by OCR, as page 1.

The image is checked before it is decoded: its size from the header against
`limits.ocr_pixels`, so a decompression bomb is refused without being
unpacked. A phone photo's orientation (EXIF) is applied first.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import LoadError

from .. import limits, ocr
from ..models import Block, Document
from .common import make_document


def load_image(path: Path, source: str) -> list[Document]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    caps = limits.current()
    limits.allow_more_time(caps.ocr_page_s)  # the one page read by OCR
    try:
        with Image.open(path) as image:
            if image.width * image.height > caps.ocr_pixels:
                raise LoadError(source, f"image of {image.width * image.height:,} pixels, more than "
                                        f"{caps.ocr_pixels:,} for OCR")
            Image.MAX_IMAGE_PIXELS = caps.ocr_pixels
            image = ImageOps.exif_transpose(image)
            image.load()
    except LoadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise LoadError(source, f"not a readable image ({type(exc).__name__}: {exc})") from exc
    text = ocr.read_image(image, source, 1).strip()
    if not text:
        raise LoadError(source, "no text found by OCR")
    return [make_document(source, [Block("text", text, page=1)], {"pages": 1, "ocr_pages": "1", "ocr": ocr.ENGINE})]
