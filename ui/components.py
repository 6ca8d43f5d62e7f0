"""The Streamlit pieces of the page: one answer with its citations, a cited
passage in its document, the records, documents and audit tables, the
documents panel's ingest, and the streamed language-model text. `app.py` calls
these top to bottom. Every word of the page's own is in the page's language
(i18n.py); what documents say stays in theirs, a quote in the other language
labelled as the original (and, with a language model, its translation shown
under the passage, labelled as the model's).

Every string that comes from a document or a model goes through
`ui.markdown` (escaped) or into a dataframe cell; nothing is rendered as HTML.
The one stylesheet (`localise_uploader`) is a constant of this module.
"""
from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import streamlit as st

from service import Accounts, Citation, DocumentRow, Judgement, SafeCite, Turn, User, join_wrapped_lines, spelled

from .i18n import (TEXT, doc_type_name, generator_name, lang_name, locator_name, mode_name, reason_text, text,
                   when)
from .markdown import answer_markdown, escape, highlight, highlight_quote, quote_lang
from .static import pdf_page_url

RECORD_COLUMNS = (("rank", "col.rank"), ("record_id", "col.record"), ("finding", "col.finding"),
                  ("status", "col.status"), ("deadline", "col.deadline"),
                  ("rectification_required", "col.rectification"), ("regulation_cited", "col.clause"),
                  ("n", "col.n"), ("enterprise", "col.enterprise"), ("city", "col.city"), ("date", "col.date"),
                  ("hazard_category", "col.hazard"))


def citation_label(c: Citation, lang: str, nearest: bool = False) -> str:
    parts = [escape(c.title), escape(locator_name(lang, c.locator))]
    if c.page is not None:
        parts.append(text(lang, "page", page=c.page))
    if is_ocr(c):
        parts.append(text(lang, "ocr"))
    head = "" if nearest else f"\\[{c.n}\\] "
    return head + " — ".join(parts[:2]) + "".join(f" · {p}" for p in parts[2:]) + \
        f" · _{escape(doc_type_name(lang, c.doc_type))}_"


def is_ocr(c: Citation) -> bool:
    """Whether the cited passage was recognised by OCR (a scanned page or a photo)."""
    return bool(c.fields.get("ocr"))


def quote_labels(lang: str) -> dict[str, str]:
    """{language of a quote: its label} for quotes not in the page's language."""
    return {text(lang, "quote_other_lang"): text(lang, "quote_other")}


# The documents and audit tables' columns with their widths in pixels: every
# column in view on a laptop's page, the title and the question widest. (The
# audit CSV has all the log's columns.)
DOCUMENT_COLUMNS = {"title": 330, "type": 90, "lang": 60, "chunks": 60, "source": 250, "ingested": 140}
AUDIT_COLUMNS = {"at": 140, "question": 300, "grounded": 70, "mode": 90, "citations": 50, "generator": 170,
                 "generation": 100}


def column_widths(lang: str, prefix: str, columns: dict[str, int]) -> dict[str, Any]:
    """st.dataframe's column_config: each column's width, by its header in the page's language."""
    return {text(lang, f"{prefix}.{k}"): st.column_config.Column(width=w) for k, w in columns.items()}


