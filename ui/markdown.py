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

_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")
_BULLET = re.compile(r"^- ")


def escape(text: str) -> str:
    """`text` as literal Markdown: punctuation escaped, line breaks kept (hard
    breaks), leading spaces dropped so that no line becomes a code block."""
    lines = [_SPECIAL.sub(r"\\\1", line.strip()) for line in text.replace("\r\n", "\n").split("\n")]
    return "  \n".join(lines)


def _inline(text: str) -> str:
    """Escaped text on one line (inside a directive a line break would end it)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def highlight(text: str, start: int, end: int) -> str:
    """`text` with text[start:end] highlighted, everything escaped."""
    start, end = max(0, start), min(len(text), end)
    if end <= start:
        return escape(text)
    before, span, after = text[:start], text[start:end], text[end:]
    marked = f":orange-background[**{_inline(span)}**]"
    # The highlight joins the lines around it: the text before keeps its breaks
    # up to its last line, which runs on into the highlight.
    return escape(before).rstrip() + (" " if before[-1:].isspace() else "") + marked + \
        (" " if after[:1].isspace() else "") + escape(after).lstrip()


def highlight_quote(text: str, quote: str) -> str:
    """`text` with the first occurrence of `quote` highlighted (plain when absent)."""
    at = text.find(quote) if quote else -1
    return highlight(text, at, at + len(quote)) if at >= 0 else escape(text)


def answer_markdown(answer: str) -> str:
    """An answer's Markdown (quotes from documents, `[n]` markers, `- ` items,
    `#### ` record labels) with the quotes escaped: each line keeps its `- `
    bullet, labels and markers are shown in bold; nothing else in it is markup."""
    out = []
    for line in answer.split("\n"):
        if line.startswith("#### "):
            # A label (a record's fields; a checklist's document and headings; a
            # rectification answer's section), shown in bold; a blank line ends
            # the list above it, which would otherwise take it in.
            out.extend([""] * bool(out) + [f"**{_inline(line[5:])}**"])
            continue
        nested = line.startswith("  - ")  # more of the same article, under its first quote
        bullet = nested or bool(_BULLET.match(line))
        body = _MARKER.sub(r"**\\[\1\\]**", _inline(line[4:] if nested else line[2:] if bullet else line))
        out.append(("  - " if nested else "- " if bullet else "") + body)
    return "\n".join(out)


def plain(markdown: str) -> str:
    """What an escaped string shows: backslash escapes, highlight and bold removed
    (for tests and for exports that need the visible text)."""
    text = re.sub(r":orange-background\[\*\*(.*?)\*\*\]", r"\1", markdown, flags=re.S)
    text = text.replace("**", "").replace("  \n", "\n")
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", text)
