"""Reading a question: its job (mode), whether it follows up on the previous
one, and what it specifically asks for (a quantity and unit, a period, a named
standard, programme, document or body), so that the answerer can tell evidence
that answers from evidence that is merely on topic."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


from core.text import CJK, CJK_RANGE, lang_of
from index.tokenize import jieba_words

from .models import MODES

_SIMILAR = re.compile(r"similar|past findings|previous findings|like this|类似|相似|以往|同类|案例", re.I)
_RECTIFY = re.compile(
    r"rectif|correct(ed|ion)?\b|abate|deadline|\bby when\b|put right|\bfix\b|\b(be|been|get|gets|got) fixed\b|penalt|\bfine[sd]?\b|overdue|"
    r"what (must|should) .* do\b|"
    r"整改|期限|时限|逾期|责令|处理|处罚|罚款|怎么办|如何处置|应当怎么", re.I)
_HOWTO = re.compile(r"how (do|should|can) (i|we|you|inspectors?)|inspect|check|what to (look|check)|checklist|"
                    r"检查|核查|排查|查(?:哪些|什么)|如何|怎么|怎样|哪些做法|注意", re.I)
_QUESTION_MARK = re.compile(r"[?？]")
# The words that ask for a job rather than name a subject ("how should ... be
# rectified", "应当如何处理", "检查哪些"): every passage of that job shares them.
_JOB_WORDS = re.compile(r"\b(?:rectif\w*|correct(?:ed|ion|ive)?|abate\w*|deadlines?|fix(?:ed)?|penalt\w*|fine[sd]?|overdue|"
                        r"inspect\w*|check(?:s|ed|ing|list)?|handl\w*|deal with|dealt with)\b|"
                        r"整改|期限|时限|逾期|责令|处理|处置|处罚|罚款|检查|核查|排查|注意|如何|怎么|怎样", re.I)


def detect_mode(question: str) -> str:
    """howto, rectify, similar or lookup. A description of an event with no
    question in it ("Worker fell through a skylight ...") asks for similar records."""
    if _SIMILAR.search(question):
        return "similar"
    words = question.split()
    is_question = bool(_QUESTION_MARK.search(question)) or re.match(
        r"^(how|what|which|when|where|who|why|can|does|do|is|are|must|should|may)\b", question.strip(), re.I)
    if not is_question and (len(words) >= 10 or (lang_of(question) == "zh" and len(question) >= 20)):
        return "similar"
    if _RECTIFY.search(question):
        return "rectify"
    if _HOWTO.search(question):
        return "howto"
    return "lookup"


_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|same for|and for|and what about|and in|then)\b|"
    r"^\s*(那么|那|还有|如果是|换成|对于|至于|同样)", re.I)
# A follow-up that is a question of its own ("and who signs the hot work permit
# for the collector?", "那么积尘清扫记录要保存几年？"): read with the previous
# question whatever its length, and answered in its own job.
_FOLLOW_UP_QUESTION = re.compile(
    r"^\s*(?:and|also|then|so)\s+(?=(?:how|what|which|when|where|who|whom|whose|why|is|are|does|do|must|should|"
    r"can|may|shall)\b)|^\s*(?:那么|那|还有)(?=.*(?:多久|多长|多少|几|谁|哪|什么|怎么|怎样|如何|是否))", re.I)


def follow_up_question(question: str) -> str | None:
    """The question a follow-up asks by itself, without its opening "and" / "那么"
    ("who signs the hot work permit for the collector?"); None when the follow-up only
    names a new subject ("and for magnesium dust?") or is no follow-up."""
    match = _FOLLOW_UP_QUESTION.match(question)
    return question[match.end():].strip() if match else None


def resolve_follow_up(question: str, previous: str | None) -> str:
    """'and for magnesium dust?' after 'How do I inspect dust explosion risks in an
    aluminium polishing shop?' -> the previous question with the new subject
    added; so is a follow-up that asks a question of its own, of any length.
    A question that stands on its own is returned as it is."""
    if not previous:
        return question
    short = len(question.split()) <= 6 if lang_of(question) == "en" else len(question) <= 14
    if not ((_FOLLOW_UP.search(question) and short) or follow_up_question(question)):
        return question
    addition = _FOLLOW_UP.sub("", question).strip(" ?？,，。.")
    if not addition:
        return previous
    # Keep the question mark: without it a Chinese question reads as the
    # description of a finding (detect_mode -> "similar").
    mark = next((t.rstrip()[-1] for t in (question, previous) if t.rstrip()[-1:] in ("?", "？")), "")
    return f"{previous.rstrip(' ?？')} — {addition}{mark}"


# A question asking for records by what they are ("which findings in
# Jiangchuan are overdue?", "江川市还有哪些逾期未整改的隐患？"): a word that
# lists and a word for findings. The answerer sends it to the records when it
# also names a value of their fields (answer/similar.py `question_filters`).
LISTS = re.compile(r"\b(?:which|list|find|show)\b|哪些|找出|列出|查找|有多少", re.I)
RECORD_NOUNS = re.compile(r"\b(?:findings?|hazards?|records?|cases?)\b|隐患|记录|问题", re.I)


def asks_for_records(question: str) -> bool:
    return bool(LISTS.search(question) and RECORD_NOUNS.search(question))


def job_of(question: str, resolved: str) -> str:
    """The job of a question as resolved: a follow-up asking a question of its
    own is answered in that question's job ("and how often ...?" after a
    checklist is a lookup); one naming a new subject, in the previous one's."""
    own = follow_up_question(question) if resolved != question else None
    return detect_mode(own if own and detect_mode(own) != "similar" else resolved)


