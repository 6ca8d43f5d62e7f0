"""SafeCite page (first version): ask a question, get a cited answer, open each
citation to see its passage. The full chat page builds on the same calls."""
from __future__ import annotations

import os

import streamlit as st

from answer.llm import LLMConfig
from answer.models import MODES
from answer.service import answer_question
from index import Index
from ingest.errors import SafeCiteError

INDEX = os.environ.get("SAFECITE_INDEX") or os.path.join("var", "index")

st.set_page_config(page_title="SafeCite", layout="wide")
st.title("SafeCite")


@st.cache_resource
def open_index(folder: str) -> Index:
    return Index.open(folder, serving=True)


try:
    index = open_index(INDEX)
    llm = LLMConfig.from_env()
except SafeCiteError as exc:
    st.error(str(exc))
    st.stop()

with st.sidebar:
    st.header("Indexed")
    st.caption(f"{index.manifest['documents']} documents, {index.manifest['chunks']} chunks · {index.manifest['created']}")
    for doc_type, lang, docs, chunks in index.catalog.stats():
        st.write(f"{doc_type} ({lang}): {docs} documents, {chunks} chunks")

mode = st.selectbox("Job", ["auto", *MODES], format_func=lambda m: {
    "auto": "Ask", "howto": "Inspection checklist", "rectify": "Rectification requirements",
    "similar": "Similar findings", "lookup": "Look up a rule"}[m])
question = st.text_input("Question", placeholder="How do I inspect dust explosion risks in a polishing workshop?")
if question:
    answer = answer_question(index, question, mode=mode, llm=llm)
    if answer.resolved_question != question:
        st.caption(f"Resolved question: {answer.resolved_question}")
    if answer.notice:
        st.info(answer.notice)
    if answer.grounded:
        st.markdown(answer.answer)
    else:
        st.warning(answer.answer)
    for c in answer.citations:
        page = f" · p. {c.page}" if c.page else ""
        with st.expander(f"[{c.n}] {c.title} — {c.locator}{page} ({c.doc_type})"):
            st.caption(c.source)
            st.text(c.text)
    if answer.nearest:
        st.caption("Nearest passages (not answering):")
        for c in answer.nearest:
            with st.expander(f"{c.title} — {c.locator}"):
                st.text(c.text)
