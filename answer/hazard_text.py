"""The major-hazard judgement as the page, the CLI and the API show it: the
verdict, the item quoted, the conditions met (with the finding's words, or
the clause that says them in other words), or what is not met or not said,
in the finding's language."""
from __future__ import annotations

from .hazard import Judgement

LABELS = {
    "zh": {True: "重大事故隐患", False: "按判定标准不构成重大事故隐患", None: "根据这段描述无法判定",
           "item": "依据", "met": "符合的条件", "words": "描述中对应的词", "unmet": "未满足的条件",
           "little": "描述几乎没有说到这一最接近条款的条件，也没有符合其他条款",
           "said": "描述中意思相同的一句", "outside": "该项的条件（描述的字面与之相符，但不在该项的范围内）",
           "unsaid": "需要说明的事实", "exception": "描述属于该项的除外情形", "nearest": "最接近的条款",
           "follows": "随之而来的要求",
           "kind": "描述所说的是“{0}”，该项针对的是“非{0}”",
           "scope": "描述所说的是“{0}”，该项针对的是“{1}”",
           "other": "描述所说的是“{0}”，不是“{1}”",
           "present": "描述中已有", "absent": "描述中没有", "within the limit": "未超过限值", "not described": "描述未说明"},
    "en": {True: "Major accident hazard", False: "Not a major hazard under the criteria",
           None: "Cannot tell from this description", "item": "Under", "met": "Condition met",
           "words": "words of the finding", "unmet": "Condition not met", "unsaid": "Fact that would decide it",
           "said": "said by the finding as",
           "little": "The finding says next to nothing of this nearest item's conditions, and meets no other item",
           "outside": "Condition of the item (the finding's words match it, but the finding is outside the item)",
           "exception": "The finding falls under the item's exception", "nearest": "Nearest item",
           "follows": "What follows",
           "kind": "the finding names {0}; the item is about what is not {0} (非{0})",
           "scope": "the finding names {0}; the item is about {1}",
           "other": "the finding names {0}, not {1}",
           "present": "the finding says it is there", "absent": "the finding says it is not",
           "within the limit": "within the limit", "not described": "not described"},
}


def explain(judgement: Judgement) -> str:
    """The verdict as Markdown: the item quoted, the conditions met (with the
    finding's words that meet them), or what is not met or not said."""
    label = LABELS[judgement.lang if judgement.lang in LABELS else "en"]
    if judgement.item is None:
        return f"**{label[None]}** ({judgement.reason})"
    item = judgement.item
    head = label["item"] if judgement.major else label["nearest"]
    lines = [f"**{label[judgement.major]}**", "", f"{head}: {item.title} {item.locator}", "", f"> {item.text}", ""]
    if judgement.reason.startswith("exception: "):
        lines.append(f"- {label['exception']}: {judgement.reason.split(': ', 1)[1]}")
    if judgement.reason.startswith("other kind: "):
        lines.append("- " + label["kind"].format(judgement.reason.split(": ", 1)[1]))
    if judgement.reason.startswith("other scope: "):
        lines.append("- " + label["scope"].format(*judgement.reason.split(": ", 1)[1].split("|")))
    outside = judgement.outside  # words of a condition said, but the item excluded
    if judgement.says_little:
        lines.append(f"- {label['little']}")
    for c in judgement.conditions:
        words = "、".join(c.matched[:8])
        if c.met and outside:
            lines.append(f"- {label['outside']}: {c.text} ({label['words']}: {words})")
        elif c.met and c.why.startswith("meaning: "):  # met by a clause that says it in other words
            lines.append(f"- {label['met']}: {c.text} ({label['said']}: {c.why.split(': ', 1)[1]})")
        elif c.met and c.why.startswith("kind: "):  # "非X" met by a kind other than X
            lines.append(f"- {label['met']}: {c.text} ({label['other'].format(*c.why[6:].split('|'))})")
        elif c.met:
            lines.append(f"- {label['met']}: {c.text} ({label['words']}: {words})")
        elif c.met is False:
            lines.append(f"- {label['unmet']}: {c.text} ({label.get(c.why, c.why)}; {label['words']}: {words})")
        elif judgement.major is not True and not judgement.says_little:
            lines.append(f"- {label['unsaid']}: {c.text}")
    if judgement.follows:
        lines += ["", f"{label['follows']}:"]
        lines += [f"- {f['quote']} ({f['title']} {f['locator']})" for f in judgement.follows]
    return "\n".join(lines)
