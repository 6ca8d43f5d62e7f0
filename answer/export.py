"""Answers as Markdown files for an inspection report: the question with when
it was asked and the filters it was asked with, the answer with its [n]
markers, then every citation with title, locator (and the clause item quoted,
"Article 23 (6)"), page, document type, source and the exact quote; a whole
session is its answers in order, headed by when it was exported.

Headers and labels are in the language asked for (the page's), not the
answer's: a Chinese page exports a Chinese report around whatever it quotes.
Quotes are HTML-escaped (`&lt;`), so a document's `<script>` stays text in any
Markdown viewer; Markdown viewers show the escaped characters as they were.
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Any, Iterable, Mapping

from index.values import spelled
from ingest.structure import classify

from .models import Answer, Citation

_LABELS = {
    "en": {"question": "Question", "resolved": "Read as", "answer": "Answer", "citations": "Citations",
           "nearest": "Nearest passages (not answering)", "page": "p. {page}", "index": "Index version",
           "session": "SafeCite session", "records": "Findings", "not_answered": "Not answered by the indexed documents",
           "asked": "Asked", "exported": "Exported", "filters": "Filters", "no_filters": "none", "source": "file",
           "regulation": "regulation", "standard": "standard", "guidance": "guidance", "plan": "plan",
           "record": "inspection record", "note": "note",
           "extractive": "quoted passages (no language model)", "llm": "language model",
           "city": "city", "sector": "sector", "status": "status", "date_from": "from", "date_to": "to",
           "doc_type": "document type", "source_filter": "document", "lang": "language",
           "enterprise": "enterprise", "hazard_category": "hazard category", "folder": "folder",
           "doc_id": "document id", "ocr": "OCR text",
           "gloss": "Translation (by the language model; the original prevails)"},
    "zh": {"question": "问题", "resolved": "理解为", "answer": "回答", "citations": "引用",
           "nearest": "最接近的段落（不构成回答）", "page": "第{page}页", "index": "索引版本",
           "session": "SafeCite 会话记录", "records": "检查记录", "not_answered": "已索引的文件没有回答这个问题",
           "asked": "提问时间", "exported": "导出时间", "filters": "筛选条件", "no_filters": "无", "source": "文件",
           "regulation": "法规", "standard": "标准", "guidance": "指南", "plan": "方案", "record": "检查记录",
           "note": "其他文件",
           "extractive": "引用原文（未使用语言模型）", "llm": "语言模型",
           "city": "城市", "sector": "行业", "status": "状态", "date_from": "起始日期", "date_to": "截止日期",
           "doc_type": "文件类型", "source_filter": "文件", "lang": "语言",
           "enterprise": "企业", "hazard_category": "隐患类别", "folder": "文件夹", "doc_id": "文件编号", "ocr": "OCR识别文本",
           "gloss": "译文（语言模型翻译，以原文为准）"},
}
# The findings table's columns: field -> header.
_COLUMNS = {
    "en": {"rank": "Rank", "record_id": "Record", "enterprise": "Enterprise", "city": "City", "date": "Date",
           "hazard_category": "Hazard", "finding": "Finding", "status": "Status", "deadline": "Deadline",
           "rectification_required": "Rectification required", "regulation_cited": "Cited clause"},
    "zh": {"rank": "排序", "record_id": "记录编号", "enterprise": "企业", "city": "城市", "date": "日期",
           "hazard_category": "隐患类别", "finding": "隐患描述", "status": "状态", "deadline": "整改期限",
           "rectification_required": "整改要求", "regulation_cited": "依据条款"},
}
_FILTER_NAMES = {"source": "source_filter"}  # a filter whose label key differs from its name


def _text(value: object) -> str:
    return html.escape(" ".join(str(value or "").split()), quote=False)


def _cell(value: object) -> str:
    return _text(value).replace("|", "\\|")


def when(iso: str) -> str:
    """'2025-06-01T14:03:09+00:00' -> '2025-06-01 14:03 UTC' (as given when it is not a time)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M") + " UTC"


def clause_item(c: Citation) -> str:
    """The item of its clause a citation's quote stands in ("(6)", "（六）",
    "2)"): the item that opens the quote's line, or "" when the quote is not in
    an item."""
    at = c.text.find(c.quote) if c.quote else -1
    if at < 0:
        return ""
    line_start = c.text.rfind("\n", 0, at) + 1
    line = c.text[line_start:c.text.find("\n", at) if "\n" in c.text[at:] else len(c.text)]
    kind = classify(line)
    return kind.label if kind.kind == "item" else ""


