"""What a passage is, read from its own words and headings, in English and
Chinese: the clauses a checklist or a rectification answer leaves out (a
document's scope and purpose, definitions, the authority's general duties,
entry into force, a campaign's objectives and focus lists) and those the
sections of a rectification answer are made of (deadlines, penalties, the
party responsible), and checklist items (table rows, check boxes).

The words are the documents' own: how regulations, standards and campaign
plans phrase each kind of clause. Nothing here reads the question; whether a
clause is relevant to it is the answerer's call.
"""
from __future__ import annotations

import re
from typing import Iterable

# -- clauses a checklist or a requirement never is ---------------------------------
SCOPE = re.compile(
    r"\b(?:these|this|the present)\s+(?:rules|regulations|provisions|measures|standard|guidance|guide|plan|law|act|part|"
    r"section|subpart|document|code|checklist)\s+(?:shall\s+)?(?:appl(?:y|ies)|specif(?:y|ies)|covers?|is used)\b|"
    r"\bdoes not (?:replace|apply)\b|"
    r"适用本(?:规定|办法|法|条例|标准|细则|方案)|本(?:规定|办法|法|条例|标准|细则|方案|清单)(?:适用于|规定了|不适用)|参照执行", re.I)
PURPOSE = re.compile(
    r"\b(?:are|is)\s+(?:hereby\s+)?(?:formulated|enacted|issued|adopted|made)\b|\bthe purpose of (?:these|this)\b|"
    r"为了?[^。；]{2,120}?(?:制定|制订)本|为[^。；]{2,80}?特制定", re.I)
DEFINITION = re.compile(
    r"[\"“][^\"”]{2,60}[\"”]\s+(?:means|refers to|includes)\b|\bfor the purposes of (?:these|this)\b|"
    r"\bas used in this\b|\bthe following (?:terms|definitions)\b|"
    # a standard's term entry: "3.4 Wet dust collector: a collector in which ..."
    r"^\d+(?:\.\d+)+\s+[A-Za-z][A-Za-z ()/-]{2,60}:\s|"
    r"是指|用语的含义|下列用语|所称[^。；]{1,30}(?:是指|包括)", re.I)
# Headings under which every clause is a definition, the scope or the references.
FRAME_HEADING = re.compile(r"\b(?:scope|definitions?|terms and definitions|normative references|purpose)\b|"
                           r"范围|术语|定义|规范性引用文件", re.I)
EFFECT = re.compile(r"\b(?:come|comes|came) into (?:force|effect)\b|\bshall (?:be|become) effective\b|"
                    r"自[^。；]{2,24}起施行|起施行|同时废止", re.I)
# The authority as the subject of a sentence, and the verbs of its general duties.
AUTHORITY = re.compile(
    r"\b(?:emergency management (?:departments?|bureaus?)|people's governments?|competent (?:authorit(?:y|ies)|departments?)|"
    r"(?:the )?(?:municipal|district|county|local) (?:governments?|departments?)|work safety committee|"
    r"market supervision|supervis(?:ory|ion) (?:departments?|authorit(?:y|ies)))\b|"
    r"人民政府|应急管理部门|应急管理局|监督管理部门|监管(?:的)?部门|负有[^。；]{0,12}监督管理职责的部门|主管部门|有关部门|"
    r"安委办|安全生产委员会|市场监督管理", re.I)
AUTHORITY_OPENS = 16  # characters before the authority named as a sentence's subject ("县级以上地方各级人民政府")
DUTY = re.compile(r"\bshall\s+(?:supervise|be responsible for|organi[sz]e|guide|coordinate|strengthen|promote|"
                  r"include [^.;]{0,60} in (?:their|its) (?:annual )?[^.;]{0,30}plans?|establish|formulate|designate)\b|"
                  r"监督管理|负责[^。；]{0,20}(?:工作|监督|管理)|指导|协调|列为|纳入[^。；]{0,20}计划|加强|"
                  r"制定[^。；]{0,12}计划|督促", re.I)
# What an inspection checks: "shall check at least the ...", "应当重点检查……等情况".
CHECKS = re.compile(
    r"\b(?:check|inspect|verify|examine|test)(?:s|ed|ing)?\b[^.;]{0,60}\b(?:at least|the following|whether|that|for)\b|"
    r"\b(?:inspection|checks?) (?:items?|points?|contents?)\b|\bwhen inspecting\b|\bself-inspection\b|"
    r"(?:重点)?(?:检查|核查|排查|巡检|查验|检验|检测)[^。；]{2,80}?(?:情况|是否|内容|项目)|检查下列|检查以下|隐患排查", re.I)
# A campaign's objectives and focus lists say what the campaign is after, not
# what an enterprise must do.
FOCUS_HEADING = re.compile(r"\b(?:objectives?|targets?|key (?:rectification )?areas?|focus(?: areas?)?|priorit(?:y|ies)|"
                           r"background|tasks?(?: and responsibilities)?)\b|工作目标|整治重点|重点任务|主要任务|主要目标|总体要求|"
                           r"指导思想|职责分工", re.I)
FOCUS = re.compile(r"^(?:重点整治|重点检查|重点排查|主要整治)|^by the end of the campaign\b|\bshall have completed\b", re.I)

