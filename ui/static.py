"""PDF files served by the page so that a citation opens the cited page itself
in the browser's PDF viewer (`app/static/<sha256>.pdf#page=N`).

Streamlit serves `static/` next to app.py when `server.enableStaticServing` is
on (.streamlit/config.toml), with the file's own content type and `nosniff`.
A file is published under its content hash, never its own name, and only PDFs
that were indexed unchanged (the caller checks the hash) are published.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def pdf_page_url(path: Path, content_hash: str, page: int | None) -> str:
    """The URL of the PDF at `path` (whose sha256 is `content_hash`), opened at `page`."""
    if not _SHA256.fullmatch(content_hash):
        raise ValueError(f"not a sha256 content hash: {content_hash!r}")
    target = STATIC_DIR / f"{content_hash}.pdf"
    if not target.exists():
        STATIC_DIR.mkdir(exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(path, partial)
        os.replace(partial, target)  # never a half-copied file under the served name
    return f"app/static/{target.name}" + (f"#page={int(page)}" if page else "")
