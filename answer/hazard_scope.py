"""An item's scope named by a kind, and a finding that names a sibling kind.

Some items of the criteria restrict what they are about by a kind that
qualifies their subject: "煤磨袋式收尘器" is the dust collector of a coal mill,
"白酒勾兑" the blending of one kind of liquor. A finding that names another
kind with the same head and nothing of the item's modifier (a mill of
another material, another liquor) is about a thing the item does not name:
the item's scope is not met, whatever else the finding shares with it.

Read from the item's words alone (no list of kinds): a kind is a noun that
opens the item's subject and is followed by the word it qualifies; a
sibling is a noun of the finding ending with the kind's head whose modifier
shares no character with the kind's. A kind the item lists ("转炉、电弧炉……
等炼钢炉") qualifies nothing and is not read, so a furnace of another name
still falls under such a list. The same reading meets a condition on any
kind but one ("选用非钢芯钢丝绳") when the finding names a sibling of it. And
a finding that names one of the things of the item's subject only with a
word inserted into its name (特种设备作业人员 for 特种作业人员: another
register of operators; not a place it belongs to, 涂料厂调配) is about
another thing (`gapped`). An item that opens with a kind of enterprise
("金属冶炼企业", "食品制造企业") is about that kind alone: `enterprises` and
`enterprise_kinds` give the names a finding and the criteria use, and the
major-hazard job decides by meaning which kind a finding's enterprise is
(hazard.other_enterprise).
Characters, not classes: docs/hazard-judgement.md says what this misses.
"""
from __future__ import annotations

import re

from core.text import CJK_RANGE
from index.tokenize import jieba_words, tagged_words

# Where an item's subject ends: its condition starts ("未设置", "采用", "存在").
_PREDICATE = re.compile(r"未|非|采用|存在|使用|选用|设置在|共用|不符合|失效|超过|小于|与")
_NON = re.compile(f"非([{CJK_RANGE}]{{2,8}})")
_PHRASE = re.compile(r"[、，,；;和及的]|以及|等")
# The last character of a place or body a thing belongs to (厂, 车间, 公司, 仓库).
_PLACE_HEADS = frozenset("厂场间房库司站所院部区")


def head(kind: str) -> str:
    """What a kind is a kind of: its last character for a two-character word
    (煤磨 -> 磨), its last two for a longer one (铝加工 -> 加工)."""
    return kind[-1] if len(kind) <= 2 else kind[-2:]


def kinds(item_text: str) -> list[str]:
    """The kind the item's subject opens with: the first word of its first
    phrase when it is a noun of two or more characters followed in the same
    phrase by a word of two or more (煤磨 in "煤磨袋式收尘器"; not 保温 in
    "保温炉", one name that jieba cuts in two)."""
    subject = _PREDICATE.split(item_text, 1)[0]
    words = tagged_words(_PHRASE.split(subject, 1)[0])
    if len(words) > 1 and len(words[0][0]) >= 2 and words[0][1].startswith("n") and len(words[1][0]) >= 2:
        return [words[0][0]]
    return []


def _named(finding: str) -> list[str]:
    """The finding's nouns with their openings (啤酒厂 -> 啤酒: a kind named
    with its place), and a noun joined to the single-character word after
    it (生料 + 磨), the way a kind is named in a few characters."""
    words = tagged_words(finding)
    out = [w[:k] for w, flag in words if len(w) >= 2 and flag.startswith("n") for k in range(2, len(w) + 1)]
    out += [a + b for (a, fa), (b, _) in zip(words, words[1:]) if fa.startswith("n") and len(b) == 1]
    return out


def named_sibling(own: list[str], finding: str, said: str = "") -> tuple[str, str] | None:
    """(the finding's kind, one of `own`) when the finding names a kind with
    the head of one of them and a modifier sharing no character with it, and
    names none of them itself (`said`: the finding with its synonyms, so that
    a variant name of a kind counts)."""
    text = said or finding
    if not own or any(kind in text for kind in own):
        return None
    for kind in own:
        end, modifier = head(kind), kind[:-len(head(kind))]
        for word in _named(finding):
            other = word[:-len(end)] if word.endswith(end) else ""
            if other and not set(other) & set(modifier):
                return word, kind
    return None


def sibling(item_text: str, finding: str, said: str = "") -> tuple[str, str] | None:
    """The finding's kind and the item's when the finding names a sibling of
    the kind the item's subject opens with (kinds)."""
    return named_sibling(kinds(item_text), finding, said)


