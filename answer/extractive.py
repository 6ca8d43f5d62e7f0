"""The default answerer: no language model. It picks, from the retrieved
passages, the sentences and clause items that answer the question, and composes
them so that every statement is a verbatim quote ending with its citation [n].

Sentences are scored lexically (idf-weighted overlap with the question's
keyword tokens, synonyms included), so nothing is embedded at question time.
Whether the evidence answers at all is decided in grounding.py.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any, Mapping

from core.text import lang_of, sentence_spans
from index.search import Hit, Index
from index.tokenize import TokenFinder, tokenize
from ingest.models import DOC_TYPES, Chunk

from . import answerability, checklist, rectify
from .grounding import states_what_is_asked, subject_weights
from .layout import Section, render
from .models import REFUSAL, Answer, Citations, citation_for
from .question import FINES, Asked, asked_for, asks_for_records, follow_up_question, job_of, resolve_follow_up
from .similar import LISTED, question_filters, similar_answer
from .similar import search as similar_search

_DEADLINE = re.compile(r"\d+\s*(日|天|个月|小时|工作日)|within|days?\b|hours?\b|months?\b|期限|时限|限期|之日起|以前|before|no later than", re.I)
_BULLET = re.compile(r"[-*•]\s+")
_SPACES = re.compile(r"\s+")
MAX_STATEMENTS = {"howto": 8, "rectify": 7, "lookup": 6, "similar": 5}
FLOOR_SHARE = 0.25  # a sentence must score this share of the best one to be used as evidence
TOP_HITS = {"howto": 5, "rectify": 5, "lookup": 5, "similar": 5}  # hits that each contribute their best sentence
TOP_HIT_LOW = 0.0  # a top hit's best sentence is stated down to this share of the floor
SUBJECT_FLOOR = 1e-9  # the share of the question's subject a stated sentence must hold
# Passages in the question's own language a checklist or a rectification has
# among its hits at least (`_own_language`).
OWN_PASSAGES = 4
# A checklist or rectification entry found by meaning: this high in a dense list.
OPENING_DENSE_RANK = 5
# A statement that opens a list ("You must give OSHA the following
# information:", "应当符合下列要求：") is followed by the list's items, up to this
# many: in its chunk, then in the next chunk of the same document when the hit
# holds it. Without them the answer says that there is a list and not what is on it.
LIST_ITEMS = 8
# An item's mark, by kind: a list goes on while its items are marked alike
# ("(i)" ... "(viii)", not the "(3)" of the paragraph after it).
_ITEM = re.compile(r"\s*(?:(?P<roman>[(（]\s*[ivxlc]{1,5}\s*[)）])|(?P<paren>[(（]\s*\d{1,2}\s*[)）])|"
                   r"(?P<letter>[(（]\s*[a-z]\s*[)）]|[a-z][.)]\s)|(?P<cjk>[(（][一二三四五六七八九十]{1,3}[)）])|"
                   r"(?P<dun>[一二三四五六七八九十]{1,3}、)|(?P<number>\d{1,2}\s*[.)、．]\D)|(?P<bullet>[-*•]))",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    hit_rank: int
    start: int
    end: int
    score: float
    part: int = 0  # the chunk's place in its hit (0: the lead chunk, then the article's other parts)
    subject: float = 1.0  # the share of the question's subject it holds (without the words that ask)

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


class Answerer:
    """Extractive answers over an open index."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def _query_weights(self, question: str) -> dict[str, float]:
        tokens = tokenize(question, query=True)
        tokens += tokenize(" ".join(self.index.lexicon.expand_synonyms(question)), query=True)
        tokens += tokenize(" ".join(self.index.lexicon.translate(question)), query=True)
        return self.index.lexical.idf(list(dict.fromkeys(tokens)))

    def subject_weights(self, weights: dict[str, float], asked: Asked | None) -> dict[str, float]:
        """The question's weights without the words that ask (grounding.subject_weights)."""
        return subject_weights(self.index.lexicon, weights, asked)

    def score_sentences(self, hits: list[Hit], weights: dict[str, float], asked: Asked | None = None,
                        subject: dict[str, float] | None = None) -> list[Sentence]:
        """Every sentence of the hits with its score: the idf-weighted share of the
        question's tokens it contains, discounted by its hit's rank, and raised
        by half when it states what the question asks for (a period, a quantity);
        and the share of the question's subject (`subject` weights) it holds."""
        out = []
        total = sum(weights.values()) or 1.0
        subject = subject if subject is not None else weights
        subject_total = sum(subject.values()) or 1.0
        tokens_of = TokenFinder(weights)
        for rank, hit in enumerate(hits):
            prior = 1.0 / (1.0 + 0.15 * rank)
            for part, chunk in enumerate(hit.chunks):
                if chunk.doc_type == "record":
                    continue
                for start, end in sentence_spans(chunk.text):
                    bullet = _BULLET.match(chunk.text, start, end)
                    start = bullet.end() if bullet else start  # "- 15 days ..." is quoted without its dash
                    if end - start < 4:
                        continue
                    text = chunk.text[start:end]
                    tokens = tokens_of(text)
                    overlap = sum(w for t, w in weights.items() if t in tokens) / total
                    if overlap > 0:
                        boost = 1.5 if asked and states_what_is_asked(text, asked) else 1.0
                        held = sum(w for t, w in subject.items() if t in tokens) / subject_total
                        out.append(Sentence(chunk, rank, start, end, overlap * prior * boost, part, held))
        out.sort(key=lambda s: -s.score)
        return out

    def answer(self, question: str, *, mode: str = "auto", k: int = 8, filters: Mapping[str, Any] | None = None,
               previous: str | None = None) -> Answer:
        return self.answer_with_hits(question, mode=mode, k=k, filters=filters, previous=previous)[0]

    def answer_with_hits(self, question: str, *, mode: str = "auto", k: int = 8,
                         filters: Mapping[str, Any] | None = None,
                         previous: str | None = None) -> tuple[Answer, list[Hit]]:
        """The answer and the hits it was made from (a language model is given the same hits)."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        resolved = resolve_follow_up(question, previous)
        lang = lang_of(question)
        chosen = mode
        mode = job_of(question, resolved) if mode == "auto" else mode
        # Values of the records' fields the question names ("overdue", "in
        # Jiangchuan") filter the records; a question asking for records by
        # them goes to the records whatever else its words ask.
        named, describes = question_filters(self.index, resolved, filters) if chosen in ("auto", "similar") else ({}, True)
        if chosen == "auto" and named and asks_for_records(resolved):
            mode = "similar"
        t0 = time.perf_counter()
        if mode == "similar":
            filters = {**named, **(filters or {})}
            found = similar_search(self.index, resolved, max(k, LISTED) if named else k, filters)
            hits = [h for one in found for h in one.hits]
            timings["search"] = (time.perf_counter() - t0) * 1000
            result = similar_answer(self.index, question, resolved, lang, found, listing=bool(named) and not describes,
                                    limit=k)
        else:
            hits, scores = self.retrieval(resolved, mode, k, filters)
            timings["search"] = (time.perf_counter() - t0) * 1000
            # A follow-up asking a question of its own asks for what its own words
            # ask ("how frequently ... cleared out"), about the previous subject.
            own = follow_up_question(question) if resolved != question else None
            result = self._passages(question, resolved, lang, mode, hits, scores, asked_for(own or resolved))
        timings["total"] = (time.perf_counter() - started) * 1000
        asked = {key: value for key, value in (filters or {}).items() if value not in (None, "", [], ())}
        return Answer(**{**result, "filters": asked,
                         "timings_ms": {k2: round(v, 1) for k2, v in timings.items()}}), hits

    def retrieve(self, question: str, mode: str, k: int = 8, filters: Mapping[str, Any] | None = None) -> list[Hit]:
        """The hits an answer in `mode` is made from (see `retrieval`)."""
        return self.retrieval(question, mode, k, filters)[0]

    def retrieval(self, question: str, mode: str, k: int = 8,
                  filters: Mapping[str, Any] | None = None) -> tuple[list[Hit], dict[str, list[float]]]:
        """The hits an answer in `mode` is made from, and the ranked lists' scores:
        records for similar findings; for a checklist or rectification
        requirements, regulations, standards, guidance and plans (a record's
        finding is one enterprise's case and would take a passage's place), in
        the unfiltered ranking."""
        filters = dict(filters or {})
        if mode == "similar":
            filters.setdefault("doc_type", "record")
        elif mode in ("howto", "rectify") and "doc_type" not in filters:
            found = self.index.retrieve(question, 2 * k, filters)
            hits = [h for h in found.hits if h.chunk.doc_type != "record"][:k]
            if len(hits) < k:
                # Records crowded the passages out: the best passages of a search
                # among passages alone fill the places left.
                passages = {**filters, "doc_type": [t for t in DOC_TYPES if t != "record"]}
                seen = {h.chunk.chunk_id for h in hits}
                hits += [h for h in self.index.search(question, k, passages) if h.chunk.chunk_id not in seen][:k - len(hits)]
            lang = lang_of(question)
            if lang == "zh":
                # A Chinese checklist quotes Chinese passages first: English ones
                # reach a Chinese question only through the glossary translation.
                hits.sort(key=lambda h: h.chunk.lang != "zh")
            if "lang" not in filters:
                hits += self._own_language(question, lang, hits, filters)
            # What the job needs besides: the corpus's own checklists, read whole;
            # the plans' deadlines and the penalty clauses. They follow the hits
            # the answerability decision weighs.
            hits = checklist.whole_sections(self.index, hits)
            if mode == "howto":
                hits += checklist.titled_checklists(self.index, question, filters, hits)
            else:
                hits += rectify.extra_hits(self.index, question, lang_of(question), hits, filters)
            return hits, found.scores
        found = self.index.retrieve(question, k, filters)
        return found.hits, found.scores

    def _own_language(self, question: str, lang: str, hits: list[Hit], filters: Mapping[str, Any]) -> list[Hit]:
        """A checklist or a rectification quotes several passages, and a
        supervisor reads those of his own language first: when the search
        (which weighs the other language by how much of the question it is
        thought to answer) brought fewer than OWN_PASSAGES in the question's
        language, the best of a search among them. They follow the hits the
        answerability decision weighs."""
        have = sum(h.chunk.lang == lang for h in hits)
        if have >= OWN_PASSAGES:
            return []
        seen = {c.chunk_id for h in hits for c in h.chunks}
        own = {**filters, "lang": lang, "doc_type": [t for t in DOC_TYPES if t != "record"]}
        found = [h for h in self.index.search(question, OWN_PASSAGES, own) if h.chunk.chunk_id not in seen]
        return found[:OWN_PASSAGES - have]

    # -- regulations, standards, plans ------------------------------------
    def signals(self, question: str, lang: str, hits: list[Hit], scores: Mapping[str, list[float]],
                asked: Asked | None = None) -> answerability.Signals:
        """What the answerability model weighs for these hits (answerability.py)."""
        asked = asked or asked_for(question)
        own, translated = answerability.question_weights(self.index, question, asked)
        models = {name: route.model for name, route in self.index.routes.items()}
        spellings = {name: self.index.lexicon.translate(name) for name in asked.names}
        # A region the question names (a province, a state, a city) is named
        # like a standard: the question asks for that region's rules, which a
        # passage that never mentions the region (or its document's title) does
        # not give. Either language's spelling counts.
        regions = {_shown(r.text): r for r in self.index.lexicon.regions(question) if _shown(r.text) not in asked.names}
        if regions:
            asked = replace(asked, names=[*asked.names, *regions])
            spellings.update({name: [*r.same, *r.other] for name, r in regions.items()})
        return answerability.signals(question, lang, hits, scores, own, translated, asked, models, spellings)

    def judge(self, question: str, lang: str, hits: list[Hit], scores: Mapping[str, list[float]],
              asked: Asked | None = None) -> tuple[bool, float, str]:
        """(whether the hits answer, the probability that they do, why not in
        one sentence): the calibrated answerability decision. For an answer
        in the model's least sure band the sentence is its caution, for a
        sure one empty."""
        found = self.signals(question, lang, hits, scores, asked)
        model = answerability.load()
        grounded, confidence = model.answers(found)
        if grounded:  # why an answer carries a caution, if it does
            return True, confidence, answerability.caution(model, found, lang) if model.cautious(confidence) else ""
        return grounded, confidence, answerability.explain(model, found, lang)

    def _passages(self, question: str, resolved: str, lang: str, mode: str, hits: list[Hit],
                  scores: Mapping[str, list[float]] | None = None, asked: Asked | None = None) -> dict:
        base = {"question": question, "resolved_question": resolved, "mode": mode, "lang": lang}
        weights = self._query_weights(resolved)
        asked = asked or asked_for(resolved)
        if mode == "rectify" and asked.amount_of[:1] == [FINES[0]]:
            # The rectification job states fines in a section of its own, from
            # the penalty clauses it reads beyond the passages the decision
            # weighs (rectify.extra_hits): a fine's amount is not asked of those.
            asked = replace(asked, amount_of=[])
        subject = self.subject_weights(weights, asked)
        if mode in ("howto", "rectify"):
            composed = self._sections(resolved, hits, weights, subject, lang, mode)
            chosen = [section.entries for section in composed if section.entries]
        else:
            sentences = self.score_sentences(hits, weights, asked, subject)
            chosen = self._choose(sentences, mode, asked, hits)
        if not hits or not chosen:
            grounded, reason, confidence = False, answerability.no_match(lang), 0.0
        else:
            grounded, confidence, reason = self.judge(resolved, lang, hits, scores or {}, asked)
        base["confidence"] = round(confidence, 4)
        if not grounded:
            nearest = [citation_for(i + 1, h.chunk, _first_sentence(h.chunk), h.score) for i, h in enumerate(hits[:3])]
            return {**base, "grounded": False, "answer": REFUSAL[lang], "nearest": tuple(nearest),
                    "notice": reason}
        if reason:
            base["notice"] = reason  # the caution (answerability.CAUTION)
        closest = answerability.CLOSEST.get(lang, answerability.CLOSEST["en"]) if reason else ""
        if mode in ("howto", "rectify"):
            if closest:  # the same entries under the caution's label, not the job's sections
                composed = [Section(closest, [entry for section in composed for entry in section.entries])]
            body, cited = render(composed)
            return {**base, "grounded": True, "answer": body, "citations": cited}
        # Citations are numbered in the order retrieval ranked their passages:
        # the passage each statement quotes, then the other sources of the same
        # words (the same clause in another document), before the next statement.
        citations = Citations()
        numbers = {id(s): citations.cite(s.chunk, s.text, s.score)
                   for s in [g[0] for g in chosen] + [s for g in chosen for s in g[1:]]}
        lines = []
        for group in chosen:
            markers = list(dict.fromkeys(numbers[id(s)] for s in group))
            marks = "".join(f"[{n}]" for n in markers)
            # A sentence wrapped over lines (PDF text) is shown on one line.
            lines.append((markers[0], group[0], f"{_one_line(group[0].text)} {marks}"))
        if mode in ("howto", "rectify"):
            body = "\n".join(f"- {text}" for _, _, text in lines)
        else:
            body = " ".join(text for _, _, text in lines)
        if closest:
            body = f"#### {closest}\n{body}"
        # Each citation quotes the first sentence used from its chunk; statements
        # quote themselves verbatim, so every statement is a substring of its chunk.
        return {**base, "grounded": True, "answer": body, "citations": citations.all()}

    def _sections(self, question: str, hits: list[Hit], weights: dict[str, float], subject: dict[str, float],
                  lang: str, mode: str) -> list[Section]:
        """A checklist (checklist.py) or a rectification answer (rectify.py) of these hits."""
        dense_found = {rank for rank, hit in enumerate(hits) if _found_by_meaning(hit)}
        if mode == "howto":
            items, articles = checklist.select(*checklist.entries(hits, weights, subject, dense_found))
            return checklist.sections(items, articles, lang)
        return rectify.sections(question, hits, weights, subject, lang, dense_found)

    def _choose(self, sentences: list[Sentence], mode: str, asked: Asked | None = None,
                hits: list[Hit] = ()) -> list[list[Sentence]]:
        """Statements to make, each a list of sentences with the same text (the
        first is quoted; the others are the same words in other sources, cited
        too). First the best sentence of each of the top hits, so the answer
        cites what retrieval ranked first (a hit that shares no word with the
        question, found by meaning, across languages or by its title, by its
        first sentence),
        then the best sentences overall, up to the mode's limit, all within a
        share of the best score. Whether to answer at all is answerability's call."""
        # A sentence that holds none of the question's subject answers nothing,
        # however high it ranks: it states what is asked of something else.
        sentences = [s for s in sentences if s.subject >= SUBJECT_FLOOR]
        sentences = sentences + _opening_sentences(hits[:TOP_HITS[mode]], {s.hit_rank for s in sentences})
        if not sentences:
            return []
        floor = sentences[0].score * FLOOR_SHARE
        limit = MAX_STATEMENTS[mode]
        chosen: list[list[Sentence]] = []
        by_text: dict[str, int] = {}

        def take(sentence: Sentence, force: bool = False, low: float = 1.0) -> None:
            if sentence.score < floor * low:
                return
            norm = _SPACES.sub("", sentence.text)
            if len(norm) < 6:
                return
            if norm in by_text:
                group = chosen[by_text[norm]]
                if all(s.chunk.chunk_id != sentence.chunk.chunk_id for s in group):
                    group.append(sentence)
            elif len(chosen) < limit or force:
                by_text[norm] = len(chosen)
                chosen.append([sentence])

        best_per_hit: dict[int, Sentence] = {}
        for sentence in sentences:
            best_per_hit.setdefault(sentence.hit_rank, sentence)
        for rank in sorted(best_per_hit)[:TOP_HITS[mode]]:
            take(best_per_hit[rank], force=True, low=TOP_HIT_LOW)
        if asked and (asked.period or asked.units or asked.share or asked.amount_of):
            # The question asks for a period or a quantity: state the best one
            # found, and the one each of the top hits states.
            stating = [s for s in sentences[:60] if states_what_is_asked(s.text, asked)]
            if stating:
                take(stating[0], force=True)
            for rank in sorted(best_per_hit)[:TOP_HITS[mode]]:
                stated = next((s for s in stating if s.hit_rank == rank), None)
                if stated:
                    take(stated, force=True)
        if mode == "rectify":
            # Deadlines are what a rectification order turns on: keep the best one found.
            deadline = next((s for s in sentences[:40] if _DEADLINE.search(s.text)), None)
            if deadline:
                take(deadline, force=True)
        for sentence in sentences:
            if sentence.score < floor:
                break  # sorted by score: none after it is taken either
            take(sentence)
        for group in chosen:
            # The same words in several chunks of one hit (a clause and a
            # collection quoting it): the hit's own document is quoted first.
            group.sort(key=lambda s: (s.hit_rank, s.chunk.doc_id != hits[s.hit_rank].chunk.doc_id, s.part))
        chosen.sort(key=lambda group: (group[0].hit_rank, group[0].part, group[0].start))
        out: list[list[Sentence]] = []
        said = set(by_text)
        # A chosen statement that is an item of a list another one opens is
        # stated in its place in the list ("(1) ..." before "(2) ..."), once.
        groups = {_SPACES.sub("", group[0].text): group for group in chosen}
        placed: set[int] = set()
        for group in chosen:
            if id(group) in placed:
                continue
            out.append(group)
            placed.add(id(group))
            for item in _list_items(group[0], hits):
                norm = _SPACES.sub("", item.text)
                if norm not in said:
                    said.add(norm)
                    out.append([item])
                elif norm in groups and id(groups[norm]) not in placed:
                    out.append(groups[norm])
                    placed.add(id(groups[norm]))
        return out


