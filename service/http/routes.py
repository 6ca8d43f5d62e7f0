"""The SafeCite endpoints under /v1: ask, documents (list, upload, remove),
a source passage, the audit trail. Each calls one method of SafeCite with
the caller's user, which checks the role; these add only HTTP."""
from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response

from service import SafeCite, User

from . import views
from .auth import caller
from .errors import ApiError
from .models import AskRequest, AskResponse, AuditOut, DocumentList, ErrorOut, RemovedOut, SourceOut, UploadOut

ERRORS = {status: {"model": ErrorOut} for status in (401, 403, 422, 429)}
router = APIRouter(prefix="/v1", responses=ERRORS)


def service(request: Request) -> SafeCite:
    return request.app.state.safecite


@router.post("/ask", response_model=AskResponse, tags=["ask"], summary="Ask a question, with citations")
def ask(body: AskRequest, user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)) -> AskResponse:
    if body.job == "hazard":
        if body.filters or body.history:
            raise ApiError(422, "the hazard job judges one finding: it takes no filters or history")
        return views.hazard(safecite.judge_hazard(body.question, user=user), views.generation(safecite))
    return views.answer(safecite.ask(body.question, body.job, body.filters, body.history, user=user))


@router.get("/documents", response_model=DocumentList, tags=["documents"], summary="The indexed documents")
def documents(user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)) -> DocumentList:
    return DocumentList(documents=views.documents(safecite), generation=views.generation(safecite))


@router.post("/documents", response_model=UploadOut, status_code=201, tags=["documents"],
             summary="Upload a file into the index (editors and admins)",
             responses={413: {"model": ErrorOut, "description": "The file is over the upload limit"}})
def upload(file: UploadFile = File(description="PDF, DOCX, MD, TXT, HTML, CSV, XLSX, PNG or JPEG"),
           user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)) -> UploadOut:
    limit = safecite.uploads.max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"{file.filename or 'the file'} is over the {safecite.uploads.max_mb} MB upload limit")
    name = file.filename or "unnamed"
    summary = safecite.add_files([(name, data)], user=user)
    skipped = [{"source": s.source, "reason": s.reason} for s in summary.skipped]
    if skipped and not (summary.added or summary.replaced or summary.unchanged):
        raise ApiError(422, "; ".join(f"{s['source']}: {s['reason']}" for s in skipped))
    labels, names = {*summary.added, *summary.replaced, *summary.unchanged}, safecite.upload_names()
    mine = [d for d in safecite.documents() if names.get(d.source) in labels]
    return UploadOut(added=summary.added, replaced=summary.replaced, unchanged=summary.unchanged,
                     removed=summary.removed, skipped=skipped, generation=views.generation(safecite),
                     documents=views.documents(safecite, mine))


@router.delete("/documents/{doc_id}", response_model=RemovedOut, tags=["documents"],
               summary="Remove a document from the index (editors and admins)",
               responses={404: {"model": ErrorOut}})
def remove(doc_id: str, user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)) -> RemovedOut:
    document = safecite.document(doc_id)
    if document is None:
        raise ApiError(404, f"no indexed document {doc_id!r}")
    shown = views.documents(safecite, [document])[0]
    safecite.remove(document, user=user)
    return RemovedOut(removed=shown, generation=views.generation(safecite))


@router.get("/sources/{chunk_id}", response_model=SourceOut, tags=["sources"],
            summary="One cited passage with its document, locator and page", responses={404: {"model": ErrorOut}})
def source(chunk_id: str, user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)) -> SourceOut:
    view = safecite.source_view(chunk_id)
    if view is None:
        raise ApiError(404, f"no indexed passage {chunk_id!r}")
    return views.source(view, safecite.upload_names())


@router.get("/audit", response_model=AuditOut, tags=["audit"], summary="The audit trail (admins)",
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
def audit(format: Literal["json", "csv"] = Query("json", description="json, or csv (UTF-8 with a BOM, for Excel)"),
          limit: int = Query(500, ge=1, le=100_000, description="The newest entries and events (JSON)"),
          user: Optional[User] = Depends(caller), safecite: SafeCite = Depends(service)):
    if format == "csv":
        return Response(safecite.audit_csv(user=user), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="safecite-audit.csv"'})
    return AuditOut(**safecite.audit_trail(limit, user=user))
