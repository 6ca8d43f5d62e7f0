"""Shared helpers for the ingestion tests: project paths, tiny file writers and
generators for binary fixtures (PDF with fpdf2, DOCX with python-docx, XLSX with
openpyxl). Everything is written to pytest's tmp_path; nothing is downloaded."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from ingest import Chunk, Document, chunk_document, load_file  # noqa: E402


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_pdf(
    path: Path,
    pages: list[str],
    *,
    title: str | None = None,
    user_password: str | None = None,
    owner_password: str | None = None,
) -> Path:
    """A PDF with one page per entry of `pages`, one text line per line (core
    font, Latin-1 only, lines short enough not to wrap). An empty entry gives a
    page with only a drawn rectangle: no text layer."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for page in pages:
        pdf.add_page()
        if not page:
            pdf.rect(30, 30, 80, 40)
            continue
        pdf.set_font("Helvetica", size=10)
        for line in page.split("\n"):
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    if user_password or owner_password:
        # RC4 needs no optional crypto package, in fpdf2 or in pypdf.
        pdf.set_encryption(
            owner_password=owner_password or user_password,
            user_password=user_password,
            encryption_method=EncryptionMethod.RC4,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_docx(path: Path, content: list[tuple[str, object]], title: str | None = None) -> Path:
    """content: ("h1"/"h2"/"h3", text), ("p", text) or ("table", [[cell, ...], ...])."""
    import docx

    document = docx.Document()
    if title:
        document.add_heading(title, level=0)
    for kind, value in content:
        if kind.startswith("h"):
            document.add_heading(str(value), level=int(kind[1:]))
        elif kind == "p":
            document.add_paragraph(str(value))
        elif kind == "table":
            rows = list(value)  # type: ignore[arg-type]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = str(cell)
        else:
            raise ValueError(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def make_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))
    return path


def load_one(path: Path, source: str | None = None) -> Document:
    documents = load_file(path, source or path.name)
    assert len(documents) == 1, [d.part for d in documents]
    return documents[0]


def chunks_of(path: Path, source: str | None = None) -> list[Chunk]:
    return [c for d in load_file(path, source or path.name) for c in chunk_document(d)]


def assert_chunks_are_slices(document: Document, chunks: list[Chunk]) -> None:
    """Provenance: every chunk is an exact, non-empty slice of its document,
    has a locator, and chunks come in document order without overlapping."""
    previous_end = 0
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start:chunk.end]
        assert chunk.text.strip()
        assert chunk.locator.strip()
        assert chunk.start >= previous_end
        previous_end = chunk.end


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "corpus: ingests a whole corpus folder (the project's corpus/ or ../shared/corpus); run with -m corpus"
    )
