"""One call from a question to an Answer: the extractive answer always, then,
when an LLM is configured and the evidence answers, the model's answer over the
same passages, verified (answer/llm.py), and a gloss in the answer's language
for each quote in the other language (answer/gloss.py). Used by the CLI and
the page."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from index.search import Index

from .extractive import Answerer
from .gloss import with_glosses
from .llm import LLMClient, LLMConfig, model_failed, verified_llm_answer
from .models import Answer, citation_for


def answer_question(index: Index, question: str, *, mode: str = "auto", k: int = 8,
                    filters: Mapping[str, Any] | None = None, previous: str | None = None,
                    llm: LLMConfig | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    extractive, hits = Answerer(index).answer_with_hits(question, mode=mode, k=k, filters=filters, previous=previous)
    if llm is None or not extractive.grounded or extractive.mode == "similar":
        return extractive
    client = LLMClient(llm)
    passages = [citation_for(n, hit.chunk, hit.chunk.text, hit.score) for n, hit in enumerate(hits, start=1)]
    answer = verified_llm_answer(question, extractive.resolved_question, extractive.lang, extractive.mode,
                                 passages, extractive, client, on_token=on_token)
    if not model_failed(answer):
        answer = with_glosses(answer, client)
    return replace(answer, filters=extractive.filters)
