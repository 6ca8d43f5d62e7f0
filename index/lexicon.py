"""Query-time vocabulary: same-language synonyms and the bilingual glossary.

Plain data files beside this module, written for SafeCite:
- synonyms.tsv: one group per line, variants separated by '|';
- glossary.tsv: English terms TAB Chinese terms, variants separated by '|';
- places.tsv: countries, regions and cities, English TAB Chinese names TAB
  level. They are not translated into a question's keywords (every Chinese
  law says "中华人民共和国"); they tell which language's documents a question
  is about (`names`), and the regions among them, with the first-level
  subdivisions of every country that ISO 3166-2 (pycountry) names in Chinese
  too, which region's rules a question asks about (`regions`).
Lines starting with '#' are comments. Matching is by whole word in English
(an optional plural 's'), by substring in Chinese, longest term first, so
"除尘器" is not also read as "除尘".

Nothing here touches documents: expansion happens to questions only.
"""
from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.text import CJK

HERE = Path(__file__).parent


def _is_zh(term: str) -> bool:
    return bool(CJK.search(term))


def _rows(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines[1:] if ln.strip() and not ln.lstrip().startswith("#")]


# A Latin word inside a Chinese question that starts with a capital (an agency,
# a code: "OSHA", "CFR") or joins words by "_" (a data field) is a name too;
# lower-case ones are mostly units ("ppm", "mg").
_LATIN_NAME = re.compile(r"(?<![A-Za-z0-9_])(?:[A-Z][A-Za-z0-9.\-]{1,}[A-Za-z0-9]|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class Name:
    """A name a question uses, with its spellings in the question's language
    and in the other one."""

    text: str
    same: tuple[str, ...]
    other: tuple[str, ...]


@dataclass
class Lexicon:
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> its group
    translations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> other-language terms
    places: dict[str, Name] = field(default_factory=dict)  # any spelling -> its place
    region_spellings: frozenset[str] = frozenset()  # the spellings of the places whose level is region
    _patterns: dict[str, re.Pattern] = field(default_factory=dict, repr=False)
    _ordered: dict[int, tuple[dict, list[tuple[str, str]], int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, synonyms: Path = HERE / "synonyms.tsv", glossary: Path = HERE / "glossary.tsv",
             places: Path = HERE / "places.tsv") -> "Lexicon":
        lexicon = cls()
        regions: set[str] = set()
        for line in _rows(places):
            en, zh, level = (line.split("\t") + ["", ""])[:3]
            en_names = tuple(t.strip().lower() for t in en.split("|") if t.strip())
            zh_names = tuple(t.strip() for t in zh.split("|") if t.strip())
            for name in en_names:
                lexicon.places[name] = Name(name, en_names, zh_names)
            for name in zh_names:
                lexicon.places[name] = Name(name, zh_names, en_names)
            if level.strip() == "region":
                regions.update(en_names + zh_names)
        lexicon.region_spellings = frozenset(regions)
        for line in _rows(synonyms):
            group = tuple(t.strip().lower() for t in line.split("|") if t.strip())
            for term in group:
                lexicon.synonyms[term] = group
        for line in _rows(glossary):
            en, _, zh = line.partition("\t")
            en_terms = tuple(t.strip().lower() for t in en.split("|") if t.strip())
            zh_terms = tuple(t.strip() for t in zh.split("|") if t.strip())
            for term in en_terms:
                lexicon.translations[term] = tuple(dict.fromkeys(lexicon.translations.get(term, ()) + zh_terms))
            for term in zh_terms:
                lexicon.translations[term] = tuple(dict.fromkeys(lexicon.translations.get(term, ()) + en_terms))
        return lexicon

    def _pattern(self, term: str) -> re.Pattern:
        pattern = self._patterns.get(term)
        if pattern is None:
            if _is_zh(term):
                pattern = re.compile(re.escape(term))
            else:
                pattern = re.compile(r"(?<![a-z0-9])" + re.escape(term) + r"(?:s|es)?(?![a-z0-9])")
            self._patterns[term] = pattern
        return pattern

    def find(self, text: str, terms: dict[str, tuple[str, ...]]) -> list[str]:
        """Terms of `terms` present in `text`, longest first, none inside another
        match. A hyphen counts as a space on either side ("positive-pressure"
        is "positive pressure"; "direct expansion" is "direct-expansion")."""
        text = text.lower().replace("-", " ")
        taken: list[tuple[int, int]] = []
        found = []
        # Sorted and spelled once per term table (kept with the table, so the id
        # is never reused; made again when the table has grown or shrunk).
        cached = self._ordered.get(id(terms))
        if cached is None or cached[0] is not terms or cached[2] != len(terms):
            ordered = [(t, t.replace("-", " ")) for t in sorted(terms, key=len, reverse=True) if len(t) >= 2]
            cached = self._ordered[id(terms)] = (terms, ordered, len(terms))
        for term, spelled in cached[1]:
            if spelled not in text:
                continue  # every pattern contains the term itself: skip the regex
            for match in self._pattern(spelled).finditer(text):
                span = match.span()
                if any(a <= span[0] and span[1] <= b for a, b in taken):
                    continue
                taken.append(span)
                found.append(term)
                break
        return found

    def expand_synonyms(self, text: str) -> list[str]:
        """Variants of the synonym groups the text mentions (not the mentioned terms themselves)."""
        out: list[str] = []
        for term in self.find(text, self.synonyms):
            out.extend(t for t in self.synonyms[term] if t != term and t not in out)
        return out

    def translate(self, text: str) -> list[str]:
        """Other-language equivalents of the glossary terms the text mentions."""
        out: list[str] = []
        for term in self.find(text, self.translations):
            out.extend(t for t in self.translations[term] if t not in out)
        return out


    def names(self, text: str) -> list[Name]:
        """The places a question names, and in a Chinese question its Latin
        words (spelt the same in English documents)."""
        found = [self.places[term] for term in self.find(text, self.places)]
        if CJK.search(text):
            found += [Name(w, (w,), (w,)) for w in dict.fromkeys(_LATIN_NAME.findall(text))]
        return found

    def regions(self, text: str) -> list[Name]:
        """The regions (provinces, states, cities: places below a country) a
        text names, each with its spellings in the text's language and the
        other: those of places.tsv, then ISO 3166-2 subdivisions (Subdivisions)."""
        found = [self.places[term] for term in self.find(text, self.places) if term in self.region_spellings]
        taken = {s for name in found for s in (*name.same, *name.other)}
        found += [name for name in subdivisions().find(text) if not taken & {s.lower() for s in name.same}]
        return found

    def coverage(self, text: str) -> float:
        """Share of the text's keyword tokens that belong to glossary terms it mentions."""
        from .tokenize import tokenize

        tokens = set(tokenize(text, query=True))
        covered = {t for term in self.find(text, self.translations) for t in tokenize(term, query=True)}
        return len(tokens & covered) / len(tokens) if tokens else 0.0


# Subdivision names that are ordinary words ("Central", "Western Highlands"):
# a question saying them names no region.
_COMPASS = frozenset("north south east west central centre center eastern western northern southern north-east "
                     "north-west south-east south-west northeast northwest southeast southwest coast highlands "
                     "islands capital".split())
# What a name adds to say its kind ("Jiangsu Sheng", "安大略省"): a question
# says the name without it, and the Chinese one often with it.
_EN_KIND = re.compile(r"\s+(?:Sheng|Shi|Zizhiqu|SAR|State)$")
_ZH_KIND = re.compile(r"(?:特别行政区|自治区|自治州|省|市|州|郡|邦|县|区)$")
# Countries whose regions places.tsv lists itself (China's provinces and cities).
_LISTED = frozenset({"CN", "HK", "MO", "TW"})


@dataclass(frozen=True)
class Subdivisions:
    """First-level subdivisions of the world's countries (ISO 3166-2, as
    pycountry gives them) that have a Chinese name in its zh_CN translation:
    the regions a question may name beyond places.tsv ("in Quebec",
    "魁北克省"). An English name is found with its capitals, as whole words
    (in a Chinese text too); a Chinese one by its short form when that has
    three characters or more, else only with its kind (肯特郡, not 肯特), and
    never in fewer than three characters: two are often an ordinary word (中央)."""

    english: dict[str, tuple[str, str, str]]  # English name -> (English, Chinese short, Chinese full)
    chinese: tuple[tuple[str, tuple[str, str, str]], ...]  # (what to look for, the same triple), longest first
    longest: int  # words in the longest English name

    def find(self, text: str) -> list[Name]:
        in_chinese = [names for spelled, names in self.chinese if spelled in text] if CJK.search(text) else []
        in_english: list[tuple[str, str, str]] = []
        words = re.findall(r"[A-Za-z][A-Za-z.-]*", re.sub(r"['’]s\b", "", text))  # "Quebec's" -> Quebec
        i = 0
        while i < len(words):  # the longest name starting at each word
            n = next((n for n in range(min(self.longest, len(words) - i), 0, -1)
                      if " ".join(words[i:i + n]) in self.english), 0)
            if n:
                in_english.append(self.english[" ".join(words[i:i + n])])
            i += n or 1
        said = {en for en, _, _ in in_chinese}  # a region given in both spellings is one region
        in_english = [names for names in dict.fromkeys(in_english) if names[0] not in said]
        return ([Name(zh, (zh, full), (en,)) for en, zh, full in dict.fromkeys(in_chinese)]
                + [Name(en, (en,), (zh, full)) for en, zh, full in in_english])


@lru_cache(maxsize=1)
def subdivisions() -> Subdivisions:
    import pycountry

    zh = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    english: dict[str, tuple[str, str, str]] = {}
    chinese: dict[str, tuple[str, str, str]] = {}
    for sub in pycountry.subdivisions:
        full = zh.gettext(sub.name)
        if sub.parent_code or sub.country_code in _LISTED or full == sub.name or not CJK.search(full):
            continue
        en = sub.name.split(" (")[0].split(",")[0].strip()
        bare = _EN_KIND.sub("", en)
        if " " in bare or not en.endswith(" State"):  # "New York State" -> New York; "Free State" stays
            en = bare
        if not en[:1].isupper() or all(w.lower() in _COMPASS for w in en.split()):
            continue
        short = _ZH_KIND.sub("", full) or full
        names = (en, short, full)
        english.setdefault(en, names)
        key = short if len(short) >= 3 else full
        if len(key) >= 3:  # 中央, 凡: too short to be told from ordinary words
            chinese.setdefault(key, names)
    ordered = tuple(sorted(chinese.items(), key=lambda item: len(item[0]), reverse=True))
    return Subdivisions(english, ordered, max((len(n.split()) for n in english), default=1))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()
