"""Inspection records: column names in English or Chinese map onto the canonical
fields; dates become ISO; one row is one record block."""
from __future__ import annotations

import datetime as dt

import pytest

from ingest.models import RECORD_FIELDS
from ingest.records import COLUMN_ALIASES, cell_text, map_columns, normalise_date, record_block


@pytest.mark.parametrize(
    "header, field",
    [
        ("Enterprise", "enterprise"), ("Company Name", "enterprise"), ("企业名称", "enterprise"),
        ("City", "city"), ("所在城市", "city"),
        ("Inspection Date", "date"), ("inspection_date", "date"), ("检查日期", "date"),
        ("Hazard Category", "hazard_category"), ("隐患类别", "hazard_category"),
        ("Finding", "finding"), ("Abstract Text", "finding"), ("隐患描述", "finding"),
        ("Regulation Cited", "regulation_cited"), ("依据条款", "regulation_cited"),
        ("Rectification Required", "rectification_required"), ("整改要求", "rectification_required"),
        ("Deadline", "deadline"), ("整改期限", "deadline"),
        ("Status", "status"), ("整改状态", "status"),
        ("Inspector", "inspector"), ("检查人员", "inspector"),
        ("Record ID", "record_id"), ("record-id", "record_id"), ("隐患编号", "record_id"),
        ("  Hazard  Category: ", "hazard_category"),
        ("（整改状态）", "status"),
    ],
)
def test_column_aliases(header, field):
    assert map_columns([header]) == [field]


def test_every_alias_maps_to_a_canonical_field():
    assert set(COLUMN_ALIASES) == set(RECORD_FIELDS)


def test_unknown_and_duplicate_columns_keep_their_names():
    assert map_columns(["Company", "Employer", "Shift", "", "班组"]) == ["enterprise", "Employer", "Shift", "column 4", "班组"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024.03.05", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024-03-05 14:30:00", "2024-03-05"),
        ("03/05/2024", "2024-03-05"),  # US month/day/year
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5, 9, 30), "2024-03-05"),
        ("2024-02-30", "2024-02-30"),  # not a date: kept as written
        ("within 30 days", "within 30 days"),
        ("立即整改", "立即整改"),
    ],
)
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""), (3.0, "3"), (2.5, "2.5"), (7, "7"),
        ("  extra   spaces  ", "extra spaces"),
        ("line one\nline two", "line one\nline two"),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),  # formulas stay text
        (dt.date(2024, 1, 2), "2024-01-02"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_record_block_keeps_the_row_verbatim_and_fields_canonical():
    headers = ["Company", "Date", "Deadline", "Finding", "Shift"]
    block = record_block(headers, map_columns(headers), ["Acme", "03/05/2024", "", "Dust on beams", "Night"], "row 7")
    assert block is not None
    assert block.kind == "record" and block.locator == "row 7"
    assert block.text == "Company: Acme\nDate: 03/05/2024\nFinding: Dust on beams\nShift: Night"
    assert block.fields == {"enterprise": "Acme", "date": "2024-03-05", "finding": "Dust on beams", "Shift": "Night"}


def test_empty_row_is_no_record():
    assert record_block(["a", "b"], ["a", "b"], [None, "  "], "row 1") is None