# Units a question may ask a quantity in, and how they are written in documents.
UNITS = {
    "ma": ("毫安", "ma", "milliamp"),
    "n·m": ("牛·米", "n·m", "n.m", "nm", "牛米", "newton"),
    "cal/cm2": ("cal/cm", "cal/cm2", "calories"),
    "ppm": ("ppm",),
    "percent": ("%", "percent", "百分之", "％"),
    "mg/m3": ("mg/m", "毫克"),
    "m/s": ("m/s", "米/秒", "米每秒", "feet per minute", "fpm"),
    "kg": ("kg", "公斤", "千克", "kilogram", "pounds", "lb"),
    "mj": ("毫焦", "mj", "millijoule"),  # before "m", which "millijoules" starts with
    "lux": ("勒克斯", "lux", "lx"),
    # Any length: a distance asked may be stated in millimetres or inches.
    "m": ("米", " m ", "meter", "metre", "feet", "foot", "毫米", "厘米", "公里", "千米", "mm", "cm", "km", "ft",
          "inch", "inches", "yard", "yards"),
    "hours": ("小时", "hour", "hours"),
    "°c": ("℃", "°c", "度", "degrees"),
    "yuan": ("元", "yuan", "dollars", "$"),
}
_ASKED_UNIT = re.compile(
    r"多少(毫安|牛·米|牛米|ppm|毫克|米|公斤|千克|小时|度|元|万元|毫焦|勒克斯|勒)|"
    r"(毫安|牛·米|cal/cm2?|ppm|mg/m3|m/s|percent|%|百分之|dollars|毫焦|勒克斯|millijoules?|\bmJ\b|\blux\b|\blx\b|"
    r"milliamp\w*|\bmA\b|N·m|newton[- ]?met\w*|kilograms?|\bkg\b|pounds|\blbs?\b|calories|"  # asked in English
    r"feet per minute|\bfpm\b)", re.I)
# "几" asks ("几年", "几个月") unless it makes an approximate number: "十几个月"
# (ten-odd months), "好几年" (several years), "二十几天" state one.
_JI = r"(?<![十百千万好])几"
_ASKED_PERIOD = re.compile(r"how (long|often|frequently|many (days|hours|years|months|weeks|shifts|heats))|"
                           rf"at what intervals?|多久|多长时间|{_JI}年|多少年|{_JI}个月|多少天|多少小时|{_JI}班|{_JI}个班|"
                           rf"{_JI}炉|多少炉|每隔|频次|频率", re.I)
