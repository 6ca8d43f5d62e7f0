"""index.tokenize: one bilingual cut for documents and questions. Identifiers
stay whole (and in parts), Chinese question phrasing is dropped, English is
stemmed, and "第三十八条" and "Article 38" meet on the same token."""
from __future__ import annotations

import random

import pytest
from support import PROJECT_ROOT

from core.text import split_sentences
from index.tokenize import _IDENTIFIER_SHAPE, TokenFinder, identifiers, normalise, tokenize, word_groups

CORPUS = PROJECT_ROOT / "corpus"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("GB 15577-2018", {"gb15577-2018", "gb15577"}),
        ("GB15577—2018", {"gb15577-2018", "gb15577"}),  # em dash, no space
        ("ＧＢ　１５５７７－２０１８", {"gb15577-2018", "gb15577"}),  # full-width
        ("AQ 4273", {"aq4273"}),
        ("AQ/T 9006-2010", {"aqt9006", "aqt9006-2010"}),
        ("SC/T 0102-2024", {"sct0102", "sct0102-2024"}),
        ("§1903.14", {"1903.14"}),
        ("§ 1910.272(e)(1)", {"1910.272", "1910.272(e)(1)"}),
        ("29 CFR 1904.39", {"1904.39"}),
        ("第三十八条", {"第三十八条", "art38"}),
        ("第一百零二条", {"第一百零二条", "art102"}),
        ("第15条", {"art15"}),
        ("Article 38", {"art38"}),
        ("art. 38", {"art38"}),
    ],
)
def test_identifiers_are_kept_whole(text, expected):
    assert expected <= set(tokenize(text))
    assert expected <= set(identifiers(normalise(text)))


def test_chinese_and_english_article_numbers_meet():
    assert "art38" in set(tokenize("第三十八条")) & set(tokenize("Article 38"))
    assert "art38" not in tokenize("Article 3") + tokenize("第八条")


def test_identifiers_right_after_chinese_text():
    # Chinese documents write "符合GB 15577-2018的要求" with no space: CJK characters
    # are word characters, so a leading \b would miss these.
    tokens = tokenize("除尘系统应当符合GB 15577-2018《粉尘防爆安全规程》的要求")
    assert {"gb15577", "gb15577-2018", "除尘", "系统"} <= set(tokens)
    assert "aq4273" in tokenize("执行AQ 4273的规定")
    assert "1910.146" in tokenize("按照1910.146执行")
    # ... but a standard prefix glued to other letters or digits is not one.
    assert "gb123" not in tokenize("ingb 123")
    assert "2345.67" not in tokenize("12345.67")


def test_cfr_section_query_matches_document_form():
    document = set(tokenize("§ 1903.14 Citations; notices of de minimis violations."))
    assert "1903.14" in document
    assert "1903.14" in tokenize("What does 1903.14 say?")
    assert "1903.14" in tokenize("§1903.14")


@pytest.mark.parametrize("word", ["哪些", "什么", "应当", "如何", "怎么", "是否"])
def test_chinese_question_stop_words_are_dropped(word):
    question = {
        "哪些": "粉尘涉爆企业应当建立哪些制度？",
        "什么": "什么情况下应当停止作业？",
        "应当": "除尘系统应当符合要求",
        "如何": "粉尘涉爆企业如何开展隐患排查？",
        "怎么": "有限空间作业怎么检测气体？",
        "是否": "是否需要办理动火作业票？",
    }[word]
    assert word not in tokenize(question, query=True)


def test_chinese_question_keeps_its_topic_words():
    tokens = tokenize("除尘系统应当符合哪些要求？", query=True)
    assert {"除尘", "系统", "符合"} <= set(tokens)
    assert not {"哪些", "应当", "要求"} & set(tokens)


def test_question_bigrams_stay_inside_words():
    # Documents get every bigram of a run; questions only those inside their
    # longer words, never across a word boundary ("业如", "何开").
    question = tokenize("粉尘涉爆企业如何开展隐患排查？", query=True)
    assert {"粉尘", "涉爆", "企业", "隐患", "排查"} <= set(question)
    assert not {"业如", "如何", "何开", "展隐"} & set(question)
    document = tokenize("粉尘涉爆企业开展隐患排查")
    assert {"爆企", "展隐"} <= set(document)


def test_chinese_bigrams_give_recall_across_different_cuts():
    # A question and a document that jieba cuts differently still share bigrams.
    doc = set(tokenize("铝镁金属粉尘湿式除尘器应当检测氢气浓度"))
    question = set(tokenize("湿式除尘器氢气", query=True))
    assert {"除尘", "氢气"} <= doc & question