# -- the sections of a rectification answer ----------------------------------------
PENALTY = re.compile(
    r"\b(?:impose|imposed|imposing) an? (?:fine|penalty)\b|\bfined?\b[^.;]{0,40}\b(?:yuan|dollars|\$)|"
    r"\bfine of\b|\b(?:civil|administrative) penalt(?:y|ies)\b|\bpenalt(?:y|ies) of\b|\b(?:may|shall) be fined\b|"
    r"\blead(?:s)? to a fine\b|"
    r"罚款|没收违法所得|吊销[^。；]{0,10}(?:许可证|证书|执照)", re.I)
# A period stated in days or months: what a deadline is ("within the time
# limit", "限期" name a deadline without stating it).
_DAYS = re.compile(r"\d+\s*(?:calendar |working )?days?\b|(?<![月\d])\d+\s*(?:个)?(?:日|天|工作日|个月)(?!期)|"
                   r"[一二两三四五六七八九十]+(?:个)?(?:日|天|工作日|个月)(?:内|以内)", re.I)
DEADLINE_WORDS = re.compile(r"rectif|correct(?:ed|ion)|abate|deadline|time limit|overdue|整改|改正|期限|时限|逾期|限期",
                            re.I)
RESPONSIBLE = re.compile(
    r"\bresponsib(?:le|ility)\b|\bprincipal person in charge\b|\blead department\b|\bshall order\b|\bwritten order\b|"
    r"负总责|主体责任|第一责任人|责任人|牵头单位|责令|负责", re.I)
RECTIFY_WORDS = re.compile(r"rectif|correct|abate|remed|eliminat|整改|改正|消除|治理", re.I)

# -- checklist items ---------------------------------------------------------------
# A table row as the loaders write it ("1. Separation of systems | ... | ... | ..."),
# and a check box line of a PDF or Markdown checklist ("[ ] The space ...").
_ROW = re.compile(r"^[^|\n]+(?:\s\|\s[^|\n]*){2,}$")
_BOX = re.compile(r"^\s*(?:\[\s?\]|☐|□|- \[ \])\s*")
CHECKLIST_TITLE = re.compile(r"\bcheck ?lists?\b|\binspection (?:items|points|form)\b|检查表|检查清单|排查清单|检查要点|"
                             r"检查项目|自查表", re.I)


def is_scope_or_frame(sentence: str, heading_path: Iterable[str] = (), lead: str = "") -> bool:
    """A sentence (or the article it leads, `lead`) that states a document's
    scope or purpose, defines terms, or sets its entry into force."""
    heads = " ".join(heading_path)
    return bool(FRAME_HEADING.search(heads) or any(p.search(text) for p in (SCOPE, PURPOSE, DEFINITION, EFFECT)
                                                   for text in (sentence, lead) if text))


_NUMBERED = re.compile(r"^\s*(?:第[^条\s]{1,8}条|Article\s+\d+|\d+(?:\.\d+)+|[（(][^）)]{1,4}[）)])\s*", re.I)


def is_authority_duty(sentence: str) -> bool:
    """The authority's general duty ("The emergency management departments ...
    shall supervise ... within their jurisdiction"): the authority is the
    sentence's subject (it opens the sentence), and no list of what it checks follows."""
    text = sentence[_NUMBERED.match(sentence).end() if _NUMBERED.match(sentence) else 0:]
    subject = AUTHORITY.search(text)
    return bool(subject and subject.start() <= AUTHORITY_OPENS and DUTY.search(text) and not CHECKS.search(text))


def is_focus(sentence: str, heading_path: Iterable[str] = ()) -> bool:
    """A campaign's objective or focus list: what the campaign is after."""
    return bool(FOCUS_HEADING.search(" ".join(heading_path)) or FOCUS.search(sentence.strip()))


def says_what_to_check(sentence: str) -> bool:
    return CHECKS.search(sentence) is not None


def is_inspection_duty(sentence: str) -> bool:
    """What the authority's inspectors check ("When inspecting ..., emergency
    management departments shall check at least ..."): the defect named, not
    what the enterprise must do about it."""
    return bool(AUTHORITY.search(sentence) and CHECKS.search(sentence))


def is_penalty(sentence: str) -> bool:
    return PENALTY.search(sentence) is not None


def is_deadline(sentence: str, context: str = "") -> bool:
    """A rectification period: a number of days (or "immediately") in a
    sentence about rectification, or under a lead that is ("Standard
    rectification deadlines are:" above "- 7 days for missing warning signs")."""
    return bool(_DAYS.search(sentence) and (DEADLINE_WORDS.search(sentence) or DEADLINE_WORDS.search(context)))


def names_who(sentence: str) -> bool:
    return RESPONSIBLE.search(sentence) is not None


def is_table_row(line: str) -> bool:
    return _ROW.match(line.strip()) is not None


def is_header_row(line: str) -> bool:
    """A table's header ("Item | Requirement | Basis | Method", "| No. | Task |
    Lead department |"): three short cells or more, no numbers."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return len(cells) >= 3 and all(len(c) <= 24 and not re.search(r"\d", c) for c in cells)


def box(line: str) -> re.Match | None:
    """The check box opening a checklist line, if it has one."""
    return _BOX.match(line)


_BULLET = re.compile(r"^\s*(?:\[\s?\]|☐|□|[-*•])\s+")


def bullet(line: str) -> re.Match | None:
    """The list mark or check box opening a line ("- 15 days ..." is quoted without its dash)."""
    return _BULLET.match(line)
