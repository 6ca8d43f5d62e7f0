"""Document and model text made safe to show with `st.markdown`.

Text that comes from a document or a model is never rendered as HTML and never
as Markdown markup: every ASCII punctuation character is backslash-escaped
(CommonMark allows that for all of them), so `<script>`, `**`, `[x](y)`,
`$...$` or a line starting with `#` or `1.` show as the characters they are.
Only the markup added here (highlight, bullets, citation markers) is Markdown.

Deliberately no HTML and no `unsafe_allow_html`: the highlight is Streamlit's
own `:orange-background[...]` directive.
"""
from __future__ import annotations

import re
import string
from typing import Mapping

from service import lang_of

_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_MARKERS = re.compile(r"((?:\[\d{1,3}\])+)")  # a run of citation markers, in unescaped text
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_BULLET = re.compile(r"^- ")


def escape(text: str) -> str:
    """`text` as literal Markdown: punctuation escaped, line breaks kept (hard
    breaks), leading spaces dropped so that no line becomes a code block."""
    lines = [_SPECIAL.sub(r"\\\1", line.strip()) for line in text.replace("\r\n", "\n").split("\n")]
    return "  \n".join(lines)


def _inline(text: str) -> str:
    """Escaped text on one line (inside a directive a line break would end it)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _piece(text: str) -> str:
    """Part of one line, escaped, its spaces kept (the caller strips the line's ends)."""
    return _SPECIAL.sub(r"\\\1", text)


def highlight(text: str, start: int, end: int) -> str:
    """`text` with text[start:end] highlighted, everything escaped. Each line
    keeps its own break (a clause's items stay on their lines); a highlighted
    span over several lines is highlighted line by line, since a directive
    cannot hold a line break."""
    start, end = max(0, start), min(len(text), end)
    if end <= start:
        return escape(text)
    lines, at = [], 0
    for line in text.split("\n"):
        a, b = max(start - at, 0), min(end - at, len(line))
        if a < b and line[a:b].strip():
            span = line[a:b]
            lead, trail = span[:len(span) - len(span.lstrip())], span[len(span.rstrip()):]
            marked = f":orange-background[**{_inline(span)}**]"
            lines.append((_piece(line[:a] + lead).lstrip() + marked + _piece(trail + line[b:]).rstrip()).strip())
        else:
            lines.append(_piece(line.strip()))
        at += len(line) + 1
    return "  \n".join(lines)


def highlight_quote(text: str, quote: str) -> str:
    """`text` with the first occurrence of `quote` highlighted (plain when absent)."""
    at = text.find(quote) if quote else -1
    return highlight(text, at, at + len(quote)) if at >= 0 else escape(text)


def _statements(line: str, labels: Mapping[str, str]) -> str:
    """One line of an answer: its quotes escaped, each run of markers ([1][2])
    in one bold span, and a quote in a language named in `labels` (language ->
    label) preceded by its label."""
    parts = _MARKERS.split(line)  # text, markers, text, markers, ..., text
    out = []
    for i in range(0, len(parts), 2):
        quote, marks = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        label = labels.get(quote_lang(quote)) if labels and quote.strip() else None
        piece = _inline(quote)
        if label:
            piece = f":gray-badge[{_inline(label)}] {piece}"
        out += [piece, f"**{_piece(marks)}**" if marks else ""]
    return " ".join(p for p in out if p)


def quote_lang(text: str) -> str | None:
    """'zh' or 'en' for a quote in that language; None for one without words (a number)."""
    lang = lang_of(text)
    if lang == "en" and not _LATIN_WORD.search(text):
        return None
    return lang


def answer_markdown(answer: str, labels: Mapping[str, str] | None = None) -> str:
    """An answer's Markdown (quotes from documents, `[n]` markers, `- ` items,
    `###`/`#### ` headings and record labels) with the quotes escaped: each line keeps its `- `
    bullet, labels and markers are shown in bold; nothing else in it is markup.
    A record label is a paragraph of its own (after a blank line: a line right
    after a list item would join that item). `labels` marks quotes in another
    language than the page's (language -> label, e.g. {"en": "原文（英文）"})."""
    out: list[str] = []
    for line in answer.split("\n"):
        if line.startswith(("### ", "#### ")):
            # A label (a record's fields; a checklist's document and headings; a
            # rectification answer's section) or a heading over the records,
            # shown in bold; a blank line ends the list above it, which would
            # otherwise take it in.
            if out:
                out.append("")
            out.append(f"**{_inline(line.lstrip('#').strip())}**")
            continue
        nested = line.startswith("  - ")  # more of the same article, under its first quote
        bullet = nested or bool(_BULLET.match(line))
        body = line[4:] if nested else line[2:] if bullet else line
        out.append(("  - " if nested else "- " if bullet else "") + _statements(body, labels or {}))
    return "\n".join(out)


def plain(markdown: str) -> str:
    """What an escaped string shows: backslash escapes, highlight and bold removed
    (for tests and for exports that need the visible text)."""
    text = re.sub(r":orange-background\[\*\*(.*?)\*\*\]", r"\1", markdown, flags=re.S)
    text = re.sub(r":gray-badge\[(.*?)\]", r"\1", text)
    text = text.replace("**", "").replace("  \n", "\n")
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", text)
