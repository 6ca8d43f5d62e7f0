"""The equipment and areas an inspector walks through (areas.tsv): the items
of a checklist table are grouped under the area their words name first, so a
supervisor reads the dust collection system's items together, then the
electrical equipment's, and so on (checklist.sections). A table whose items
name no area is left as the document has it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.text import CJK

AREAS = Path(__file__).with_name("areas.tsv")


@dataclass(frozen=True)
class Area:
    labels: dict[str, str]  # by language: "en", "zh"
    pattern: re.Pattern

    def label(self, lang: str) -> str:
        return self.labels.get(lang, self.labels["en"])


def _term(term: str) -> str:
    """A Chinese term matches anywhere; an English one as whole words."""
    escaped = re.escape(term).replace(r"\ ", r"\s+")
    return escaped if CJK.search(term) else rf"\b{escaped}\b"


def parse(lines) -> list[Area]:
    areas = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        en, zh, terms = line.split("\t")
        # Longer terms first, so "dust collector" is matched whole before "collector".
        ordered = sorted((t.strip() for t in terms.split("|") if t.strip()), key=len, reverse=True)
        areas.append(Area({"en": en, "zh": zh}, re.compile("|".join(map(_term, ordered)), re.I)))
    return areas


@lru_cache(maxsize=1)
def default_areas() -> tuple[Area, ...]:
    with open(AREAS, encoding="utf-8") as f:
        return tuple(parse(f))


def area_of(text: str, areas: tuple[Area, ...] | list[Area] | None = None) -> Area | None:
    """The area whose term comes first in `text` (an item's name comes before
    its requirement); None when it names none."""
    best: tuple[int, int] | None = None
    found = None
    for order, area in enumerate(default_areas() if areas is None else areas):
        match = area.pattern.search(text)
        if match and (best is None or (match.start(), order) < best):
            best, found = (match.start(), order), area
    return found
