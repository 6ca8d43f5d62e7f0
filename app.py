"""SafeCite page: a chat whose answers cite document, article and page, with
the passage behind every [n] one click away.

Read top to bottom: the service (the index, its embedders, audit log and
language model: once per process), the session (history, language), the
sidebar (language, documents, audit trail, export), then the chat with its job
selector. The service (service/) does the work; this script only lays it out.
"""
from __future__ import annotations

import datetime as dt
import uuid

import streamlit as st

from service import MAX_UPLOAD_MB, UPLOAD_TYPES, SafeCite, SafeCiteError, lang_of, settings
from ui import components as ui
from ui.i18n import LANG_NAMES, LANGS, MODES, browser_lang, text
from ui.markdown import escape

st.set_page_config(page_title="SafeCite", page_icon="📑", layout="wide")


# -- shared by every session of this process ---------------------------------
@st.cache_resource(max_entries=4)
def open_safecite(configured: str) -> SafeCite:
    """The index folder of the settings, its audit trail and language model,
    once per process and settings; every session asks through it, and an
    ingest from any session is seen by the next run of every other."""
    return SafeCite.open(audit=True)


# -- this session ----------------------------------------------------------------
state = st.session_state
if "sid" not in state:
    state.sid = st.query_params.get("session") or uuid.uuid4().hex[:16]
    st.query_params["session"] = state.sid
if "ui_lang" not in state:
    state.ui_lang = browser_lang(st.context.locale) or "en"
    state.lang_chosen = browser_lang(st.context.locale) is not None
if "follow_lang" in state:  # set after a question, before the language widget exists
    state.ui_lang = state.pop("follow_lang")
state.setdefault("upload_round", 0)

try:
    safecite = open_safecite(repr(settings()))
    overview = safecite.overview()
except SafeCiteError as exc:
    st.error(escape(str(exc)))
    st.stop()

if "history" not in state:  # a refreshed page gets its session's answers back from the audit log
    state.history = safecite.history(state.sid)


# -- sidebar: language, documents, audit trail, export --------------------------
with st.sidebar:
    st.radio(text(state.ui_lang, "language"), LANGS, format_func=LANG_NAMES.get, horizontal=True, key="ui_lang",
             on_change=lambda: state.update(lang_chosen=True))
    lang = state.ui_lang

    st.header(text(lang, "documents"))
    if overview is not None:
        st.caption(text(lang, "indexed", documents=overview["documents"], chunks=overview["chunks"],
                        generation=overview["generation"], created=overview["created"]))
        for doc_type, doc_lang, docs, chunks in overview["per_type"]:
            st.write(text(lang, "per_type", doc_type=doc_type, doc_lang=doc_lang, documents=docs, chunks=chunks))
    files = st.file_uploader(text(lang, "upload"), type=[t.lstrip(".") for t in UPLOAD_TYPES],
                             accept_multiple_files=True, help=text(lang, "upload_help", mb=MAX_UPLOAD_MB),
                             key=f"uploader-{state.upload_round}")
    st.caption(text(lang, "upload_help", mb=MAX_UPLOAD_MB))
    if files and st.button(text(lang, "ingest_button"), key="ingest"):
        try:
            summary = safecite.add_files([(f.name, f.getvalue()) for f in files],
                                         progress=ui.progress_bar(text(lang, "ingesting")))
            state.upload_summary = summary
            state.upload_round += 1  # a fresh, empty uploader
        except SafeCiteError as exc:
            st.error(escape(str(exc)))
        overview = safecite.overview()
    if summary := state.get("upload_summary"):
        for key, names in (("added", summary.added), ("replaced", summary.replaced),
                           ("unchanged", summary.unchanged), ("removed", summary.removed)):
            if names:
                st.success(escape(text(lang, key, names=", ".join(names))))
        for skipped in summary.skipped:
            st.warning(escape(text(lang, "skipped", name=skipped.source, reason=skipped.reason)))
        if not (summary.changed or summary.unchanged or summary.skipped):
            st.info(text(lang, "nothing"))

    if overview is not None:
        docs = safecite.documents()
        labels = safecite.upload_names()
        with st.expander(text(lang, "remove")):
            st.dataframe([{"title": d.title, "type": d.doc_type, "lang": d.lang, "chunks": d.chunks,
                           "source": labels.get(d.source, d.source), "ingested": d.ingested_at} for d in docs],
                         hide_index=True)
            chosen = st.selectbox(text(lang, "remove"), docs, index=None, key="remove_doc",
                                  format_func=lambda d: f"{d.title} ({labels.get(d.source, d.source)})")
            st.caption(text(lang, "remove_note"))
            if chosen is not None and st.button(text(lang, "remove_button"), key="remove"):
                try:
                    report = safecite.remove(chosen)
                    st.success(escape(text(lang, "removed", names=", ".join(
                        labels.get(s, s) for s in report.removed) or "-")))
                except SafeCiteError as exc:
                    st.error(escape(str(exc)))
                overview = safecite.overview()

    st.header(text(lang, "audit"))
    st.caption(escape(text(lang, "audit_caption", path=str(safecite.audit.path))))
    with st.expander(text(lang, "audit")):
        entries = safecite.audit.entries(200)
        if entries:
            st.dataframe([{k: e[k] for k in ("at", "question", "grounded", "mode", "generation", "generator")}
                          for e in entries], hide_index=True)
        else:
            st.caption(text(lang, "audit_empty"))
        st.download_button(text(lang, "audit_export"), data=safecite.audit.to_csv(), file_name="safecite-audit.csv",
                           mime="text/csv", key="audit-export")
    if state.history:
        st.download_button(text(lang, "export_session"), key="session-export", mime="text/markdown",
                           data=safecite.export(state.history, lang),
                           file_name=f"safecite-session-{dt.date.today().isoformat()}.md")

