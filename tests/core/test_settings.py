"""The settings are read in one place and the README lists exactly them; the
text rules are defined once."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import PROJECT_ROOT

from core.errors import ConfigError
from core.settings import ENV, Settings, from_environ
from core.settings import reload as reload_settings
from core.text import CJK_RANGE
from ingest.limits import from_env

SOURCE_DIRS = ("app.py", "core", "ingest", "index", "answer", "audit", "ui", "bench", "scripts")


def _sources() -> list[Path]:
    out = []
    for name in SOURCE_DIRS:
        path = PROJECT_ROOT / name
        out.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return out


def test_the_readme_table_lists_every_setting_and_no_other():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(SAFECITE_[A-Z0-9_]+)` \|", readme, re.M))
    assert listed == set(ENV.values())


def test_only_the_settings_module_reads_safecite_variables():
    reads = re.compile(r"(?:environ|getenv)\b[^\n]*SAFECITE_|SAFECITE_[^\n]*(?:environ|getenv)\b")
    readers = [p.relative_to(PROJECT_ROOT).as_posix() for p in _sources() if reads.search(p.read_text(encoding="utf-8"))]
    assert readers == []  # core/settings.py reads them through ENV, by name


def test_the_cjk_range_is_defined_once():
    # The range's bounds as written in source (escapes), taken from the range itself.
    bounds = re.findall(r"\\u[0-9a-f]{4}", ascii(CJK_RANGE))
    assert len(bounds) == 4
    defines = [p.relative_to(PROJECT_ROOT).as_posix() for p in _sources() + sorted((PROJECT_ROOT / "tests").rglob("*.py"))
               if any(b in p.read_text(encoding="utf-8").lower() for b in bounds)]
    assert defines == ["core/text.py"]


def test_values_are_parsed_and_a_bad_number_names_its_variable():
    env = {"SAFECITE_INDEX": "/data/index", "SAFECITE_ONNX": "0", "SAFECITE_MAX_ROWS": "10",
           "SAFECITE_PARSE_TIMEOUT": "2.5", "SAFECITE_LLM_URL": " http://127.0.0.1:9/v1 "}
    s = from_environ(env)
    assert (s.index, s.onnx, s.max_rows, s.parse_timeout, s.llm_url) == (Path("/data/index"), False, 10, 2.5,
                                                                         "http://127.0.0.1:9/v1")
    assert s.uploads_dir() == Path("/data/index/uploads") and s.audit_path() == Path("/data/index/audit.sqlite")
    assert from_environ({}) == Settings()
    with pytest.raises(ConfigError, match="SAFECITE_MAX_PAGES must be a number, not 'many'"):
        from_environ({"SAFECITE_MAX_PAGES": "many"})


def test_the_environment_is_read_once_until_reloaded(monkeypatch):
    monkeypatch.setenv("SAFECITE_MAX_ROWS", "7")
    reload_settings()
    monkeypatch.setenv("SAFECITE_MAX_ROWS", "8")
    assert from_env().max_rows == 7
    reload_settings()
    assert from_env().max_rows == 8
