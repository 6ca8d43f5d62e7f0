"""SafeCite as one object: an index folder with its embedders, its uploads,
its audit trail and the optional language model, and the jobs done on it.

The page, the three CLIs (service/cli/) and any API call these methods and
nothing below them:

    open        SafeCite.open(folder): the index folder (settings by default)
    ask         a question with its job (JOBS), filters and the turns before it
    judge_hazard  is a finding a major accident hazard, under which item
    add_files   uploaded files (name, bytes) into the index
    ingest      files and folders by path (the CLI), or only re-embedding
    remove      one document out of the index
    documents   what the index holds; field_values (grouped across languages), overview
    source_view a cited passage in its whole document
    export      a session's answers as Markdown; the audit trail as CSV

Embedding models are loaded once per process and shared by every SafeCite and
every generation of an index; an ingest from anywhere switches the index's
CURRENT generation and the next call here opens it.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from answer.export import answer_markdown, session_markdown
from answer.hazard import Judgement, follows_for, judge
from answer.hazard_llm import judge_with_llm
from answer.llm import LLMConfig
from answer.models import MODES, Answer
from answer.question import resolve_follow_up
from answer.service import answer_question
from audit import AuditLog
from core.errors import IndexStateError, QueryError
from core.settings import settings
from index import persist, shared
from index import build
from index.build import IngestReport
from index.catalog import DocumentRow
from index.embedders import Embedder, make_embedder
from index.embedders import plan as plans
from index.library import SourceView, field_groups, field_values, source_view
from index.manage import UploadSummary, add_uploads, remove_document
from index.search import Hit, Index
from ingest.ocr import page_png
from ingest.pipeline import Result, run
from ingest.uploads import UploadFolder

from .accounts import User, require

Progress = Callable[[Iterable, str], Iterable]
# The jobs `ask` does: auto reads the job from the question; howto is the
# inspection checklist. The major-hazard judgement is `judge_hazard`.
JOBS = ("auto", *MODES)

_models: dict[str, Embedder] = {}
_models_lock = threading.Lock()


def shared_embedder(model: str) -> Embedder:
    """The embedder of `model`, loaded once per process (serving settings)."""
    with _models_lock:
        if model not in _models:
            _models[model] = make_embedder(model, serving=True)
        return _models[model]


def preview(paths: Sequence[str | Path], **options: Any) -> Result:
    """Load and chunk files without indexing anything (ingest's dry run)."""
    return run(paths, **options)


@dataclass(frozen=True)
class Turn:
    """One question's answer, the index generation that answered it, when it
    was asked (ISO time, UTC) and the filters it was asked with."""

    answer: Answer
    generation: str | None
    asked_at: str = ""
    filters: dict[str, Any] = field(default_factory=dict)


class SafeCite:
    def __init__(self, folder: str | Path, *, uploads: str | Path | None = None, audit: bool | str | Path = False,
                 llm: LLMConfig | None = None, embedders: Mapping[str, Embedder] | None = None) -> None:
        """`audit`: False (no trail), True (the settings' path) or a path.
        `embedders`: model name -> embedder to use instead of loading (tests)."""
        self.folder = Path(folder)
        self.uploads = UploadFolder(uploads or settings().uploads_dir(self.folder))
        if audit is True:
            audit = settings().audit_path(self.folder)
        self.audit = AuditLog(audit) if audit else None
        self.llm = llm
        self._given = dict(embedders or {})
        self._open: Index | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, folder: str | Path | None = None, *, audit: bool | str | Path = False,
             llm: LLMConfig | None | bool = True, **options: Any) -> "SafeCite":
        """The index `folder` (default: the settings'); `llm=True` reads the
        language model's settings (None when none is set)."""
        if llm is True:
            llm = LLMConfig.from_env()
        return cls(folder or settings().index, audit=audit, llm=llm or None, **options)

    # -- the index ----------------------------------------------------------
    def _embedder(self, model: str) -> Embedder:
        return self._given.get(model) or shared_embedder(model)

    @property
    def index(self) -> Index | None:
        """The index's current generation, opened once; None before any ingest."""
        shared.sync(self.folder)  # in Milvus mode, another server may have switched the index
        generation = persist.current(self.folder)
        if generation is None:
            return None
        with self._lock:
            if self._open is None or self._open.generation.name != generation.name:
                manifest = persist.read_manifest(generation, verify=False)
                embedders = {route.model: self._embedder(route.model) for route in plans.from_manifest(manifest)}
                self._open = Index.open(self.folder, embedders, serving=True)
            return self._open

    def _ingest_embedders(self) -> dict[str, Embedder] | None:
        """The open index's embedders, so an ingest does not load them again."""
        index = self.index
        return {route.model: index.embedder_for(route.model) for route in index.plan} if index is not None else None

    # -- the jobs -----------------------------------------------------------
    def ask(self, question: str, job: str = "auto", filters: Mapping[str, Any] | None = None,
            history: Sequence[Turn | str] = (), *, k: int = 8, session: str | None = None,
            on_token: Callable[[str], None] | None = None, user: User | None = None) -> Turn:
        """Answer `question` with `job` (one of JOBS); a follow-up is read
        against the turns of `history` before it (Turns, or for a client that
        keeps only text, the earlier questions as asked). With an audit trail,
        the answer is recorded under `session` and `user`."""
        require(user, "ask")
        if not question or not question.strip():
            raise QueryError("the question is empty; ask a question")
        if job not in JOBS:
            raise QueryError(f"job must be one of {', '.join(JOBS)}, got {job!r}")
        index = self._required()
        answer = answer_question(index, question, mode=job, k=k, filters=filters or None, previous=_previous(history),
                                 llm=self.llm, on_token=on_token)
        turn = Turn(answer, index.generation.name, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    dict(filters or {}))
        if self.audit is not None:
            self.audit.append(answer, turn.generation, session=session or "", filters=turn.filters, at=turn.asked_at,
                              user=_name(user))
        return turn

    def judge_hazard(self, finding: str, *, user: User | None = None) -> Judgement:
        """Whether `finding` is a major accident hazard under the indexed
        criteria (answer/hazard.py): the verdict, the item and its conditions.
        With an audit trail, who asked about which finding is recorded."""
        require(user, "ask")
        if not finding or not finding.strip():
            raise QueryError("describe the finding to judge")
        index = self._required()
        judgement = judge(index, finding)
        if self.llm is not None:
            # The model's verdict, kept only when it holds against the quoted item.
            judgement = judge_with_llm(judgement, self.llm)
            if judgement.major and not judgement.follows:
                judgement = replace(judgement, follows=follows_for(index, judgement.lang))
        self._record(user, "hazard", finding)
        return judgement

    def search(self, query: str, k: int = 10, filters: Mapping[str, Any] | None = None, *,
               mode: str = "hybrid", dedupe: bool = True) -> list[Hit]:
        index = self._required()
        return index.search(query, k, filters, mode=mode, dedupe=dedupe)

    def add_files(self, files: Iterable[tuple[str, bytes]], progress: Progress | None = None, *,
                  user: User | None = None) -> UploadSummary:
        """Store uploaded (name, content) pairs and ingest them. With accounts,
        `user` must be an editor or admin (AccessError otherwise, nothing stored)."""
        require(user, "upload")
        files = list(files)
        options = {"progress": progress} if progress else {}
        summary = add_uploads(files, self.uploads, self.folder, embedder=self._ingest_embedders(), **options)
        self._record(user, "upload", ", ".join(name for name, _ in files))
        return summary

    def ingest(self, paths: Sequence[str | Path], **options: Any) -> IngestReport:
        """Files and folders by path, incrementally (see index.build.ingest for
        the options: model, embedders, reembed, remove, limits, ...)."""
        return build.ingest(paths, self.folder, **options)

    def remove(self, document: DocumentRow, *, user: User | None = None) -> IngestReport:
        """Remove a document from the index (and its stored upload). With
        accounts, `user` must be an editor or admin."""
        require(user, "remove")
        report = remove_document(document, self.uploads, self.folder, embedder=self._ingest_embedders())
        self._record(user, "remove", f"{document.title} ({document.source})")
        return report

    # -- what the index holds -------------------------------------------------
    def documents(self) -> list[DocumentRow]:
        index = self.index
        return index.catalog.documents() if index is not None else []

    def field_values(self, name: str, lang: str | None = None) -> list[str]:
        """The values a filter on record field `name` can take, one per group of
        equivalent values (Overdue / 逾期未整改), spelled in `lang` when the
        group has that spelling; any of them filters to the whole group."""
        index = self.index
        return field_values(index, name, lang) if index is not None else []

    def field_groups(self, name: str) -> list[list[str]]:
        """The stored values of record field `name` in groups of equivalent values."""
        index = self.index
        return field_groups(index, name) if index is not None else []

    def overview(self) -> dict[str, Any] | None:
        """The manifest's counts and, per document type and language, documents and chunks."""
        index = self.index
        if index is None:
            return None
        m = index.manifest
        return {"documents": m["documents"], "chunks": m["chunks"], "generation": m["generation"],
                "created": m["created"], "per_type": index.catalog.stats()}

    def upload_names(self) -> dict[str, str]:
        """Stored upload name -> the name it was uploaded under."""
        return self.uploads.names()

    def is_upload(self, document: DocumentRow) -> bool:
        """Whether `document` came from the page's uploads (removing it deletes the file)."""
        return Path(document.root).resolve() == self.uploads.folder.resolve()

    def document(self, doc_id: str) -> DocumentRow | None:
        """The indexed document with id `doc_id`, None when there is none."""
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def source_view(self, chunk_id: str) -> SourceView | None:
        index = self.index
        return source_view(index, chunk_id) if index is not None else None

    def page_image(self, chunk_id: str, dpi: int = 110) -> bytes | None:
        """The page a passage read by OCR was recognised from, as PNG, to show
        beside its text; None for text that was not read by OCR, or a file that
        changed since it was indexed."""
        view = self.source_view(chunk_id)
        if view is None or not view.chunk.fields.get("ocr") or view.path is None or not view.from_file:
            return None
        return page_png(view.path, view.chunk.page_start or 1, dpi)

    # -- exports --------------------------------------------------------------
    def export(self, turns: Iterable[Turn], lang: str = "en", *, user: User | None = None) -> str:
        """A session's answers with their citations, as Markdown labelled in `lang`."""
        require(user, "export")
        return session_markdown([_export_values(t) for t in turns], lang, names=self.upload_names())

    def export_answer(self, turn: Turn, lang: str | None = None, *, user: User | None = None) -> str:
        """One answer as Markdown, labelled in `lang` (default: the answer's language)."""
        require(user, "export")
        return answer_markdown(lang=lang, names=self.upload_names(), **_export_values(turn))

    def record_export(self, what: str, *, user: User | None = None) -> None:
        """Note in the audit trail that `user` took an export (`what`: which).
        Separate from making the export: the page makes its downloads on every
        run, and only a download taken is an export."""
        require(user, "export")
        self._record(user, "export", what)

    def audit_csv(self, headers: Mapping[str, str] | None = None, *, user: User | None = None,
                  words: Mapping[str, Callable[[Any], str]] | None = None) -> bytes:
        """The audit trail as CSV for Excel (UTF-8 with a BOM); `headers` names
        columns, `words` writes their values (AuditLog.to_csv). With accounts,
        `user` must be an admin."""
        return self._audit_for(user).to_csv(headers=headers, words=words)

    def audit_trail(self, limit: int = 500, *, user: User | None = None) -> dict[str, list[dict[str, Any]]]:
        """The newest `limit` answers (`entries`) and uploads, removals,
        exports and hazard judgements (`events`), newest first. With accounts,
        `user` must be an admin."""
        audit = self._audit_for(user)
        return {"entries": audit.entries(limit), "events": audit.events(limit)}

    def _audit_for(self, user: User | None) -> AuditLog:
        require(user, "audit")
        if self.audit is None:
            raise IndexStateError("no audit trail is kept (SafeCite opened with audit=False)")
        return self.audit

    def history(self, session: str) -> list[Turn]:
        """A session's turns from the audit trail (a refreshed page gets them back)."""
        if self.audit is None:
            return []
        return [Turn(e.answer, e.generation, e.at, e.filters) for e in self.audit.turns(session)]

    def _record(self, user: User | None, action: str, detail: str) -> None:
        """Who uploaded, removed or exported what, in the audit trail."""
        if self.audit is not None:
            self.audit.record(_name(user), action, detail)

    def _required(self) -> Index:
        index = self.index
        if index is None:
            raise IndexStateError(f"{self.folder}: no index yet; ingest documents first (python -m ingest PATH)")
        return index


def _export_values(turn: Turn) -> dict[str, Any]:
    return {"answer": turn.answer, "generation": turn.generation, "asked_at": turn.asked_at, "filters": turn.filters}


def _previous(history: Sequence[Turn | str]) -> str | None:
    """The question a follow-up is read against: the last turn's question as
    it was read, or, for earlier questions given as text, the last of them
    read against those before it, as each was when it was asked."""
    previous = None
    for item in history:
        previous = item.answer.resolved_question if isinstance(item, Turn) else resolve_follow_up(item, previous)
    return previous


def _name(user: User | None) -> str:
    return user.name if user is not None else ""
