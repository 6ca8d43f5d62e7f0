"""index.lexicon: same-language synonyms and the bilingual glossary, applied to
questions only; and the two data files beside it parse cleanly."""
from __future__ import annotations

from collections import Counter

import pytest

from core.text import CJK
from index.lexicon import HERE, Lexicon, default_lexicon

GLOSSARY = HERE / "glossary.tsv"
SYNONYMS = HERE / "synonyms.tsv"


def _data_rows(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0], [ln for ln in lines[1:] if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


def test_glossary_file_parses():
    header, rows = _data_rows(GLOSSARY)
    assert header.split("\t") == ["en", "zh"]
    assert len(rows) >= 300
    for row in rows:
        assert row.count("\t") == 1, row
        en, zh = row.split("\t")
        en_terms, zh_terms = en.split("|"), zh.split("|")
        assert all(t and t == t.strip() for t in en_terms + zh_terms), row
        assert not any(CJK.search(t) for t in en_terms), row
        assert any(CJK.search(t) for t in zh_terms), row  # abbreviations ("UPS") may sit beside them


def test_synonyms_file_parses():
    header, rows = _data_rows(SYNONYMS)
    assert header == "terms"
    assert len(rows) >= 100
    terms = Counter()
    for row in rows:
        assert "\t" not in row, row
        group = row.split("|")
        assert len(group) >= 2, row
        assert all(t and t == t.strip() for t in group), row
        terms.update(t.lower() for t in group)
    assert [t for t, n in terms.items() if n > 1] == []  # no term in two groups


def test_every_glossary_and_synonym_term_is_loaded(lexicon):
    _, rows = _data_rows(GLOSSARY)
    for row in rows:
        en, zh = row.split("\t")
        for term in en.split("|"):
            assert set(zh.split("|")) <= set(lexicon.translations[term.lower()])
        for term in zh.split("|"):
            assert term.lower() in lexicon.translations or term in lexicon.translations
    _, rows = _data_rows(SYNONYMS)
    for row in rows:
        for term in row.split("|"):
            assert lexicon.synonyms[term.lower()] == tuple(t.lower() for t in row.split("|"))


def test_chinese_synonyms_expand(lexicon):
    expanded = lexicon.expand_synonyms("除尘器应当定期清灰")
    assert "集尘器" in expanded and "除尘设备" in expanded
    assert "除尘器" not in expanded  # the mentioned term itself is not repeated


def test_longest_term_wins(lexicon):
    # "除尘系统" is its own group; "除尘" inside it is not read separately.
    assert lexicon.expand_synonyms("除尘系统") == ["粉尘收集系统"]
    # "泄爆口" (vents), not "泄爆" (venting).
    assert set(lexicon.expand_synonyms("泄爆口设置")) == {"泄爆板", "泄爆片"}


def test_english_synonyms_match_whole_words_and_plurals(lexicon):
    assert "baghouse" in lexicon.expand_synonyms("Dust collectors must be grounded")
    assert "dust collector" in lexicon.expand_synonyms("baghouses")
    assert lexicon.expand_synonyms("dust collectorsx") == []


def test_glossary_translates_english_to_chinese(lexicon):
    assert "除尘器" in lexicon.translate("How often must a dust collector be cleaned?")
    assert "有限空间" in lexicon.translate("entry into confined spaces")


def test_a_hyphen_and_a_space_are_the_same_in_a_term(lexicon):
    # "positive pressure" in the glossary, written with a hyphen in a finding;
    # "direct-expansion" in the glossary, written with a space.
    assert "正压" in lexicon.translate("The dust system runs at positive-pressure.")
    assert "直接蒸发" in lexicon.translate("The air coolers work by direct expansion.")


def test_glossary_translates_chinese_to_english(lexicon):
    assert "explosion venting" in lexicon.translate("泄爆装置应当如何设置？")
    assert "dust collector" in lexicon.translate("除尘器")


def test_nothing_to_expand(lexicon):
    assert lexicon.translate("the quick brown fox") == []
    assert lexicon.expand_synonyms("the quick brown fox") == []


def test_custom_files(tmp_path):
    (tmp_path / "syn.tsv").write_text("terms\n# comment\nfoo|bar\n\n", encoding="utf-8")
    (tmp_path / "gl.tsv").write_text("en\tzh\nwidget|gadget\t部件\n", encoding="utf-8")
    lexicon = Lexicon.load(tmp_path / "syn.tsv", tmp_path / "gl.tsv")
    assert lexicon.expand_synonyms("a foo") == ["bar"]
    assert lexicon.translate("widgets") == ["部件"]
    assert lexicon.translate("部件") == ["widget", "gadget"]


def test_places_file_parses_and_names_are_found_both_ways():
    header, rows = _data_rows(HERE / "places.tsv")
    assert header.split("\t") == ["en", "zh", "level"]
    for row in rows:
        en, zh, level = row.split("\t")
        assert not CJK.search(en) and all(CJK.search(t) for t in zh.split("|")), row
        assert level in ("country", "region"), row
    lexicon = Lexicon.load()
    [name] = lexicon.names("Which rules apply to a smelter in Jiangsu?")
    assert name.same == ("jiangsu",) and name.other == ("江苏",)
    found = {n.text: n.other for n in lexicon.names("美国的CFR对受限空间有什么规定？")}
    assert found["美国"][0] == "united states" and found["CFR"] == ("CFR",)
    assert lexicon.names("How is the furnace inspected?") == []
    assert lexicon.translate("a smelter in Jiangsu") == []  # places are not keywords


def test_regions_are_places_below_a_country_in_either_language(lexicon):
    # From places.tsv: a province, in English or Chinese, with its other spelling.
    [jiangsu] = lexicon.regions("What must a smelter in Jiangsu Province report?")
    assert jiangsu.same == ("jiangsu",) and jiangsu.other == ("江苏",)
    assert [r.other for r in lexicon.regions("江苏省的冶炼厂要报告什么？")] == [("jiangsu",)]
    # From ISO 3166-2 (pycountry): a state or province abroad, by its capitals
    # in English, by its Chinese name with or without its kind.
    [quebec] = lexicon.regions("Under Quebec's rules, who signs the entry permit?")
    assert quebec.text == "Quebec" and "魁北克" in quebec.other
    assert [r.other for r in lexicon.regions("魁北克省对受限空间有什么要求？")] == [("Quebec",)]
    assert [r.text for r in lexicon.regions("Quebec的受限空间规定要求什么？")] == ["Quebec"]  # Latin in Chinese
    assert [r.text for r in lexicon.regions("魁北克省（Quebec）的规定")] == ["魁北克"]  # one region, not two
    assert [r.text for r in lexicon.regions("Which permit does New South Wales require?")] == ["New South Wales"]
    # Countries are not regions: a national law rarely names its own country.
    assert lexicon.regions("What does German law require?") == []
    assert lexicon.regions("美国对受限空间有什么要求？") == []
    # Ordinary words that are also the names of subdivisions somewhere are not read as places.
    assert lexicon.regions("Which Central and Western districts inspect the Coast?") == []
    assert lexicon.regions("玻璃钢储罐的国家标准对中央控制室有什么要求？") == []
    assert lexicon.regions("quebec, in lower case, is a word and not a name") == []
