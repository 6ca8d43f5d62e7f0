"""Answers as Markdown files for an inspection report: the question, the
answer with its [n] markers, then every citation with title, locator, page,
doc_type, source and the exact quote; a whole session is its answers in order.

Quotes are HTML-escaped (`&lt;`), so a document's `<script>` stays text in any
Markdown viewer; Markdown viewers show the escaped characters as they were.
"""
from __future__ import annotations

import html
from typing import Iterable

from .models import Answer, Citation

_LABELS = {
    "en": {"question": "Question", "resolved": "Read as", "answer": "Answer", "citations": "Citations",
           "nearest": "Nearest passages (not answering)", "page": "p.", "index": "Index version",
           "session": "SafeCite session", "records": "Findings", "not_answered": "Not answered by the indexed documents",
           "filters": "Filters"},
    "zh": {"question": "问题", "resolved": "理解为", "answer": "回答", "citations": "引用",
           "nearest": "最接近的段落（不构成回答）", "page": "第", "index": "索引版本",
           "session": "SafeCite 会话记录", "records": "检查记录", "not_answered": "已索引的文件没有回答这个问题",
           "filters": "筛选条件"},
}
_RECORD_COLUMNS = ("rank", "record_id", "n", "enterprise", "city", "date", "hazard_category", "finding", "status",
                   "deadline", "rectification_required", "regulation_cited")
# How a filter is named in an export, by the answer's language.
FILTER_NAMES = {
    "en": {"city": "city", "enterprise": "enterprise", "hazard_category": "hazard category", "status": "status",
           "sector": "sector", "date_from": "from", "date_to": "to", "doc_type": "document type", "lang": "language",
           "folder": "folder", "source": "source", "doc_id": "document"},
    "zh": {"city": "城市", "enterprise": "企业", "hazard_category": "隐患类别", "status": "状态", "sector": "行业",
           "date_from": "起始日期", "date_to": "截止日期", "doc_type": "文件类型", "lang": "语言", "folder": "文件夹",
           "source": "来源", "doc_id": "文件"},
}


def filters_text(filters: dict, lang: str) -> str:
    """"city: Jiangchuan; status: Overdue, In progress" in the answer's language."""
    names = FILTER_NAMES.get(lang, FILTER_NAMES["en"])
    sep, between, listing = ("：", "；", "、") if lang == "zh" else (": ", "; ", ", ")
    parts = []
    for key, value in filters.items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        parts.append(f"{names.get(key, key)}{sep}{listing.join(str(v) for v in values)}")
    return between.join(parts)


def _text(value: object) -> str:
    return html.escape(" ".join(str(value or "").split()), quote=False)


def _cell(value: object) -> str:
    return _text(value).replace("|", "\\|")


def _citation(c: Citation, labels: dict[str, str], lang: str) -> list[str]:
    page = ""
    if c.page is not None:
        page = f", {labels['page']}{c.page}页" if lang == "zh" else f", {labels['page']} {c.page}"
    head = f"{c.n}. **{_text(c.title)}**, {_text(c.locator)}{page} ({c.doc_type}; `{c.source}`)"
    return [head, "", f"   > {_text(c.quote or c.text)}", ""]


def answer_markdown(answer: Answer, generation: str | None = None, heading: str = "##") -> str:
    labels = _LABELS.get(answer.lang, _LABELS["en"])
    lines = [f"{heading} {labels['question']}: {_text(answer.question)}", ""]
    if answer.resolved_question and answer.resolved_question != answer.question:
        lines += [f"*{labels['resolved']}: {_text(answer.resolved_question)}*", ""]
    if answer.filters:
        lines += [f"*{labels['filters']}: {_text(filters_text(answer.filters, answer.lang))}*", ""]
    lines += [f"**{labels['answer']}**" + ("" if answer.grounded else f" ({labels['not_answered']})"), ""]
    lines += [html.escape(line, quote=False) for line in answer.answer.split("\n")] + [""]
    if answer.records:
        lines += [f"**{labels['records']}**", "", "| " + " | ".join(_RECORD_COLUMNS) + " |",
                  "|" + "---|" * len(_RECORD_COLUMNS)]
        lines += ["| " + " | ".join(_cell(_record_cell(r, col)) for col in _RECORD_COLUMNS) + " |"
                  for r in answer.records]
        lines.append("")
    if answer.citations:
        lines += [f"**{labels['citations']}**", ""]
        for c in answer.citations:
            lines += _citation(c, labels, answer.lang)
    if answer.nearest:
        lines += [f"**{labels['nearest']}**", ""]
        for c in answer.nearest:
            lines += _citation(c, labels, answer.lang)
    if answer.notice:
        lines += [f"_{_text(answer.notice)}_", ""]
    footer = [f"{answer.generator}"] + ([f"{labels['index']} {generation}"] if generation else [])
    lines += ["_" + " · ".join(_text(x) for x in footer) + "_", ""]
    return "\n".join(lines)


def _record_cell(record: dict, column: str) -> object:
    """A record's cell; the cited clause with the indexed clause's number and text when it resolved."""
    value = record.get(column, "")
    clause = record.get("clause")
    if column == "regulation_cited" and clause:
        return f"{value} [{clause['n']}] {clause.get('text', '')}".strip()
    return value


def session_markdown(items: Iterable[tuple[Answer, str | None]], lang: str = "en") -> str:
    labels = _LABELS.get(lang, _LABELS["en"])
    parts = [f"# {labels['session']}", ""]
    for number, (answer, generation) in enumerate(items, start=1):
        parts.append(answer_markdown(answer, generation, heading=f"## {number}."))
    return "\n".join(parts)