def filters_text(filters: Mapping[str, Any] | None, labels: Mapping[str, str]) -> str:
    """'city: Eastbridge, Jiangchuan; status: Overdue' (labels, punctuation and
    the values the vocabulary spells in both languages in the export's
    language: '城市：Eastbridge、江川市；状态：逾期未整改' in Chinese)."""
    chinese = labels is _LABELS["zh"]
    sep, between, listing = ("：", "；", "、") if chinese else (": ", "; ", ", ")
    parts = []
    for name, value in (filters or {}).items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        # A value in the export's language where the vocabulary spells it so (Overdue: 逾期未整改).
        shown = listing.join(labels.get(str(v), str(v)) if name == "doc_type"
                             else spelled(name, str(v), "zh" if chinese else "en")
                             for v in values if v not in (None, ""))
        if shown:
            parts.append(f"{labels.get(_FILTER_NAMES.get(name, name), name)}{sep}{shown}")
    return between.join(parts) or labels["no_filters"]


def _citation(c: Citation, labels: dict[str, str], names: Mapping[str, str]) -> list[str]:
    item = clause_item(c)
    locator = _text(c.locator) + (f" {_text(item)}" if item and item not in c.locator else "")
    page = f", {labels['page'].format(page=c.page)}" if c.page is not None else ""
    source = names.get(c.source, c.source)
    ocr = f"; {labels['ocr']}" if c.fields.get("ocr") else ""  # recognised from a page image, not the file's text
    head = f"{c.n}. **{_text(c.title)}**, {locator}{page} ({labels.get(c.doc_type, c.doc_type)}; `{source}`{ocr})"
    lines = [head, "", f"   > {_text(c.quote or c.text)}", ""]
    if c.gloss:  # the language model's translation of a quote in the other language, under its label
        lines += [f"   {labels['gloss']}: {_text(c.gloss)}", ""]
    return lines


def _generator(generator: str, labels: Mapping[str, str]) -> str:
    if generator == "extractive":
        return labels["extractive"]
    if generator.startswith("llm:"):
        return f"{labels['llm']} {generator[4:]}"
    return generator


def answer_markdown(answer: Answer, generation: str | None = None, heading: str = "##", *, lang: str | None = None,
                    asked_at: str = "", filters: Mapping[str, Any] | None = None,
                    names: Mapping[str, str] | None = None) -> str:
    """One answer as Markdown, labelled in `lang` (default: the answer's);
    `asked_at` (ISO time) and `filters` are those it was asked with (default:
    the answer's own); `names` maps a stored upload's source to the name it was
    uploaded under."""
    filters = answer.filters if filters is None else filters
    lang = lang if lang in _LABELS else answer.lang if answer.lang in _LABELS else "en"
    labels, columns = _LABELS[lang], _COLUMNS[lang]
    names = names or {}
    lines = [f"{heading} {labels['question']}: {_text(answer.question)}", ""]
    about = ([f"{labels['asked']}: {when(asked_at)}"] if asked_at else []) + \
        [f"{labels['filters']}: {_text(filters_text(filters, labels))}"]
    lines += ["*" + " · ".join(about) + "*", ""]
    if answer.resolved_question and answer.resolved_question != answer.question:
        lines += [f"*{labels['resolved']}: {_text(answer.resolved_question)}*", ""]
    lines += [f"**{labels['answer']}**" + ("" if answer.grounded else f" ({labels['not_answered']})"), ""]
    lines += [html.escape(line, quote=False) for line in answer.answer.split("\n")] + [""]
    if answer.records:
        lines += [f"**{labels['records']}**", "", "| " + " | ".join(columns.values()) + " |",
                  "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(r.get(col, "")) for col in columns) + " |" for r in answer.records]
        lines.append("")
    if answer.citations:
        lines += [f"**{labels['citations']}**", ""]
        for c in answer.citations:
            lines += _citation(c, labels, names)
    if answer.nearest:
        lines += [f"**{labels['nearest']}**", ""]
        for c in answer.nearest:
            lines += _citation(c, labels, names)
    if answer.notice:
        lines += [f"_{_text(answer.notice)}_", ""]
    footer = [_generator(answer.generator, labels)] + ([f"{labels['index']} {generation}"] if generation else [])
    lines += ["_" + " · ".join(_text(x) for x in footer) + "_", ""]
    return "\n".join(lines)


def session_markdown(items: Iterable[tuple[Answer, str | None] | dict[str, Any]], lang: str = "en",
                     exported_at: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """A session's answers in order: (answer, generation) pairs, or dicts of
    answer_markdown's arguments (answer, generation, asked_at, filters)."""
    labels = _LABELS.get(lang, _LABELS["en"])
    exported_at = exported_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    parts = [f"# {labels['session']}", "", f"*{labels['exported']}: {when(exported_at)}*", ""]
    for number, item in enumerate(items, start=1):
        values = item if isinstance(item, dict) else {"answer": item[0], "generation": item[1]}
        parts.append(answer_markdown(heading=f"## {number}.", lang=lang, names=names, **values))
    return "\n".join(parts)
