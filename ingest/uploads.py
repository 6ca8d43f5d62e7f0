"""Files uploaded on the page, kept in one folder under their content hash.

An uploaded file's own name is never used as a path: it is stored as
`<sha256>.<ext>` (the extension from an allow-list), and its name is kept only
as a label in `.names.json`. The folder is then ingested like any other
(index/build.py), so a file deleted from it leaves the index on the next ingest.

It deliberately does not parse anything: loading and its errors belong to the
loaders, which the ingest calls.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from core.errors import LoadError


UPLOAD_TYPES = (".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm", ".csv", ".xlsx", ".png", ".jpg", ".jpeg")
MAX_UPLOAD_MB = 50  # also server.maxUploadSize in .streamlit/config.toml
NAMES = ".names.json"  # a dot file: the ingest walk skips it


@dataclass(frozen=True)
class StoredUpload:
    name: str  # the name it was uploaded under (a label only)
    path: Path  # where it is stored: <folder>/<sha256><ext>
    new: bool  # False when the same content was already stored
    # The stored file of an earlier upload under the same name. It is kept until
    # the new one has been ingested (index/manage.py), so a new version that
    # fails to load leaves the old one in place.
    replaces: str | None = None


def _label(name: str) -> str:
    """The bare file name, whatever path a browser sent: a label, never a path."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return " ".join(base.split())[:200] or "unnamed"


class UploadFolder:
    def __init__(self, folder: str | Path, max_mb: int = MAX_UPLOAD_MB) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_mb * 1024 * 1024
        self.max_mb = max_mb

    def names(self) -> dict[str, str]:
        """stored file name -> the name it was uploaded under."""
        try:
            return json.loads((self.folder / NAMES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_names(self, names: dict[str, str]) -> None:
        tmp = self.folder / (NAMES + ".tmp")
        tmp.write_text(json.dumps(names, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.folder / NAMES)

    def store(self, name: str, data: bytes) -> StoredUpload:
        """Keep `data` uploaded as `name`. Raises LoadError naming the file and why
        it is refused (type, size, empty). A new version under the same name
        replaces the earlier one."""
        label = _label(name)
        suffix = PurePosixPath(label).suffix.lower()
        if suffix not in UPLOAD_TYPES:
            raise LoadError(label, f"unsupported file type '{suffix or 'none'}' (allowed: {', '.join(UPLOAD_TYPES)})")
        if not data:
            raise LoadError(label, "empty file")
        if len(data) > self.max_bytes:
            raise LoadError(label, f"{len(data) / 1048576:.1f} MB is over the {self.max_mb} MB limit")
        self.folder.mkdir(parents=True, exist_ok=True)
        stored = hashlib.sha256(data).hexdigest() + suffix
        path = self.folder / stored
        names = self.names()
        replaces = next((s for s, n in names.items() if n == label and s != stored), None)
        new = not path.exists()
        if new:
            tmp = self.folder / (stored + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        names[stored] = label
        self._write_names(names)
        return StoredUpload(label, path, new, replaces)

    def delete(self, stored: str) -> bool:
        """Delete a stored upload by its stored name (as indexed, the `source`)."""
        names = self.names()
        if stored not in names or Path(stored).name != stored:
            return False
        (self.folder / stored).unlink(missing_ok=True)
        names.pop(stored)
        self._write_names(names)
        return True