# "多久测量一次", "how many times": the count of the period, asked with it.
_ONCE = re.compile(r"一次|\bonce\b|how many times", re.I)
# What a period is asked of: "how long must records be kept" asks how long they
# are kept, so a sentence giving a period for something else does not answer.
# Each group holds the words documents use for one act; a question's verb outside
# the groups must appear itself.
PERIOD_ACTS = (
    ("valid", "validity", "expire", "expiry", "有效期", "有效", "期满", "到期"),
    ("kept", "keep", "retain", "retained", "store", "stored", "archive", "archived", "preserve", "preserved",
     "保存", "存档", "留存", "归档"),
    ("replace", "replaced", "renew", "renewed", "scrap", "scrapped", "更换", "更新", "报废"),
    ("test", "tested", "testing", "测试", "试验"),
    ("calibrate", "calibrated", "calibration", "校验", "校准", "标定", "检定"),
    ("inspect", "inspected", "inspection", "examine", "examined", "examination", "检查", "检验", "巡检"),
    ("report", "reported", "notify", "notified", "报告", "上报"),
    ("train", "trained", "training", "培训"),
    ("drill", "drilled", "exercise", "exercised", "演练"),
    ("review", "reviewed", "复审", "评审", "复核"),
    ("clean", "cleaned", "cleaning", "clear", "cleared", "remove", "removed", "removal", "清理", "清扫", "清除"),
    ("measure", "measured", "测量", "检测"),
)
_ZH_ACTS = tuple(w for group in PERIOD_ACTS for w in group if not w.isascii())
# What an amount of money is asked of: "how much is the reward", "罚款多少"
# ask for an amount stated of that thing (grounding: a sum, or a share or
# multiple of a base), so a fine's amount does not answer a question on a
# reward. Each group holds the words documents use for one kind of payment.
AMOUNTS = (
    ("reward", "rewards", "bounty", "奖金", "奖励", "奖"),
    ("fine", "fines", "fined", "penalty", "penalties", "罚款", "罚金", "罚"),
    ("compensation", "compensate", "indemnity", "赔偿", "补偿", "补助", "抚恤"),
)
FINES = AMOUNTS[1]
_AMOUNT_WORD = "|".join(sorted((w for g in AMOUNTS for w in g if len(w) > 1), key=len, reverse=True))
_ASKED_AMOUNT = re.compile(
    rf"多少(?:钱|{_AMOUNT_WORD})|(?:{_AMOUNT_WORD})[^，。？?,;；]{{0,8}}?(?:是|为|有|能|可以|可)?(?:多少|几)|"
    rf"\bhow much\b[^?.;]{{0,40}}?\b(?:money|{_AMOUNT_WORD})\b|\b(?:{_AMOUNT_WORD})\b[^?.;]{{0,40}}?\bhow much\b|"
    rf"\bwhat (?:is the |are the )?(?:amount|size) of (?:the |a |an )?(?:{_AMOUNT_WORD})\b", re.I)

# The same words in an English question of the active voice ("how often must
# the employer test the alarms", "how often must the rigger examine the ropes").
_EN_ACT = re.compile(r"\b(" + "|".join(sorted((w for g in PERIOD_ACTS for w in g if w.isascii()), key=len, reverse=True))
                     + r")s?\b", re.I)
_EN_PASSIVE = re.compile(r"\bbe\s+([a-z]+(?:ed|en|pt))\b|\b(valid)\b", re.I)
# How documents write the unit of a period: of time, and of the work cycles a
# period is counted in at a plant ("every shift", "every 10 heats", "每班",
# "每10炉"). "How many years", "几个月": the period is asked in that unit, so a
# period in another unit (90 days) is of something else.
PERIOD_UNITS = {"years": r"年|years?", "months": r"个?月|months?", "weeks": r"周|星期|weeks?",
                "days": r"工作日|日|天|(?:calendar |working )?days?", "hours": r"小时|hours?", "minutes": r"分钟|minutes?",
                "shifts": r"班次?|shifts?", "heats": r"炉次?|heats?"}
# The work cycles documents count a period in without a number ("before each
# use", "every entry", "每次使用前"), besides the units above.
PERIOD_CYCLES = r"batch(?:es)?|casts?|uses?|entry|entries|lifts?|批|次"
# The unit a question asks a period in: its spelling in the question -> PERIOD_UNITS key.
_PERIOD_UNIT = re.compile(r"how many (years|months|weeks|days|hours|minutes|shifts|heats)|"
                          rf"(?:{_JI}|多少)(年|个月|周|天|小时|分钟|个?班|炉)", re.I)
_ASKED_UNIT_KEYS = {"年": "years", "个月": "months", "周": "weeks", "天": "days", "小时": "hours", "分钟": "minutes",
                    "班": "shifts", "个班": "shifts", "炉": "heats"}
# A number asked for without a unit the patterns above know ("how many workers",
# "how close", "配备多少名", "几次"): the answer must state a number.
_ASKED_NUMBER = re.compile(r"\bhow (many|much|far|close|high|deep|long|often|wide|heavy|large)\b|"
                           r"\bwhat (number|amount|distance|height|depth|temperature|concentration)\b|"
                           rf"多少|{_JI}[个次人名台米天年月周条项家种岁层级度]|多高|多远|多深|多大|多重|多宽|多久|多长", re.I)