def _list_items(opening: Sentence, hits: list[Hit]) -> list[Sentence]:
    """The items of the list a statement opens (it ends with a colon, or with a
    colon and the list's first item): the item sentences right after it in its
    chunk, then at the start of the document's next chunk if the hit holds that
    chunk, marked like the first, up to LIST_ITEMS; none if what follows the
    colon is not an item."""
    text = opening.text
    colon = max(text.rfind(":"), text.rfind("："))
    if colon < 0 or opening.hit_rank >= len(hits):
        return []
    kind = None
    if text[colon + 1:].strip():  # "下列要求：（一）采用负压吸尘；": the list's first item is in the statement
        mark = _ITEM.match(text, colon + 1)
        if mark is None:
            return []
        kind = mark.lastgroup
    chunk, after, out = opening.chunk, opening.end, []
    parts = {c.start: c for c in hits[opening.hit_rank].chunks if c.doc_id == chunk.doc_id}
    while chunk is not None:
        for start, end in sentence_spans(chunk.text):
            if start < after:
                continue
            mark = _ITEM.match(chunk.text, start, end)
            if mark is None or kind not in (None, mark.lastgroup) or len(out) >= LIST_ITEMS:
                return out
            kind = mark.lastgroup
            out.append(Sentence(chunk, opening.hit_rank, start, end, opening.score, opening.part, opening.subject))
        # the next part: starting where this one ends, or a line break or two later
        chunk, after = parts.get(chunk.end) or next((c for at, c in parts.items() if 0 < at - chunk.end <= 2), None), 0
    return out


