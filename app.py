"""SafeCite page. For now it shows what has been ingested: documents, their
chunks and the locator each chunk is cited by. Search and cited answers build
on the index and answer packages."""
from __future__ import annotations

import os
from collections import Counter

import streamlit as st

from ingest.writer import read_chunks

INDEX = os.environ.get("SAFECITE_INDEX") or os.path.join("var", "index")

st.set_page_config(page_title="SafeCite", layout="wide")
st.title("SafeCite")


@st.cache_resource
def load(index_dir: str, stamp: float):
    return read_chunks(index_dir)


path = os.path.join(INDEX, "chunks.jsonl")
if not os.path.exists(path):
    st.error(f"No ingested documents in {INDEX}. Run `make run` (or `python -m ingest corpus --index {INDEX}`).")
    st.stop()

chunks = load(INDEX, os.path.getmtime(path))
by_source: dict[str, list] = {}
for chunk in chunks:
    by_source.setdefault(chunk.source, []).append(chunk)

with st.sidebar:
    st.header("Indexed")
    st.write(f"{len(by_source)} files, {len(chunks)} chunks")
    for (doc_type, lang), count in sorted(Counter((c.doc_type, c.lang) for c in chunks).items()):
        st.write(f"{doc_type} ({lang}): {count} chunks")

source = st.selectbox("Document", sorted(by_source))
needle = st.text_input("Filter chunks containing")
shown = [c for c in by_source[source] if needle.lower() in c.text.lower()]
first = by_source[source][0]
st.caption(f"{first.title} · {first.doc_type} · {first.lang} · {len(shown)} of {len(by_source[source])} chunks")
for chunk in shown[:200]:
    page = f" · p. {chunk.page_start}" if chunk.page_start else ""
    with st.expander(f"{chunk.locator}{page}"):
        if chunk.heading_path:
            st.caption(" › ".join(chunk.heading_path))
        st.text(chunk.text)