_ASKED_SHARE = re.compile(r"(至少|最多|不低于|不超过).{0,24}的多少|what (percentage|fraction|share)|多少比例", re.I)
_ACRONYM = re.compile(r"\b([A-Z]{2,}[A-Z0-9]*(?:\s?\d+[A-Z]?)?)\b")
# A standard's designation ("GB 15577", "SC/T 0102", "NFPA 652"), also where it touches
# Chinese text ("根据GB 15577，"), in which \b sees no word boundary. Two digits at
# least, so that a formula ("CO2灭火器") is not taken for one.
_DESIGNATION = re.compile(r"(?<![A-Za-z0-9/])([A-Z]{2,}(?:/[A-Z]+)?\s?\d{2,}[A-Z]?)(?![A-Za-z0-9])")
_NAMED_PHRASE = re.compile(r"(?<!^)(?<![.?!]\s)\b((?:[A-Z][a-z]+\s){1,3}[A-Z][a-z]+)\b")
_BOOK_TITLE = re.compile(r"《([^》]{2,40})》")
# "At what heat index does ...", "What is the recommended weight limit for ...":
# the value of a named quantity is asked, so the evidence must name it.
_ASKED_TERM = (
    re.compile(r"\bat what ([a-z][a-z -]{2,40}?) (?:does|do|is|are|must|should|will|would|can)\b", re.I),
    re.compile(r"\bwhat is the ([a-z][a-z -]{2,40}?) (?:for|of|under|in|when|at|on)\b", re.I),
)
# "铸造井防护栏杆的高度不得低于多少": the value of 高度 is asked.
_ZH_ASKED_TERM = re.compile(rf"的([{CJK_RANGE}]{{2,6}}?)(?:应当|应|必须|需要|要)?(?:设定|控制|设置)?"
                            r"(?:为|是|在|达到|不得超过|不得低于|不少于|不超过|不低于)?(?:百分之)?多少")
# "企业所得税税率是多少": without a 的, the word right before the asking words
# names the quantity when it is one (ends in 率, 度, 量, 值 ...).
_ZH_ASKED_VALUE = re.compile(r"(?:应当|应该|应|必须|需要|要|一般|通常|最高|最低|最多|最少|至少)?"
                             r"(?:设定|控制|设置|规定|定)?(?:为|是|在|达到|不得超过|不得低于|不少于|不超过|不低于|有)?"
                             r"(?:百分之)?多少")
_ZH_QUANTITY_ENDS = frozenset("率度量值额距限压速期数比")
# "At what point must ...", "at what stage": ways of asking when, not a quantity's name.
_WHEN = frozenset({"point", "stage", "time", "moment"})
_EXTREME = re.compile(r"^(?:minimum|maximum|min|max)\s+|\s+(?:allowed|permitted|required|needed)$", re.I)
# A national body named in Chinese ("国家矿山安全监察局"): the evidence must name it.
_ZH_BODY = re.compile(rf"((?:国家|全国|中国|中华人民共和国)[{CJK_RANGE}]{{2,14}}?(?:总局|局|委员会|协会|学会|署|研究院))")
_COMMON_ACRONYMS = frozenset({"OSHA", "CSHO", "US", "USA", "PPE", "CFR", "AM", "PM", "OK", "I",
                               # gases and measures, which documents often spell out ("carbon monoxide")
                               "CO", "CO2", "H2S", "O2", "LEL", "PPM"})


@dataclass
class Asked:
    units: list[str] = field(default_factory=list)  # canonical unit keys
    period: bool = False
    period_acts: list[str] = field(default_factory=list)  # what the period is of ("kept", "有效期"), any of them
    period_unit: str = ""  # "years" when asked "how many years" / "几年"
    amount_of: list[str] = field(default_factory=list)  # what a sum of money is asked of ("reward", "罚款")
    share: bool = False
    number: bool = False  # some number is asked for (with or without a known unit)
    names: list[str] = field(default_factory=list)  # standards, programmes, bodies, documents
    terms: list[str] = field(default_factory=list)  # the named quantity whose value is asked ("heat index")
    # The question's words that ask rather than name its subject ("how often",
    # "多久……一次", the act whose period is asked): every answer shares them.
    asking: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"a quantity in {u}" for u in self.units]
        parts += ["a period"] if self.period else []
        parts += [f"an amount of {self.amount_of[0]}"] if self.amount_of else []
        parts += ["a proportion"] if self.share else []
        parts += [f"'{n}'" for n in self.names + self.terms]
        return ", ".join(parts)


