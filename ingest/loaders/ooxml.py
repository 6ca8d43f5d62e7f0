"""Checks on a DOCX or XLSX file before any parser opens it.

An Office file is a zip of XML parts. Before python-docx or openpyxl see it,
the zip's central directory is read (nothing is decompressed but the first
bytes of each XML part) and the file is refused when:
- it holds too many entries, or declares too much uncompressed data;
- an entry expands more than MAX_RATIO times (a zip bomb);
- two entries share their bytes or a name (overlapping-entry zip bombs);
- an entry points past the end of the file (truncated);
- it lacks the parts of the format its name says (a DOCX that is an XLSX);
- any XML part has a DOCTYPE: OOXML never needs one, and a DOCTYPE is how
  external entities and billion-laughs expansions get in.

The parsers themselves add a second line: openpyxl parses with defusedxml, and
python-docx with lxml's resolve_entities=False.
"""
from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

from core.errors import LoadError


MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 2 << 30  # declared uncompressed bytes, all entries
MAX_RATIO = 100  # real Office XML compresses 5-30 times; bombs compress thousands of times
RATIO_FLOOR = 1 << 20  # small entries may compress very well, and cost nothing
XML_HEAD_LIMIT = 1 << 20  # bytes read from an XML part to reach its root element
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ROOT = re.compile(rb"<(?![?!])")  # the first tag that is not a declaration, comment or DOCTYPE
_MAIN_PART = {".docx": ("word/", "DOCX"), ".xlsx": ("xl/", "XLSX")}


def check_ooxml(path: Path, source: str, suffix: str) -> None:
    """Raise LoadError when the zip of a DOCX/XLSX file is unsafe or not that format."""
    label = _MAIN_PART[suffix][1]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(source, f"not a readable {label} (broken zip: {exc})") from exc
    with archive:
        infos = archive.infolist()
        _check_directory(infos, source)
        _check_layout(path, infos, source)
        _check_parts(infos, source, suffix)
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                _check_xml_head(archive, info, source)


def _check_directory(infos: list[zipfile.ZipInfo], source: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise LoadError(source, f"zip holds {len(infos):,} entries (limit {MAX_ENTRIES:,})")
    names: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in names:
            raise LoadError(source, f"zip lists '{info.filename}' twice")
        names.add(info.filename)
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise LoadError(source, f"zip bomb: '{info.filename}' expands {ratio:,} times (limit {MAX_RATIO})")
    if total > MAX_TOTAL_BYTES:
        raise LoadError(source, f"zip declares {total >> 20:,} MiB uncompressed (limit {MAX_TOTAL_BYTES >> 20:,} MiB)")


def _check_layout(path: Path, infos: list[zipfile.ZipInfo], source: str) -> None:
    """Every entry's bytes lie inside the file and no two entries share bytes."""
    size = path.stat().st_size
    spans = []
    with open(path, "rb") as handle:
        for info in infos:
            handle.seek(info.header_offset)
            header = handle.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                raise LoadError(source, f"zip entry '{info.filename}' has no local header (damaged or truncated)")
            name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
            start = info.header_offset
            end = start + _LOCAL_HEADER.size + name_length + extra_length + info.compress_size
            if end > size:
                raise LoadError(source, f"zip entry '{info.filename}' runs past the end of the file (truncated)")
            spans.append((start, end, info.filename))
    spans.sort()
    for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
        if start < end:
            raise LoadError(source, f"zip entries '{name}' and '{other}' overlap (a zip bomb)")


def _check_parts(infos: list[zipfile.ZipInfo], source: str, suffix: str) -> None:
    names = {info.filename for info in infos}
    folder, label = _MAIN_PART[suffix]
    if "[Content_Types].xml" not in names:
        raise LoadError(source, f"not a {label}: the zip has no [Content_Types].xml")
    if not any(name.startswith(folder) for name in names):
        found = next((lbl for f, lbl in _MAIN_PART.values() if any(n.startswith(f) for n in names)), "another zip")
        raise LoadError(source, f"content is {found}, not {label}")


def _check_xml_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    """Decompress an XML part only up to its root element; refuse a DOCTYPE before it."""
    head = b""
    try:
        with archive.open(info) as part:
            while len(head) < XML_HEAD_LIMIT:
                block = part.read(64 << 10)
                if not block:
                    break
                head += block
                text = _as_utf8(head)
                root = _ROOT.search(text)
                if root:
                    head = text[:root.start()]
                    break
            else:
                raise LoadError(source, f"XML part '{info.filename}' has no root element in its first "
                                        f"{XML_HEAD_LIMIT >> 20} MiB")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise LoadError(source, f"zip entry '{info.filename}' cannot be read ({exc})") from exc
    prolog = _as_utf8(head).upper()
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise LoadError(source, f"XML part '{info.filename}' has a DOCTYPE (entity declarations are refused)")


def _as_utf8(data: bytes) -> bytes:
    """UTF-16 XML (allowed by the format, rare) as UTF-8 bytes, so one scan fits both."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if data[0] == 0x3C else "utf-16-be")
        # Only scanned for markup, never indexed: a broken character may become U+FFFD here.
        return data[: len(data) // 2 * 2].decode(codec, errors="replace").encode("utf-8")
    return data
