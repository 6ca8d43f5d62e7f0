"""Build the sample corpus's PDF, DOCX and XLSX files from their sources in corpus-src/.

Run from the repository root:

    .venv/bin/python scripts/make_sample_corpus.py [--out DIR]

A source is named after the file it becomes: corpus-src/guidance/x.pdf.md is
written to corpus/guidance/x.pdf (or DIR/guidance/x.pdf). Markdown becomes PDF
(fpdf2) or DOCX (python-docx); CSV becomes XLSX (openpyxl). Timestamps inside
the files and their zip entries are fixed, so unchanged sources give the same
bytes; tests/e2e/test_sample_corpus.py holds the committed files to their sources.

Before writing, every finding in the two registers must cite a document title
and an article that exist in the corpus. The builder only converts: the text
lives in the sources, and the Markdown documents in corpus/ are not touched.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SOURCES = ROOT / "corpus-src"

FIXED_TIMESTAMP = dt.datetime(2025, 1, 2, 9, 0, 0, tzinfo=dt.timezone.utc)
ZIP_DATE_TIME = FIXED_TIMESTAMP.timetuple()[:6]

# The registers and the column that holds each finding's citation.
REGISTERS = {
    CORPUS / "records/inspection-findings-2024.csv": "Regulation Cited",
    SOURCES / "records/inspection-findings-2025.xlsx.csv": "依据条款",
}

# PDF headings per `layout:` and Markdown level: (space before, keep-with-next
# room, font size, line height, space after), in mm and points. A regulation's
# chapters are set smaller than a guidance's sections, as in the committed PDFs.
PDF_HEADINGS = {
    "rules": {1: (2, 25, 12, 7, 1)},
    "guidance": {1: (3, 30, 13, 7, 1), 2: (0, 25, 11, 6, 0)},
}

XLSX_COLUMN_WIDTHS = [13, 26, 10, 11, 12, 20, 13, 60, 28, 50, 12, 12, 16]
XLSX_SHEET = "隐患排查记录"
XLSX_TITLE = "2025年冶金工贸企业隐患排查记录（示例）"
XLSX_AUTHOR = "示例市应急管理局"


def read_markdown(path: Path) -> tuple[dict, list]:
    """Front matter of `key: value` lines, then blocks separated by blank lines:
    ("heading", (level, text)), ("paragraph", text), ("checklist", [items]),
    ("table", [rows])."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    blocks = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = block.splitlines()
        if m := re.fullmatch(r"(#+) (.+)", block):
            blocks.append(("heading", (len(m.group(1)), m.group(2))))
        elif all(line.startswith("- [ ] ") for line in lines):
            blocks.append(("checklist", [line[6:] for line in lines]))
        elif block.startswith("|"):
            rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
            blocks.append(("table", [rows[0], *rows[2:]]))  # rows[1] is the |---| rule
        else:
            blocks.append(("paragraph", " ".join(lines)))
    return meta, blocks


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_pdf(source: Path, path: Path) -> None:
    from fpdf import FPDF

    meta, blocks = read_markdown(source)
    headings = PDF_HEADINGS[meta["layout"]]

    class DocPDF(FPDF):
        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 10, f"{meta['title']} - page {self.page_no()}", align="C")

    def line(height, text, center=False):
        pdf.multi_cell(0, height, text, align="C" if center else "L", new_x="LMARGIN", new_y="NEXT")

    pdf = DocPDF(format="A4")
    pdf.set_creation_date(FIXED_TIMESTAMP)
    pdf.set_title(meta["title"])
    pdf.set_author(meta["issuer"])
    pdf.set_subject(meta["number"])
    pdf.set_creator(meta["issuer"])
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    line(8, meta["title"], center=True)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    line(5, f"{meta['issuer']}    {meta['number']}", center=True)
    line(5, f"Effective: {meta['effective']}", center=True)
    pdf.ln(5)
    for kind, content in blocks:
        if kind == "heading":
            before, keep, size, height, after = headings[content[0]]
            pdf.ln(before)
            if pdf.get_y() + keep > pdf.h - pdf.b_margin:  # no heading stranded at a page's foot
                pdf.add_page()
            pdf.set_font("Helvetica", "B", size)
            line(height, content[1])
            pdf.ln(after)
        elif kind in ("paragraph", "checklist"):
            pdf.set_font("Helvetica", "", 11)
            for text in [f"[ ] {item}" for item in content] if kind == "checklist" else [content]:
                line(6, text)
            pdf.ln(2)
        else:
            raise SystemExit(f"{source}: a PDF has no {kind} blocks")
    pdf.output(str(path))