def gapped(item_text: str, finding: str, said: str = "") -> tuple[str, str] | None:
    """(the finding's name, the item's) when the finding names a thing of the
    item's subject only with words inserted into its name: "特种设备作业人员" is
    not "特种作业人员", another thing whose name shares the words. None when
    the finding (or `said`, with its synonyms) names one of the subject's
    things itself ("电工、焊工等特种作业人员": 焊工 counts)."""
    subject = _PREDICATE.split(item_text, 1)[0]
    names = [part.strip() for part in _PHRASE.split(subject) if part.strip()]
    text = said or finding
    if any(name in text for name in names):
        return None
    for name in names:
        if len(name) < 4 or not re.fullmatch(f"[{CJK_RANGE}]+", name):
            continue
        for cut in range(2, len(name) - 1):
            found = re.search(f"{re.escape(name[:cut])}([{CJK_RANGE}]{{1,4}}?){re.escape(name[cut:])}", finding)
            inserted = found.group(1) if found else ""
            # Not a particle (特种的作业人员), nor a place the thing belongs to
            # (涂料厂调配: the mixing of a paint works).
            if inserted and not set(inserted) <= set("的之和与及") and inserted[-1] not in _PLACE_HEADS:
                return found.group(0), name
    return None


def non_kinds(text: str) -> list[tuple[str, int]]:
    """The kinds a text excludes by "非" ("非钢芯" -> 钢芯, "非水性漆" -> 水性漆),
    each with where it ends in the text."""
    out = []
    for m in _NON.finditer(text):
        kind = next((w for w in jieba_words(m.group(1)) if len(w) >= 2), "")
        if kind:
            out.append((kind, m.start(1) + len(kind)))
    return out


def other_than(condition: str, finding: str, said: str = "") -> tuple[str, str] | None:
    """The finding's kind and X when the condition ends in "非X" (a thing of
    any kind but X: "选用非钢芯钢丝绳") and the finding names a sibling of X
    (a core of another material): the condition is met by that name."""
    for kind, end in non_kinds(condition):
        if _PREDICATE.search(condition[end:]):
            continue  # "使用非水性漆的调漆间……未设置": 非X is the subject's, not the condition
        found = named_sibling([kind], finding, said)
        if found:
            return found
    return None


# A kind of enterprise the criteria name ("金属冶炼企业", "纸浆制造、造纸企业"),
# at the start of an item or of one of its alternatives.
_KIND_OF_ENTERPRISE = re.compile(f"(?:^|[，,；;]\\s*(?:或者)?|或者)((?!或者)[{CJK_RANGE}、]{{2,12}}?企业)")
# What a finding calls an enterprise: 面包厂, 检修公司, 钢厂.
_ENTERPRISE = ("厂", "公司", "企业")


def enterprise_kinds(texts: list[str]) -> list[str]:
    """The kinds of enterprise the items name, each once, in their order."""
    found = [m.group(1) for text in texts for m in _KIND_OF_ENTERPRISE.finditer(text)]
    return list(dict.fromkeys(found))


def enterprise_kind(item_text: str) -> str:
    """The kind of enterprise the item opens with ("金属冶炼企业主要负责人……"),
    or "": such an item is about that kind of enterprise alone."""
    m = _KIND_OF_ENTERPRISE.match(item_text)
    return m.group(1) if m and m.start(1) == 0 else ""


def same_kind(one: str, other: str) -> bool:
    """Whether two kinds of enterprise the criteria name overlap: one's trade
    holds the other's ("日用玻璃制造企业" within "日用玻璃、陶瓷制造企业")."""
    trades = [[t for t in kind.removesuffix("企业").split("、") if t] for kind in (one, other)]
    return any(a in b or b in a for a in trades[0] for b in trades[1])


def enterprises(finding: str) -> list[str]:
    """The enterprises a finding names ("面包厂的安全员" -> 面包厂): a word
    ending in 厂, 公司 or 企业, joined to the word before it when it is that
    ending alone."""
    words = tagged_words(finding)
    out = []
    for i, (word, _) in enumerate(words):
        if not word.endswith(_ENTERPRISE):
            continue
        if word in _ENTERPRISE and i and words[i - 1][1].startswith(("n", "v")):
            word = words[i - 1][0] + word
        if word not in _ENTERPRISE:
            out.append(word)
    return list(dict.fromkeys(out))
