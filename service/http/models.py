"""The HTTP API's requests and answers as pydantic models: what the OpenAPI
schema (docs/openapi.json) documents. Converting the service's records into
them is views.py's work."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from service import JOBS

HAZARD = "hazard"  # the major-hazard judgement (SafeCite.judge_hazard), beside ask's jobs
Job = Literal[(*JOBS, HAZARD)]
FilterValue = Union[str, list[str]]
MAX_QUESTION = 4000  # characters of a question or finding (and of each earlier question)
MAX_HISTORY = 50  # earlier questions read


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUESTION, description="The question, or for job `hazard` the finding to judge")
    job: Job = Field("auto", description="auto reads the job from the question; howto: inspection checklist; "
                                         "rectify: rectification requirements; similar: similar findings; "
                                         "lookup: a plain answer; hazard: is the finding a major accident hazard")
    filters: dict[str, FilterValue] = Field(default_factory=dict,
                                            description="e.g. {\"city\": [\"Riverton\"], \"doc_type\": \"regulation\"}")
    history: list[Annotated[str, Field(max_length=MAX_QUESTION)]] = Field(default_factory=list, max_length=MAX_HISTORY,
                               description="The conversation's earlier questions, oldest first: a follow-up "
                                           "(\"and for magnesium dust?\") is read against them")


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    source: str
    title: str
    doc_type: str = ""
    locator: str
    page: Optional[int] = None
    quote: str = ""
    text: str
    gloss: str = Field("", description="A quote in the other language than the answer's, translated into the "
                                       "answer's by the language model (the quote prevails); \"\" when none")


class ConditionOut(BaseModel):
    text: str
    met: Optional[bool] = Field(description="None: the finding does not say")
    matched: list[str]
    why: str = ""


class Verdict(BaseModel):
    """The hazard job's judgement."""

    major: Optional[bool] = Field(description="True: a major accident hazard; False: not; None: cannot tell")
    item: Optional[str] = Field(description="The item of the criteria (its locator), or the nearest one")
    item_title: Optional[str] = None
    reason: str = ""
    conditions: list[ConditionOut] = Field(default_factory=list)


class AskResponse(BaseModel):
    question: str
    resolved_question: str = Field(description="The question as read against the history")
    job: str
    lang: str
    answer: str = Field(description="Markdown; every statement ends with its [n] markers")
    refused: bool = Field(description="True: the indexed documents do not answer")
    reason: str = Field("", description="Why it was refused, or a notice on the answer")
    citations: list[CitationOut]
    nearest: list[CitationOut] = Field(default_factory=list,
                                       description="When refused: the nearest passages, not answering")
    records: list[dict[str, Any]] = Field(default_factory=list, description="Similar findings: the records")
    summary: dict[str, Any] = Field(default_factory=dict)
    filters: dict[str, Any] = Field(default_factory=dict)
    generation: Optional[str] = None
    verdict: Optional[Verdict] = Field(None, description="The hazard job's judgement; None for the other jobs")


class DocumentOut(BaseModel):
    id: str
    title: str
    source: str
    doc_type: str
    lang: str
    chunks: int
    ingested_at: str
    uploaded_as: Optional[str] = Field(None, description="The file name it was uploaded under, for an upload")
    metadata: dict[str, Any] = Field(default_factory=dict)


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    generation: Optional[str] = None


class SkippedOut(BaseModel):
    source: str
    reason: str


class UploadOut(BaseModel):
    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[SkippedOut]
    generation: Optional[str] = None
    documents: list[DocumentOut] = Field(description="The indexed documents of the uploaded file")


class RemovedOut(BaseModel):
    removed: DocumentOut
    generation: Optional[str] = None


class SourceOut(BaseModel):
    chunk_id: str
    document: DocumentOut
    locator: str
    heading_path: list[str]
    page: Optional[int] = None
    page_end: Optional[int] = None
    text: str = Field(description="The passage")
    ocr: bool = Field(False, description="True: text read by OCR, to be checked against the page")


class AuditOut(BaseModel):
    entries: list[dict[str, Any]] = Field(description="Questions and answers, newest first")
    events: list[dict[str, Any]] = Field(description="Uploads, removals, exports, hazard judgements, newest first")


class ErrorDetail(BaseModel):
    message: str
    type: str
    status: int


class ErrorOut(BaseModel):
    error: ErrorDetail
