"""Command-line options for search filters, shared by `python -m index search`
and `python -m answer` so both accept the same names."""
from __future__ import annotations

import argparse
from typing import Any

from .search import FILTER_KEYS


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (several values: repeat the option)")
    for key in FILTER_KEYS:
        hint = "YYYY-MM-DD" if key.startswith("date_") else key.upper()
        group.add_argument("--" + key.replace("_", "-"), dest=key, action="append", metavar=hint)


def filters_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """{key: value or [values]} for the filter options that were given."""
    filters: dict[str, Any] = {}
    for key in FILTER_KEYS:
        values = getattr(args, key, None)
        if not values:
            continue
        if key.startswith("date_"):
            filters[key] = values[-1]
        else:
            filters[key] = values[0] if len(values) == 1 else values
    return filters
