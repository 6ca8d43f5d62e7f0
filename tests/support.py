"""Helpers shared by the tests: project paths, a deterministic fake embedder,
a tiny bilingual corpus, tiny file writers and generators for binary fixtures
(PDF with fpdf2, DOCX with python-docx, XLSX with openpyxl). Everything is
written to the folder a test gives (pytest's tmp_path); nothing is downloaded.

Plain functions and classes only: the fixtures are in conftest.py. Test files
import from here (`from support import ...`), and so do the scripts the tests
run in their own processes, which is why this module puts the project on
sys.path itself."""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from core.text import CJK_RANGE  # noqa: E402
from ingest import Chunk, Document, chunk_document, load_file  # noqa: E402


class FakeEmbedder:
    """A deterministic stand-in for the real model, for logic tests: each token
    (a lower-cased word or one CJK character) has a fixed random vector seeded by
    its SHA-1; a text's vector is the L2-normalised sum of its tokens' vectors.
    Texts sharing words are close, so dense search behaves plausibly.

    Counts what it is asked: `calls` (embed calls) and `texts` (every text
    embedded, in order)."""

    name = "fake-hash"
    dim = 64
    _TOKEN = re.compile(rf"[{CJK_RANGE}]|[^\W_{CJK_RANGE}]+")

    def __init__(self, salt: str = "") -> None:
        # A different salt gives different vectors under the same name: a vector
        # that survives a re-ingest with another salt was reused, not re-embedded.
        self.salt = salt
        self.calls = 0
        self.texts: list[str] = []
        self._cache: dict[str, np.ndarray] = {}

    @property
    def embedded(self) -> int:
        return len(self.texts)

    def reset(self) -> None:
        self.calls = 0
        self.texts = []

    def _token_vector(self, token: str) -> np.ndarray:
        vector = self._cache.get(token)
        if vector is None:
            seed = int.from_bytes(hashlib.sha1((self.salt + token).encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            self._cache[token] = vector
        return vector

    def vector(self, text: str) -> np.ndarray:
        tokens = self._TOKEN.findall(text.lower()) or ["<empty>"]
        total = np.sum([self._token_vector(t) for t in tokens], axis=0)
        return (total / np.linalg.norm(total)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack([self.vector(t) for t in texts]), dtype=np.float32)


DUST_RULES = """---
title: Dust Rules
doc_type: regulation
language: en
---

# Dust Rules

## Chapter I Equipment

Article 1 Dust collectors shall be grounded and bonded so that static electricity cannot ignite a dust cloud.

Article 2 Explosion vents shall discharge to a safe outdoor area and shall not face walkways or occupied buildings.

Article 3 Dust layers on beams, ducts and cable trays shall be cleaned every shift with explosion-proof vacuum cleaners.

## Chapter II Inspection

Article 4 The employer shall inspect the following items:
{items}

Article 5 Hot work in a dust explosion hazard location requires a written permit and a fire watch.
"""
INSPECTION_ITEMS = "\n".join(
    f"({i}) the {part} of every collector shall be checked for wear, leaks, corrosion and loose fasteners, and defects recorded;"
    for i, part in enumerate(["fan", "filter bags", "ash hopper", "rotary valve", "spark detector", "ductwork",
                              "isolation valve", "pressure gauge", "earthing strap", "vent panel", "door seals",
                              "hydrogen sensor"], start=1))

GAS_RULES = """---
title: Gas Rules
doc_type: regulation
language: en
---

# Gas Rules

Article 1 Fixed carbon monoxide alarms shall alarm at 24 ppm and at 160 ppm.

Article 2 Blind plates shall be numbered and entered in a blind plate register before gas pipelines are opened.

Article 3 Nobody shall enter a gas holder alone; a guardian with breathing apparatus shall stay outside.
"""

ZH_RULES = """---
title: 粉尘防爆规定
doc_type: regulation
language: zh
---

# 粉尘防爆规定

第一条 除尘器应当可靠接地，防止静电引燃粉尘云。

第二条 泄爆口应当朝向室外安全区域，不得朝向人员通道。

第三条 铝镁金属粉尘湿式除尘器应当监测氢气浓度，防止氢气积聚。
"""

PLAN = """---
title: Riverton Campaign Plan
doc_type: plan
language: en
---

# Riverton Campaign Plan

## Objectives

Every dust-involved enterprise in Riverton completes a self-inspection of its dust collection systems by June.

## Tasks

District inspectors check grinding workshops and verify that vent panels are not bolted shut.
"""

FINDINGS_CSV = """Record ID,Enterprise,City,Inspection Date,Hazard Category,Finding,Status
F-01,Acme Polishing,Riverton,2024-01-10,Dust,Dust collector not grounded at the polishing line,Open
F-02,Acme Polishing,Riverton,2024-02-11,Dust,Thick dust layers on roof beams above grinders,Rectified
F-03,Beta Castings,Lakeport,2024-03-12,Molten metal,Ladle lining not measured for two weeks,Open
F-04,Beta Castings,Lakeport,2024-04-13,Gas,Carbon monoxide alarm disabled in valve room,Rectified
F-05,Gamma Steel,Lakeport,2024-05-14,Gas,Blind plate register missing for the gas holder,Open
F-06,Gamma Steel,Riverton,2024-06-15,Confined space,Entry into the gas holder without a guardian,Rectified
F-07,Delta Metals,Eastbridge,2024-07-16,Dust,Explosion vent faces a walkway,Open
F-08,Delta Metals,Eastbridge,2024-08-17,Dust,Hot work near the collector without a permit,Open
F-09,Acme Polishing,Lakeport,2024-09-18,Electrical,Damaged cable in the grinding workshop,Rectified
F-10,Beta Castings,Riverton,2024-10-19,Molten metal,Water near the casting pit,Open
F-11,Gamma Steel,Eastbridge,2024-11-20,Gas,Bleeder valve cannot be reached from a safe place,Rectified
F-12,Delta Metals,Lakeport,2024-12-21,Dust,Spark detector switched off on the dust duct,Open
"""

SMALL_QUERIES = (
    "Where shall explosion vents discharge?",
    "泄爆口朝向",
    "carbon monoxide alarm 24 ppm",
)


def quoted_in(statement: str, passage: str) -> bool:
    """A statement quotes the passage verbatim, its line breaks read as spaces
    (an answer shows a sentence a PDF wraps over lines on one line)."""
    return " ".join(statement.split()) in " ".join(passage.split())


def make_small_corpus(folder: Path) -> dict[str, Path]:
    """A tiny bilingual corpus: three regulations (one Chinese), a plan, twelve
    inspection records and a README (skipped). Returns source -> path."""
    files = {
        "regulations/dust-rules.md": DUST_RULES.format(items=INSPECTION_ITEMS),
        "regulations/gas-rules.md": GAS_RULES,
        "regulations-zh/fenchen.md": ZH_RULES,
        "plans/riverton-plan.md": PLAN,
        "records/findings.csv": FINDINGS_CSV,
    }
    out = {source: write_text(folder / source, text) for source, text in files.items()}
    write_text(folder / "README.md", "# About this folder\n")
    return out


def all_chunks(catalog) -> list[Chunk]:
    """Every chunk of a catalog, in row order."""
    return catalog.chunks(list(range(catalog.count())))


def index_state(folder: Path, queries=SMALL_QUERIES, k: int = 5) -> dict:
    """Everything observable about an index: generation, counts, documents,
    chunk ids by row, and the hits of `queries` (ids, scores, ranks)."""
    from index.search import Index

    index = Index.open(folder, FakeEmbedder())
    try:
        return {
            "generation": index.generation.name,
            "counts": (index.size, index.store.size, index.lexical.size, index.manifest["documents"]),
            "documents": [(d.doc_id, d.source, d.content_hash, d.chunks) for d in index.catalog.documents()],
            "chunk_ids": [c.chunk_id for c in all_chunks(index.catalog)],
            "hits": {q: [(h.chunk.chunk_id, h.score, h.ranks) for h in index.search(q, k)] for q in queries},
        }
    finally:
        index.close()


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
    created=None,
) -> Path:
    """A PDF with one page per entry of `pages`, one text line per line (core
    font, Latin-1 only, lines short enough not to wrap). An empty entry gives a
    page with only a drawn rectangle: no text layer. `created`: a datetime for
    byte-identical output."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF(format="A4")
    if created is not None:  # a fixed date (and so file id) gives the same bytes every time
        pdf.set_creation_date(created)
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


def four_good_files(folder: Path, tag: str = "a") -> dict[str, int]:
    """A few good files; returns source -> expected chunk count."""
    write_text(folder / "regulations" / f"rules-{tag}.md",
               f"# Rules {tag}\n\nArticle 1 Collectors shall be grounded.\n\nArticle 2 Dust shall be removed.\n")
    write_text(folder / "records" / f"findings-{tag}.csv",
               "Company,Date,Finding\nAcme,2024-01-02,Dust on beams\nBeta,2024-01-03,Gas leak\nGamma,2024-01-04,No permit\n")
    make_pdf(folder / "guidance" / f"guide-{tag}.pdf", ["Guide\nArticle 1 Keep doors shut.", "Article 2 Test alarms weekly."])
    make_docx(folder / "plans" / f"plan-{tag}.docx", [("h1", "Goals"), ("p", "Reduce dust."), ("h1", "Tasks"), ("p", "Inspect.")])
    return {f"regulations/rules-{tag}.md": 2, f"records/findings-{tag}.csv": 3,
            f"guidance/guide-{tag}.pdf": 3, f"plans/plan-{tag}.docx": 2}


def truncated_pdf(path: Path) -> Path:
    whole_path = make_pdf(path.with_name("whole.pdf"), ["Article 1 Text that will be cut off."])
    whole = whole_path.read_bytes()
    whole_path.unlink()
    path.write_bytes(whole[: len(whole) // 3])
    return path


def start_milvus_server(data: Path, timeout: float = 60.0):
    """A `milvus-lite server` over the folder `data` on a free loopback port:
    (the process, its URI). The caller stops it (terminate, wait)."""
    import socket
    import subprocess
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"milvus-lite server stopped: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"milvus-lite server did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


class ServedApp:
    """An ASGI app served by uvicorn in a thread on a free loopback port, as
    `python -m service.http` serves it: `with ServedApp(app) as url: ...`."""

    def __init__(self, app, timeout: float = 30.0) -> None:
        import socket

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.timeout = timeout
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + self.timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=self.timeout)


@contextmanager
def indexed(root: Path, files, opened_with, **ingest_options) -> Iterator:
    """An index of copies of `files` (root/corpus into root/index, `ingest`
    with `ingest_options`), opened with the embedder(s) `opened_with`, closed
    on leaving."""
    from index.build import ingest
    from index.search import Index

    corpus = root / "corpus"
    corpus.mkdir()
    for path in files:
        shutil.copy(path, corpus)
    ingest([corpus], root / "index", **ingest_options)
    opened = Index.open(root / "index", opened_with)
    try:
        yield opened
    finally:
        opened.close()
