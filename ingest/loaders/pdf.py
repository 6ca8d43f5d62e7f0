"""PDF with pypdf: one text block per page, so every chunk knows its pages.

Encrypted files are opened with the empty password when that works (many
"protected" PDFs only restrict printing); otherwise they are reported as
password protected. A page with no text layer (a scan) is rendered and read
by OCR (ingest/ocr.py), up to `limits.ocr_pages` pages; the document lists
those pages in its metadata (`ocr_pages`), so their citations say so. A PDF
that yields no text even so is reported, never indexed as an empty document; one cut short (no %%EOF at its end) is
reported as truncated. Past `limits.max_pages` pages or `max_chars` characters
the file is refused.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from core.errors import LoadError

from .. import limits, ocr
from ..models import Block, Document
from .common import clean_text, make_document

# A line that is only a page number ("3", "- 3 -", "Page 3 of 9", "第 3 页").
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$", re.I)


def load_pdf(path: Path, source: str) -> list[Document]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    # pypdf logs what it recovers from at ERROR level; what it cannot recover from is raised.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in handle.read():
            # pypdf would rebuild a cut file from what is left: a partial document
            # indexed as if it were whole.
            raise LoadError(source, "truncated PDF (no %%EOF marker at the end)")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # unsupported algorithm, broken /Encrypt
                raise LoadError(source, f"password protected or unsupported encryption ({exc})") from exc
            if not opened:
                raise LoadError(source, "password protected")
        caps = limits.current()
        if len(reader.pages) > caps.max_pages:
            raise LoadError(source, f"more than {caps.max_pages:,} pages ({len(reader.pages):,})")
        blocks: list[Block] = []
        characters = 0
        ocr_pages: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            raw = page.extract_text() or ""
            if not raw.strip():
                if len(ocr_pages) >= caps.ocr_pages:
                    raise LoadError(source, f"more than {caps.ocr_pages:,} pages without a text layer to read by OCR")
                raw = ocr.read_image(ocr.render_pdf_page(path, number - 1, source), source, number)
                ocr_pages.append(number)
            characters += len(raw)
            if characters > caps.max_chars:
                raise LoadError(source, f"more than {caps.max_chars:,} characters of text")
            lines = [ln for ln in clean_text(raw).split("\n") if not _PAGE_NUMBER.match(ln)]
            text = "\n".join(lines).strip()
            if text:
                blocks.append(Block("text", text, page=number))
        info = reader.metadata or {}
        title = str(info.get("/Title") or "").strip() or None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, LimitReachedError) as exc:
        raise LoadError(source, f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not blocks:
        raise LoadError(source, "no extractable text, not even by OCR")
    metadata = {"pages": len(reader.pages), **({"ocr_pages": ",".join(map(str, ocr_pages)), "ocr": ocr.ENGINE} if ocr_pages else {})}
    return [make_document(source, blocks, metadata, title=title)]