def write_docx(source: Path, path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    meta, blocks = read_markdown(source)
    doc = Document()
    cp = doc.core_properties
    cp.title = meta["title"]
    cp.author = cp.last_modified_by = meta["author"]
    cp.subject = meta["subject"]
    cp.created = cp.modified = FIXED_TIMESTAMP.replace(tzinfo=None)
    cp.revision = 1

    doc.add_heading(meta["title"], level=0)
    for kind, content in blocks:
        if kind == "heading":
            doc.add_heading(content[1], level=content[0])
        elif kind == "paragraph":
            # "**Lead.** text": the lead is a bold run that keeps its trailing space
            if m := re.fullmatch(r"\*\*(.+?)\*\* (.+)", content):
                p = doc.add_paragraph()
                p.add_run(m.group(1) + " ").bold = True
                p.add_run(m.group(2))
            else:
                doc.add_paragraph(content)
        elif kind == "table":
            header, *rows = content
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
                    for p in cell.paragraphs:
                        for r in p.runs:
                            r.font.size = Pt(9)
        else:
            raise SystemExit(f"{source}: a DOCX has no {kind} blocks")
    doc.save(str(path))
    normalize_ooxml(path)


def write_xlsx(source: Path, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    header, *rows = read_csv(source)
    wb = Workbook()
    ws = wb.active
    ws.title = XLSX_SHEET
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, width in enumerate(XLSX_COLUMN_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    props = wb.properties
    props.creator = props.lastModifiedBy = XLSX_AUTHOR
    props.title = XLSX_TITLE
    props.created = props.modified = FIXED_TIMESTAMP.replace(tzinfo=None)
    wb.save(path)
    normalize_ooxml(path)


def normalize_ooxml(path: Path) -> None:
    """Rewrite an OOXML zip with fixed entry timestamps and fixed core dates."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


WRITERS = {".pdf.md": write_pdf, ".docx.md": write_docx, ".xlsx.csv": write_xlsx}


def sources() -> dict[str, Path]:
    """Each output's path relative to the corpus, mapped to its source."""
    found = {}
    for source in sorted(p for p in SOURCES.rglob("*") if p.is_file()):
        if "".join(source.suffixes[-2:]) not in WRITERS:
            raise SystemExit(f"{source}: a source is named after its output, ending in "
                             + ", ".join(WRITERS))
        found[source.relative_to(SOURCES).with_suffix("").as_posix()] = source
    return found


def citation_problems() -> list[str]:
    """Every finding's citation as a problem unless its document (by front-matter
    title) is in corpus/ or corpus-src/ and has a line opening that article."""
    documents = {}
    for path in [*CORPUS.rglob("*.md"), *SOURCES.rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        if m := re.search(r"^title:\s*(.+)$", text, re.M):
            documents[m.group(1).strip()] = text
    problems = []
    for register, column in REGISTERS.items():
        header, *rows = read_csv(register)
        for row in rows:
            cite = row[header.index(column)]
            m = (re.fullmatch(r"(.+), (Article \d+)", cite)
                 or re.fullmatch(r"《(.+)》(第[一二三四五六七八九十]+条)", cite))
            if m is None:
                problems.append(f"{register.name} {row[0]}: cannot read the citation {cite!r}")
            elif m.group(1) not in documents:
                problems.append(f"{register.name} {row[0]}: no document titled {m.group(1)!r}")
            elif not re.search(rf"^{m.group(2)}(?!\d)", documents[m.group(1)], re.M):
                problems.append(f"{register.name} {row[0]}: {m.group(1)} has no {m.group(2)}")
    return problems


def build(out: Path) -> list[Path]:
    """Write every output under `out`; returns their paths."""
    if problems := citation_problems():
        raise SystemExit("citation check failed:\n  " + "\n  ".join(problems))
    written = []
    for rel, source in sources().items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        WRITERS["".join(source.suffixes[-2:])](source, path)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=CORPUS, help="folder to write into (default: corpus/)")
    args = parser.parse_args()
    for path in build(args.out):
        print(f"wrote {path.relative_to(args.out).as_posix()} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
