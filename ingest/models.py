"""The records that flow out of ingestion: `Block`, `Document` and `Chunk`.

A loader turns a file into a `Document`: an ordered list of `Block`s (headings,
paragraphs, table rows, record rows) plus metadata. The document's text is the
blocks joined by blank lines, so every block, and every chunk cut from it, has
exact character offsets into that text. The chunker turns a Document into
`Chunk`s; a chunk's text is always `document.text[start:end]`.

This module holds data only: no parsing, no splitting.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

DOC_TYPES = ("regulation", "standard", "guidance", "plan", "record", "note")
LANGS = ("en", "zh")
BLOCK_KINDS = ("heading", "text", "table", "record")

# The canonical fields of an inspection record (one finding per row).
RECORD_FIELDS = (
    "record_id",
    "enterprise",
    "city",
    "sector",
    "date",
    "location",
    "hazard_category",
    "finding",
    "regulation_cited",
    "rectification_required",
    "deadline",
    "status",
    "inspector",
)

BLOCK_SEPARATOR = "\n\n"


def short_hash(*parts: str, length: int = 16) -> str:
    """A stable hex id from text parts (sha1 over NUL-joined parts)."""
    digest = hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Block:
    """One structural unit a loader found: a heading, a paragraph, a table, or a
    record (a self-contained entry with its own locator: a table row, a JSON object).

    `level` is the heading depth (1 = top) for headings from the format itself
    (Markdown `#`, DOCX `Heading 2`, HTML `<h3>`); 0 otherwise. `page` is the
    1-based page for paged formats. `fields` and `locator` are set for records.
    """

    kind: str
    text: str
    level: int = 0
    page: int | None = None
    fields: dict[str, str] | None = None
    locator: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"block kind must be one of {', '.join(BLOCK_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class Document:
    """A loaded file. `text` is the blocks joined by blank lines; `offsets[i]` is
    where block i starts in it."""

    source: str
    title: str
    doc_type: str
    lang: str
    blocks: tuple[Block, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    # A file can hold several documents (a JSONL of clauses from several laws):
    # `part` tells them apart; it is "" for the usual one-document file.
    part: str = ""
    content_hash: str = ""
    text: str = field(init=False, repr=False)
    offsets: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}, not {self.doc_type!r}")
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        offsets, pos = [], 0
        for block in self.blocks:
            offsets.append(pos)
            pos += len(block.text) + len(BLOCK_SEPARATOR)
        object.__setattr__(self, "offsets", tuple(offsets))
        object.__setattr__(self, "text", BLOCK_SEPARATOR.join(b.text for b in self.blocks))

    @property
    def doc_id(self) -> str:
        return short_hash("doc", self.source, self.part)

    @property
    def pages(self) -> int | None:
        pages = [b.page for b in self.blocks if b.page is not None]
        return max(pages) if pages else None


@dataclass(frozen=True)
class Chunk:
    """A citable piece of a document, with everything needed to cite it."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    doc_type: str
    lang: str
    heading_path: tuple[str, ...]
    locator: str
    page_start: int | None
    page_end: int | None
    start: int
    end: int
    text: str
    fields: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.locator.strip():
            raise ValueError(f"chunk of {self.source} has an empty locator")
        if self.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}, not {self.doc_type!r}")

    @property
    def page(self) -> int | None:
        return self.page_start

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        data["page"] = self.page_start
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        data["heading_path"] = tuple(data.get("heading_path") or ())
        data["fields"] = dict(data.get("fields") or {})
        return cls(**data)