def test_english_is_stemmed_and_stop_words_dropped():
    tokens = tokenize("The employer shall inspect the dust collectors; inspections of grinding stations")
    assert tokens.count("inspect") == 2
    assert {"employ", "dust", "collector", "grind", "station"} <= set(tokens)
    assert not {"the", "shall", "of"} & set(tokens)
    assert tokenize("Collectors") == tokenize("collector")
    assert tokenize("workers’ rooms") == tokenize("worker's room")


def test_document_and_question_are_cut_the_same_way():
    text = "Article 15 Dust collection systems shall meet the following requirements"
    assert tokenize(text) == tokenize(text.upper())


def test_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize("？！。，、 …") == []


def _corpus_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md")) if p.name != "README.md"]
    return [s for text in texts for s in split_sentences(text)]


QUESTIONS = [
    "How do I inspect dust explosion risks in an aluminium polishing shop?",
    "What are the rectification deadlines under Article 38 and GB 15577-2018?",
    "有限空间作业前应当检测哪些气体？整改期限是多少天？",
    "粉尘涉爆企业除尘系统应当符合哪些要求？",
    "第三十八条规定的重大事故隐患如何处理？",
    "煤气区域一氧化碳报警器的设置要求",
]


def test_token_finder_finds_what_tokenize_finds():
    # The answerer scores sentences with TokenFinder instead of tokenize: the
    # tokens it finds must be exactly the wanted ones tokenize gives, for
    # wanted sets of every kind: questions' tokens, and tokens of the corpus
    # itself (long jieba words, single characters, bigrams with stop
    # characters, identifiers, numbers) mixed with tokens a sentence lacks.
    sentences = _corpus_sentences()
    assert len(sentences) > 300
    rng = random.Random(7)
    vocabulary = sorted({t for s in sentences for t in tokenize(s)})
    wanted_sets = [set(tokenize(q, query=True)) for q in QUESTIONS]
    wanted_sets += [set(rng.sample(vocabulary, 40)) for _ in range(20)]
    wanted_sets += [{"有限空间", "除尘器", "罐", "的规", "art38", "第三十八条", "gb15577", "1910.146", "15", "inspect"}]
    checked = found = 0
    for wanted in wanted_sets:
        finder = TokenFinder(wanted)
        for sentence in sentences:
            expected = set(tokenize(sentence)) & wanted
            assert finder(sentence) == expected, sentence
            checked += 1
            found += bool(expected)
    assert found > checked // 10  # the comparison is not between empty sets


def test_token_finder_on_hand_made_cases():
    # A three-character word is found only where jieba cuts it out ...
    finder = TokenFinder({"除尘器", "气", "尘器"})
    assert finder("湿式除尘器应当定期清灰") == {"除尘器", "尘器"}
    # ... a single character only as a one-character run, as tokenize does.
    assert finder("气") == {"气"} and "气" not in finder("氢气浓度")
    assert TokenFinder({"gb15577", "art38"})("符合GB 15577-2018第三十八条") == {"gb15577", "art38"}
    assert TokenFinder({"inspect", "collector"})("Inspections of dust collectors") == {"inspect", "collector"}
    assert TokenFinder(set())("anything") == set()


def test_identifier_tokens_have_the_shape_the_finder_looks_for():
    texts = _corpus_sentences() + ["§ 1910.272(e)(1)", "AQ/T 9006-2010", "第一百零二条", "Article 38", "29 CFR 1904.39"]
    made = {t for text in texts for t in identifiers(normalise(text))}
    assert len(made) > 10
    assert all(_IDENTIFIER_SHAPE.match(t) for t in made), sorted(t for t in made if not _IDENTIFIER_SHAPE.match(t))


@pytest.mark.parametrize("question", [
    "电梯轿厢里必须装什么报警装置？",
    "湿式除尘器的泥浆多长时间要清理一次？",
    "What alarm must a GB 15577-2018 wet collector have in Riverton?",
    "铝镁粉尘除尘系统应当符合GB 15577的哪些要求？",
])
def test_word_groups_are_the_questions_tokens_by_the_word_they_come_from(question):
    groups = word_groups(question)
    assert sorted({t for g in groups for t in g}) == sorted(set(tokenize(question, query=True)))
    if question.startswith("电梯"):
        assert groups == [["电梯"], ["轿厢"], ["报警装置", "报警", "警装", "装置"]]
