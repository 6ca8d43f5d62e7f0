"""SafeCite page: a chat whose answers cite document, article and page, with
the passage behind every [n] one click away.

Read top to bottom: the service (the index, its embedders, audit log and
language model: once per process), the session (history, language, both kept
in the address), the sidebar (language, document counts, upload and removal),
then the page's tabs: the chat with its job selector, the indexed documents
and the audit trail. The service (service/) does the work; this script only
lays it out, every word of its own in the page's language (ui/i18n.py).
"""
from __future__ import annotations

import datetime as dt
import uuid

import streamlit as st

from service import (MAX_UPLOAD_MB, UPLOAD_TYPES, Accounts, SafeCite, SafeCiteError, lang_of, may, served_to_others,
                     settings)
from ui import components as ui
from ui.i18n import LANG_NAMES, LANGS, MODES, browser_lang, doc_type_name, lang_name, text, when
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
# The session id and the page's language are in the address (?session=…&lang=zh),
# so a refreshed page is the same page: its answers, in its language.
state = st.session_state
if "sid" not in state:
    state.sid = st.query_params.get("session") or uuid.uuid4().hex[:16]
    st.query_params["session"] = state.sid
if "ui_lang" not in state:
    chosen = st.query_params.get("lang")
    state.ui_lang = chosen if chosen in LANGS else browser_lang(st.context.locale) or "en"
    state.lang_chosen = chosen in LANGS or browser_lang(st.context.locale) is not None
if "follow_lang" in state:  # set after a question, before the language widget exists
    state.ui_lang = state.pop("follow_lang")
state.setdefault("upload_round", 0)
state.setdefault("hazards", [])  # (finding, judgement) of the major-hazard job, this session
state.setdefault("remove_round", 0)

try:
    safecite = open_safecite(repr(settings()))
    overview = safecite.overview()
except SafeCiteError as exc:
    st.error(escape(str(exc)))
    st.stop()

# -- who: with accounts, a sign-in (a password, an API key, or single sign-on when
# secrets.toml has an [auth] section); without, only on this machine -------------
accounts = Accounts()
if accounts.exist():
    if state.get("user") is None:
        ui.sign_in(accounts, state.ui_lang, ui.sso_providers(st.secrets))
        st.stop()
elif served_to_others(st.get_option("server.address")):
    st.error(text(state.ui_lang, "public_without_accounts", address=st.get_option("server.address")))
    st.stop()
user = state.get("user")  # None: no accounts, everything allowed


def allowed(action: str) -> bool:
    return user is None or may(user.role, action)


if "history" not in state:  # a refreshed page gets its session's answers back from the audit log
    state.history = safecite.history(state.sid)


def clear_notice() -> None:
    """A new upload, removal or question: the last one's messages are stale.
    (A callback: it runs before the page does, so they are not drawn again.)"""
    state.pop("doc_notice", None)
    state.pop("confirm_remove", None)


# -- sidebar: language, documents (counts, upload, removal), export -------------
with st.sidebar:
    st.radio(text(state.ui_lang, "language"), LANGS, format_func=LANG_NAMES.get, horizontal=True, key="ui_lang",
             on_change=lambda: state.update(lang_chosen=True))
    lang = state.ui_lang
    st.query_params["lang"] = lang

    if user is not None:
        st.caption(text(lang, "signed_in", name=user.name, role=text(lang, f"role.{user.role}")))
        if st.button(text(lang, "signout"), key="signout"):
            state.pop("user", None)
            if state.pop("sso", False):
                st.logout()  # else the provider's sign-in would sign them in again
            st.rerun()

    st.header(text(lang, "documents"))
    names = safecite.upload_names()
    if overview is not None:
        st.caption(text(lang, "indexed", documents=overview["documents"], chunks=overview["chunks"],
                        generation=overview["generation"], created=when(overview["created"])))
        for doc_type, doc_lang, count, chunks in overview["per_type"]:
            st.write(text(lang, "per_type", doc_type=doc_type_name(lang, doc_type), doc_lang=lang_name(lang, doc_lang),
                          documents=count, chunks=chunks))
    ui.localise_uploader(lang)
    files = None if not allowed("upload") else st.file_uploader(text(lang, "upload"), type=[t.lstrip(".") for t in UPLOAD_TYPES],
                             accept_multiple_files=True, help=text(lang, "upload_help", mb=MAX_UPLOAD_MB),
                             key=f"uploader-{state.upload_round}", on_change=clear_notice)
    if allowed("upload"):
        st.caption(text(lang, "upload_help", mb=MAX_UPLOAD_MB))
    if files and st.button(text(lang, "ingest_button"), key="ingest"):
        try:
            summary = safecite.add_files([(f.name, f.getvalue()) for f in files],
                                         progress=ui.progress_bar(text(lang, "ingesting")), user=user)
            state.doc_notice = ("upload", summary)
        except SafeCiteError as exc:
            state.doc_notice = ("error", str(exc))
        state.upload_round += 1  # a fresh, empty uploader
        st.rerun()  # the counts and the list as they are now; the progress bar goes
    ui.document_notice(state.get("doc_notice"), lang)

    docs = safecite.documents()
    if docs and allowed("remove"):
        # Keyed: it stays open while messages above it come and go.
        with st.expander(text(lang, "remove"), key="remove-panel"):
            chosen = st.selectbox(text(lang, "remove"), docs, index=None, key=f"remove-doc-{state.remove_round}",
                                  format_func=lambda d: f"{d.title} ({names.get(d.source, d.source)})",
                                  placeholder=text(lang, "choose"), on_change=clear_notice,
                                  label_visibility="collapsed")
            st.caption(text(lang, "remove_note"))
            if chosen is not None and st.button(text(lang, "remove_button"), key="remove"):
                state.confirm_remove = chosen.doc_id
            if chosen is not None and state.get("confirm_remove") == chosen.doc_id:
                name = f"{chosen.title} ({names.get(chosen.source, chosen.source)})"
                st.warning(escape(text(lang, "remove_confirm_upload" if safecite.is_upload(chosen) else "remove_confirm",
                                       name=name)))
                yes, no = st.columns(2)
                if yes.button(text(lang, "remove_yes"), key="remove-yes", type="primary"):
                    try:
                        report = safecite.remove(chosen, user=user)
                        state.doc_notice = ("removed", [names.get(s, s) for s in report.removed])
                    except SafeCiteError as exc:
                        state.doc_notice = ("error", str(exc))
                    state.pop("confirm_remove", None)
                    state.remove_round += 1  # nothing selected any more
                    st.rerun()
                if no.button(text(lang, "remove_no"), key="remove-no"):
                    state.pop("confirm_remove", None)
                    state.doc_notice = ("cancelled", None)
                    st.rerun()


