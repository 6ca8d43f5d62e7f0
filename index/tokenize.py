"""Keyword tokens for BM25 that work for English and Chinese alike.

- English: lower-cased words, Snowball-stemmed, stop words dropped.
- Chinese: jieba words plus overlapping character bigrams (recall for terms
  jieba cuts differently in question and document), stop words and question
  phrasing (哪些, 什么, 如何, 应当 ...) dropped.
- Identifiers kept whole as well as in parts: "GB 15577-2018" -> gb15577-2018,
  gb15577; "§ 1910.272(e)" -> 1910.272; "AQ 4273" -> aq4273; "第三十八条" ->
  第三十八条 and art38, and "Article 38" -> art38, so either form finds the other.

Used for documents at index time and for questions at query time, so both are
cut the same way. Does not expand synonyms; see lexicon.py.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Collection

from core.text import CJK_RUN
from ingest.structure import zh_to_int

# Bump when tokens change: an index built with another version re-tokenizes
# its stored chunks on the next ingest (no re-embedding needed).
TOKENIZER_VERSION = 2

_WORD = re.compile(r"[a-z][a-z'’]*[a-z]|[a-z]|\d+(?:\.\d+)*")
# (?<![a-z0-9]) rather than \b: in Chinese text a number follows a CJK character
# directly ("符合GB 15577-2018"), and CJK characters are word characters to \b.
_STANDARD = re.compile(r"(?<![a-z0-9])(gb|aq|gbz|gb/t|aq/t|jgj|hj|sc/t|iso|en|nfpa|ansi|osha|cpl)\s*/?\s*(\d+(?:\.\d+)?)(?:\s*[-—–]\s*(\d{2,4}))?", re.I)
_CFR = re.compile(r"(?:§+\s*|(?<![a-z0-9]))(\d{4}\.\d+[a-z]?)((?:\([a-z0-9]+\))*)", re.I)
_ZH_ARTICLE = re.compile(r"第([零〇一二三四五六七八九十百千两\d]+)条")
_EN_ARTICLE = re.compile(r"\b(?:article|art\.)\s*(\d+)", re.I)

EN_STOP = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have how i if in into is it its
    may me might must my no not of on or our shall should so such than that the their them then there these they this
    those to was we were what when where which while who whom why will with would you your yes do does doing done""".split()
)
# Function words and question phrasing that carry no topic in either side.
ZH_STOP = frozenset(
    """的 了 和 与 及 或 或者 以及 等 是 在 对 把 被 为 由 从 向 其 之 中 上 下 所 有 无 也 都 又 还 就 要 会 能 可以 应 应当 应该
    必须 需要 哪些 什么 如何 怎么 怎样 怎么办 是否 吗 呢 吧 啊 多少 几 多久 哪 哪个 谁 时 时候 有关 相关 规定 要求 情况 问题
    我 我们 你 他 她 它 他们 这 那 这个 那个 这些 那些 一个 个 不 没有 如果 但 但是 而 并 并且 以 于 即 该 本 各 每""".split()
)

_ZH_STOP_CHARS = frozenset(w for w in ZH_STOP if len(w) == 1)

logging.getLogger("jieba").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


# The shape of every token identifiers() makes ("gb15577", "1910.272(e)",
# "第三十八条", "art38"): a wanted token of another shape is never one of them.
_IDENTIFIER_SHAPE = re.compile(r"[a-z]+\d|\d{4}\.\d|第.+条")


def identifiers(text: str) -> list[str]:
    """Identifier tokens found in (normalised) text."""
    out: list[str] = []
    for match in _STANDARD.finditer(text):
        prefix = match.group(1).replace("/", "").lower()
        number = match.group(2)
        out.append(f"{prefix}{number}")
        if match.group(3):
            out.append(f"{prefix}{number}-{match.group(3)}")
    for match in _CFR.finditer(text):
        out.append(match.group(1).lower())
        if match.group(2):
            out.append((match.group(1) + match.group(2)).lower())
    for match in _ZH_ARTICLE.finditer(text):
        number = zh_to_int(match.group(1))
        out.append(match.group(0))
        if number is not None:
            out.append(f"art{number}")
    for match in _EN_ARTICLE.finditer(text):
        out.append(f"art{match.group(1)}")
    return out


def _chinese(run: str, query: bool) -> list[str]:
    """jieba words plus character bigrams. Documents get every bigram of the run
    (recall when question and document are cut differently); questions only the
    bigrams inside their longer words, since bigrams across a question's word
    boundaries ("些情", "形企") match nothing meant."""
    if query:
        groups = _query_words(run)
        singles = [group[0] for group in groups]
        bigrams = [b for group in groups for b in group[1:]]
    else:
        words = [w for w in _jieba().lcut(run) if w.strip() and w not in ZH_STOP]
        singles = [w for w in words if len(w) > 1 or len(run) == 1]
        bigrams = [b for b in (run[i:i + 2] for i in range(len(run) - 1)) if not (set(b) & _ZH_STOP_CHARS)]
    return singles + [b for b in bigrams if b not in singles]


