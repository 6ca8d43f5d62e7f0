"""One loader per format, chosen by extension and checked against the file's
first bytes, so a PDF renamed '.docx' is reported instead of half-parsed.
DOCX and XLSX zips are checked before they are opened (ooxml.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from core.errors import LoadError

from ..models import Document
from .html import load_html
from .image import load_image
from .jsondocs import load_json
from .ooxml import check_ooxml
from .pdf import load_pdf
from .tables import load_csv, load_xlsx
from .text import load_markdown, load_plain
from .word import load_docx

Loader = Callable[[Path, str], list[Document]]

LOADERS: dict[str, Loader] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_plain,
    ".text": load_plain,
    ".html": load_html,
    ".htm": load_html,
    ".csv": load_csv,
    ".tsv": load_csv,
    ".xlsx": load_xlsx,
    ".json": load_json,
    ".jsonl": load_json,
    ".png": load_image,
    ".jpg": load_image,
    ".jpeg": load_image,
}
SUPPORTED = tuple(sorted(LOADERS))

_ZIP_FORMATS = (".docx", ".xlsx")


def sniff(head: bytes) -> str | None:
    """The format the first bytes show, when they show one."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "PDF"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP (Office document)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "legacy Office (OLE2: .doc/.xls)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    return None


def load_file(path: Path, source: str) -> list[Document]:
    """Documents in `path`; raises LoadError naming the file and the reason."""
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise LoadError(source, f"unsupported file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED)})")
    try:
        with open(path, "rb") as handle:
            head = handle.read(2048)
    except OSError as exc:
        raise LoadError(source, f"cannot read ({exc.strerror or exc})") from exc
    if not head:
        raise LoadError(source, "empty file")
    found = sniff(head)
    expected = {"pdf": "PDF", "docx": "ZIP (Office document)", "xlsx": "ZIP (Office document)",
                "png": "image", "jpg": "image", "jpeg": "image"}.get(suffix[1:])
    if expected and found != expected:
        raise LoadError(source, f"content is not {suffix[1:].upper()} (looks like {found or 'text or unknown data'})")
    if not expected and found:
        raise LoadError(source, f"content is {found}, not {suffix[1:]} text")
    if suffix in _ZIP_FORMATS:
        check_ooxml(path, source, suffix)
    return loader(path, source)
