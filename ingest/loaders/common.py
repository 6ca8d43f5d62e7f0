"""What every loader shares: text clean-up, front matter, and the metadata
(title, doc_type, language) inferred in a fixed order of precedence."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import yaml

from core.text import lang_of

from ..models import DOC_TYPES, LANGS, Block, Document

FRONT_MATTER_KEYS = ("title", "doc_type", "issuer", "number", "effective", "repealed", "language")

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates (from JSON
# escapes such as "\ud800"; they cannot be written as UTF-8) and noncharacters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)

# Folder names (or their first word: "regulations-zh") that say what a document is.
_FOLDER_TYPES = {
    "regulation": "regulation", "regulations": "regulation", "law": "regulation", "laws": "regulation",
    "rules": "regulation", "法规": "regulation", "法律": "regulation",
    "standard": "standard", "standards": "standard", "标准": "standard",
    "guidance": "guidance", "guide": "guidance", "guides": "guidance", "manual": "guidance",
    "manuals": "guidance", "指南": "guidance",
    "plan": "plan", "plans": "plan", "方案": "plan",
    "record": "record", "records": "record", "findings": "record", "inspections": "record", "记录": "record",
    "note": "note", "notes": "note",
}
_CONTENT_TYPES = (
    ("plan", re.compile(r"方案|计划|\bplan\b|\bcampaign\b", re.I)),
    ("standard", re.compile(r"标准|规范|\b(GB|AQ|SC)/?T?\s?\d|\bstandard\b|\bspecification\b", re.I)),
    ("guidance", re.compile(r"指南|指引|手册|\bguid(e|ance)\b|\bmanual\b|\bchecklist\b", re.I)),
    ("regulation", re.compile(r"法|条例|规定|办法|细则|\bact\b|\brules?\b|\bregulations?\b|\bCFR\b", re.I)),
)


def strip_controls(text: str) -> str:
    """Normalise newlines; drop NULs, control characters, lone surrogates."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_text(text: str) -> str:
    """strip_controls, then trim line ends."""
    return "\n".join(line.rstrip() for line in strip_controls(text).split("\n"))


def _clean_block(block: Block) -> Block:
    """The block with no control characters in its text, fields or locator."""
    fields = ({strip_controls(str(k)): strip_controls(v) if isinstance(v, str) else v for k, v in block.fields.items()}
              if block.fields else block.fields)
    locator = strip_controls(block.locator) if block.locator else block.locator
    return Block(block.kind, strip_controls(block.text), block.level, block.page, fields, locator)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter between '---' lines at the top, and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return {str(k): v for k, v in data.items() if v is not None}, text[match.end():]


def folder_doc_type(source: str) -> str | None:
    """The nearest folder of `source` whose name (or first word) names a doc_type."""
    for folder in reversed(PurePosixPath(source).parts[:-1]):
        name = folder.lower()
        for key in (name, re.split(r"[-_ .]", name)[0]):
            if key in _FOLDER_TYPES:
                return _FOLDER_TYPES[key]
    return None


def content_doc_type(title: str, text: str) -> str:
    for doc_type, pattern in _CONTENT_TYPES:
        if pattern.search(title):
            return doc_type
    for doc_type, pattern in _CONTENT_TYPES:
        if pattern.search(text[:2000]):
            return doc_type
    return "note"


def make_document(
    source: str,
    blocks: list[Block],
    meta: dict[str, Any] | None = None,
    *,
    title: str | None = None,
    doc_type: str | None = None,
    part: str = "",
    content_hash: str = "",
) -> Document:
    """Build a Document, filling title, doc_type and lang in order of precedence:
    front matter (`meta`), then what the loader knows (`title`, `doc_type`: the
    file's own shape), then the folder name, then the content."""
    meta = dict(meta or {})
    # Cleaned here, before the Document joins its text: whatever a loader missed
    # never reaches a chunk, and chunk.text stays document.text[start:end].
    blocks = [b for b in map(_clean_block, blocks) if b.text.strip()]
    text = "\n".join(b.text for b in blocks)
    first_heading = next((b.text.strip() for b in blocks if b.kind == "heading" and b.level == 1), None)
    final_title = strip_controls(str(meta.get("title") or title or first_heading or PurePosixPath(source).stem)).strip()
    final_type = str(meta.get("doc_type") or "").lower() or folder_doc_type(source) or doc_type
    if final_type not in DOC_TYPES:
        final_type = content_doc_type(final_title, text)
    lang = str(meta.get("language") or meta.get("lang") or "").lower()[:2]
    if lang not in LANGS:
        lang = lang_of(final_title + "\n" + text)
    metadata = {k: (str(v) if not isinstance(v, (str, int, float, bool)) else v) for k, v in meta.items()}
    return Document(
        source=source,
        title=final_title,
        doc_type=final_type,
        lang=lang,
        blocks=tuple(blocks),
        metadata=metadata,
        part=part,
        content_hash=content_hash,
    )