# -- the page: the chat, the documents and the audit trail, as tabs -------------
# The tables get the page's width: in the sidebar they showed a column or two.
st.title(text(lang, "title"))
st.caption(text(lang, "tagline"))
if overview is None:
    st.info(text(lang, "no_index"))
    st.stop()
chat_tab, documents_tab, audit_tab = st.tabs([text(lang, "tab.chat"), text(lang, "tab.documents"),
                                              text(lang, "audit")])
# -- the chat ----------------------------------------------------------------
with chat_tab:
    chat = st.container()
    with st.container(border=True):
        mode = st.segmented_control(text(lang, "mode"), MODES, default="auto", key="mode",
                                    format_func=lambda m: text(lang, f"mode.{m}")) or "auto"
        example = text(lang, f"example.{mode}")
        clicked = st.button(text(lang, "example", question=example), key=f"example-{mode}", type="tertiary",
                            on_click=clear_notice)
        filters: dict = {}
        if mode == "similar":
            with st.expander(text(lang, "filters")):
                columns = st.columns(5)
                for column, name in zip(columns[:3], ("city", "sector", "status")):
                    with column:
                        filters[name] = st.multiselect(text(lang, f"filter.{name}"), safecite.field_values(name, lang),
                                                       key=f"filter-{name}", placeholder=text(lang, "choose"),
                                                       select_all=False)  # Streamlit's "Select all" is English only
                with columns[3]:
                    filters["date_from"] = st.date_input(text(lang, "filter.date_from"), value=None, key="filter-from",
                                                         format="YYYY-MM-DD")
                with columns[4]:
                    filters["date_to"] = st.date_input(text(lang, "filter.date_to"), value=None, key="filter-to",
                                                       format="YYYY-MM-DD")
            filters = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if v}
        typed = st.chat_input(text(lang, "input"), key="question", on_submit=clear_notice)
    question = typed or (example if clicked else None)

    with chat:
        for i, turn in enumerate(state.history):
            with st.chat_message("user"):
                st.markdown(escape(turn.answer.question))
            with st.chat_message("assistant"):
                ui.render_answer(turn, safecite, lang, str(i), user)
        for finding, judgement in state.hazards:
            with st.chat_message("user"):
                st.markdown(escape(finding))
            with st.chat_message("assistant"):
                ui.render_hazard(judgement, lang)
        if question and mode == "hazard":
            with st.chat_message("user"):
                st.markdown(escape(question))
            with st.chat_message("assistant"):
                try:
                    judgement = safecite.judge_hazard(question, user=user)
                except (SafeCiteError, ValueError) as exc:
                    st.error(text(lang, "error", message=escape(str(exc))))
                    st.stop()
                state.hazards.append((question, judgement))
                ui.render_hazard(judgement, lang)
        elif question:
            with st.chat_message("user"):
                st.markdown(escape(question))
            with st.chat_message("assistant"):
                history, session = list(state.history), state.sid  # read here: ask may run in a worker thread
                try:
                    def ask(on_token=None):
                        return safecite.ask(question, mode, filters, history, session=session, on_token=on_token,
                                            user=user)

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
                ui.render_answer(turn, safecite, lang, str(len(state.history) - 1), user)
            if not state.lang_chosen and lang_of(question) != lang:
                state.follow_lang = lang_of(question)  # no browser language known: follow the question's
                st.rerun()

# -- after the chat, so that they hold its last answer: documents, audit trail, export --
with documents_tab:
    st.dataframe(ui.documents_table(docs, names, lang), hide_index=True, key="documents-table",
                 column_config=ui.column_widths(lang, "doc", ui.DOCUMENT_COLUMNS))
with audit_tab:
    if allowed("audit"):
        ui.audit_view(safecite, lang, user)
    else:
        st.caption(text(lang, "audit_admins"))
with st.sidebar:
    if state.history:
        st.download_button(text(lang, "export_session"), key="session-export", mime="text/markdown",
                           data=safecite.export(state.history, lang, user=user),
                           on_click=lambda: safecite.record_export(f"session, {len(state.history)} answers", user=user),
                           file_name=f"safecite-session-{dt.date.today().isoformat()}.md")