def asked_for(question: str) -> Asked:
    asked = Asked()
    lowered = question.lower()
    for match in _ASKED_UNIT.finditer(question):
        text = (match.group(1) or match.group(2) or "").lower()
        for key, spellings in UNITS.items():
            if any(text.startswith(s.strip()) or s.strip() == text for s in spellings if s.strip()):
                if key not in asked.units:
                    asked.units.append(key)
                break
    amount = _ASKED_AMOUNT.search(question)
    if amount:
        said = amount.group(0).lower()
        group = next((g for g in AMOUNTS if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", said) for w in g)), ())
        asked.amount_of = list(group)
    asked.period = bool(_ASKED_PERIOD.search(lowered))
    if asked.period:
        asked.period_acts = _period_acts(question)
        unit = _PERIOD_UNIT.search(question)
        if unit:
            spelled = (unit.group(1) or unit.group(2)).lower()
            asked.period_unit = _ASKED_UNIT_KEYS.get(spelled, spelled)
    asked.share = bool(_ASKED_SHARE.search(question))
    asked.number = bool(_ASKED_NUMBER.search(question))
    asked.asking = [m.group(0) for p in (_ASKED_PERIOD, _ASKED_NUMBER, _ASKED_SHARE, _PERIOD_UNIT, _ONCE, _JOB_WORDS)
                    for m in p.finditer(question)] + asked.period_acts
    for match in [*_ACRONYM.finditer(question), *_DESIGNATION.finditer(question)]:
        name = match.group(1).strip()
        if name.split()[0] not in _COMMON_ACRONYMS:
            asked.names.append(name)
    for match in _NAMED_PHRASE.finditer(question):
        asked.names.append(match.group(1))
    asked.names += _BOOK_TITLE.findall(question)
    asked.names += [name for name in _ZH_BODY.findall(question) if not any(name in t for t in asked.names)]
    for pattern in _ASKED_TERM:
        # "the minimum design air velocity": documents say "the design air velocity
        # ... not less than", so the quantity is named without minimum/maximum.
        for m in pattern.finditer(question):
            # "the CO alarm set point": documents may spell CO out, so the term is "alarm set point".
            words = [w for w in _EXTREME.sub("", m.group(1).strip()).split() if w not in _COMMON_ACRONYMS]
            if words and " ".join(words).lower() not in _WHEN:
                asked.terms.append(" ".join(words))
    asked.terms += _ZH_ASKED_TERM.findall(question) or _zh_quantity_word(question)
    asked.names = list(dict.fromkeys(asked.names))
    return asked


def _zh_quantity_word(question: str) -> list[str]:
    """The quantity named by the word right before "是多少" and the like ("税率"),
    when that word is one (_ZH_QUANTITY_ENDS); [] otherwise."""
    match = _ZH_ASKED_VALUE.search(question)
    if not match or not CJK.search(question[:match.start()]):
        return []
    words = [w for w in jieba_words(question[:match.start()]) if w.strip()]
    last = words[-1] if words else ""
    return [last] if len(last) >= 2 and CJK.search(last) and last[-1] in _ZH_QUANTITY_ENDS else []


def _period_acts(question: str) -> list[str]:
    """The words for the act whose period is asked: the question's own verb and
    the other words of its group in PERIOD_ACTS. [] when none is recognised."""
    verbs = [m.group(1) or m.group(2) for m in _EN_PASSIVE.finditer(question)]
    asked_at = _ASKED_PERIOD.search(question)
    found = [(abs(question.find(w) - asked_at.start()), w) for w in _ZH_ACTS if w in question] if asked_at else []
    if asked_at and not verbs:
        found += [(abs(m.start() - asked_at.start()), m.group(1)) for m in _EN_ACT.finditer(question)]
    if found:
        # "培训证书有效期几年": the act is the one next to the period asked, not 培训;
        # "how long must we keep the training records": keep, not train.
        verbs.append(min(found)[1])
    acts: list[str] = []
    for verb in verbs:
        verb = verb.lower()
        group = next((g for g in PERIOD_ACTS if verb in g), (verb,))
        acts.extend(w for w in group if w not in acts)
    return acts


__all__ = ["MODES", "Asked", "asked_for", "detect_mode", "follow_up_question", "job_of", "resolve_follow_up"]
