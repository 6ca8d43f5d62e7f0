"""JSON and JSONL: small adapters chosen by the shape of the data, never by file name.

Shapes recognised (first match wins, per object list):
- sections: objects with `section` and `content` (e.g. eCFR exports) -> a
  regulation whose articles are the sections, under their `path` headings;
- clauses: objects with `article` and `quote` -> one record-like block per
  clause, one document per law (`lawId`), titled from a law list found beside it;
- hazards: objects with `description` and `measures` -> inspection records
  whose cited regulation is resolved from `basisRefs` clause ids;
- laws: objects with `officialName` -> one block per law version;
- an object of name -> text (e.g. an act keyed by section) -> headed sections;
- any other list of objects -> one record block per object.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import LoadError
from core.text import lang_of

from ..models import Block, Document
from ..structure import classify
from .common import clean_text, make_document
from .text import read_text


def read_json_values(path: Path, source: str) -> Any:
    text, _ = read_text(path)
    if path.suffix.lower() == ".jsonl":
        values = []
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LoadError(source, f"line {number} is not valid JSON ({exc.msg})") from exc
        return values
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(source, f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc


def _objects(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _shape(objects: list[dict]) -> str:
    keys = set().union(*(o.keys() for o in objects[:50])) if objects else set()
    if {"section", "content"} <= keys:
        return "sections"
    if "quote" in keys and keys & {"article", "articlePath"}:
        return "clauses"
    if {"description", "measures"} <= keys:
        return "hazards"
    if "officialName" in keys:
        return "laws"
    return "objects"


@lru_cache(maxsize=32)
def _folder_index(folder: str, stamp: float) -> tuple[dict[str, dict], dict[str, dict]]:
    """Laws (id -> object) and clauses (id -> object) found in the JSON/JSONL
    files of one folder, so records can name what they cite."""
    laws: dict[str, dict] = {}
    clauses: dict[str, dict] = {}
    for name in sorted(os.listdir(folder)):
        path = Path(folder, name)
        if path.suffix.lower() not in (".json", ".jsonl") or not path.is_file():
            continue
        try:
            objects = _objects(read_json_values(path, name))
        except LoadError:
            continue
        for obj in objects:
            if "officialName" in obj and "id" in obj:
                laws[str(obj["id"])] = obj
            elif "quote" in obj and "id" in obj:
                clauses[str(obj["id"])] = obj
    return laws, clauses


def _neighbours(path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    folder = str(path.parent)
    return _folder_index(folder, os.stat(folder).st_mtime)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value if v not in (None, ""))
    return clean_text(str(value)).strip() if value not in (None, "") else ""


def _sections(objects: list[dict], source: str) -> list[Document]:
    blocks: list[Block] = []
    open_path: list[str] = []
    for obj in objects:
        path = [p.strip(" >") for p in str(obj.get("path") or "").split("\n") if p.strip(" >")]
        path = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
        common = 0
        while common < min(len(path), len(open_path)) and path[common] == open_path[common]:
            common += 1
        for level, heading in enumerate(path[common:], start=common + 2):
            blocks.append(Block("heading", heading, level=min(level, 6)))
        open_path = path
        heading = _text(obj.get("title")) or f"§ {obj['section']}"
        if not heading.startswith("§"):
            heading = f"§ {obj['section']} {heading}"
        blocks.append(Block("heading", heading, level=min(len(path) + 2, 6)))
        blocks.append(Block("text", _text(obj.get("content"))))
    sections = [str(o["section"]) for o in objects]
    prefix = os.path.commonprefix([str(o.get("source") or "") for o in objects]).strip()
    prefix = prefix.rsplit(" ", 1)[0] if prefix and not prefix.endswith(" ") else prefix
    title = f"{prefix} {sections[0]}–{sections[-1]}".strip() if sections else None
    return [make_document(source, blocks, {}, title=title, doc_type="regulation")]


def _clauses(objects: list[dict], source: str, path: Path) -> list[Document]:
    laws, _ = _neighbours(path)
    by_law: dict[str, list[dict]] = {}
    for obj in objects:
        by_law.setdefault(_law_key(obj), []).append(obj)
    documents = []
    for law_id, clauses in by_law.items():
        law = laws.get(law_id, {})
        title = law.get("officialName") or (f"{Path(source).stem} {law_id}".strip())
        blocks = []
        for obj in clauses:
            text = _text(obj.get("quote"))
            if not text:
                continue
            fields = {k: _text(obj[k]) for k in ("id", "article", "status", "region") if obj.get(k)}
            blocks.append(Block("record", text, fields=fields, locator=_clause_locator(obj)))
        meta = {k: law[k] for k in ("documentNumber", "effectiveDate", "validityStatus") if law.get(k)}
        if blocks:
            documents.append(make_document(source, blocks, meta, title=title, doc_type="regulation", part=law_id))
    return documents


def _law_key(clause: dict) -> str:
    return str(clause.get("lawId") or clause.get("lawVersionId") or "")


def _clause_locator(clause: dict) -> str:
    """'第二十八条第一句' as given; else the article number the quote opens with;
    else the article path ('第9条'); else the clause id."""
    if clause.get("article"):
        return _text(clause["article"])
    line = classify(_text(clause.get("quote"))[:40])
    if line.kind == "article":
        return line.label
    return _text(clause.get("articlePath")) or str(clause.get("id"))


def _hazards(objects: list[dict], source: str, path: Path) -> list[Document]:
    laws, clauses = _neighbours(path)
    blocks = []
    for obj in objects:
        cited = []
        for ref in obj.get("basisRefs") or []:
            clause = clauses.get(str(ref.get("clauseId"))) if isinstance(ref, dict) else None
            if clause:
                law = laws.get(_law_key(clause), {}).get("officialName", "")
                cited.append(f"《{law}》{_clause_locator(clause)}" if law else _clause_locator(clause))
        fields = {
            "record_id": _text(obj.get("id")),
            "finding": _text(obj.get("description")),
            "hazard_category": _text(obj.get("category")),
            "location": _text(obj.get("places")),
            "rectification_required": _text(obj.get("measures")),
            "regulation_cited": "；".join(dict.fromkeys(c for c in cited if c)),
        }
        title = _text(obj.get("title"))
        zh = lang_of(fields["finding"][:50]) == "zh"
        lines = [title] if title else []
        lines += [f"{label}: {fields[key]}" for key, label in (
            ("finding", "隐患描述" if zh else "Finding"),
            ("rectification_required", "整改措施" if zh else "Measures"),
            ("regulation_cited", "依据" if zh else "Basis"),
        ) if fields[key]]
        fields = {k: v for k, v in fields.items() if v}
        if title:
            fields["title"] = title
        if lines:
            blocks.append(Block("record", "\n".join(lines), fields=fields, locator=fields.get("record_id") or title))
    if not blocks:
        return []
    return [make_document(source, blocks, {}, doc_type="record")]


def _laws(objects: list[dict], source: str) -> list[Document]:
    blocks = []
    for obj in objects:
        parts = [_text(obj.get(k)) for k in ("officialName", "documentNumber", "level", "scope")]
        dates = [f"{k}: {obj[k]}" for k in ("effectiveDate", "endDate", "validityStatus") if obj.get(k)]
        text = "；".join(p for p in parts if p) + ("\n" + "; ".join(dates) if dates else "")
        blocks.append(Block("record", text, fields={"id": _text(obj.get("id"))}, locator=_text(obj.get("officialName")) or _text(obj.get("id"))))
    return [make_document(source, blocks, {}, doc_type="note")]


def _generic(objects: list[dict], source: str) -> list[Document]:
    blocks = []
    for number, obj in enumerate(objects, start=1):
        fields = {str(k): _text(v) for k, v in obj.items() if not str(k).startswith("_") and _text(v)}
        if fields:
            text = "\n".join(f"{k}: {v}" for k, v in fields.items())
            blocks.append(Block("record", text, fields=fields, locator=f"item {number}"))
    return [make_document(source, blocks, {})] if blocks else []


def _keyed_text(data: dict, source: str) -> list[Document]:
    blocks = []
    for key, value in data.items():
        if isinstance(value, str) and value.strip():
            blocks.append(Block("heading", str(key), level=2))
            blocks.append(Block("text", clean_text(value).strip()))
    return [make_document(source, blocks, {})] if blocks else []


def load_json(path: Path, source: str) -> list[Document]:
    value = read_json_values(path, source)
    if isinstance(value, dict) and any(isinstance(v, str) for v in value.values()):
        documents = _keyed_text(value, source)
    else:
        objects = _objects(value)
        shape = _shape(objects)
        if shape == "sections":
            documents = _sections([o for o in objects if o.get("content")], source)
        elif shape == "clauses":
            documents = _clauses(objects, source, path)
        elif shape == "hazards":
            documents = _hazards(objects, source, path)
        elif shape == "laws":
            documents = _laws(objects, source)
        else:
            documents = _generic(objects, source)
    if not documents:
        raise LoadError(source, "no text found in this JSON")
    return documents
