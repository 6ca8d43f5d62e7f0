"""SafeCite page. For now: search the index and see each hit with its citation
(title, locator, page) and passage, plus what is indexed. Cited answers build
on this through the answer package."""
from __future__ import annotations

import os

import streamlit as st

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
except SafeCiteError as exc:
    st.error(str(exc))
    st.stop()

with st.sidebar:
    st.header("Indexed")
    st.caption(f"{index.manifest['documents']} documents, {index.manifest['chunks']} chunks · {index.manifest['created']}")
    for doc_type, lang, docs, chunks in index.catalog.stats():
        st.write(f"{doc_type} ({lang}): {docs} documents, {chunks} chunks")

query = st.text_input("Search regulations, standards, plans and findings")
col1, col2 = st.columns(2)
doc_type = col1.selectbox("Document type", ["", "regulation", "standard", "guidance", "plan", "record", "note"])
lang = col2.selectbox("Language", ["", "en", "zh"])
if query:
    filters = {k: v for k, v in {"doc_type": doc_type, "lang": lang}.items() if v}
    hits = index.search(query, k=10, filters=filters)
    if not hits:
        st.info("No passage matches.")
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        page = f" · p. {c.page_start}" if c.page_start else ""
        with st.expander(f"[{n}] {c.title} — {c.locator}{page} ({c.doc_type})"):
            if c.heading_path:
                st.caption(" › ".join(c.heading_path))
            st.text(c.text)
            st.caption(c.source)
