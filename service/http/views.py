"""The service's records as the HTTP API's answers (models.py), and an
answer as chat text: its [n] markers, then the numbered sources. Presentation
only: nothing here decides what an answer says."""
from __future__ import annotations

from typing import Any, Sequence

from service import Citation, DocumentRow, Judgement, SafeCite, SourceView, Turn, explain

from .models import AskResponse, CitationOut, ConditionOut, DocumentOut, SourceOut, Verdict

SOURCES = {"en": "Sources", "zh": "来源"}
PAGE = {"en": "p. {}", "zh": "第{}页"}


def citation(c: Citation) -> CitationOut:
    return CitationOut(n=c.n, chunk_id=c.chunk_id, source=c.source, title=c.title, doc_type=c.doc_type,
                       locator=c.locator, page=c.page, quote=c.quote, text=c.text, gloss=c.gloss)


def document(d: DocumentRow, names: dict[str, str]) -> DocumentOut:
    return DocumentOut(id=d.doc_id, title=d.title, source=d.source, doc_type=d.doc_type, lang=d.lang, chunks=d.chunks,
                       ingested_at=d.ingested_at, uploaded_as=names.get(d.source), metadata=d.metadata)


def answer(turn: Turn) -> AskResponse:
    a = turn.answer
    return AskResponse(question=a.question, resolved_question=a.resolved_question, job=a.mode, lang=a.lang,
                       answer=a.answer, refused=not a.grounded, reason=a.notice,
                       citations=[citation(c) for c in a.citations], nearest=[citation(c) for c in a.nearest],
                       records=list(a.records), summary=a.summary, filters=a.filters, generation=turn.generation)


def hazard_citations(judgement: Judgement) -> list[CitationOut]:
    """The criteria's items the finding was judged against, best first."""
    return [CitationOut(n=n, chunk_id=item.chunk.chunk_id, source=item.source, title=item.title,
                        doc_type=item.chunk.doc_type, locator=item.locator, page=item.chunk.page_start,
                        quote=item.text if item.text in item.chunk.text else "", text=item.chunk.text)
            for n, item in enumerate(judgement.ranked, 1)]


def hazard(judgement: Judgement, generation: str | None) -> AskResponse:
    """The hazard job's judgement: its explanation as the answer, the verdict's fields."""
    item = judgement.item
    verdict = Verdict(major=judgement.major, item=item.locator if item else None,
                      item_title=item.title if item else None, reason=judgement.reason,
                      conditions=[ConditionOut(text=c.text, met=c.met, matched=list(c.matched), why=c.why)
                                  for c in judgement.conditions])
    return AskResponse(question=judgement.finding, resolved_question=judgement.finding, job="hazard",
                       lang=judgement.lang, answer=explain(judgement), refused=item is None,
                       reason=judgement.reason if item is None else "", citations=hazard_citations(judgement),
                       generation=generation, verdict=verdict)


def source(view: SourceView, names: dict[str, str]) -> SourceOut:
    chunk = view.chunk
    return SourceOut(chunk_id=chunk.chunk_id, document=document(view.document, names), locator=chunk.locator,
                     heading_path=list(chunk.heading_path), page=chunk.page_start, page_end=chunk.page_end,
                     text=view.text[view.start:view.end], ocr=bool(chunk.fields.get("ocr")))


def source_line(c: CitationOut, lang: str) -> str:
    """"[1] Metallurgical Gas Safety Rules, Article 21, p. 3"."""
    parts = [c.title or c.source, c.locator]
    if c.page:
        parts.append(PAGE.get(lang, PAGE["en"]).format(c.page))
    return f"[{c.n}] " + ", ".join(p for p in parts if p)


def chat_text(reply: AskResponse) -> str:
    """The answer as one chat message: the text with its [n] markers, then
    the numbered list of the sources cited; a refusal says why, and cites
    nothing. An answer's notice (a caution that the passages may not answer
    directly) comes before it, as on the page."""
    if reply.refused:
        return reply.answer.rstrip() + (f"\n\n({reply.reason})" if reply.reason else "")
    head = f"({reply.reason})\n\n" if reply.reason else ""
    if not reply.citations:
        return head + reply.answer
    lines = [f"{SOURCES.get(reply.lang, SOURCES['en'])}:"] + [source_line(c, reply.lang) for c in reply.citations]
    return head + reply.answer.rstrip() + "\n\n" + "\n".join(lines)


def generation(safecite: SafeCite) -> str | None:
    overview = safecite.overview()
    return overview["generation"] if overview else None


def documents(safecite: SafeCite, rows: Sequence[DocumentRow] | None = None) -> list[DocumentOut]:
    names = safecite.upload_names()
    return [document(d, names) for d in (safecite.documents() if rows is None else rows)]


def as_dict(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json")