def _query_words(run: str) -> list[list[str]]:
    """The jieba words of a question's Chinese run, each with the bigrams inside
    it when it is longer than two characters (a single character of a longer
    run is no word of its own)."""
    groups = []
    for word in _jieba().lcut(run):
        if not word.strip() or word in ZH_STOP or (len(word) == 1 and len(run) > 1):
            continue
        bigrams = [word[i:i + 2] for i in range(len(word) - 1)] if len(word) >= 3 else []
        groups.append([word] + [b for b in bigrams if not (set(b) & _ZH_STOP_CHARS)])
    return groups


def _english(text: str) -> list[str]:
    """Stemmed words of the (normalised) text outside its Chinese runs."""
    return [t for t in map(_english_token, _WORD.findall(CJK_RUN.sub(" ", text))) if t]


def _english_token(word: str) -> str:
    """A word's token: its stem, a number as it is, "" for a stop word."""
    if word in EN_STOP:
        return ""
    return word if word[0].isdigit() else _stemmer().stemWord(word.replace("’", "'").split("'")[0])


def word_groups(text: str) -> list[list[str]]:
    """A question's tokens (tokenize(text, query=True)) grouped by the word they
    come from: a longer Chinese word with the bigrams inside it (报警装置, 报警,
    警装, 装置), every other token alone. Weighing the question's words, a word
    cut in four counts once, as a word of two characters does."""
    text = normalise(text)
    groups = [[t] for t in identifiers(text)]
    groups += [list(dict.fromkeys(g)) for run in CJK_RUN.findall(text) for g in _query_words(run)]
    return groups + [[t] for t in _english(text)]


def tokenize(text: str, query: bool = False) -> list[str]:
    """BM25 tokens of a document text, or of a question with `query=True`."""
    text = normalise(text)
    tokens = identifiers(text)
    for run in CJK_RUN.findall(text):
        tokens.extend(_chinese(run, query))
    tokens.extend(_english(text))
    return [t for t in tokens if t]


class TokenFinder:
    """Which of some wanted tokens a text's tokens include: `set(tokenize(text))
    & wanted`, computed without the work that cannot find a wanted token. The
    answerer scores every sentence of the retrieved passages (hundreds per
    question) against the question's tokens this way.

    - A Chinese token is a piece of its run, so a run holding no wanted token
      as a substring is not cut with jieba (most of tokenize's time); and a
      wanted two-character token without stop characters that a run holds is
      always one of the run's bigrams. Only runs holding other wanted tokens
      (longer words, single characters) are cut.
    - Identifiers are looked for only when a wanted token has their shape.
    """

    def __init__(self, wanted: Collection[str]) -> None:
        self.wanted = frozenset(wanted)
        self._chinese = [t for t in self.wanted if CJK_RUN.fullmatch(t)]
        self._bigrams = {t for t in self._chinese if len(t) == 2 and not set(t) & _ZH_STOP_CHARS}
        self._identifiers = any(_IDENTIFIER_SHAPE.match(t) for t in self.wanted)
        self._english = len(self._chinese) < len(self.wanted)
        self._cuts: dict[str, list[str]] = {}  # Chinese run -> its tokens, for this finder's texts

    def __call__(self, text: str) -> set[str]:
        text = normalise(text)
        wanted = self.wanted
        found = {t for t in identifiers(text) if t in wanted} if self._identifiers else set()
        if self._english:
            tokens = _WORD_TOKENS
            for word in _WORD.findall(text):  # no word has a Chinese character: no need to blank the runs
                token = tokens.get(word)
                if token is None:
                    if len(tokens) >= _WORD_TOKENS_KEPT:
                        tokens.clear()
                    token = tokens[word] = _english_token(word)
                if token in wanted:
                    found.add(token)
        if self._chinese:
            for run in CJK_RUN.findall(text):
                inside = [t for t in self._chinese if t in run]
                if not inside:
                    continue
                sure = [t for t in inside if t in self._bigrams]
                found.update(sure)
                if len(sure) < len(inside):
                    cut = self._cuts.get(run)
                    if cut is None:
                        cut = self._cuts[run] = _chinese(run, False)
                    found.update(t for t in cut if t in wanted)
        return found


# Word -> its token, shared by every TokenFinder: a word's stem depends on the
# word alone, and the passages' vocabulary is bounded (emptied past this size).
_WORD_TOKENS: dict[str, str] = {}
_WORD_TOKENS_KEPT = 200_000


def jieba_words(text: str) -> list[str]:
    """jieba's words of a text, with the tokenizer's own jieba set-up."""
    return _jieba().lcut(text)


def tagged_words(text: str) -> list[tuple[str, str]]:
    """jieba's (word, part of speech) of a text, with the tokenizer's own set-up."""
    import jieba.posseg

    _jieba()
    return [(w.word, w.flag) for w in jieba.posseg.cut(text)]


def place_names(text: str) -> list[str]:
    """Place names a Chinese question mentions (jieba's 'ns' tag): '在河南' -> ['河南']."""
    return list(dict.fromkeys(w for w, flag in tagged_words(text) if flag.startswith("ns") and len(w) >= 2))


def tokenize_many(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
