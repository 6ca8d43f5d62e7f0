"""An append-only SQLite log (WAL) of answered questions, and of who
uploaded, removed and exported what.

One row per question: when, the session it came from, who asked (the signed-in
user or the API key's user; "" where no accounts are configured), the question and its
resolved form, mode, language, whether the documents answered, the answer, its
citations (JSON, quotes included), the generator and the index generation. The
full answer is kept as JSON too, so a session's history can be shown again
after a browser refresh.

The CSV export is UTF-8 with a byte order mark, so Excel opens Chinese text
as Chinese; its columns can be named in the page's language.

It deliberately never updates or deletes a row: an audit trail that can be
edited from the page is not one. Each call opens its own connection, so any
number of page sessions (threads) can write at once; SQLite serialises them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from answer.models import Answer, Citation
from core.errors import ConfigError
from core.settings import settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    session TEXT NOT NULL,
    question TEXT NOT NULL,
    resolved_question TEXT NOT NULL,
    mode TEXT NOT NULL,
    lang TEXT NOT NULL,
    grounded INTEGER NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    generator TEXT NOT NULL,
    generation TEXT NOT NULL,
    filters TEXT NOT NULL,
    full TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_session ON entries(session);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""
COLUMNS = ("id", "at", "session", "user", "question", "resolved_question", "mode", "lang", "grounded", "answer",
           "citations", "generator", "generation", "filters")
EVENT_COLUMNS = ("id", "at", "user", "action", "detail")


@dataclass(frozen=True)
class Entry:
    """One logged question as the page shows it again: the answer, the index
    generation, when it was asked and the filters it was asked with."""

    answer: Answer
    generation: str
    at: str
    filters: dict[str, Any] = field(default_factory=dict)


def default_audit_path(index_dir: str | Path) -> Path:
    """SAFECITE_AUDIT_LOG, else audit.sqlite inside the index folder."""
    return settings().audit_path(Path(index_dir))


class AuditLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                have = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
                if "user" not in have:  # a log written before accounts existed
                    db.execute("ALTER TABLE entries ADD COLUMN user TEXT NOT NULL DEFAULT ''")
                    db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the audit log {self.path}: {exc} (set SAFECITE_AUDIT_LOG)") from exc

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def append(self, answer: Answer, generation: str, session: str = "",
               filters: dict[str, Any] | None = None, at: str | None = None, user: str = "") -> int:
        """Log one answer; `at`: when it was asked (ISO time), now by default;
        `user`: who asked."""
        citations = [{k: c.to_dict()[k] for k in ("n", "source", "title", "doc_type", "locator", "page", "quote",
                                                  "chunk_id")} for c in answer.citations]
        row = (at or _now(), session, user, answer.question,
               answer.resolved_question, answer.mode, answer.lang, int(answer.grounded), answer.answer,
               json.dumps(citations, ensure_ascii=False), answer.generator, generation or "",
               json.dumps(filters or {}, ensure_ascii=False, default=str),
               json.dumps(answer.to_dict(), ensure_ascii=False))
        with closing(self._connect()) as db, db:
            cursor = db.execute(f"INSERT INTO entries ({', '.join(COLUMNS[1:])}, full) "
                                f"VALUES ({', '.join('?' * len(row))})", row)
            return int(cursor.lastrowid)

    def record(self, user: str, action: str, detail: str) -> int:
        """Log who did what besides asking: "upload", "remove", "export" and
        what it was done to (a file's name, a document, an export's kind)."""
        with closing(self._connect()) as db, db:
            cursor = db.execute("INSERT INTO events (at, user, action, detail) VALUES (?, ?, ?, ?)",
                                (_now(), user, action, detail))
            return int(cursor.lastrowid)

    def events(self, limit: int = 500) -> list[dict[str, Any]]:
        """The newest `limit` uploads, removals and exports, newest first."""
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY id DESC LIMIT ?",
                              [limit]).fetchall()
        return [dict(r) for r in rows]

    def entries(self, limit: int = 500, session: str | None = None) -> list[dict[str, Any]]:
        """The newest `limit` entries, newest first (one session's only, if given)."""
        where, params = ("WHERE session = ?", [session]) if session else ("", [])
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM entries {where} ORDER BY id DESC LIMIT ?",
                              [*params, limit]).fetchall()
        return [dict(r) for r in rows]

    def answers(self, session: str) -> list[tuple[Answer, str]]:
        """(answer, generation) of one session, oldest first: its history."""
        return [(e.answer, e.generation) for e in self.turns(session)]

    def turns(self, session: str) -> list[Entry]:
        """One session's entries, oldest first: its history with times and filters."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT full, generation, at, filters FROM entries WHERE session = ? ORDER BY id",
                              [session]).fetchall()
        return [Entry(answer_from_dict(json.loads(r["full"])), r["generation"], r["at"], json.loads(r["filters"] or "{}"))
                for r in rows]

    def to_csv(self, limit: int = 100_000, headers: Mapping[str, str] | None = None,
               words: Mapping[str, Callable[[Any], str]] | None = None) -> bytes:
        """The newest `limit` entries, oldest first, as CSV in UTF-8 with a BOM
        (Excel reads a file without one in the system's code page). `headers`
        maps column names to the names to write, `words` columns to how their
        values are written (both in the page's language: a job's name, 是/否)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([(headers or {}).get(c, c) for c in COLUMNS])
        say = {c: (words or {}).get(c, lambda value: value) for c in COLUMNS}
        for entry in reversed(self.entries(limit)):
            writer.writerow([say[c](entry[c]) for c in COLUMNS])
        return out.getvalue().encode("utf-8-sig")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The inverse of Answer.to_dict."""
    known = set(Answer.__dataclass_fields__)
    values = {k: v for k, v in data.items() if k in known}
    cite_fields = set(Citation.__dataclass_fields__)
    for name in ("citations", "nearest"):
        values[name] = tuple(Citation(**{k: v for k, v in c.items() if k in cite_fields})
                             for c in values.get(name) or ())
    values["records"] = tuple(values.get("records") or ())
    return Answer(**values)