def _opening_sentences(hits: list[Hit], scored: set[int]) -> list[Sentence]:
    """The first sentence of each hit none of whose sentences shares a word
    with the question (score 0: after every scored sentence). The hits are the
    ones retrieval ranked first, by meaning, across languages (the glossary
    translation) or by words of the document's title and headings: the answer
    keeps them. On `tune`, requiring a dense list's top ranks as well (as
    before) left one English question's Chinese answer, found by the glossary
    translation, uncited: answer citation hit@5 0.680 -> 0.689, refusals
    unchanged (docs/quality.md)."""
    out = []
    for rank, hit in enumerate(hits):
        if rank in scored or hit.chunk.doc_type == "record":
            continue
        spans = [(a, b) for a, b in sentence_spans(hit.chunk.text) if len(_SPACES.sub("", hit.chunk.text[a:b])) >= 6]
        if spans:
            out.append(Sentence(hit.chunk, rank, spans[0][0], spans[0][1], 0.0, 0))
    return out


def _found_by_meaning(hit: Hit) -> bool:
    """A dense list ranks the hit near its top (OPENING_DENSE_RANK): any list
    of embeddings, the other language's part of one or the glossary's."""
    return min((r for name, r in hit.ranks.items() if "dense" in name),
               default=OPENING_DENSE_RANK + 1) <= OPENING_DENSE_RANK


def _first_sentence(chunk: Chunk) -> str:
    spans = sentence_spans(chunk.text)
    return chunk.text[spans[0][0]:spans[0][1]] if spans else chunk.text


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def _shown(place: str) -> str:
    """A place as a refusal names it: places.tsv's English spellings are
    lower case ("jiangsu" -> "Jiangsu"); others as they are."""
    return place.title() if place.isascii() and place.islower() else place
