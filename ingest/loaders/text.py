"""Markdown and plain text: front matter, headings, paragraphs.

Markdown headings (`#`) become heading blocks with their level. Plain text has
no markup, so a heading is a paragraph of one short line without closing
punctuation (text exported from web pages often marks these with a lone '.'
line, which is dropped). Numbered headings ("第三章", "Article 5") are left to
the chunker, which recognises them in any format.
"""
from __future__ import annotations

import re
from pathlib import Path


from core.text import CJK_RANGE

from ..encoding import decode_bytes
from ..models import Block, Document
from .common import clean_text, make_document, split_front_matter

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FENCE = re.compile(r"^(```|~~~)")
_PLAIN_HEADING = re.compile(rf"^[A-Z{CJK_RANGE}0-9(（][^\n]{{0,79}}$")
_ENDS_SENTENCE = re.compile(r"[.。;；:：,，!?！？)]$|\b(and|or|and/or|the|of|to)$|[;；]")


def read_text(path: Path) -> tuple[str, str]:
    text, encoding = decode_bytes(path.read_bytes(), str(path))
    return clean_text(text), encoding


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    in_fence = False

    def flush() -> None:
        if paragraph:
            blocks.append(Block("text", "\n".join(paragraph).strip("\n")))
            paragraph.clear()

    for line in _HTML_COMMENT.sub("", text).split("\n"):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            paragraph.append(line)
            continue
        match = None if in_fence else _MD_HEADING.match(line)
        if match:
            flush()
            blocks.append(Block("heading", match.group(2).strip(), level=len(match.group(1))))
        elif not line.strip() and not in_fence:
            flush()
        else:
            paragraph.append(line)
    flush()
    return blocks


def plain_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    for para in _paragraphs(text):
        lines = [ln for ln in para.split("\n") if ln.strip() != "."]
        if not lines:
            continue
        if len(lines) == 1 and _PLAIN_HEADING.match(lines[0].strip()) and not _ENDS_SENTENCE.search(lines[0]):
            blocks.append(Block("heading", lines[0].strip()))
        else:
            blocks.append(Block("text", "\n".join(lines)))
    return blocks


def load_markdown(path: Path, source: str) -> list[Document]:
    text, encoding = read_text(path)
    meta, body = split_front_matter(text)
    meta.setdefault("encoding", encoding)
    return [make_document(source, markdown_blocks(body), meta)]


def load_plain(path: Path, source: str) -> list[Document]:
    text, encoding = read_text(path)
    meta, body = split_front_matter(text)
    meta.setdefault("encoding", encoding)
    return [make_document(source, plain_blocks(body), meta)]
