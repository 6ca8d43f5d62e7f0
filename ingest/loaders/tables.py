"""CSV and XLSX inspection records: one finding per row, fields kept as metadata.

CSV is decoded like every text file (UTF-8, UTF-16, GB18030, detector) and
read with newline="" semantics so quoted cells keep their line breaks. XLSX is
opened read-only: rows stream, nothing is evaluated. A cell holding a formula
("=SUM(A1:A9)", "+1", "-2", "@cmd") is kept as the text it is, never evaluated
or exported as a formula. Rows past `limits.max_rows` make the file refused.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

from core.errors import LoadError

from .. import limits
from ..models import Block, Document
from ..records import map_columns, record_block
from .common import make_document
from .text import read_text

MAX_HEADER_SCAN = 10


def _header_index(rows: list[list[object]]) -> int:
    """The first row with at least two non-empty cells is the header."""
    for i, row in enumerate(rows[:MAX_HEADER_SCAN]):
        if sum(1 for v in row if v not in (None, "")) >= 2:
            return i
    return 0


def _blocks(rows: list[list[object]], prefix: str = "") -> list[Block]:
    if not rows:
        return []
    h = _header_index(rows)
    headers = [str(v).strip() if v is not None else "" for v in rows[h]]
    fields = map_columns(headers)
    blocks = []
    for number, row in enumerate(rows[h + 1:], start=1):
        block = record_block(headers, fields, list(row), f"{prefix}row {number}")
        if block is not None and _own_id(block.fields.get("record_id", "")):
            # A finding is cited by its own id ("F2024-006"), as the register names it.
            block = replace(block, locator=f"{prefix}{block.fields['record_id']}")
        if block is not None:
            blocks.append(block)
    return blocks


def _own_id(value: str) -> bool:
    """Whether a record id names the record: not empty, one line, not a bare
    serial number (a "No." column counting rows says no more than the row)."""
    value = value.strip()
    return bool(value) and len(value) <= 40 and "\n" not in value and not value.isdigit()


def _capped(rows, source: str, where: str = "") -> list[list[object]]:
    """The rows as lists, refusing the file past the row cap (header rows included)."""
    cap = limits.current().max_rows + MAX_HEADER_SCAN
    out: list[list[object]] = []
    for row in rows:
        if len(out) >= cap:
            raise LoadError(source, f"{where}more than {limits.current().max_rows:,} rows")
        out.append(list(row))
    return out


def load_csv(path: Path, source: str) -> list[Document]:
    text, encoding = read_text(path)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = _capped(csv.reader(io.StringIO(text, newline=""), dialect), source)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise LoadError(source, f"a cell is longer than {csv.field_size_limit():,} characters") from exc
        raise LoadError(source, f"malformed CSV ({exc})") from exc
    blocks = _blocks(rows)
    if not blocks:
        raise LoadError(source, "no data rows")
    return [make_document(source, blocks, {"encoding": encoding, "rows": len(blocks)}, doc_type="record")]


def load_xlsx(path: Path, source: str) -> list[Document]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(str(path), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError(source, f"not a readable XLSX ({type(exc).__name__}: {exc})") from exc
    try:
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        blocks: list[Block] = []
        cap = limits.current().max_rows
        for sheet in sheets:
            declared = sheet.max_row or 0  # from the sheet's <dimension>, when it has one
            if declared > cap + MAX_HEADER_SCAN:
                raise LoadError(source, f"sheet {sheet.title}: more than {cap:,} rows ({declared:,})")
            rows = _capped(sheet.iter_rows(values_only=True), source, f"sheet {sheet.title}: ")
            prefix = f"{sheet.title} " if len(sheets) > 1 else ""
            blocks.extend(_blocks(rows, prefix))
    finally:
        workbook.close()
    if not blocks:
        raise LoadError(source, "no data rows")
    return [make_document(source, blocks, {"rows": len(blocks)}, doc_type="record")]