# -- the chat ----------------------------------------------------------------
st.title(text(lang, "title"))
st.caption(text(lang, "tagline"))
if overview is None:
    st.info(text(lang, "no_index"))
    st.stop()

chat = st.container()
with st.container(border=True):
    mode = st.segmented_control(text(lang, "mode"), MODES, default="auto", key="mode",
                                format_func=lambda m: text(lang, f"mode.{m}")) or "auto"
    example = text(lang, f"example.{mode}")
    clicked = st.button(text(lang, "example", question=example), key=f"example-{mode}", type="tertiary")
    filters: dict = {}
    if mode == "similar":
        with st.expander(text(lang, "filters")):
            columns = st.columns(5)
            for column, name in zip(columns[:3], ("city", "sector", "status")):
                with column:
                    filters[name] = st.multiselect(text(lang, f"filter.{name}"), safecite.field_values(name, lang),
                                                   key=f"filter-{name}")
            with columns[3]:
                filters["date_from"] = st.date_input(text(lang, "filter.date_from"), value=None, key="filter-from")
            with columns[4]:
                filters["date_to"] = st.date_input(text(lang, "filter.date_to"), value=None, key="filter-to")
        filters = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if v}
    typed = st.chat_input(text(lang, "input"), key="question")
question = typed or (example if clicked else None)

with chat:
    for i, turn in enumerate(state.history):
        with st.chat_message("user"):
            st.markdown(escape(turn.answer.question))
        with st.chat_message("assistant"):
            ui.render_answer(turn, safecite, lang, str(i))
    if question:
        with st.chat_message("user"):
            st.markdown(escape(question))
        with st.chat_message("assistant"):
            history, session = list(state.history), state.sid  # read here: ask may run in a worker thread
            try:
                def ask(on_token=None):
                    return safecite.ask(question, mode, filters, history, session=session, on_token=on_token)

                if safecite.llm is not None and safecite.llm.stream:
                    streaming = st.empty()
                    with streaming.container():
                        st.caption(text(lang, "llm_streaming"))
                        turn = ui.stream_answer(ask)
                    streaming.empty()  # the verified answer replaces the streamed text
                else:
                    turn = ask()
            except (SafeCiteError, ValueError) as exc:
                st.error(text(lang, "error", message=escape(str(exc))))
                st.stop()
            state.history.append(turn)
            ui.render_answer(turn, safecite, lang, str(len(state.history) - 1))
        if not state.lang_chosen and lang_of(question) != lang:
            state.follow_lang = lang_of(question)  # no browser language known: follow the question's
            st.rerun()