def documents_table(docs: Iterable[DocumentRow], names: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """The documents' rows, headed and typed in the page's language; an upload
    by the name it was uploaded under."""
    rows = []
    for d in docs:
        values = {"title": d.title, "type": doc_type_name(lang, d.doc_type), "lang": lang_name(lang, d.lang),
                  "chunks": d.chunks, "source": names.get(d.source, d.source), "ingested": when(d.ingested_at)}
        rows.append({text(lang, f"doc.{k}"): values[k] for k in DOCUMENT_COLUMNS})
    return rows


def audit_table(entries: Iterable[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The audit trail's rows (newest first), headed and worded in the page's language."""
    rows = []
    for e in entries:
        values = {"at": when(e["at"]), "question": e["question"],
                  "grounded": text(lang, "yes" if e["grounded"] else "no"), "mode": mode_name(lang, e["mode"]),
                  "citations": len(json.loads(e.get("citations") or "[]")), "generation": e["generation"],
                  "generator": generator_name(lang, e["generator"])}
        rows.append({text(lang, f"audit.{k}"): values[k] for k in AUDIT_COLUMNS})
    return rows


def audit_headers(lang: str) -> dict[str, str]:
    """The audit CSV's column names in the page's language (audit.<column> texts)."""
    return {key[len("audit."):]: value for key, value in TEXT[lang].items() if key.startswith("audit.")}


def audit_words(lang: str) -> dict[str, Callable[[Any], str]]:
    """How the audit CSV writes the values that are SafeCite's own words, in
    the page's language (the job, the question's language, whether it was
    answered, by what); the rest is written as recorded."""
    return {"mode": lambda v: mode_name(lang, v), "lang": lambda v: lang_name(lang, v),
            "grounded": lambda v: text(lang, "yes" if v else "no"), "generator": lambda v: generator_name(lang, v)}


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
        # Each value in the page's language where the vocabulary spells it so (Overdue: 逾期未整改).
        shown = [doc_type_name(lang, str(v)) if key == "doc_type" else spelled(key, str(v), lang)
                 for v in values]
        parts.append(f"{name}{sep}{listing.join(shown)}")
    return text(lang, "filters_used", filters=" · ".join(parts)) if parts else ""


def render_source(safecite: SafeCite, chunk_id: str, lang: str, key: str, names: dict[str, str]) -> None:
    """The cited passage in its whole document, from the start of its article
    (an article split in several passages is shown whole) with the passage
    highlighted; a PDF's lines joined into paragraphs, for a PDF the page(s)
    the article is on. Text read by OCR is shown beside the page image it was
    recognised from."""
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
    view = view.for_display()
    start, end, article, body = view.start, view.end, view.article, view.text
    span = view.page_span() if view.is_pdf else None
    if span:
        st.caption(text(lang, "pdf_page", page=view.chunk.page_start))
        body, start, end, article = body[span[0]:span[1]], start - span[0], end - span[0], article - span[0]
    before = body[:article]
    image = safecite.page_image(chunk_id) if view.chunk.fields.get("ocr") else None
    if image is not None:
        picture, words = st.columns(2)
        with picture.container(height=420, key=f"scan-{key}"):
            st.image(image, caption=text(lang, "ocr_page", page=view.chunk.page_start or 1), width="stretch")
    else:
        words = st.container()
    with words.container(height=420, key=f"doc-{key}"):
        if before.strip() and st.toggle(text(lang, "before", chars=len(before)), key=f"before-{key}"):
            st.markdown(escape(before))
        st.markdown(highlight(body[article:], start - article, end - article))
    if view.is_pdf and view.path is not None and view.from_file:
        # The page itself, in the browser's PDF viewer.
        url = pdf_page_url(view.path, view.document.content_hash, view.chunk.page_start)
        st.markdown(f"[{text(lang, 'open_pdf_page', page=view.chunk.page_start or 1)}]({url})")
    if view.path is not None:
        name = names.get(view.document.source) or Path(view.document.source).name
        st.download_button(text(lang, "download_source"), data=view.path.read_bytes(), file_name=name,
                           key=f"file-{key}")


def passage_markdown(c: Citation) -> str:
    """A citation's passage with its quote highlighted; a PDF's hard line wraps joined."""
    at = c.text.find(c.quote) if c.quote else -1
    if not c.source.lower().endswith(".pdf"):
        return highlight_quote(c.text, c.quote)
    joined, moved = join_wrapped_lines(c.text)
    return highlight(joined, moved(at), moved(at + len(c.quote))) if at >= 0 else escape(joined)


def render_citation(safecite: SafeCite, c: Citation, lang: str, key: str, names: dict[str, str],
                    nearest: bool = False) -> None:
    with st.expander(citation_label(c, lang, nearest)):
        if quote_lang(c.quote or c.text) in quote_labels(lang):
            st.caption(text(lang, "quote_other"))
        if is_ocr(c):
            st.caption(text(lang, "ocr_note"))
        st.markdown(passage_markdown(c))
        if c.gloss:  # the language model's translation of the quote, under its label
            st.caption(text(lang, "gloss"))
            st.markdown(escape(c.gloss))
        st.caption(escape(names.get(c.source, c.source)))
        if st.toggle(text(lang, "open_source"), key=f"open-{key}"):
            render_source(safecite, c.chunk_id, lang, key, names)


def render_answer(turn: Turn, safecite: SafeCite, lang: str, key: str, user: User | None = None) -> None:
    answer = turn.answer
    names = safecite.upload_names()
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
                render_citation(safecite, c, lang, f"{key}-near{i}", names, nearest=True)
    else:
        if answer.notice:
            st.info(escape(answer.notice))
        st.markdown(answer_markdown(answer.answer, quote_labels(lang)))
        if answer.records:
            st.markdown(f"**{text(lang, 'records')}**")
            st.dataframe(records_table(answer.records, lang), hide_index=True, key=f"records-{key}")
        st.markdown(f"**{text(lang, 'citations')}**")
        for c in answer.citations:
            render_citation(safecite, c, lang, f"{key}-c{c.n}", names)
    st.download_button(text(lang, "export_answer"), data=safecite.export_answer(turn, lang, user=user),
                       file_name=f"safecite-answer-{key}.md", mime="text/markdown", key=f"export-{key}",
                       on_click=lambda: safecite.record_export(f"answer: {turn.answer.question}", user=user))


def audit_view(safecite: SafeCite, lang: str, user: User | None = None) -> None:
    """The audit trail's newest entries and its CSV export."""
    st.caption(escape(text(lang, "audit_caption", path=str(safecite.audit.path))))
    entries = safecite.audit.entries(200)
    if entries:
        st.dataframe(audit_table(entries, lang), hide_index=True, key="audit-table",
                     column_config=column_widths(lang, "audit", AUDIT_COLUMNS))
    else:
        st.caption(text(lang, "audit_empty"))
    st.download_button(text(lang, "audit_export"), key="audit-export", mime="text/csv",
                       data=safecite.audit_csv(audit_headers(lang), user=user, words=audit_words(lang)),
                       file_name="safecite-audit.csv")


def sso_providers(secrets: Mapping[str, Any] | None) -> list[tuple[str | None, str]]:
    """The single sign-on providers of secrets.toml's `[auth]` section, as
    (the provider st.login takes, the name shown): each named provider
    (`[auth.microsoft]` -> ("microsoft", "Microsoft")), or the one unnamed
    provider, shown by its server's host. No provider without an `[auth]` section."""
    try:
        auth = secrets.get("auth") if secrets is not None else None
    except FileNotFoundError:  # no secrets.toml at all
        return []
    if not isinstance(auth, Mapping):
        return []
    named = [(key, key.replace("_", " ").title()) for key, value in auth.items() if isinstance(value, Mapping)]
    if named:
        return named
    host = urlparse(str(auth.get("server_metadata_url", ""))).hostname
    return [(None, host or "single sign-on")]


def sign_in(accounts: Accounts, lang: str, providers: Sequence[tuple[str | None, str]] = ()) -> None:
    """The sign-in form: a name and password, or an API key alone; with
    single sign-on configured, a button per provider above it. A match puts
    the user in the session and runs the page again."""
    st.title(text(lang, "signin"))
    if providers:
        _single_sign_on(accounts, lang, providers)
    with st.form("signin"):
        name = st.text_input(text(lang, "signin_name"), key="signin-name")
        secret = st.text_input(text(lang, "signin_password"), type="password", key="signin-password")
        if st.form_submit_button(text(lang, "signin_button")):
            user = accounts.by_password(name.strip(), secret) if name.strip() else accounts.by_key(secret.strip())
            if user is None:
                st.error(text(lang, "signin_failed"))
            else:
                st.session_state.user = user
                st.rerun()


def _single_sign_on(accounts: Accounts, lang: str, providers: Sequence[tuple[str | None, str]]) -> None:
    """Someone back from the provider is signed in as the account of their
    email or name (Accounts.by_identity), whose role the accounts file holds;
    someone without an account is told to ask an admin, and may sign out of
    the provider to sign in here otherwise."""
    who = st.user.to_dict()
    if who.get("is_logged_in"):
        user = accounts.by_identity(who.get("email"), who.get("name"))
        if user is not None:
            st.session_state.user = user
            st.session_state.sso = True  # signing out then signs out of the provider too
            st.rerun()
        st.warning(escape(text(lang, "sso_unknown", who=who.get("email") or who.get("name") or "?")))
        if st.button(text(lang, "signout"), key="sso-signout"):
            st.logout()
        return
    for provider, label in providers:
        if st.button(text(lang, "sso_button", provider=label), key=f"sso-{provider or 'default'}"):
            st.login(provider)


def document_notice(notice: tuple[str, Any] | None, lang: str) -> None:
    """What the last upload or removal did, until the next one or the next question."""
    if not notice:
        return
    kind, value = notice
    if kind == "upload":
        for label, names in (("added", value.added), ("replaced", value.replaced), ("unchanged", value.unchanged),
                             ("removed", value.removed)):
            if names:
                st.success(escape(text(lang, label, names=", ".join(names))))
        for skipped in value.skipped:
            st.warning(escape(text(lang, "skipped", name=skipped.source, reason=reason_text(lang, skipped.reason))))
        if not (value.changed or value.unchanged or value.skipped):
            st.info(text(lang, "nothing"))
    elif kind == "removed":
        st.success(escape(text(lang, "removed", names=", ".join(value) or "-")))
    elif kind == "cancelled":
        st.info(text(lang, "remove_cancelled"))
    else:
        st.error(text(lang, "error", message=escape(str(value))))


# Streamlit's file uploader has no setting for its own words (its button and
# the size line under it): on a Chinese page they are hidden and the button
# shows the page's word instead; the caption under it states types and size.
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{ content: "{label}"; }}
</style>"""


def localise_uploader(lang: str) -> None:
    if lang != "en":
        st.html(_UPLOADER_CSS.format(label=text(lang, "upload_button")))


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


def render_hazard(judgement: Judgement, lang: str) -> None:
    """A major-hazard verdict: the verdict, the item quoted, the conditions met
    (with the finding's words that meet them) or what is not met or not said,
    and the other items considered."""
    if judgement.item is None:
        st.warning(text(lang, "hazard.no_criteria"))
        return
    verdict = {True: "hazard.major", False: "hazard.not_major", None: "hazard.unknown"}[judgement.major]
    show = {True: st.error, False: st.success, None: st.warning}[judgement.major]
    show(text(lang, verdict))
    if judgement.reason == "language model":
        st.caption(text(lang, "hazard.llm"))
    elif "language model" in judgement.reason:
        st.caption(text(lang, "hazard.llm_dropped"))
    item = judgement.item
    head = "hazard.item" if judgement.major else "hazard.nearest"
    st.markdown(escape(text(lang, head, locator=item.locator, title=item.title)))
    st.markdown("> " + escape(item.text))
    if item.chunk.lang != lang:
        st.caption(text(lang, "quote_other"))  # the item quoted in its own language
    lines = []
    if judgement.reason.startswith("exception: "):
        lines.append(text(lang, "hazard.exception", phrase=judgement.reason.split(": ", 1)[1]))
    if judgement.reason.startswith("other kind: "):
        lines.append(text(lang, "hazard.kind", kind=judgement.reason.split(": ", 1)[1]))
    if judgement.reason.startswith("other scope: "):
        named, scope = judgement.reason.split(": ", 1)[1].split("|")
        lines.append(text(lang, "hazard.scope", named=named, scope=scope))
    outside = judgement.outside  # words of a condition said, but the item excluded
    if judgement.says_little:
        lines.append(text(lang, "hazard.little"))
    for c in judgement.conditions:
        words = text(lang, "hazard.words", words="、".join(c.matched[:8])) if c.matched else ""
        key = {True: "hazard.outside" if outside else "hazard.met", False: "hazard.unmet", None: "hazard.unsaid"}[c.met]
        if c.met is not None or (judgement.major is not True and not judgement.says_little):
            lines.append(text(lang, key, condition=c.text) + (f" ({words})" if words else ""))
    for line in lines:
        st.markdown("- " + escape(line))
    if judgement.follows:
        st.markdown(escape(text(lang, "hazard.follows")))
        for f in judgement.follows:
            st.markdown("- " + escape(f"{f['quote']} ({f['title']} {f['locator']})"))
    with st.expander(text(lang, "hazard.others")):
        for other in judgement.ranked[1:4]:
            st.markdown(f"**{escape(other.locator)}** " + escape(other.text))
