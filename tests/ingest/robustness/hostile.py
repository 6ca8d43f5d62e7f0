"""A deterministic generator of hostile and awkward input files.

`build(folder)` writes every file and returns one `Case` per file: its source
(path relative to `folder`), its class, and what ingest must do with it:
- "refused": reported as skipped, with a reason matching `reason`;
- "indexed": awkward but valid (UTF-16, GB18030, formulas, controls): indexed;
- "either": fuzz or structures the loaders never read (byte flips, cyclic
  outlines): reported with a reason or indexed, but never a crash or a hang.

Everything is built from a seed with the standard library, fpdf2, python-docx
and openpyxl; nothing is downloaded. The one slow file (a 1,000,000-row XLSX,
written as sheet XML directly) is cached in `cache`.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from support import make_docx, make_pdf, make_xlsx, write_text

SEED = 6
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    source: str
    kind: str  # the class of hostile input
    expect: str  # refused, indexed or either
    reason: str = ""  # regex the skip reason must match, for "refused"


def _pdf_bytes(tmp: Path, pages: list[str], **kw) -> bytes:
    path = make_pdf(tmp / "_base.pdf", pages, created=CREATED, **kw)
    data = path.read_bytes()
    path.unlink()
    return data


def _raw_pdf(objects: dict[int, bytes], root: int = 1, prev_self: bool = False) -> bytes:
    """A hand-written PDF: `objects` are object bodies; the xref table is exact.
    `prev_self`: the trailer's /Prev points at its own xref (a circular chain)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n")
    prev = b" /Prev %d" % xref if prev_self else b""
    out.write(b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _text_page_objects(text: bytes, kids: bytes = b"[3 0 R]", catalog_extra: bytes = b"") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R" + catalog_extra + b" >>",
        2: b"<< /Type /Pages /Kids " + kids + b" /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: _stream(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"),
        5: _FONT,
    }


def _stable(data: bytes) -> bytes:
    """An Office zip with fixed entry times and document dates: the same bytes on every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", content)
            dst.writestr(zipfile.ZipInfo(info.filename, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _docx_bytes(tmp: Path, paragraphs: list[str]) -> bytes:
    path = make_docx(tmp / "_base.docx", [("p", p) for p in paragraphs])
    data = path.read_bytes()
    path.unlink()
    return _stable(data)


def _rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None,
           compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The zip `data` with some parts replaced and some added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, _ZIP_TIME), replace.get(info.filename, src.read(info.filename)), compression)
        for name, content in (add or {}).items():
            dst.writestr(zipfile.ZipInfo(name, _ZIP_TIME), content, compression)
    return out.getvalue()


_XXE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
           + b"]>\n")


def _with_doctype(xml: bytes, prolog: bytes, entity: bytes) -> bytes:
    """Put `prolog` (declaration + DOCTYPE) in front of the XML part and use the
    entity inside the first text run, so a parser that expanded it would show it."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return prolog + body.replace(b"</w:t>", entity + b"</w:t>", 1)


def _overlapping_zip(inner: bytes, copies: int) -> bytes:
    """One stored local entry and `copies` central-directory entries that all
    point at it: the declared total is `copies` times the real data."""
    name = b"word/document.xml"
    crc = zlib.crc32(inner)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(inner), len(inner), len(name), 0) + name + inner
    central = b""
    for i in range(copies):
        entry = b"word/part%d.xml" % i if i else name
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(inner), len(inner),
                               len(entry), 0, 0, 0, 0, 0, 0) + entry
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, copies, copies, len(central), len(local), 0)
    return local + central + end


