"""DOCX with python-docx: paragraphs and tables in body order.

Paragraph styles 'Title' and 'Heading n' become headings (the heading path);
tables are kept as rows, one line per row with cells joined by ' | ', so a
requirement and its basis stay side by side instead of one flattened line.
"""
from __future__ import annotations

import re
from pathlib import Path

from core.errors import LoadError

from ..models import Block, Document
from .common import clean_text, make_document

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def _row_text(row) -> str:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
            continue
        seen.add(id(cell._tc))
        cells.append(" ".join(clean_text(cell.text).split()))
    return " | ".join(cells) if any(cells) else ""


def load_docx(path: Path, source: str) -> list[Document]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise LoadError(source, f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    blocks: list[Block] = []
    title = (document.core_properties.title or "").strip() or None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [_row_text(r) for r in item.rows]
            text = "\n".join(r for r in rows if r)
            if text:
                blocks.append(Block("table", text))
            continue
        assert isinstance(item, Paragraph)
        text = clean_text(item.text).strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        match = _HEADING_STYLE.match(style.strip())
        if style.lower() == "title":
            title = title or text
            blocks.append(Block("heading", text, level=1))
        elif match:
            blocks.append(Block("heading", text, level=int(match.group(1))))
        else:
            blocks.append(Block("text", text))
    return [make_document(source, blocks, {}, title=title)]
