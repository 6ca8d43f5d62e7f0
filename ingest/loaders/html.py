"""HTML: headings (h1-h6) and text blocks in document order; scripts, styles and
markup dropped. Front matter comes from <meta name="title|doc_type|..."> tags.
Text only: nothing from the page is ever rendered as HTML again."""
from __future__ import annotations

from pathlib import Path

from ..models import Block, Document
from .common import FRONT_MATTER_KEYS, clean_text, make_document
from .text import read_text

_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "tr", "dt", "dd", "caption")


def load_html(path: Path, source: str) -> list[Document]:
    from bs4 import BeautifulSoup

    text, encoding = read_text(path)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        if tag.name == "head":
            continue
        tag.decompose()
    meta = {"encoding": encoding}
    for tag in soup.find_all("meta"):
        name = (tag.get("name") or "").lower()
        if name in FRONT_MATTER_KEYS and tag.get("content"):
            meta[name] = tag["content"]
    if "title" not in meta and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    blocks: list[Block] = []
    body = soup.body or soup
    for element in body.find_all(_BLOCK_TAGS):
        if element.find_parent(_BLOCK_TAGS):
            continue  # its text is part of the enclosing block
        if element.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in element.find_all(["td", "th"])]
            line = " | ".join(c for c in cells if c)
            if line:
                blocks.append(Block("table", line))
            continue
        content = clean_text(element.get_text("\n" if element.name == "pre" else " ", strip=True))
        if not content:
            continue
        if element.name[0] == "h" and element.name[1:].isdigit():
            blocks.append(Block("heading", " ".join(content.split()), level=int(element.name[1:])))
        else:
            blocks.append(Block("text", content))
    if not blocks:
        loose = clean_text(body.get_text("\n", strip=True))
        blocks = [Block("text", loose)] if loose else []
    return [make_document(source, _merge_tables(blocks), meta)]


def _merge_tables(blocks: list[Block]) -> list[Block]:
    """Consecutive table rows form one table block, one row per line."""
    merged: list[Block] = []
    for block in blocks:
        if block.kind == "table" and merged and merged[-1].kind == "table":
            merged[-1] = Block("table", merged[-1].text + "\n" + block.text)
        else:
            merged.append(block)
    return merged