def big_xlsx(path: Path, rows: int = 1_000_000, dimension: bool = True) -> Path:
    """An XLSX of `rows` data rows, the sheet XML written directly (openpyxl
    would take minutes). Cells are inline strings and numbers. Without
    `dimension` the sheet does not declare its size, as Excel always does:
    openpyxl then reads the whole sheet to find it."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Test workers may build the same cached file at once: each writes its own
    # part file and renames it into place (the contents are the same).
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.part")
    content_types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     b'<Default Extension="xml" ContentType="application/xml"/>'
                     b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                     b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                     b'</Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b'</Relationships>')
    workbook = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                b'<sheets><sheet name="Findings" sheetId="1" r:id="rId1"/></sheets></workbook>')
    workbook_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                     b'</Relationships>')
    hazards = ("Dust", "Gas", "Electrical", "Confined space", "Molten metal")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        + (b'<dimension ref="A1:C%d"/>' % (rows + 1) if dimension else b"") + b'<sheetData>'
                        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Record ID</t></is></c><c r="B1" t="inlineStr"><is><t>Hazard Category</t></is></c>'
                        b'<c r="C1" t="inlineStr"><is><t>Finding</t></is></c></row>')
            batch = []
            for n in range(2, rows + 2):
                batch.append(f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 1000003}</v></c><c r="B{n}" t="inlineStr"><is><t>{hazards[n % 5]}</t></is></c>'
                             f'<c r="C{n}" t="inlineStr"><is><t>Finding {n} at line {n % 97}</t></is></c></row>')
                if len(batch) == 10000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write("".join(batch).encode() + b"</sheetData></worksheet>")
    tmp.replace(path)
    return path


def build(folder: Path, cache: Path, seed: int = SEED) -> list[Case]:
    """Write every hostile file under `folder`; returns one Case per file."""
    rng = random.Random(seed)
    tmp = folder / "_work"  # ignored by ingest (leading underscore)
    tmp.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def put(source: str, data: bytes, kind: str, expect: str, reason: str = "") -> None:
        path = folder / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(Case(source, kind, expect, reason))

    pdf = _pdf_bytes(tmp, [f"Hostile Base\nArticle {i} Vent panels shall be inspected every {i} weeks." for i in range(1, 4)]
                     + ["Article 4 Records shall be kept."])
    # Truncated PDFs: cut at 60 offsets across the file.
    for i in range(60):
        cut = max(8, int(len(pdf) * (i + 1) / 61))
        put(f"pdf-truncated/cut-{i:02d}.pdf", pdf[:cut], "truncated PDF", "refused", r"truncated|not a readable PDF")
    # Seeded random byte flips of a valid PDF: 1 to 40 bytes each.
    for i in range(60):
        data = bytearray(pdf)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        put(f"pdf-flipped/flip-{i:02d}.pdf", bytes(data), "byte-flipped PDF", "either")
    # Structural traps.
    put("pdf-structure/circular-xref.pdf", _raw_pdf(_text_page_objects(b"Article 1 Circular xref."), prev_self=True),
        "circular xref /Prev", "either")
    outline = _text_page_objects(b"Article 1 Cyclic outline.", catalog_extra=b" /Outlines 6 0 R")
    outline.update({6: b"<< /Type /Outlines /First 7 0 R /Last 8 0 R /Count 2 >>",
                    7: b"<< /Title (A) /Parent 6 0 R /Next 8 0 R /Prev 8 0 R /Dest [3 0 R /Fit] >>",
                    8: b"<< /Title (B) /Parent 6 0 R /Next 7 0 R /Prev 7 0 R /Dest [3 0 R /Fit] >>"})
    put("pdf-structure/cyclic-outline.pdf", _raw_pdf(outline), "cyclic outline", "either")
    put("pdf-structure/cyclic-page-tree.pdf", _raw_pdf(_text_page_objects(b"Article 1 Loop.", kids=b"[2 0 R 3 0 R]")),
        "cyclic page tree", "either")
    bomb = _text_page_objects(b"")
    bomb[4] = _stream(zlib.compress(b"0" * (200 << 20), 9), b" /Filter /FlateDecode")
    put("pdf-structure/flate-bomb.pdf", _raw_pdf(bomb), "Flate bomb", "refused", r"not a readable PDF|limit|no extractable text")
    put("pdf-structure/no-text.pdf", _pdf_bytes(tmp, ["", ""]), "PDF without text layer", "refused", r"no extractable text")
    # Encryption.
    for i, (user, owner) in enumerate([("user", "owner"), ("same", "same")]):
        put(f"pdf-encrypted/user-and-owner-{i}.pdf", _pdf_bytes(tmp, ["Article 1 Secret."], user_password=user, owner_password=owner),
            "encrypted PDF (user password)", "refused", r"password protected")
    put("pdf-encrypted/owner-only.pdf", _pdf_bytes(tmp, ["Article 1 Printing is restricted."], owner_password="owner"),
        "encrypted PDF (owner password only)", "indexed")

    docx = _docx_bytes(tmp, ["Article 1 Collectors shall be grounded.", "Article 2 Vents shall face outdoors."])
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document_xml = archive.read("word/document.xml")
    put("docx/xxe.docx", _rezip(docx, {"word/document.xml": _with_doctype(document_xml, _XXE, b"&xxe;")}),
        "DOCX external entity", "refused", r"DOCTYPE")
    put("docx/billion-laughs.docx", _rezip(docx, {"word/document.xml": _with_doctype(document_xml, _LAUGHS, b"&lol9;")}),
        "DOCX billion laughs", "refused", r"DOCTYPE")
    put("docx/doctype-in-content-types.docx",
        _rezip(docx, {"[Content_Types].xml": _with_doctype(zipfile.ZipFile(io.BytesIO(docx)).read("[Content_Types].xml"), _XXE.replace(b"w:document", b"Types"), b"")}),
        "DOCX DOCTYPE in [Content_Types].xml", "refused", r"DOCTYPE")
    put("docx/zip-bomb.docx", _rezip(docx, {}, {"word/media/padding.bin": b"\0" * (50 << 20)}),
        "zip bomb (ratio)", "refused", r"zip bomb")
    put("docx/overlapping.docx", _overlapping_zip(document_xml, 2000), "zip bomb (overlapping entries)", "refused",
        r"overlap|not a readable|lists")
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", _ZIP_TIME), b"<Types/>")
        for i in range(12_000):
            archive.writestr(zipfile.ZipInfo(f"word/e{i}.xml", _ZIP_TIME), b"")
    put("docx/many-entries.docx", many.getvalue(), "zip with too many entries", "refused", r"entries")
    for i in range(25):
        put(f"docx/truncated-{i:02d}.docx", docx[: int(len(docx) * (i + 1) / 26)], "truncated DOCX", "refused",
            r"broken zip|not a readable|truncated|cannot be read")
    for i in range(12):
        data = bytearray(docx)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        put(f"docx/flip-{i:02d}.docx", bytes(data), "byte-flipped DOCX", "either")
    put("docx/pdf-renamed.docx", pdf, "PDF renamed .docx", "refused", r"content is not DOCX")
    xlsx_bytes = _stable(make_xlsx(tmp / "_base.xlsx", [["Record ID", "Finding"], ["R1", "Vent blocked"]]).read_bytes())
    put("docx/xlsx-renamed.docx", xlsx_bytes, "XLSX renamed .docx", "refused", r"content is XLSX, not DOCX")
    put("pdf-structure/docx-renamed.pdf", docx, "DOCX renamed .pdf", "refused", r"content is not PDF")

    # XLSX.
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    put("xlsx/xxe.xlsx", _rezip(xlsx_bytes, {"xl/worksheets/sheet1.xml": _with_doctype(sheet_xml, _XXE.replace(b"w:document", b"worksheet"), b"")}),
        "XLSX external entity", "refused", r"DOCTYPE")
    for i in range(20):
        put(f"xlsx/truncated-{i:02d}.xlsx", xlsx_bytes[: int(len(xlsx_bytes) * (i + 1) / 21)], "truncated XLSX", "refused",
            r"broken zip|not a readable|truncated|cannot be read")
    shutil.copyfile(big_xlsx(cache / "million-rows.xlsx"), folder / "xlsx/million-rows.xlsx")
    cases.append(Case("xlsx/million-rows.xlsx", "1,000,000-row XLSX", "refused", r"more than [\d,]+ rows"))
    shutil.copyfile(big_xlsx(cache / "rows-no-dimension.xlsx", 300_000, dimension=False), folder / "xlsx/rows-no-dimension.xlsx")
    cases.append(Case("xlsx/rows-no-dimension.xlsx", "300,000-row XLSX without <dimension>", "refused",
                      r"more than [\d,]+ rows|timed out"))

    # Text that is not what its name says, or not decodable.
    put("text/binary.md", bytes(rng.randrange(256) for _ in range(4096)) + b"\0" * 64, "binary named .md", "refused",
        r"binary|content is")
    put("text/png.md", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG named .md", "refused", r"content is image")
    put("text/elf.txt", b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 8, "ELF named .txt", "refused", r"binary")
    put("text/bad-utf8-with-bom.txt", b"\xef\xbb\xbfArticle 1 \xff\xfe broken", "invalid UTF-8 after a BOM", "refused", r"not valid UTF-8")
    for suffix in ("pdf", "docx", "xlsx", "md", "csv", "json"):
        put(f"empty/empty.{suffix}", b"", "empty file", "refused", r"empty file")
    put("json/deep.json", b"[" * 200_000 + b"]" * 200_000, "deeply nested JSON", "refused", r"nested|could not be parsed|not valid JSON")
    put("json/truncated.json", b'{"a": "Article 1 Vents', "truncated JSON", "refused", r"not valid JSON")
    put("csv/huge-field.csv", ("Record ID,Finding\nR1," + "x" * (200 << 10) + "\n").encode(), "CSV with a 200 KB field",
        "refused", r"a cell is longer than")
    rows = "\n".join(f"R{i},Finding {i}" for i in range(150_000))
    put("csv/too-many-rows.csv", f"Record ID,Finding\n{rows}\n".encode(), "CSV over the row cap", "refused", r"more than [\d,]+ rows")

    # Awkward but valid: must be indexed, and faithfully.
    zh = "第一条 粉尘爆炸危险场所应当设置泄爆装置，泄爆口朝向安全区域。€ 𠀀𪚥 ¥"
    put("text/utf16-le-bom.txt", "\ufeff".encode("utf-16-le") + f"Article 1 Vents face outdoors. {zh}".encode("utf-16-le"),
        "UTF-16 LE with BOM", "indexed")
    put("text/utf16-be-bom.md", "\ufeff".encode("utf-16-be") + f"# Rules\n\n{zh}".encode("utf-16-be"), "UTF-16 BE with BOM", "indexed")
    put("text/utf16-no-bom.txt", f"Article 1 Alarms shall be tested weekly. {zh}".encode("utf-16-le"), "UTF-16 without BOM", "indexed")
    put("text/gb18030.txt", zh.encode("gb18030"), "GB18030 text", "indexed")
    put("text/gbk.md", "# 规定\n\n第二条 除尘器应当可靠接地。".encode("gbk"), "GBK text", "indexed")
    put("text/controls.md", ("# Controls\n\nArticle 1 Keep\x00 doors\x07 shut\x1b[31m.\x7f\u0085\n\n"
                             + "Article 2 Vent panels shall not be bolted shut or blocked by stored goods.\n" * 20).encode(),
        "text with NUL and control characters", "indexed")
    put("json/lone-surrogate.json", b'{"Article 1": "Vents \\ud800 face outdoors \\u0000 always."}', "JSON with a lone surrogate and NUL",
        "indexed")
    put("csv/formulas.csv", ("Record ID,Enterprise,Finding,Status\n"
                             "=1+1,+Acme,-2+3 dust on beams,@SUM(A1)\n"
                             "R2,\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\",=cmd|' /C calc'!A0,Open\n").encode(),
        "CSV with formulas", "indexed")
    put("csv/newlines.csv", 'Record ID,Finding\nR1,"Dust on beams\nand on ducts"\nR2,"Gas ""leak"" at\r\nvalve 3"\n'.encode(),
        "CSV with embedded newlines", "indexed")
    put("csv/gb18030.csv", "记录编号,企业名称,隐患描述\nZ1,甲公司,除尘器未接地𠀀\n".encode("gb18030"), "GB18030 CSV", "indexed")
    formula_xlsx = make_xlsx(tmp / "_f.xlsx", [["Record ID", "Finding", "Count"], ["X1", "=1+1", "=SUM(1,2)"],
                                               ["X2", "+cmd", "@now"], ["X3", "-1-1", "plain"]]).read_bytes()
    formula_xlsx = _stable(formula_xlsx)
    put("xlsx/formulas.xlsx", formula_xlsx, "XLSX with formulas", "indexed")
    shutil.rmtree(tmp)
    return cases


def good_files(folder: Path, count: int = 50) -> list[str]:
    """`count` small good files in every format; returns their sources."""
    sources = []
    topics = ("dust collectors", "explosion vents", "gas alarms", "hot work permits", "confined spaces",
              "ladle linings", "cable trays", "spark detectors", "blind plates", "fire watches")
    for i in range(count):
        topic = topics[i % len(topics)]
        kind = i % 5
        if kind == 0:
            source = f"good/regulations/rules-{i:02d}.md"
            write_text(folder / source, f"# Rules {i}\n\nArticle 1 {topic.capitalize()} shall be checked in cycle {i}.\n\n"
                                        f"Article 2 Defects of {topic} shall be recorded within {i + 1} days.\n")
        elif kind == 1:
            source = f"good/guidance/guide-{i:02d}.pdf"
            make_pdf(folder / source, [f"Guide {i}\nArticle 1 Inspect {topic} before shift {i}.", f"Article 2 Report {topic} faults."])
        elif kind == 2:
            source = f"good/plans/plan-{i:02d}.docx"
            make_docx(folder / source, [("h1", "Goals"), ("p", f"Fix {topic} by week {i}."), ("h1", "Tasks"), ("p", f"Audit {topic}.")])
        elif kind == 3:
            source = f"good/records/findings-{i:02d}.csv"
            write_text(folder / source, "Record ID,Enterprise,Finding\n"
                                        f"G{i}-1,Acme {i},{topic} not maintained\nG{i}-2,Beta {i},{topic} log missing\n")
        else:
            source = f"good/records/ledger-{i:02d}.xlsx"
            make_xlsx(folder / source, [["Record ID", "Enterprise", "Finding"], [f"L{i}", f"Gamma {i}", f"{topic} overdue"]])
        sources.append(source)
    return sources
