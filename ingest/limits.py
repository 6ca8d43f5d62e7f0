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

from .errors import ConfigError

# Environment variable for each setting.
ENV = {
    "timeout_s": "SAFECITE_PARSE_TIMEOUT",
    "memory_mib": "SAFECITE_PARSE_MEMORY_MIB",
    "max_pages": "SAFECITE_MAX_PAGES",
    "max_chars": "SAFECITE_MAX_CHARS",
    "max_rows": "SAFECITE_MAX_ROWS",
    "workers": "SAFECITE_PARSE_WORKERS",
}


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 30.0  # wall clock per file, parse and chunk
    memory_mib: int = 1024  # address space of each parser process
    max_pages: int = 2000  # PDF pages
    max_chars: int = 20_000_000  # extracted characters per file
    max_rows: int = 100_000  # CSV/XLSX data rows per file
    workers: int = 0  # parser processes; 0: one per CPU, at most 4

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
    values: dict[str, float | int] = {}
    for f in fields(Limits):
        given = overrides.get(f.name)
        if given is not None:
            values[f.name] = given
            continue
        raw = os.environ.get(ENV[f.name], "").strip()
        if raw:
            kind = float if f.name == "timeout_s" else int
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ConfigError(f"{ENV[f.name]} must be a number, not {raw!r}") from exc
    unknown = set(overrides) - {f.name for f in fields(Limits)}
    if unknown:
        raise ConfigError(f"unknown limits {', '.join(sorted(unknown))}; known: {', '.join(ENV)}")
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


def memory_reason() -> str:
    """Why a MemoryError happened, in words for the summary."""
    if _enforced_memory:
        return f"memory limit {current().memory_mib} MiB exceeded"
    return "too large to load in memory"
