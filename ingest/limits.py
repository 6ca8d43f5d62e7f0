"""Limits on parsing one file: wall-clock time, memory, pages, characters, rows.

Read in one place with the usual precedence: argument > environment variable >
default. The parser processes (isolation.py) apply `timeout_s` and
`memory_mib`; the loaders check the caps on pages, characters and rows while
they read, through `current()`, so a huge file stops early instead of being
read to the end first. This module holds settings only; it enforces nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Callable

from core.errors import ConfigError
from core.settings import settings


# The setting (core/settings.py) each limit is read from.
SETTING = {
    "timeout_s": "parse_timeout",
    "memory_mib": "parse_memory_mib",
    "max_pages": "max_pages",
    "max_chars": "max_chars",
    "max_rows": "max_rows",
    "workers": "parse_workers",
    "ocr_pages": "ocr_max_pages",
    "ocr_pixels": "ocr_max_pixels",
    "ocr_page_s": "ocr_timeout",
}


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 30.0  # wall clock per file, parse and chunk
    memory_mib: int = 1024  # address space of each parser process
    max_pages: int = 2000  # PDF pages
    max_chars: int = 20_000_000  # extracted characters per file
    max_rows: int = 100_000  # CSV/XLSX data rows per file
    workers: int = 0  # parser processes; 0: one per CPU, at most 4
    ocr_pages: int = 200  # pages without a text layer read by OCR, per file
    ocr_pixels: int = 50_000_000  # pixels of one page image or photo given to OCR
    ocr_page_s: float = 120.0  # wall clock per OCR'd page, added to the file's time

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "workers":
                if value < 0:
                    raise ConfigError(f"workers must be 0 (automatic) or more, not {value}")
            elif not value > 0:
                raise ConfigError(f"{f.name} must be greater than 0, not {value}")

    @property
    def processes(self) -> int:
        return self.workers or max(1, min(4, os.cpu_count() or 1))

    def timeout_text(self) -> str:
        return f"{self.timeout_s:g} s"


def from_env(**overrides: float | int | None) -> Limits:
    """Limits from keyword arguments (None: not given), else the environment, else defaults."""
    unknown = set(overrides) - {f.name for f in fields(Limits)}
    if unknown:
        raise ConfigError(f"unknown limits {', '.join(sorted(unknown))}; known: {', '.join(SETTING)}")
    env = settings()
    values: dict[str, float | int] = {}
    for f in fields(Limits):
        given = overrides.get(f.name)
        if given is None:
            given = getattr(env, SETTING[f.name])
        if given is not None:
            values[f.name] = given
    return Limits(**values)


_active: Limits | None = None
_enforced_memory = False  # True in a parser process whose address space is capped


def current() -> Limits:
    """The limits the loaders check against in this process."""
    global _active
    if _active is None:
        _active = from_env()
    return _active


def activate(limits: Limits, memory_enforced: bool = False) -> None:
    global _active, _enforced_memory
    _active = limits
    _enforced_memory = memory_enforced


_more_time: Callable[[float], None] | None = None  # set in a parser process (isolation.py)


def allow_more_time(seconds: float) -> None:
    """A slow step (one page read by OCR) asks for `seconds` more than the
    file's wall-clock limit; outside a parser process there is no clock to move."""
    if _more_time is not None:
        _more_time(seconds)


def on_more_time(callback: Callable[[float], None] | None) -> None:
    global _more_time
    _more_time = callback


def memory_reason() -> str:
    """Why a MemoryError happened, in words for the summary."""
    if _enforced_memory:
        return f"memory limit {current().memory_mib} MiB exceeded"
    return "too large to load in memory"
