"""The Streamlit pieces of the page: one answer with its citations, a cited
passage in its document, the records table, the documents panel's ingest, and
the streamed language-model text. `app.py` calls these top to bottom.

Every string that comes from a document or a model goes through
`ui.markdown` (escaped) or into a dataframe cell; nothing is rendered as HTML.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import streamlit as st

from service import Citation, SafeCite, Turn

from .i18n import TEXT, text
from .markdown import answer_markdown, escape, highlight, highlight_quote
from .static import pdf_page_url

RECORD_COLUMNS = (("rank", "col.rank"), ("record_id", "col.record"), ("finding", "col.finding"),
                  ("status", "col.status"), ("deadline", "col.deadline"),
                  ("rectification_required", "col.rectification"), ("regulation_cited", "col.clause"),
                  ("n", "col.n"), ("enterprise", "col.enterprise"), ("city", "col.city"), ("date", "col.date"),
                  ("hazard_category", "col.hazard"))


def citation_label(c: Citation, lang: str, nearest: bool = False) -> str:
    parts = [escape(c.title), escape(c.locator)]
    if c.page is not None:
        parts.append(text(lang, "page", page=c.page))
    head = "" if nearest else f"\\[{c.n}\\] "
    return head + " — ".join(parts[:2]) + "".join(f" · {p}" for p in parts[2:]) + f" · _{c.doc_type}_"


def records_table(records: Iterable[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One row per finding, in rank order: the record's own id, the finding,
    status, deadline, the rectification it required and the clause it cites,
    with the indexed clause's number and whole text when the reference resolved."""
    rows = []
    for i, r in enumerate(records, start=1):
        row = {text(lang, label): r.get(key, "") for key, label in RECORD_COLUMNS}
        row[text(lang, "col.rank")] = r.get("rank") or i
        row[text(lang, "col.record")] = r.get("record_id") or r.get("locator", "")
        clause = r.get("clause")
        if clause and r.get("regulation_cited"):
            # The indexed clause is one of the citations below: its number opens it.
            whole = " ".join(str(clause.get("text", "")).split())
            row[text(lang, "col.clause")] = f"{r['regulation_cited']} [{clause['n']}]" + (f" {whole}" if whole else "")
        rows.append(row)
    return rows


def filters_caption(filters: dict[str, Any], lang: str) -> str:
    """"Filters: City: Jiangchuan · Status: Overdue" (empty without filters)."""
    sep, listing = ("：", "、") if lang == "zh" else (": ", ", ")
    parts = []
    for key, value in filters.items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        name = text(lang, f"filter.{key}") if f"filter.{key}" in TEXT.get(lang, TEXT["en"]) else key
        parts.append(f"{name}{sep}{listing.join(str(v) for v in values)}")
    return text(lang, "filters_used", filters=" · ".join(parts)) if parts else ""


def render_source(safecite: SafeCite, chunk_id: str, lang: str, key: str) -> None:
    """The cited passage in its whole document, the passage at the top of the
    view and highlighted; for a PDF, the page(s) it is on."""
    view = safecite.source_view(chunk_id)
    if view is None:
        st.warning(text(lang, "passage_gone"))
        return
    meta = view.metadata
    if meta:
        unknown = text(lang, "unknown")
        st.caption(escape(text(lang, "source_meta", issuer=meta.get("issuer") or unknown,
                                number=meta.get("number") or unknown, effective=meta.get("effective") or unknown)))
    if not view.from_file:
        st.caption(text(lang, "source_missing"))
    start, end, body = view.start, view.end, view.text
    span = view.page_span() if view.is_pdf else None
    if span:
        st.caption(text(lang, "pdf_page", page=view.chunk.page_start))
        body, start, end = body[span[0]:span[1]], start - span[0], end - span[0]
    before = body[:start]
    with st.container(height=420, key=f"doc-{key}"):
        if before.strip() and st.toggle(text(lang, "before", chars=len(before)), key=f"before-{key}"):
            st.markdown(escape(before))
        st.markdown(highlight(body[start:], 0, end - start))
    if view.is_pdf and view.path is not None and view.from_file:
        # The page itself, in the browser's PDF viewer.
        url = pdf_page_url(view.path, view.document.content_hash, view.chunk.page_start)
        st.markdown(f"[{text(lang, 'open_pdf_page', page=view.chunk.page_start or 1)}]({url})")
    if view.path is not None:
        st.download_button(text(lang, "download_source"), data=view.path.read_bytes(),
                           file_name=Path(view.document.source).name, key=f"file-{key}")


def render_citation(safecite: SafeCite, c: Citation, lang: str, key: str, nearest: bool = False) -> None:
    with st.expander(citation_label(c, lang, nearest)):
        st.markdown(highlight_quote(c.text, c.quote))
        st.caption(escape(c.source))
        if st.toggle(text(lang, "open_source"), key=f"open-{key}"):
            render_source(safecite, c.chunk_id, lang, key)


def render_answer(turn: Turn, safecite: SafeCite, lang: str, key: str) -> None:
    answer = turn.answer
    if answer.resolved_question and answer.resolved_question != answer.question:
        st.caption(escape(text(lang, "resolved", question=answer.resolved_question)))
    if answer.filters:
        st.caption(escape(filters_caption(answer.filters, lang)))
    if not answer.grounded:
        st.error(f"**{text(lang, 'refusal')}**  \n{escape(answer.answer)}", icon="⛔")
        if answer.notice:
            st.caption(escape(answer.notice))
        if answer.nearest:
            st.markdown(text(lang, "nearest"))
            for i, c in enumerate(answer.nearest):
                render_citation(safecite, c, lang, f"{key}-near{i}", nearest=True)
    else:
        if answer.notice:
            st.info(escape(answer.notice))
        st.markdown(answer_markdown(answer.answer))
        if answer.records:
            st.markdown(f"**{text(lang, 'records')}**")
            st.dataframe(records_table(answer.records, lang), hide_index=True, key=f"records-{key}")
        st.markdown(f"**{text(lang, 'citations')}**")
        for c in answer.citations:
            render_citation(safecite, c, lang, f"{key}-c{c.n}")
    st.download_button(text(lang, "export_answer"), data=safecite.export_answer(turn),
                       file_name=f"safecite-answer-{key}.md", mime="text/markdown", key=f"export-{key}")


def stream_answer(run: Callable[[Callable[[str], None]], Turn]) -> Turn:
    """Run `run(on_token)` in a worker thread and show the tokens as they come
    (st.write_stream, escaped: model text is never markup). Returns its Turn."""
    pieces: queue.Queue = queue.Queue()
    result: dict[str, Any] = {}
    done = object()

    def work() -> None:
        try:
            result["answer"] = run(pieces.put)
        except BaseException as exc:  # re-raised in the page's thread below
            result["error"] = exc
        finally:
            pieces.put(done)

    def tokens() -> Iterator[str]:
        while (piece := pieces.get()) is not done:
            yield escape(piece).replace("  \n", "\n")

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    st.write_stream(tokens())
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["answer"]


def progress_bar(label: str) -> Callable[[Iterable, str], Iterable]:
    """An ingest progress callback drawing one st.progress bar per stage."""
    bar = st.progress(0.0, text=label)

    def progress(items: Iterable, stage: str = "") -> Iterator:
        items = list(items)
        total = max(1, len(items))
        for i, item in enumerate(items):
            bar.progress(i / total, text=f"{label} {stage} {i + 1}/{len(items)}")
            yield item
        bar.progress(1.0, text=f"{label} {stage}")

    return progress
