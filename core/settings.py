"""Every setting SafeCite takes from the environment, read in this one place.

`settings()` reads the `SAFECITE_*` variables once per process into a frozen
`Settings`; everything else asks it, never `os.environ`. An argument given to
a CLI or function still wins over the variable (each caller says so where it
takes the argument). `reload()` reads the environment again (tests, and a
process that changed its own environment on purpose).

The README's table of variables lists exactly `ENV`'s names (a test checks).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError

# Field of Settings -> the environment variable it is read from.
ENV = {
    "index": "SAFECITE_INDEX",
    "uploads": "SAFECITE_UPLOADS",
    "audit_log": "SAFECITE_AUDIT_LOG",
    "accounts": "SAFECITE_ACCOUNTS",
    "embedders": "SAFECITE_EMBEDDERS",
    "model": "SAFECITE_MODEL",
    "onnx": "SAFECITE_ONNX",
    "model_cache": "SAFECITE_MODEL_CACHE",
    "llm_url": "SAFECITE_LLM_URL",
    "llm_model": "SAFECITE_LLM_MODEL",
    "llm_api_key": "SAFECITE_LLM_API_KEY",
    "parse_timeout": "SAFECITE_PARSE_TIMEOUT",
    "parse_memory_mib": "SAFECITE_PARSE_MEMORY_MIB",
    "max_pages": "SAFECITE_MAX_PAGES",
    "max_chars": "SAFECITE_MAX_CHARS",
    "max_rows": "SAFECITE_MAX_ROWS",
    "parse_workers": "SAFECITE_PARSE_WORKERS",
    "ocr_max_pages": "SAFECITE_OCR_MAX_PAGES",
    "ocr_max_pixels": "SAFECITE_OCR_MAX_PIXELS",
    "ocr_timeout": "SAFECITE_OCR_TIMEOUT",
    "store": "SAFECITE_STORE",
    "milvus_token": "SAFECITE_MILVUS_TOKEN",
    "api_rate": "SAFECITE_API_RATE",
    "api_signin_rate": "SAFECITE_API_SIGNIN_RATE",
}

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """What the environment says; None or "" where it says nothing."""

    index: Path = Path("var", "index")
    uploads: Path | None = None  # None: uploads/ inside the index folder
    audit_log: Path | None = None  # None: audit.sqlite inside the index folder
    accounts: Path = Path("var", "accounts.sqlite")  # users and API keys (service/accounts.py)
    embedders: str = ""  # an embedder plan ("en=...,zh=...,all=...")
    model: str = ""  # one model for every chunk
    onnx: bool = True  # False: embed questions with sentence-transformers
    model_cache: Path = PROJECT_ROOT / "var" / "models"
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    # Parsing limits (ingest/limits.py holds their defaults and checks them).
    parse_timeout: float | None = None
    parse_memory_mib: int | None = None
    max_pages: int | None = None
    max_chars: int | None = None
    max_rows: int | None = None
    parse_workers: int | None = None
    ocr_max_pages: int | None = None
    ocr_max_pixels: int | None = None
    ocr_timeout: float | None = None
    # Where the dense vectors live (index/stores/factory.py): "faiss" (files in
    # the index folder), "milvus:PATH.db" (Milvus Lite) or "milvus:http://host:19530".
    store: str = "faiss"
    milvus_token: str = ""  # "user:password" or an API key for a Milvus server
    # The HTTP API's limits (service/http/limits.py), per minute; 0: none.
    api_rate: int = 120  # requests per API key (per client address without accounts)
    api_signin_rate: int = 10  # unknown keys per client address

    def uploads_dir(self, index: Path | None = None) -> Path:
        return self.uploads or Path(index or self.index) / "uploads"

    def audit_path(self, index: Path | None = None) -> Path:
        return self.audit_log or Path(index or self.index) / "audit.sqlite"


_NUMBERS = {"parse_timeout": float, "parse_memory_mib": int, "max_pages": int, "max_chars": int,
            "max_rows": int, "parse_workers": int, "ocr_max_pages": int, "ocr_max_pixels": int,
            "ocr_timeout": float, "api_rate": int, "api_signin_rate": int}
_PATHS = {"index", "uploads", "audit_log", "accounts", "model_cache"}


def from_environ(environ: dict[str, str] | os._Environ) -> Settings:
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = environ.get(ENV[f.name], "").strip()
        if not raw:
            continue
        if f.name in _NUMBERS:
            try:
                values[f.name] = _NUMBERS[f.name](raw)
            except ValueError as exc:
                raise ConfigError(f"{ENV[f.name]} must be a number, not {raw!r}") from exc
        elif f.name in _PATHS:
            values[f.name] = Path(raw)
        elif f.name == "onnx":
            values[f.name] = raw != "0"
        else:
            values[f.name] = raw
    return Settings(**values)


@lru_cache(maxsize=1)
def settings() -> Settings:
    return from_environ(os.environ)


def reload() -> Settings:
    settings.cache_clear()
    return settings()
