"""Installed versions of the packages with known security fixes are at or above
their floors, and so are the pins in requirements.txt. (Vulnerability databases
are not reachable from every machine that runs SafeCite, so the floors are
checked here.)"""
from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

import pytest
from support import PROJECT_ROOT
from packaging.version import Version

# pypdf 7: fixes for infinite loops (circular xref /Prev, cyclic outlines) and
# Flate/LZW/RunLength decompression bombs; streamlit 1.37: a path traversal fix;
# lxml 6.1: the floor set for the XML parser python-docx reads DOCX with.
FLOORS = {"pypdf": "7.0", "streamlit": "1.37", "lxml": "6.1"}


def below_floor(installed: dict[str, str | None], floors: dict[str, str] = FLOORS) -> list[str]:
    """Each package missing or below its floor, as 'name installed < floor'."""
    return [f"{name} {installed.get(name)} < {floor}" for name, floor in floors.items()
            if installed.get(name) is None or Version(installed[name]) < Version(floor)]


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def test_installed_versions_are_at_or_above_the_floors():
    assert below_floor({name: _installed(name) for name in FLOORS}) == []


def test_requirements_pin_every_floored_package_at_or_above_its_floor():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (PROJECT_ROOT / "requirements.txt").read_text(), re.M))
    assert set(FLOORS) <= set(pins)
    assert below_floor(pins) == []


@pytest.mark.parametrize("installed, flagged", [
    ({"pypdf": "6.9.2", "streamlit": "1.37.0", "lxml": "6.1.0"}, ["pypdf 6.9.2 < 7.0"]),
    ({"pypdf": "7.0.0", "streamlit": "1.36.9", "lxml": "5.4.0"}, ["streamlit 1.36.9 < 1.37", "lxml 5.4.0 < 6.1"]),
    ({"pypdf": "7.1.0", "streamlit": "1.67.0"}, ["lxml None < 6.1"]),
    ({"pypdf": "10.0", "streamlit": "1.100.0", "lxml": "6.1.3"}, []),
])
def test_the_check_flags_versions_below_a_floor(installed, flagged):
    assert below_floor(installed) == flagged
