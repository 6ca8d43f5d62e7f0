"""Inspection records: map a table's column names (English or Chinese) onto the
canonical record fields, and turn one row into one record block.

Unknown columns are kept under their own names. The record's text is the row
as the source shows it ("Column: value" per line), so quotes stay verbatim.
"""
from __future__ import annotations

import datetime as dt
import re

from .models import Block

# Canonical field -> column names seen in English and Chinese inspection ledgers,
# compared after lower-casing and removing spaces, underscores and punctuation.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("record id", "record no", "id", "no", "finding id", "hazard id", "记录编号", "编号", "序号", "隐患编号", "记录号"),
    "enterprise": ("enterprise", "company", "employer", "establishment", "facility", "enterprise name", "company name",
                   "企业名称", "企业", "单位名称", "被检查单位", "生产经营单位", "单位"),
    "city": ("city", "municipality", "城市", "所在城市", "地市", "所在地市", "市"),
    "sector": ("sector", "industry", "行业", "行业类别", "所属行业", "行业领域"),
    "date": ("date", "inspection date", "date found", "event date", "检查日期", "日期", "发现日期", "检查时间"),
    "location": ("location", "site", "area", "place", "workshop", "检查部位", "部位", "位置", "地点", "场所", "检查地点"),
    "hazard_category": ("hazard category", "category", "hazard type", "event type", "type", "隐患类别", "隐患类型", "类别", "隐患分类"),
    "finding": ("finding", "hazard", "description", "hazard description", "finding description", "abstract text",
                "abstract", "issue", "problem", "隐患描述", "问题描述", "存在问题", "隐患内容", "隐患", "隐患情况", "问题"),
    "regulation_cited": ("regulation cited", "regulation", "basis", "legal basis", "standard cited", "citation",
                         "依据条款", "依据", "法律依据", "违反条款", "检查依据", "违反规定"),
    "rectification_required": ("rectification required", "rectification", "corrective action", "abatement",
                               "required action", "measures", "整改要求", "整改措施", "处理意见"),
    "deadline": ("deadline", "due date", "abatement date", "rectification deadline", "整改期限", "整改时限", "期限", "完成时限"),
    "status": ("status", "rectification status", "整改状态", "状态", "整改情况", "完成情况"),
    "inspector": ("inspector", "inspected by", "检查人员", "检查人", "执法人员"),
}
DATE_FIELDS = ("date", "deadline")

_NORMALISE = re.compile(r"[\s_\-—:：()（）/.#]+")


def _norm(name: str) -> str:
    return _NORMALISE.sub("", name.strip().lower())


_LOOKUP = {_norm(alias): field for field, aliases in COLUMN_ALIASES.items() for alias in aliases}


def map_columns(headers: list[str]) -> list[str]:
    """The field name each column is stored under: canonical when recognised
    (first column wins when two map to the same field), else the header itself."""
    taken: set[str] = set()
    names = []
    for i, header in enumerate(headers):
        header = (header or "").strip() or f"column {i + 1}"
        field = _LOOKUP.get(_norm(header))
        if field and field not in taken:
            taken.add(field)
            names.append(field)
        else:
            names.append(header)
    return names


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"),
    re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"),  # US month/day/year
)


def normalise_date(value: object) -> str:
    """ISO 'YYYY-MM-DD' when the value is a date we can read; otherwise the value as text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    for i, pattern in enumerate(_DATE_PATTERNS):
        match = pattern.match(text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if i == 0 else (c, a, b)
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return text
    return text


def cell_text(value: object) -> str:
    """A cell as text. Formulas stay text ('=SUM(A1)'): nothing here evaluates them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return normalise_date(value)
    return " ".join(str(value).replace("\r\n", "\n").split()) if "\n" not in str(value) else str(value).strip()


def record_block(headers: list[str], fields: list[str], row: list[object], locator: str) -> Block | None:
    """One record block from a row, or None for an empty row."""
    values = [cell_text(v) for v in row]
    if not any(values):
        return None
    lines, data = [], {}
    for header, field, value in zip(headers, fields, values):
        if not value:
            continue
        lines.append(f"{(header or field).strip()}: {value}")
        data[field] = normalise_date(value) if field in DATE_FIELDS else value
    return Block("record", "\n".join(lines), fields=data, locator=locator)
